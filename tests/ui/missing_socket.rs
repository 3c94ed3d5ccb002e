#![allow(unused)]

use sio::consumer;

#[derive(Default)]
struct Game;

#[consumer(namespace = "/game")]
impl Game {
    async fn event_ping(&mut self) {}

    async fn event_move(&mut self, x: i32, y: i32) {}
}

fn main() {}
