//! The wire protocol of sio: Engine.IO v4 and Socket.IO v5, without I/O.
//!
//! Everything in this crate is deterministic and synchronous: codecs take
//! bytes and return packets, or take packets and return bytes. No tokio, no
//! sockets. That keeps the protocol testable in isolation and fuzzable.
//!
//! - [`engine`]: Engine.IO packets and the HTTP long-polling payload format.
//! - [`socketio`]: Socket.IO packets, binary attachments and their
//!   placeholders.
//! - [`Value`]: one event argument, JSON or binary.
//! - [`Str`]: cheaply clonable UTF-8 text backed by [`bytes::Bytes`], so
//!   one encoded frame can be shared by every recipient of a broadcast.
//! - [`websocket`]: RFC 6455 framing, server side: an incremental decoder
//!   of client frames that holds no allocation between messages, and the
//!   encoders of server frames.

pub mod engine;
pub mod socketio;
mod str;
pub mod value;
pub mod websocket;

pub use crate::str::Str;
pub use crate::value::Value;
