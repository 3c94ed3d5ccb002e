#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

struct NotDeserialize;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn event_message(&mut self, socket: &Socket, payload: NotDeserialize) {}
}

fn main() {}
