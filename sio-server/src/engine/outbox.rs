//! The receiving end of a session's outbound queue.
//!
//! Exactly one transport owns the [`Outbox`] at a time: a pending polling
//! GET takes it and puts it back, a WebSocket takes it for good. Because
//! every transport drains the same queue, switching transports can neither
//! lose nor reorder packets, and "the outbox is already taken" is precisely
//! "another GET is pending".

use sio_core::engine::Frame;
use tokio::sync::mpsc;

#[derive(Debug)]
pub(crate) struct Outbox {
    receiver: mpsc::Receiver<Frame>,
    /// A frame taken from the queue that did not fit in the last polling
    /// response; it goes first next time.
    carry: Option<Frame>,
}

impl Outbox {
    pub fn new(receiver: mpsc::Receiver<Frame>) -> Self {
        Outbox { receiver, carry: None }
    }

    /// Waits for the next frame. Cancel safe. Returns `None` only when every
    /// sender is gone.
    pub async fn next(&mut self) -> Option<Frame> {
        match self.carry.take() {
            Some(frame) => Some(frame),
            None => self.receiver.recv().await,
        }
    }

    /// The next frame if one is queued.
    pub fn try_next(&mut self) -> Option<Frame> {
        self.carry.take().or_else(|| self.receiver.try_recv().ok())
    }

    /// Puts back a frame taken with `next`/`try_next`, to go out first.
    pub fn put_back(&mut self, frame: Frame) {
        debug_assert!(self.carry.is_none());
        self.carry = Some(frame);
    }
}
