#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    fn event_message(&mut self, socket: &Socket, text: String) {}
}

// The consumer is still nameable: no second error here.
fn main() {
    let _ = sio::App::builder().consumer::<Chat>();
}
