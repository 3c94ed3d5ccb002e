//! Sessions: the state shared by transports, and the handle given upward.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use sio_core::engine::Frame;
use thiserror::Error;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::admission::Admission;
use super::outbox::{OutQueue, OutboundPolicy, Outbox, Outgoing};
use super::{CloseReason, EngineHandler, Handshake, Sid, TransportKind};

/// Why a frame could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SendError {
    /// The session is closed.
    #[error("session closed")]
    Closed,
    /// The queue was full: the frames were not queued. The session was
    /// closed for it ([`CloseReason::BufferFull`]), unless they were
    /// volatile, or offered under [`OutboundPolicy::Wait`].
    #[error("outbound queue full")]
    BufferFull,
}

/// How a send treats a full queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The session cannot go on without it: close on a full queue.
    Required,
    /// Its sender can take a refusal (see [`OutboundPolicy::Wait`]).
    Offered,
    /// May be lost: dropped on a full queue.
    Volatile,
}

/// One queue entry for `frames`; `None` for no frame at all.
fn group(mut frames: Vec<Frame>) -> Option<Outgoing> {
    match frames.len() {
        0 => None,
        1 => Some(Outgoing::Frame(frames.remove(0))),
        _ => Some(Outgoing::Group(frames)),
    }
}

/// The part of a session the layer above may hold: send, close, inspect.
///
/// Cloning is cheap. A handle outliving its session is harmless: sends fail
/// with [`SendError::Closed`].
#[derive(Clone, Debug)]
pub struct SessionHandle {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    sid: Sid,
    queue: Arc<OutQueue>,
    close_reason: OnceLock<CloseReason>,
    closed: Notify,
    upgraded: AtomicBool,
    handshake: Handshake,
}

impl SessionHandle {
    pub(crate) fn new(sid: Sid, queue: Arc<OutQueue>, handshake: Handshake) -> Self {
        SessionHandle {
            shared: Arc::new(Shared {
                sid,
                queue,
                close_reason: OnceLock::new(),
                closed: Notify::new(),
                upgraded: AtomicBool::new(false),
                handshake,
            }),
        }
    }

    /// The Engine.IO session id.
    pub fn sid(&self) -> &Sid {
        &self.shared.sid
    }

    /// The request that opened the session.
    pub fn handshake(&self) -> &Handshake {
        &self.shared.handshake
    }

    /// The transport currently carrying the session.
    pub fn transport(&self) -> TransportKind {
        if self.shared.upgraded.load(Ordering::Acquire) || self.shared.handshake.transport == TransportKind::WebSocket {
            TransportKind::WebSocket
        } else {
            TransportKind::Polling
        }
    }

    /// Queues `frame` for the client, without waiting.
    ///
    /// A full queue means the client does not read fast enough: the session
    /// is closed with [`CloseReason::BufferFull`] and the frame is refused
    /// (under [`OutboundPolicy::DropVolatile`] a queued volatile packet is
    /// dropped to make room first). Frames are never dropped silently.
    pub fn send(&self, frame: Frame) -> Result<(), SendError> {
        self.enqueue(Outgoing::Frame(frame), Mode::Required)
    }

    /// Queues `frames` to go out back to back, with no frame of another
    /// sender between them (a packet and its binary attachments). An empty
    /// group is accepted and sends nothing. Fails like [`send`](Self::send).
    pub fn send_group(&self, frames: Vec<Frame>) -> Result<(), SendError> {
        match group(frames) {
            Some(outgoing) => self.enqueue(outgoing, Mode::Required),
            None => Ok(()),
        }
    }

    /// Like [`send_group`](Self::send_group), for frames whose sender can
    /// take a refusal (an emit to one client): under
    /// [`OutboundPolicy::Wait`] a full queue refuses them with
    /// [`SendError::BufferFull`] and the session stays open.
    pub fn offer_group(&self, frames: Vec<Frame>) -> Result<(), SendError> {
        match group(frames) {
            Some(outgoing) => self.enqueue(outgoing, Mode::Offered),
            None => Ok(()),
        }
    }

