#![allow(unused)]

use sio::consumer;

#[derive(Default)]
struct Chat;

#[consumer(namspace = "/chat")]
impl Chat {}

fn main() {}
