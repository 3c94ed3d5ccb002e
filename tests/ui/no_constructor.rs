#![allow(unused)]

use sio::consumer;

struct Chat {
    name: String,
}

#[consumer(namespace = "/chat")]
impl Chat {}

fn main() {}
