//! The seam between Engine.IO and the layer above it.
//!
//! The engine owns transports, heartbeats and session lifetimes; the layer
//! above (Socket.IO) only sees three events per session, always in this
//! order and each exactly once except messages:
//!
//! 1. [`EngineHandler::on_open`] when the handshake completes,
//! 2. [`EngineHandler::on_message`] for every message, in arrival order,
//! 3. [`EngineHandler::on_close`] once, with the [`CloseReason`].
//!
//! Calls for one session never overlap. They run on the task that read the
//! data from the network, so they must not block: decode, hand the work to
//! a task or a queue, and return. To send, keep the [`SessionHandle`].
//!
//! Backpressure goes the other way through [`Delivery`]: a handler whose
//! queue is full answers [`Delivery::Wait`], and the engine stops reading
//! that session until the returned [`Backpressure`] resolves.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use sio_core::Str;

use super::{Handshake, SessionHandle};

/// An application message received from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (the data of a `4` packet, without the `4`).
    Text(Str),
    /// A binary message.
    Binary(Bytes),
}

/// What the layer above did with a message.
#[must_use = "a `Wait` must be awaited before the next message is delivered"]
pub enum Delivery {
    /// Taken: the transport reads on.
    Accepted,
    /// Not taken yet, for lack of room. The transport reads nothing more
    /// from this session until the future resolves, by which time the
    /// message has been taken (or dropped because its destination closed).
    /// Its output order is kept: the next message is delivered after it.
    Wait(Backpressure),
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Delivery::Accepted => f.write_str("Accepted"),
            Delivery::Wait(_) => f.write_str("Wait(..)"),
        }
    }
}

/// A message on its way into a full queue: resolves once it is in.
///
/// Boxed, because only a session under backpressure builds one; it must
/// resolve when the session closes (the engine also stops polling it then).
pub struct Backpressure(Pin<Box<dyn Future<Output = ()> + Send>>);

impl Backpressure {
    /// Wraps the future that puts the message where it belongs.
    pub fn new(future: impl Future<Output = ()> + Send + 'static) -> Self {
        Backpressure(Box::pin(future))
    }
}

impl Future for Backpressure {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl std::fmt::Debug for Backpressure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Backpressure(..)")
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client closed the session (`1` packet) or its connection ended.
    TransportClose,
    /// The connection failed (I/O error, protocol violation on the
    /// WebSocket, concurrent polling requests).
    TransportError,
    /// No pong arrived within the ping timeout.
    PingTimeout,
    /// The client sent bytes that are not a valid packet.
    ParseError,
    /// The server closed the session ([`SessionHandle::close`]).
    ForcedClose,
    /// The server is shutting down.
    ServerShutdown,
    /// The client did not read fast enough: its outbound queue was full.
    BufferFull,
}

impl CloseReason {
    /// The reason as the Socket.IO clients and the Node server name it.
    pub const fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShutdown => "server shutting down",
            CloseReason::BufferFull => "outbound buffer full",
        }
    }
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the layer above Engine.IO implements to receive sessions.
///
/// Calls come in order (`on_open`, then `on_message` for every message in
/// arrival order, then `on_close` once), never overlap for one session, and
/// run on the task that read the network: they must not block. A handler
/// that cannot take a message now says so with [`Delivery::Wait`].
pub trait EngineHandler: Send + Sync + 'static {
    /// Per-session state the handler keeps; the engine stores it with the
    /// session and passes it back on every call.
    type Session: Send + Sync + 'static;

    /// A session completed its handshake. The open packet is already queued,
    /// so anything sent through `session` from here arrives after it.
    fn on_open(&self, session: &SessionHandle, handshake: &Handshake) -> Self::Session;

    /// A message arrived on `session`.
    ///
    /// [`Delivery::Wait`] pauses reading from this session (and only this
    /// one) until its future resolves: the client is slowed down by TCP
    /// flow control, or by the response to its POST, instead of being
    /// buffered without bound. While reading is paused the heartbeat does
    /// not count against the client (its pongs are unread, not missing).
    fn on_message(&self, session: &SessionHandle, state: &Self::Session, message: Message) -> Delivery;

    /// The session ended. Nothing sent through the handle after this point
    /// is delivered.
    fn on_close(&self, session: &SessionHandle, state: &Self::Session, reason: CloseReason);
}
