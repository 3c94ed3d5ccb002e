#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

struct Token;

struct Reply;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn connect(&mut self, socket: &Socket, auth: Token) {}

    async fn disconnect(&mut self, socket: &Socket, reason: String) {}

    async fn event_message(&mut self, socket: &Socket) -> Reply {
        Reply
    }
}

fn main() {}
