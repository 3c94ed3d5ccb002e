#![allow(unused)]

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    #[event]
    async fn no_name(&mut self, socket: &Socket) {}

    #[event(42)]
    async fn not_a_string(&mut self, socket: &Socket) {}

    #[event("")]
    async fn empty(&mut self, socket: &Socket) {}

    #[event("hello")]
    async fn connect(&mut self, socket: &Socket) {}

    async fn event_(&mut self, socket: &Socket) {}
}

fn main() {}
