//! Socket.IO v5 on top of the Engine.IO seam: namespaces, sockets, events,
//! acknowledgements, binary attachments, rooms and broadcasts.
//!
//! # Guarantees
//!
//! - One client per Engine.IO session; it joins namespaces with explicit
//!   CONNECTs, each giving a [`Socket`] with its own random id. A session
//!   that joins none within `connect_timeout` is closed.
//! - A socket's handler runs its events one at a time in arrival order;
//!   different sockets run concurrently. Acknowledgements from the client
//!   bypass that queue, so a handler can await one.
//! - A client that sends faster than its handler runs is slowed down, not
//!   disconnected: when the socket's queue holds `max_queued_events`, the
//!   engine stops reading that client until there is room. Every event
//!   read reaches the handler, unless the socket is disconnected first;
//!   those queued before a disconnect still run, before the hook.
//! - Whatever a connect hook emits reaches the client after the CONNECT
//!   reply.
//! - The disconnect hook runs exactly once per accepted socket, whatever
//!   ended it, with the socket's rooms still readable; they are removed
//!   after it.
//! - An invalid packet closes the whole session with `parse error`; packets
//!   for namespaces the client did not join are ignored.
//! - A broadcast is encoded once, and the bytes are shared by every
//!   recipient. A recipient that cannot keep up is disconnected, never
//!   skipped silently (unless the broadcast is `volatile`). An emit to one
//!   socket follows the outbound policy, and `emit_paced` waits for room.
//! - Pending acknowledgements are removed when answered, timed out, or
//!   disconnected: nothing accumulates.

mod ack;
pub mod adapter;
mod backpressure;
mod broadcast;
mod client;
mod config;
mod emit;
mod error;
mod event_queue;
mod handler;
mod lifecycle;
mod namespace;
mod reason;
mod server;
mod socket;

pub use ack::Ack;
pub use adapter::{
    Adapter, BroadcastOptions, ClusterError, HandshakeDetails, InMemoryAdapter, Room, ServerAck, ServerAckResponses,
    ServerEvent, SocketDetails,
};
pub use broadcast::{AckResponses, BroadcastOperator, RemoteSocket};
pub use client::Client;
pub use config::SocketIoConfig;
pub use emit::IntoArgs;
pub use error::{AckError, AckSendError, ConnectError, EmitError};
pub use handler::{BoxFuture, Event, HandlerFactory, SocketHandler};
pub use reason::DisconnectReason;
pub use server::{BuildError, Server, ServerStats, SocketIo, SocketIoBuilder, SocketIoHandler};
pub use socket::Socket;

/// A socket id: random, URL-safe, distinct from the Engine.IO session id.
pub type SocketId = crate::engine::Sid;
