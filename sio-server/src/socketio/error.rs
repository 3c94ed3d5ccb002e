//! Errors of the Socket.IO API.

use sio_core::Value;
use sio_core::value::ValueError;
use thiserror::Error;

use super::adapter::ClusterError;

/// Why an emit did not reach the client's queue.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The data could not be serialized.
    #[error("could not serialize the event data: {0}")]
    Serialize(String),
    /// The event name is reserved by Socket.IO (`connect`, `disconnect`, ...).
    #[error("event name {0:?} is reserved by Socket.IO")]
    ReservedEvent(String),
    /// The socket is disconnected.
    #[error("socket disconnected")]
    Disconnected,
    /// The client reads too slowly: its outbound queue is full and the
    /// packet was not queued. Its connection was closed for it, except
    /// under `OutboundPolicy::Wait` (the sender decides; the `_paced`
    /// emits wait instead).
    #[error("client too slow: its outbound queue is full")]
    BufferFull,
    /// No namespace of that name is registered.
    #[error("unknown namespace {0:?}")]
    UnknownNamespace(String),
    /// A cluster-wide operation could not be completed.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

impl From<ValueError> for EmitError {
    fn from(error: ValueError) -> Self {
        EmitError::Serialize(error.to_string())
    }
}

/// Why an acknowledgement did not arrive.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AckError {
    /// The emit itself failed.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// The client did not answer within the timeout.
    #[error("no acknowledgement within the timeout")]
    Timeout,
    /// The socket disconnected before answering.
    #[error("socket disconnected before acknowledging")]
    Disconnected,
    /// Asked inside the socket's own connect hook: the client is not
    /// connected until the hook returns, so it could not answer before the
    /// timeout (and the hook would hold back its own CONNECT reply
    /// meanwhile). Ask from the first event, or from a task spawned by the
    /// hook (its question goes out right after the CONNECT reply).
    #[error("emit_with_ack inside the connect hook: the client cannot answer before it is connected")]
    Connecting,
    /// The answer did not deserialize into the expected type.
    #[error("acknowledgement data did not deserialize: {0}")]
    Deserialize(String),
}

/// Why a client-requested acknowledgement could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AckSendError {
    /// The data could not be serialized.
    #[error("could not serialize the acknowledgement data: {0}")]
    Serialize(String),
    /// The socket is disconnected.
    #[error("socket disconnected")]
    Disconnected,
}

impl From<EmitError> for AckSendError {
    fn from(error: EmitError) -> Self {
        match error {
            EmitError::Serialize(message) => AckSendError::Serialize(message),
            _ => AckSendError::Disconnected,
        }
    }
}

/// A refused namespace connection: becomes a CONNECT_ERROR packet
/// `{"message": ..., "data": ...}` that the client sees in `connect_error`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    /// The message (`err.message` on the client).
    pub message: String,
    /// Optional details (`err.data` on the client).
    pub data: Option<Value>,
}

impl ConnectError {
    /// A refusal with a message only.
    pub fn new(message: impl Into<String>) -> Self {
        ConnectError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds `data`, serialized (a value that does not serialize is replaced
    /// by its error message, so the refusal still reaches the client).
    pub fn with_data<T: serde::Serialize + ?Sized>(mut self, data: &T) -> Self {
        self.data = Some(sio_core::value::to_value(data).unwrap_or_else(|error| Value::String(error.to_string())));
        self
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConnectError {}
