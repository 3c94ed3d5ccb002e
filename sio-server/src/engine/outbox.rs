//! The receiving end of a session's outbound queue.
//!
//! Exactly one transport owns the [`Outbox`] at a time: a pending polling
//! GET takes it and puts it back, a WebSocket takes it for good. Because
//! every transport drains the same queue, switching transports can neither
//! lose nor reorder packets, and "the outbox is already taken" is precisely
//! "another GET is pending".

use std::collections::VecDeque;

use sio_core::engine::Frame;
use tokio::sync::mpsc;

/// One entry of the outbound queue: a frame, or frames that must go out
/// back to back (a Socket.IO packet and its binary attachments), so no
/// other sender can slip a frame between them.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Frame(Frame),
    Group(Vec<Frame>),
}

#[derive(Debug)]
pub(crate) struct Outbox {
    receiver: mpsc::Receiver<Outgoing>,
    /// Frames taken from the queue but not sent yet: the rest of a group,
    /// or a frame that did not fit in the last polling response. They go
    /// first.
    carry: VecDeque<Frame>,
}

impl Outbox {
    pub fn new(receiver: mpsc::Receiver<Outgoing>) -> Self {
        Outbox {
            receiver,
            carry: VecDeque::new(),
        }
    }

    /// Waits for the next frame. Cancel safe. Returns `None` only when every
    /// sender is gone.
    pub async fn next(&mut self) -> Option<Frame> {
        if let Some(frame) = self.carry.pop_front() {
            return Some(frame);
        }
        let outgoing = self.receiver.recv().await?;
        Some(self.unpack(outgoing))
    }

    /// The next frame if one is queued.
    pub fn try_next(&mut self) -> Option<Frame> {
        if let Some(frame) = self.carry.pop_front() {
            return Some(frame);
        }
        let outgoing = self.receiver.try_recv().ok()?;
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
