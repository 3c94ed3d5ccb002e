//! What a namespace runs: the per-connection handler the consumer macro
//! generates, and the event it receives.

use std::future::Future;
use std::pin::Pin;

use sio_core::Value;

use super::{Ack, ConnectError, DisconnectReason, Socket};

/// A boxed, sendable future, as the handler methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An event received from a client.
#[derive(Debug)]
pub struct Event {
    /// The event name.
    pub name: String,
    /// The arguments, in order (binary attachments are [`Value::Binary`]).
    pub args: Vec<Value>,
    /// Present when the client asked for an acknowledgement.
    pub ack: Option<Ack>,
}

/// The handler of one namespace connection.
///
/// The server creates one instance per socket (through the namespace's
/// factory) and drives it from one task:
///
/// - [`connect`](Self::connect) runs first; an error refuses the connection
///   with a CONNECT_ERROR, and nothing else is called.
/// - [`event`](Self::event) runs for each event, one at a time, in arrival
///   order. Acknowledgements from the client are delivered while an event
///   runs, so a handler may await [`Socket::emit_with_ack`].
/// - [`disconnect`](Self::disconnect) runs exactly once after a successful
///   connect, whatever ended the connection; the socket's rooms are still
///   readable inside it and removed after it.
///
/// The `#[consumer]` macro implements this trait; implementing it by hand is
/// possible but verbose.
pub trait SocketHandler: Send + 'static {
    /// The client asked to join the namespace, with its auth payload.
    fn connect<'a>(&'a mut self, socket: &'a Socket, auth: Option<Value>) -> BoxFuture<'a, Result<(), ConnectError>>;

    /// An event arrived.
    fn event<'a>(&'a mut self, socket: &'a Socket, event: Event) -> BoxFuture<'a, ()>;

    /// The socket left the namespace.
    fn disconnect<'a>(&'a mut self, socket: &'a Socket, reason: DisconnectReason) -> BoxFuture<'a, ()>;
}

/// Creates the [`SocketHandler`] of each new connection to a namespace.
pub type HandlerFactory = Box<dyn Fn() -> Box<dyn SocketHandler> + Send + Sync>;
