//! [`WsError`]: why a client's frames fail the connection.

use thiserror::Error;

/// Why the connection must be failed; each maps to the close code to send
/// ([`WsError::close_code`]).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum WsError {
    /// The client broke the framing rules of RFC 6455 (close code 1002).
    /// The text says which rule, for logs.
    #[error("WebSocket protocol error: {0}")]
    Protocol(&'static str),
    /// A text message or a close reason is not valid UTF-8 (close code
    /// 1007).
    #[error("invalid UTF-8 in a WebSocket text message or close reason")]
    InvalidUtf8,
    /// A message is larger than the decoder's limit (close code 1009).
    #[error("WebSocket message larger than {limit} bytes")]
    TooBig {
        /// The limit: `max_message` of [`Decoder::new`](super::Decoder::new).
        limit: usize,
    },
}

impl WsError {
    /// The status code of the close frame to send before closing: 1002
    /// (protocol error), 1007 (invalid payload data) or 1009 (message too
    /// big).
    pub fn close_code(&self) -> u16 {
        match self {
            WsError::Protocol(_) => super::close_code::PROTOCOL,
            WsError::InvalidUtf8 => super::close_code::INVALID_DATA,
            WsError::TooBig { .. } => super::close_code::TOO_BIG,
        }
    }
}
