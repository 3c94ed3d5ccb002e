#![allow(unused)]

use sio::consumer;

#[consumer(namespace = "/chat")]
struct Chat;

fn main() {}
