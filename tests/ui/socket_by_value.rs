#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn event_message(&mut self, socket: &mut Socket) {}

    async fn event_other(&mut self, socket: Socket) {}
}

fn main() {}
