//! The events of one socket waiting for its handler.
//!
//! A bounded FIFO with one consumer (the socket's task). Unlike a channel,
//! it allocates nothing while empty and gives a burst's memory back once
//! drained, so an idle socket costs a few words.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::handler::Event;

/// Queues larger than this are reallocated empty once drained.
const KEEP_CAPACITY: usize = 16;

/// The queue was at its bound: the event was not queued.
#[derive(Debug)]
pub(crate) struct QueueFull;

#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    events: Mutex<VecDeque<Box<Event>>>,
    ready: Notify,
}

impl EventQueue {
    fn events(&self) -> MutexGuard<'_, VecDeque<Box<Event>>> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `event` unless `limit` events are already waiting.
    pub fn push(&self, event: Box<Event>, limit: usize) -> Result<(), QueueFull> {
        {
            let mut events = self.events();
            if events.len() >= limit {
                return Err(QueueFull);
            }
            events.push_back(event);
        }
        // One consumer: a permit stored while it is not waiting wakes its
        // next wait at once, so no push is missed.
        self.ready.notify_one();
        Ok(())
    }

    /// The next event, waiting for one. Cancel safe.
    pub async fn next(&self) -> Box<Event> {
        loop {
            if let Some(event) = self.pop() {
                return event;
            }
            self.ready.notified().await;
        }
    }

    fn pop(&self) -> Option<Box<Event>> {
        let mut events = self.events();
        let event = events.pop_front();
        if events.is_empty() && events.capacity() > KEEP_CAPACITY {
            *events = VecDeque::new();
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str) -> Box<Event> {
        Box::new(Event {
            name: name.to_owned(),
            args: Vec::new(),
            ack: None,
        })
    }

    #[tokio::test]
    async fn events_come_out_in_order_up_to_the_limit() {
        let queue = EventQueue::default();
        queue.push(event("a"), 2).expect("room");
        queue.push(event("b"), 2).expect("room");
        assert!(queue.push(event("c"), 2).is_err());
        assert_eq!(queue.next().await.name, "a");
        assert_eq!(queue.next().await.name, "b");
    }

    #[tokio::test]
    async fn a_waiting_consumer_wakes_on_push() {
        let queue = std::sync::Arc::new(EventQueue::default());
        let consumer = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.next().await.name })
        };
        tokio::task::yield_now().await;
        queue.push(event("late"), 8).expect("room");
        assert_eq!(consumer.await.expect("task"), "late");
    }

    #[tokio::test]
    async fn a_drained_burst_gives_its_memory_back() {
        let queue = EventQueue::default();
        for _ in 0..100 {
            queue.push(event("x"), 1000).expect("room");
        }
        for _ in 0..100 {
            queue.next().await;
        }
        assert_eq!(queue.events().capacity(), 0);
    }
}