    /// Like [`send_group`](Self::send_group), for packets that may be lost:
    /// when the queue is full the frames are dropped (and counted) and the
    /// session stays open. Returns whether they were queued.
    pub fn send_volatile(&self, frames: Vec<Frame>) -> bool {
        match group(frames) {
            Some(outgoing) => self.enqueue(outgoing, Mode::Volatile).is_ok(),
            None => true,
        }
    }

    /// Queues `frames` as [`send_group`](Self::send_group) does, waiting
    /// while the queue is full instead of failing: a sender that streams
    /// to one client paces itself to what the client reads. Fails only when
    /// the session is closed. Cancel safe (nothing is queued then).
    pub async fn send_group_when_ready(&self, frames: Vec<Frame>) -> Result<(), SendError> {
        let Some(mut outgoing) = group(frames) else {
            return Ok(());
        };
        loop {
            self.ready().await?;
            match self.shared.queue.push(outgoing, false) {
                Ok(()) => return Ok(()),
                Err(refused) => outgoing = refused,
            }
        }
    }

    /// Resolves once the outbound queue has room for one more packet, or
    /// fails when the session is closed. Another sender may take the room
    /// first: [`send_group_when_ready`](Self::send_group_when_ready) checks
    /// again. Cancel safe.
    pub async fn ready(&self) -> Result<(), SendError> {
        tokio::select! {
            biased;
            _ = self.closed() => Err(SendError::Closed),
            () = self.shared.queue.room() => {
                if self.is_closed() { Err(SendError::Closed) } else { Ok(()) }
            }
        }
    }

    /// Bytes queued for the client now (a broadcast frame shared by many
    /// sessions counts once in each).
    pub fn buffered_bytes(&self) -> usize {
        self.shared.queue.buffered_bytes()
    }

    fn enqueue(&self, outgoing: Outgoing, mode: Mode) -> Result<(), SendError> {
        if self.is_closed() {
            return Err(SendError::Closed);
        }
        let queue = &self.shared.queue;
        if queue.push(outgoing, mode == Mode::Volatile).is_ok() {
            return Ok(());
        }
        let counters = &queue.counters;
        match mode {
            Mode::Volatile => {
                counters.volatile_dropped.fetch_add(1, Ordering::Relaxed);
                tracing::trace!(sid = %self.sid(), "outbound queue full: volatile packet dropped");
            }
            Mode::Offered if queue.policy == OutboundPolicy::Wait => {
                counters.refused_full.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(sid = %self.sid(), "outbound queue full: packet refused to its sender, session kept");
            }
            Mode::Offered | Mode::Required => {
                if self.close_first(CloseReason::BufferFull) {
                    counters.slow_disconnects.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        sid = %self.sid(),
                        capacity = queue.capacity(),
                        buffered_bytes = queue.buffered_bytes(),
                        "client does not read fast enough: outbound queue full, closing the session"
                    );
                }
            }
        }
        Err(SendError::BufferFull)
    }

    /// Closes the session. Frames already queued are still flushed to the
    /// client when the reason is [`CloseReason::ForcedClose`] or
    /// [`CloseReason::ServerShutdown`], then it gets a `close` packet.
    /// The first reason wins; later calls do nothing.
    pub fn close(&self, reason: CloseReason) {
        self.close_first(reason);
    }

    /// [`close`](Self::close); whether this call was the one that closed.
    fn close_first(&self, reason: CloseReason) -> bool {
        let first = self.shared.close_reason.set(reason).is_ok();
        if first {
            tracing::debug!(sid = %self.sid(), %reason, "closing session");
            self.shared.closed.notify_waiters();
        }
        first
    }

    /// Whether the session is closed (or closing).
    pub fn is_closed(&self) -> bool {
        self.shared.close_reason.get().is_some()
    }

    /// The reason the session closed, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.shared.close_reason.get().copied()
    }

    /// Resolves when the session closes, with the reason. Cancel safe.
    pub async fn closed(&self) -> CloseReason {
        loop {
            // Registered before the check, so a close in between still wakes
            // it (`notify_waiters` reaches every created `Notified`).
            let notified = self.shared.closed.notified();
            if let Some(reason) = self.close_reason() {
                return reason;
            }
            notified.await;
        }
    }

    pub(crate) fn mark_upgraded(&self) {
        self.shared.upgraded.store(true, Ordering::Release);
    }

    pub(crate) fn is_upgraded(&self) -> bool {
        self.shared.upgraded.load(Ordering::Acquire)
    }
}

