//! Acknowledgements, both ways.
//!
//! - [`Ack`] answers an event the client sent with an ack id. Sending
//!   consumes it, so an event is answered at most once by construction.
//! - [`PendingAcks`] holds the server's own emits awaiting an answer. Each
//!   entry is removed when the answer arrives, when the wait times out or
//!   is dropped, or when the socket disconnects: nothing leaks.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use sio_core::Value;
use sio_core::socketio::Packet;
use tokio::sync::{mpsc, oneshot};

use super::emit::{IntoArgs, encode};
use super::{AckSendError, Socket, SocketId};

/// The answer to one event that asked for an acknowledgement.
///
/// Obtained from [`Event::ack`](super::Event::ack) or as the `ack`
/// parameter of a consumer method. [`send`](Self::send) consumes it: an
/// event cannot be answered twice.
#[derive(Debug)]
pub struct Ack {
    socket: Socket,
    ack_id: u64,
}

impl Ack {
    pub(crate) fn new(socket: Socket, ack_id: u64) -> Self {
        Ack { socket, ack_id }
    }

    /// The ack id the client chose.
    pub fn id(&self) -> u64 {
        self.ack_id
    }

    /// Answers with one argument (`data` may be a `Vec`: it is then one
    /// array argument).
    pub fn send<T: Serialize + ?Sized>(self, data: &T) -> Result<(), AckSendError> {
        let value = sio_core::value::to_value(data).map_err(|error| AckSendError::Serialize(error.to_string()))?;
        self.send_values(vec![value])
    }

    /// Answers with several arguments (or none, with `()`).
    pub fn send_args(self, args: impl IntoArgs) -> Result<(), AckSendError> {
        let args = args
            .into_args()
            .map_err(|error| AckSendError::Serialize(error.to_string()))?;
        self.send_values(args)
    }

    /// Answers with arguments already converted to values.
    pub fn send_values(self, args: Vec<Value>) -> Result<(), AckSendError> {
        let packet = Packet::ack(self.socket.namespace_str().clone(), args, self.ack_id);
        self.socket.send_frames(encode(&packet)).map_err(AckSendError::from)
    }
}

/// Where the answer to one pending emit goes.
#[derive(Debug)]
enum Waiter {
    /// An emit to one socket.
    Single(oneshot::Sender<Vec<Value>>),
    /// A broadcast: every recipient answers into one channel.
    Broadcast(mpsc::UnboundedSender<(SocketId, Vec<Value>)>),
}

/// The server's emits on one socket that await an acknowledgement.
#[derive(Debug, Default)]
pub(crate) struct PendingAcks {
    waiters: Mutex<HashMap<u64, Waiter>>,
}

impl PendingAcks {
    fn waiters(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Waiter>> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn expect_single(&self, ack_id: u64) -> oneshot::Receiver<Vec<Value>> {
        let (sender, receiver) = oneshot::channel();
        self.waiters().insert(ack_id, Waiter::Single(sender));
        receiver
    }

    pub fn expect_broadcast(&self, ack_id: u64, sender: mpsc::UnboundedSender<(SocketId, Vec<Value>)>) {
        self.waiters().insert(ack_id, Waiter::Broadcast(sender));
    }

    /// Delivers an answer from the client; unknown ids are ignored.
    pub fn resolve(&self, socket: &SocketId, ack_id: u64, args: Vec<Value>) {
        let waiter = self.waiters().remove(&ack_id);
        match waiter {
            Some(Waiter::Single(sender)) => {
                let _ = sender.send(args);
            }
            Some(Waiter::Broadcast(sender)) => {
                let _ = sender.send((socket.clone(), args));
            }
            None => tracing::debug!(ack_id, "acknowledgement for no pending emit, ignored"),
        }
    }

    pub fn forget(&self, ack_id: u64) {
        self.waiters().remove(&ack_id);
    }

    /// Drops every waiter: their receivers see the disconnection.
    pub fn clear(&self) {
        self.waiters().clear();
    }
}
