#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn event_message(self, socket: &Socket, text: String) {}
}

fn main() {}
