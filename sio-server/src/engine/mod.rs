//! Engine.IO v4 server: sessions over HTTP long-polling and WebSocket.
//!
//! # Guarantees
//!
//! - Every session starts with an `open` packet carrying exactly `sid`,
//!   `upgrades`, `pingInterval`, `pingTimeout` and `maxPayload`. Session ids
//!   are 128 bits from a CSPRNG, base64url-encoded.
//! - The server pings every `ping_interval`, the first time one interval
//!   after the handshake, and closes a session that does not answer within
//!   `ping_timeout`.
//! - Packets a session sends go through one bounded queue, whatever the
//!   transport: a polling-to-WebSocket upgrade loses and reorders nothing.
//!   What a full queue (`max_buffered_packets`) does is the
//!   [`OutboundPolicy`]: by default the client is closed
//!   ([`CloseReason::BufferFull`]), logged and counted; packets are never
//!   dropped silently.
//! - Messages reach the [`EngineHandler`] in arrival order, one call at a
//!   time per session, and `on_close` is called exactly once. A handler
//!   that has no room answers [`Delivery::Wait`] and the session's reading
//!   pauses (backpressure); the heartbeat does not count the pause against
//!   the client.
//! - No session opens once shutdown began, nor beyond `max_sessions`
//!   (`503`).
//! - Anything malformed (a bad query, an unknown sid, concurrent polling
//!   requests, an oversized body, an invalid packet) gets an HTTP error with
//!   a `{"code","message"}` body and, where a session is involved, closes
//!   that session only.
//!
//! The layer above plugs in through [`EngineHandler`]; see its module for
//! the seam.

mod admission;
mod connection;
mod error;
mod handler;
mod handshake;
mod heartbeat;
mod inbound;
mod outbox;
mod polling;
mod query;
mod response;
mod server;
mod session;
mod sid;
mod upgrade;
mod websocket;
mod ws_conn;

pub use error::EngineError;
pub use handler::{Backpressure, CloseReason, Delivery, EngineHandler, Message};
pub use handshake::Handshake;
pub use outbox::OutboundPolicy;
pub use query::TransportKind;
pub use server::{EngineServer, EngineStats};
pub use session::{SendError, SessionHandle};
pub use sid::Sid;
