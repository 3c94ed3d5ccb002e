#![allow(unused)]

use std::rc::Rc;

use sio::{Socket, consumer};

#[derive(Default)]
struct Chat;

#[consumer(namespace = "/chat")]
impl Chat {
    async fn event_message(&mut self, socket: &Socket) {
        let local = Rc::new(1);
        tokio::task::yield_now().await;
        drop(local);
    }
}

fn main() {}
