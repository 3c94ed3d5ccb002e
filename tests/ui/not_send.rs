#![allow(unused)]

use std::rc::Rc;

use sio::consumer;

#[derive(Default)]
struct Chat {
    shared: Rc<u32>,
}

#[consumer(namespace = "/chat")]
impl Chat {}

fn main() {}
