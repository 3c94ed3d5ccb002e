#![allow(unused)]

use sio::{DisconnectReason, Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn connect(&mut self, socket: &Socket, auth: serde_json::Value, room: String) {}

    async fn disconnect(&mut self, socket: &Socket, reason: DisconnectReason) -> bool {
        true
    }
}

fn main() {}
