#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat", room = "lobby")]
impl Chat {
    fn event_message(&mut self, socket: &Socket) {}

    async fn event_leave(self, socket: &Socket) {}
}

fn main() {}
