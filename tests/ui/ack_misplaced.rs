#![allow(unused)]

use sio::{Ack, Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn event_first(&mut self, socket: &Socket, ack: Option<Ack>, text: String) {}

    async fn event_both(&mut self, socket: &Socket, text: String, ack: Option<Ack>) -> String {
        text
    }
}

fn main() {}