/// Progress of a polling-to-WebSocket upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum UpgradeState {
    /// No WebSocket attached.
    None = 0,
    /// A WebSocket is attached and probing.
    Probing = 1,
    /// The probe was answered: pending GETs return `noop`.
    Probed = 2,
    /// The WebSocket carries the session.
    Done = 3,
}

/// Whether the server reads from the client, for the heartbeat: while
/// backpressure pauses reading, the client's pongs wait unread behind its
/// other packets, so their absence says nothing about the client.
#[derive(Debug, Default)]
struct Reading {
    paused: bool,
    /// When reading last resumed after a pause.
    resumed_at: Option<Instant>,
}

/// Everything the engine keeps for one session.
pub(crate) struct Session<H: EngineHandler> {
    pub handle: SessionHandle,
    pub state: H::Session,
    /// Held while calling the handler, so calls for one session never
    /// overlap whatever request or task delivers them.
    inbound: Mutex<()>,
    outbox: Mutex<Option<Outbox>>,
    outbox_returned: Notify,
    post_active: AtomicBool,
    upgrade: AtomicU8,
    upgrade_changed: Notify,
    awaiting_pong: AtomicBool,
    pong: Notify,
    reading: Mutex<Reading>,
    /// A polling response carried the final `close` packet.
    close_delivered: AtomicBool,
    /// The session's slot under `max_sessions`, given back with it.
    _admission: Admission,
}

impl<H: EngineHandler> std::fmt::Debug for Session<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("sid", self.handle.sid())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler that panicked must not wedge the session forever.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<H: EngineHandler> Session<H> {
    pub fn new(handle: SessionHandle, state: H::Session, outbox: Outbox, admission: Admission) -> Self {
        Session {
            handle,
            state,
            inbound: Mutex::new(()),
            outbox: Mutex::new(Some(outbox)),
            outbox_returned: Notify::new(),
            post_active: AtomicBool::new(false),
            upgrade: AtomicU8::new(UpgradeState::None as u8),
            upgrade_changed: Notify::new(),
            awaiting_pong: AtomicBool::new(false),
            pong: Notify::new(),
            reading: Mutex::new(Reading::default()),
            close_delivered: AtomicBool::new(false),
            _admission: admission,
        }
    }

    /// Runs `call` with the handler lock held.
    pub fn with_inbound<R>(&self, call: impl FnOnce() -> R) -> R {
        let _turn = lock(&self.inbound);
        call()
    }

    /// Takes the outbox; `None` when another transport holds it.
    pub fn take_outbox(&self) -> Option<Outbox> {
        lock(&self.outbox).take()
    }

    /// Whether a long-poll GET holds the outbox now.
    pub fn poll_pending(&self) -> bool {
        self.handle.transport() == TransportKind::Polling && lock(&self.outbox).is_none()
    }

    /// Returns the outbox taken by a GET.
    pub fn return_outbox(&self, outbox: Outbox) {
        *lock(&self.outbox) = Some(outbox);
        self.outbox_returned.notify_waiters();
    }

