#![allow(unused)]

use sio::consumer;

#[derive(Default)]
struct Chat;

#[consumer(namespace = "chat")]
impl Chat {}

fn main() {}
