//! The receiving end of a session's outbound queue.
//!
//! Exactly one transport owns the [`Outbox`] at a time: a pending polling
//! GET takes it and puts it back, a WebSocket takes it for good. Because
//! every transport drains the same queue, switching transports can neither
//! lose nor reorder packets, and "the outbox is already taken" is precisely
//! "another GET is pending".

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// What happens when a client's outbound queue (`max_buffered_packets`)
/// is full and the server sends it one more packet.
///
/// Whatever the policy, `volatile` packets are dropped (and counted) rather
/// than queued past the bound, and code that would rather wait than fail
/// can: [`Socket::emit_paced`](crate::socketio::Socket::emit_paced) and
/// [`SessionHandle::ready`](super::SessionHandle::ready) wait for room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OutboundPolicy {
    /// Close the session ([`CloseReason::BufferFull`](super::CloseReason::BufferFull),
    /// `outbound buffer full`), with a warning and a count: a client that
    /// does not read is let go. The default.
    #[default]
    Disconnect,
    /// Make room by dropping queued volatile packets, oldest first; close
    /// the session as [`Disconnect`](Self::Disconnect) does only when none
    /// is queued.
    DropVolatile,
    /// Refuse the packet and keep the session: an emit to one socket fails
    /// with [`EmitError::BufferFull`](crate::socketio::EmitError::BufferFull),
    /// and its sender decides (or uses the waiting forms). A broadcast does
    /// not wait for one client: a recipient whose queue is full is closed
    /// as with [`Disconnect`](Self::Disconnect), and so is a session whose
    /// ping, CONNECT reply or DISCONNECT finds it full.
    Wait,
}

/// Server-wide counts of what the outbound queues did.
#[derive(Debug, Default)]
pub(crate) struct OutboundCounters {
    pub volatile_dropped: AtomicU64,
    pub slow_disconnects: AtomicU64,
    pub refused_full: AtomicU64,
}

/// A queued packet: what a transport sends, its size, and whether it may
/// be dropped to make room.
#[derive(Debug)]
struct Entry {
    outgoing: Outgoing,
    bytes: usize,
    volatile: bool,
}

#[derive(Debug, Default)]
struct Items {
    entries: VecDeque<Entry>,
    /// The bytes of the frames in `entries`.
    bytes: usize,
    /// How many of `entries` are volatile.
    volatile: usize,
    /// A sender waits for room.
    room_wanted: bool,
}

/// A session's bounded outbound queue: many senders, one receiver (the
/// [`Outbox`]).
///
/// It allocates nothing while empty and gives large bursts' memory back
/// once drained, so an idle session costs no queue storage (a tokio
/// channel would hold a block of 32 slots for the session's lifetime).
#[derive(Debug)]
pub(crate) struct OutQueue {
    items: Mutex<Items>,
    capacity: usize,
    pub policy: OutboundPolicy,
    pub counters: Arc<OutboundCounters>,
    pushed: Notify,
    /// Woken when a transport takes an entry, for senders waiting for room.
    room: Notify,
}

/// Capacity a drained queue may keep for the next burst.
const KEPT_CAPACITY: usize = 64;

/// A drained queue this small has seen no burst: it is freed, so an idle
/// session holds no queue storage at all (reallocating a few slots per
/// message costs far less than a write).
const FREED_BELOW: usize = 8;

fn outgoing_bytes(outgoing: &Outgoing) -> usize {
    match outgoing {
        Outgoing::Frame(frame) => frame.len(),
        Outgoing::Group(frames) => frames.iter().map(Frame::len).sum(),
    }
}

impl OutQueue {
    pub fn new(capacity: usize, policy: OutboundPolicy, counters: Arc<OutboundCounters>) -> Arc<Self> {
        Arc::new(OutQueue {
            items: Mutex::new(Items::default()),
            capacity,
            policy,
            counters,
            pushed: Notify::new(),
            room: Notify::new(),
        })
    }

    fn items(&self) -> MutexGuard<'_, Items> {
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most entries the queue holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The bytes queued now.
    pub fn buffered_bytes(&self) -> usize {
        self.items().bytes
    }

    /// Queues `outgoing`, or gives it back when the queue is full. Under
    /// [`OutboundPolicy::DropVolatile`] a packet that is not volatile first
    /// makes room by dropping the oldest queued volatile one.
    pub fn push(&self, outgoing: Outgoing, volatile: bool) -> Result<(), Outgoing> {
        let bytes = outgoing_bytes(&outgoing);
        {
            let mut items = self.items();
            if items.entries.len() >= self.capacity {
                let evicted = !volatile && self.policy == OutboundPolicy::DropVolatile && evict_volatile(&mut items);
                if !evicted {
                    return Err(outgoing);
                }
                self.counters.volatile_dropped.fetch_add(1, Ordering::Relaxed);
            }
            items.bytes += bytes;
            items.volatile += usize::from(volatile);
            items.entries.push_back(Entry {
                outgoing,
                bytes,
                volatile,
            });
        }
        // One receiver: a stored permit wakes it even if it is not waiting
        // yet.
        self.pushed.notify_one();
        Ok(())
    }

    /// Resolves once the queue has room for one more entry (it may be
    /// taken by another sender first: check again). Cancel safe.
    pub async fn room(&self) {
        loop {
            let room = self.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            {
                let mut items = self.items();
                if items.entries.len() < self.capacity {
                    return;
                }
                items.room_wanted = true;
            }
            room.await;
        }
    }

    fn pop(&self) -> Option<Outgoing> {
        let (entry, room_wanted) = {
            let mut items = self.items();
            let entry = items.entries.pop_front()?;
            items.bytes -= entry.bytes;
            items.volatile -= usize::from(entry.volatile);
            let entries = &mut items.entries;
            if entries.is_empty() {
                if entries.capacity() < FREED_BELOW {
                    *entries = VecDeque::new();
                } else if entries.capacity() > KEPT_CAPACITY {
                    entries.shrink_to(KEPT_CAPACITY);
                }
            }
            (entry, std::mem::take(&mut items.room_wanted))
        };
        if room_wanted {
            self.room.notify_waiters();
        }
        Some(entry.outgoing)
    }
}

/// Drops the oldest volatile entry; whether there was one.
fn evict_volatile(items: &mut Items) -> bool {
    if items.volatile == 0 {
        return false;
    }
    let Some(index) = items.entries.iter().position(|entry| entry.volatile) else {
        return false;
    };
    if let Some(entry) = items.entries.remove(index) {
        items.bytes -= entry.bytes;
        items.volatile -= 1;
    }
    true
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
