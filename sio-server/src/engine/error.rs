//! Errors answered to HTTP requests, with the Engine.IO error codes.

use http::StatusCode;
use thiserror::Error;

/// Why the server refused a request to the Engine.IO endpoint.
///
/// Each variant maps to an HTTP status and to the numeric `code` of the
/// JSON body the official servers send (`{"code":1,"message":"Session ID
/// unknown"}`), so clients that inspect it behave the same.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EngineError {
    /// `transport` is missing, unknown, or not enabled.
    #[error("Transport unknown")]
    UnknownTransport,
    /// `sid` names no live session (or the session is on another transport).
    #[error("Session ID unknown")]
    UnknownSid,
    /// A handshake with a method other than GET.
    #[error("Bad handshake method")]
    BadHandshakeMethod,
    /// A malformed request (bad method, concurrent polling request, polling
    /// on an upgraded session, bad WebSocket headers).
    #[error("Bad request")]
    BadRequest,
    /// The origin is not allowed.
    #[error("Forbidden")]
    Forbidden,
    /// `EIO` is missing or not `4`.
    #[error("Unsupported protocol version")]
    UnsupportedProtocolVersion,
    /// A polling body over `max_payload`.
    #[error("Payload too large")]
    PayloadTooLarge,
    /// A WebSocket upgrade with a `Sec-WebSocket-Version` other than 13.
    #[error("Unsupported WebSocket version")]
    UnsupportedWebSocketVersion,
    /// The body did not arrive within the request timeout.
    #[error("Request timeout")]
    RequestTimeout,
    /// A handshake while `max_sessions` sessions are open.
    #[error("Server at capacity")]
    AtCapacity,
    /// A handshake while the server shuts down.
    #[error("Server shutting down")]
    ShuttingDown,
}

impl EngineError {
    /// The Engine.IO error code sent in the JSON body.
    pub const fn code(&self) -> u8 {
        match self {
            EngineError::UnknownTransport => 0,
            EngineError::UnknownSid => 1,
            EngineError::BadHandshakeMethod => 2,
            EngineError::BadRequest
            | EngineError::PayloadTooLarge
            | EngineError::UnsupportedWebSocketVersion
            | EngineError::RequestTimeout
            | EngineError::AtCapacity
            | EngineError::ShuttingDown => 3,
            EngineError::Forbidden => 4,
            EngineError::UnsupportedProtocolVersion => 5,
        }
    }

    /// The HTTP status answered.
    pub const fn status(&self) -> StatusCode {
        match self {
            EngineError::Forbidden => StatusCode::FORBIDDEN,
            EngineError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            EngineError::UnsupportedWebSocketVersion => StatusCode::UPGRADE_REQUIRED,
            EngineError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            EngineError::AtCapacity | EngineError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}
