#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn event_disconnect(&mut self, socket: &Socket) {}

    #[event("newListener")]
    async fn listener(&mut self, socket: &Socket) {}
}

fn main() {}