    /// Waits until the outbox is free and takes it (used by an upgrade,
    /// which waits for the pending GET to finish). Cancel safe.
    pub async fn wait_outbox(&self) -> Outbox {
        loop {
            let returned = self.outbox_returned.notified();
            if let Some(outbox) = self.take_outbox() {
                return outbox;
            }
            returned.await;
        }
    }

    /// Marks a POST as in progress; `false` when one already is.
    pub fn begin_post(&self) -> bool {
        !self.post_active.swap(true, Ordering::AcqRel)
    }

    pub fn end_post(&self) {
        self.post_active.store(false, Ordering::Release);
    }

    pub fn upgrade_state(&self) -> UpgradeState {
        match self.upgrade.load(Ordering::Acquire) {
            0 => UpgradeState::None,
            1 => UpgradeState::Probing,
            2 => UpgradeState::Probed,
            _ => UpgradeState::Done,
        }
    }

    /// Moves the upgrade from `from` to `to`; `false` if it was elsewhere.
    pub fn advance_upgrade(&self, from: UpgradeState, to: UpgradeState) -> bool {
        let moved = self
            .upgrade
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if moved {
            self.upgrade_changed.notify_waiters();
        }
        moved
    }

    /// Resolves once the probe has been answered (or the upgrade is done).
    /// Cancel safe.
    pub async fn probed(&self) {
        loop {
            let changed = self.upgrade_changed.notified();
            if matches!(self.upgrade_state(), UpgradeState::Probed | UpgradeState::Done) {
                return;
            }
            changed.await;
        }
    }

    /// Whether requests may still reach the session: it is open, or it was
    /// closed on purpose (by the server, or by the client's `close` packet)
    /// and no GET has collected the final packet yet. A GET racing the
    /// client's own `close` POST thus ends with a noop, and the next one
    /// gets 400.
    pub fn reachable(&self) -> bool {
        match self.handle.close_reason() {
            None => true,
            Some(CloseReason::ForcedClose | CloseReason::ServerShutdown | CloseReason::TransportClose) => {
                !self.close_delivered.load(Ordering::Acquire)
            }
            Some(_) => false,
        }
    }

    /// Records that a polling response carried the final packet (`close`,
    /// or the noop that ends a GET after the client's own `close`).
    pub fn mark_close_delivered(&self) {
        self.close_delivered.store(true, Ordering::Release);
        self.outbox_returned.notify_waiters();
    }

    /// Waits until a polling response carried the `close` packet (after a
    /// server-side close, the client learns of it on its next GET).
    /// Cancel safe.
    pub async fn close_delivered(&self) {
        loop {
            let returned = self.outbox_returned.notified();
            if self.close_delivered.load(Ordering::Acquire) {
                return;
            }
            returned.await;
        }
    }

    /// Called when a ping goes out.
    pub fn expect_pong(&self) {
        self.awaiting_pong.store(true, Ordering::Release);
    }

    /// Called on every pong from the client; only one answering an
    /// outstanding ping counts.
    pub fn pong_received(&self) {
        if self.awaiting_pong.swap(false, Ordering::AcqRel) {
            self.pong.notify_one();
        }
    }

    /// Resolves when the outstanding ping has been answered. Cancel safe.
    pub async fn pong(&self) {
        self.pong.notified().await;
    }

    /// Backpressure: the transport stops reading from the client.
    pub fn pause_reading(&self) {
        lock(&self.reading).paused = true;
    }

    /// The transport reads from the client again.
    pub fn resume_reading(&self) {
        let mut reading = lock(&self.reading);
        if reading.paused {
            reading.paused = false;
            reading.resumed_at = Some(Instant::now());
        }
    }

    /// Whether reading is paused now.
    pub fn reading_paused(&self) -> bool {
        lock(&self.reading).paused
    }

    /// When reading last resumed after a pause, if it ever was paused.
    pub fn reading_resumed_at(&self) -> Option<Instant> {
        lock(&self.reading).resumed_at
    }
}
