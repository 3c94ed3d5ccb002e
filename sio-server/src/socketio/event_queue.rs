//! The events of one socket waiting for its handler.
//!
//! A bounded FIFO with one producer (the client's reader) and one consumer
//! (the socket's task). Unlike a channel, it allocates nothing while empty
//! and gives a burst's memory back once drained, so an idle socket costs a
//! few words.
//!
//! When it is full the producer waits for room ([`EventQueue::push_when_room`])
//! instead of failing, which is how a slow handler slows its client down
//! rather than losing its events. Once closed it takes nothing more.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::handler::Event;

/// Queues larger than this are reallocated empty once drained.
const KEEP_CAPACITY: usize = 16;

/// Why an event was not queued; the event comes back.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The queue holds its limit already.
    Full(Box<Event>),
    /// The socket is disconnecting: it takes no new events.
    Closed(Box<Event>),
}

#[derive(Debug, Default)]
struct State {
    events: VecDeque<Box<Event>>,
    closed: bool,
    /// The producer waits for room.
    producer_waiting: bool,
    /// Since when the queue has not run empty, counted from the first time
    /// it was found full (the clock is read only on that slow path).
    backlog_since: Option<Instant>,
}

#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    state: Mutex<State>,
    ready: Notify,
    room: Notify,
}

impl EventQueue {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `event` unless `limit` events are already waiting or the
    /// queue is closed. A refusal for lack of room starts the backlog (see
    /// [`backlog_since`](Self::backlog_since)).
    pub fn push(&self, event: Box<Event>, limit: usize) -> Result<(), Refused> {
        self.offer(event, limit, false)
    }

    /// [`push`](Self::push); when full and `wait`, the producer is marked
    /// waiting in the same critical section, so that no pop can slip
    /// between the refusal and the mark without waking it.
    fn offer(&self, event: Box<Event>, limit: usize, wait: bool) -> Result<(), Refused> {
        {
            let mut state = self.state();
            if state.closed {
                return Err(Refused::Closed(event));
            }
            if state.events.len() >= limit {
                // The clock is read only on this slow path.
                state.backlog_since.get_or_insert_with(Instant::now);
                state.producer_waiting |= wait;
                return Err(Refused::Full(event));
            }
            state.events.push_back(event);
        }
        // One consumer: a permit stored while it is not waiting wakes its
        // next wait at once, so no push is missed.
        self.ready.notify_one();
        Ok(())
    }

    /// Queues `event`, waiting for room as long as the queue is full.
    /// Returns the event when the queue closes first. Cancel safe (the
    /// event is dropped with the future).
    pub async fn push_when_room(&self, mut event: Box<Event>, limit: usize) -> Result<(), Box<Event>> {
        loop {
            let room = self.room.notified();
            tokio::pin!(room);
            // Registered before the check: a pop in between still wakes it.
            room.as_mut().enable();
            match self.offer(event, limit, true) {
                Ok(()) => return Ok(()),
                Err(Refused::Closed(refused)) => return Err(refused),
                Err(Refused::Full(full)) => event = full,
            }
            room.await;
        }
    }

    /// Since when the queue has been behind: from the first time a push
    /// found it full, until it next runs empty.
    pub fn backlog_since(&self) -> Option<Instant> {
        self.state().backlog_since
    }

    /// The next event, waiting for one. Cancel safe.
    pub async fn next(&self) -> Box<Event> {
        loop {
            if let Some(event) = self.try_next() {
                return event;
            }
            self.ready.notified().await;
        }
    }

    /// The next event if one is queued.
    pub fn try_next(&self) -> Option<Box<Event>> {
        let (event, wake_producer) = {
            let mut state = self.state();
            let event = state.events.pop_front();
            if state.events.is_empty() {
                state.backlog_since = None;
                if state.events.capacity() > KEEP_CAPACITY {
                    state.events = VecDeque::new();
                }
            }
            (event, std::mem::take(&mut state.producer_waiting))
        };
        if wake_producer {
            self.room.notify_one();
        }
        event
    }

    /// Takes no new events from now on; those already queued stay, for
    /// the consumer to finish. A producer waiting for room gets its event
    /// back.
    pub fn close(&self) {
        self.state().closed = true;
        self.room.notify_one();
    }

    /// Closes the queue and drops what it holds. An event holding an
    /// [`Ack`](super::Ack) holds its socket, so a socket whose queue is
    /// not emptied when it ends would never be freed.
    pub fn clear(&self) -> usize {
        let dropped = {
            let mut state = self.state();
            state.closed = true;
            std::mem::take(&mut state.events)
        };
        self.room.notify_one();
        dropped.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    fn event(name: &str) -> Box<Event> {
        Box::new(Event {
            name: name.to_owned(),
            args: Vec::new(),
            ack: None,
        })
    }

    fn name(refused: Result<(), Refused>) -> String {
        match refused {
            Ok(()) => "queued".to_owned(),
            Err(Refused::Full(event)) => format!("full:{}", event.name),
            Err(Refused::Closed(event)) => format!("closed:{}", event.name),
        }
    }

    #[tokio::test]
    async fn events_come_out_in_order_up_to_the_limit() {
        let queue = EventQueue::default();
        queue.push(event("a"), 2).expect("room");
        queue.push(event("b"), 2).expect("room");
        assert_eq!(name(queue.push(event("c"), 2)), "full:c");
        assert_eq!(queue.next().await.name, "a");
        assert_eq!(queue.next().await.name, "b");
    }

    #[tokio::test]
    async fn a_waiting_consumer_wakes_on_push() {
        let queue = Arc::new(EventQueue::default());
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
        assert_eq!(queue.state().events.capacity(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_producer_waits_for_room_and_keeps_the_order() {
        let queue = Arc::new(EventQueue::default());
        queue.push(event("a"), 1).expect("room");
        let producer = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.push_when_room(event("b"), 1).await.is_ok() })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!producer.is_finished(), "the queue is full: the producer must wait");
        assert!(queue.backlog_since().is_some());
        assert_eq!(queue.next().await.name, "a");
        assert!(producer.await.expect("task"), "room was made: the event is queued");
        assert_eq!(queue.next().await.name, "b");
        assert!(queue.backlog_since().is_none(), "the queue ran empty: no backlog");
    }

    #[tokio::test]
    async fn closing_refuses_new_events_and_releases_a_waiting_producer() {
        let queue = Arc::new(EventQueue::default());
        queue.push(event("a"), 1).expect("room");
        let producer = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.push_when_room(event("b"), 1).await.map_err(|e| e.name) })
        };
        tokio::task::yield_now().await;
        queue.close();
        assert_eq!(producer.await.expect("task"), Err("b".to_owned()));
        assert_eq!(name(queue.push(event("c"), 8)), "closed:c");
        assert_eq!(
            queue.try_next().map(|e| e.name),
            Some("a".to_owned()),
            "queued events stay"
        );
    }

    #[tokio::test]
    async fn clearing_drops_what_is_queued() {
        let queue = EventQueue::default();
        queue.push(event("a"), 8).expect("room");
        queue.push(event("b"), 8).expect("room");
        assert_eq!(queue.clear(), 2);
        assert!(queue.try_next().is_none());
        assert_eq!(name(queue.push(event("c"), 8)), "closed:c");
    }
}
