//! [`ValueError`]: why a conversion to or from a [`Value`](super::Value) failed.

use std::fmt::Display;

use thiserror::Error;

/// Why [`to_value`](super::to_value), [`from_value`](super::from_value) or a
/// conversion between [`Value`](super::Value) and `serde_json::Value` failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    /// A message from a `Serialize` or `Deserialize` implementation, such as
    /// `invalid type: string "x", expected u8` or `missing field "id"`.
    #[error("{0}")]
    Message(String),
    /// The value being serialized nests containers deeper than
    /// [`MAX_DEPTH`](super::MAX_DEPTH); flatten it, or check it for a cycle.
    #[error("value nested deeper than {limit} levels")]
    TooDeep {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A map key that is neither a string, a char, a bool nor an integer
    /// (JSON object keys are strings).
    #[error("map key must be a string, char, bool or integer, not {0}")]
    InvalidKey(&'static str),
    /// A `Value::Binary` met while converting to `serde_json::Value`, which
    /// has no binary type; use `Value` itself to keep binary data.
    #[error("binary data ({len} bytes) has no JSON representation")]
    Binary {
        /// The length of the binary leaf.
        len: usize,
    },
}

impl serde::ser::Error for ValueError {
    fn custom<T: Display>(msg: T) -> Self {
        ValueError::Message(msg.to_string())
    }
}

impl serde::de::Error for ValueError {
    fn custom<T: Display>(msg: T) -> Self {
        ValueError::Message(msg.to_string())
    }
}
