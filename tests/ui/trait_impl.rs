#![allow(unused)]

use sio::consumer;

struct Chat;

#[consumer(namespace = "/chat")]
impl Default for Chat {
    fn default() -> Self {
        Chat
    }
}

fn main() {}
