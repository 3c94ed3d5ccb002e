#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn connect(&self, socket: &Socket) -> bool {
        true
    }

    async fn event_message(self: Box<Self>, socket: &Socket) {}

    async fn disconnect(socket: &Socket) {}
}

fn main() {}
