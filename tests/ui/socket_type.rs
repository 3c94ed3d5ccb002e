#![allow(unused)]

use sio::consumer;

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn event_message(&mut self, socket: &String) {}
}

fn main() {}
