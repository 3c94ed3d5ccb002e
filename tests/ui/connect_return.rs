#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn connect(&mut self, socket: &Socket) -> i32 {
        0
    }
}

fn main() {}
