use thiserror::Error;

/// Why bytes received from a client are not a valid Engine.IO packet or
/// payload. Any of these closes the session that sent them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// A text packet with no type character at all.
    #[error("empty packet")]
    Empty,
    /// The first character is not one of `0`..`6`.
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// A polling body that is not valid UTF-8.
    #[error("payload is not valid UTF-8")]
    InvalidUtf8,
    /// A `b`-prefixed polling record whose base64 does not decode.
    #[error("invalid base64 in binary record: {0}")]
    InvalidBase64(String),
}
