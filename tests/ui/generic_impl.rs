#![allow(unused)]

use std::marker::PhantomData;

use sio::consumer;

#[derive(Default)]
struct Chat<T>(PhantomData<T>);

#[consumer(namespace = "/chat")]
impl<T> Chat<T> {}

fn main() {}
