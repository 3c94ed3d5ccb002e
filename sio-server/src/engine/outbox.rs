//! The receiving end of a session's outbound queue.
//!
//! Exactly one transport owns the [`Outbox`] at a time: a pending polling
//! GET takes it and puts it back, a WebSocket takes it for good. Because
//! every transport drains the same queue, switching transports can neither
//! lose nor reorder packets, and "the outbox is already taken" is precisely
//! "another GET is pending".

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sio_core::engine::Frame;
use tokio::sync::Notify;

/// One entry of the outbound queue: a frame, or frames that must go out
/// back to back (a Socket.IO packet and its binary attachments), so no
/// other sender can slip a frame between them.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Frame(Frame),
    Group(Vec<Frame>),
}

/// A session's bounded outbound queue: many senders, one receiver (the
/// [`Outbox`]).
///
/// It allocates nothing while empty and gives large bursts' memory back
/// once drained, so an idle session costs no queue storage (a tokio
/// channel would hold a block of 32 slots for the session's lifetime).
#[derive(Debug)]
pub(crate) struct OutQueue {
    items: Mutex<VecDeque<Outgoing>>,
    capacity: usize,
    pushed: Notify,
}

/// Capacity a drained queue may keep for the next burst.
const KEPT_CAPACITY: usize = 64;

/// A drained queue this small has seen no burst: it is freed, so an idle
/// session holds no queue storage at all (reallocating a few slots per
/// message costs far less than a write).
const FREED_BELOW: usize = 8;

impl OutQueue {
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(OutQueue {
            items: Mutex::new(VecDeque::new()),
            capacity,
            pushed: Notify::new(),
        })
    }

    fn items(&self) -> MutexGuard<'_, VecDeque<Outgoing>> {
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most entries the queue holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Queues `outgoing`, or gives it back when the queue is full.
    pub fn push(&self, outgoing: Outgoing) -> Result<(), Outgoing> {
        {
            let mut items = self.items();
            if items.len() >= self.capacity {
                return Err(outgoing);
            }
            items.push_back(outgoing);
        }
        // One receiver: a stored permit wakes it even if it is not waiting
        // yet.
        self.pushed.notify_one();
        Ok(())
    }

    fn pop(&self) -> Option<Outgoing> {
        let mut items = self.items();
        let outgoing = items.pop_front();
        if items.is_empty() {
            if items.capacity() < FREED_BELOW {
                *items = VecDeque::new();
            } else if items.capacity() > KEPT_CAPACITY {
                items.shrink_to(KEPT_CAPACITY);
            }
        }
        outgoing
    }
}

#[derive(Debug)]
pub(crate) struct Outbox {
    queue: Arc<OutQueue>,
    /// Frames taken from the queue but not sent yet: the rest of a group,
    /// or a frame that did not fit in the last polling response. They go
    /// first.
    carry: VecDeque<Frame>,
}

impl Outbox {
    pub fn new(queue: Arc<OutQueue>) -> Self {
        Outbox {
            queue,
            carry: VecDeque::new(),
        }
    }

    /// Waits for the next frame. Cancel safe.
    pub async fn next(&mut self) -> Frame {
        loop {
            if let Some(frame) = self.try_next() {
                return frame;
            }
            self.queue.pushed.notified().await;
        }
    }

    /// The next frame if one is queued.
    pub fn try_next(&mut self) -> Option<Frame> {
        if let Some(frame) = self.carry.pop_front() {
            return Some(frame);
        }
        let outgoing = self.queue.pop()?;
        Some(self.unpack(outgoing))
    }
    fn unpack(&mut self, outgoing: Outgoing) -> Frame {
        match outgoing {
            Outgoing::Frame(frame) => frame,
            Outgoing::Group(frames) => {
                let mut frames = frames.into_iter();
                // Groups are never empty (see `SessionHandle::send_group`).
                let first = frames.next().unwrap_or(Frame::Text(sio_core::Str::from_static("6")));
                self.carry.extend(frames);
                first
            }
        }
    }

    /// Puts back a frame taken with `next`/`try_next`, to go out first.
    pub fn put_back(&mut self, frame: Frame) {
        self.carry.push_front(frame);
    }
}
