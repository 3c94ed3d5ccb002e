//! [`Value`]: one event argument, JSON or binary.
//!
//! # Guarantees
//!
//! - **Bounded depth from input.** Every `Value` this crate builds from
//!   input ([`parse_json`], the Socket.IO decoder, [`to_value`]) nests at
//!   most [`MAX_DEPTH`] containers. Deeper input is an error, never a stack
//!   overflow, so the recursive trait impls (`Clone`, `PartialEq`, `Drop`,
//!   `Serialize`, [`from_value`]) stay bounded on such values.
//! - **Iterative where depth is unknown.** [`write_json`] (the wire
//!   encoder) and [`Value::has_binary`] use an explicit stack, so they accept
//!   a hand-built value of any depth. The derived `Clone`, `PartialEq`,
//!   `Debug` and `Drop` do recurse: a value built by hand (through the
//!   `From` impls) deeper than [`MAX_DEPTH`] is the builder's to keep
//!   shallow, or to take apart level by level.
//! - **Binary survives serde.** [`to_value`] turns `serialize_bytes` into a
//!   [`Value::Binary`] leaf, and [`from_value`] hands a binary leaf to
//!   `visit_byte_buf`, so `bytes::Bytes` (and `serde_bytes`) fields of user
//!   types travel as Socket.IO attachments, not as arrays of numbers.
//! - **Order is kept.** Objects are [`Map`]s (an `IndexMap`): keys keep their
//!   insertion order, so JSON re-encodes in the order it arrived.
//!
//! # Example
//!
//! ```
//! use sio_core::value::{from_value, to_value, Value};
//!
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct Upload {
//!     name: String,
//!     data: bytes::Bytes,
//! }
//!
//! let upload = Upload { name: "a.bin".into(), data: bytes::Bytes::from_static(b"\x01\x02") };
//! let value = to_value(&upload)?;
//! assert!(value.has_binary());
//! assert_eq!(from_value::<Upload>(value)?, upload);
//! # Ok::<(), sio_core::value::ValueError>(())
//! ```

mod convert;
mod de;
mod deserializer;
mod error;
pub(crate) mod json;
mod map_key;
mod ser;
mod serializer;

use bytes::Bytes;
pub use serde_json::Number;

pub use deserializer::{ValueDeserializer, from_value};
pub use error::ValueError;
pub use json::{parse_json, write_json, write_json_string};
pub use serializer::{ValueSerializer, to_value};

/// A JSON object with its keys in insertion order.
pub type Map = indexmap::IndexMap<String, Value>;

/// The deepest nesting of arrays and objects that [`to_value`] produces.
///
/// JSON parsed by [`parse_json`] is held to serde_json's own limit (127
/// nested containers), which is lower, so any value decoded from the wire
/// can be serialized again with [`to_value`], in one extra container.
pub const MAX_DEPTH: usize = 128;

/// One event argument: a JSON value, or binary data.
///
/// Binary leaves may sit anywhere in the tree; on the wire each becomes a
/// Socket.IO attachment referenced by a `{"_placeholder":true,"num":N}`
/// object.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// JSON `null`.
    #[default]
    Null,
    /// JSON `true` or `false`.
    Bool(bool),
    /// A JSON number (an integer that fits 64 bits, or a finite float).
    Number(Number),
    /// A JSON string.
    String(String),
    /// Binary data: a Socket.IO attachment.
    Binary(Bytes),
    /// A JSON array.
    Array(Vec<Value>),
    /// A JSON object, keys in insertion order.
    Object(Map),
}

impl Value {
    /// The string, if this is a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The boolean, if this is a [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    /// The number as `u64`, if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(number) => number.as_u64(),
            _ => None,
        }
    }

    /// The number as `i64`, if it is an integer in `i64`'s range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(number) => number.as_i64(),
            _ => None,
        }
    }

    /// The number as `f64` (integers are converted), if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(number) => number.as_f64(),
            _ => None,
        }
    }

    /// The bytes, if this is a [`Value::Binary`].
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Value::Binary(data) => Some(data),
            _ => None,
        }
    }

    /// The items, if this is a [`Value::Array`].
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if this is a [`Value::Object`].
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The value under `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|map| map.get(key))
    }

    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is a [`Value::Binary`] leaf (see [`Value::has_binary`]
    /// for a search of the whole tree).
    pub fn is_binary(&self) -> bool {
        matches!(self, Value::Binary(_))
    }

    /// Whether a [`Value::Binary`] leaf sits anywhere in the tree.
    ///
    /// Iterative: any depth is fine.
    pub fn has_binary(&self) -> bool {
        let mut pending: Vec<&Value> = Vec::new();
        let mut current = self;
        loop {
            match current {
                Value::Binary(_) => return true,
                Value::Array(items) => pending.extend(items.iter().filter(|v| v.may_hold_binary())),
                Value::Object(map) => pending.extend(map.values().filter(|v| v.may_hold_binary())),
                _ => {}
            }
            match pending.pop() {
                Some(next) => current = next,
                None => return false,
            }
        }
    }

    /// Replaces the value with `Null` and returns it.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }

    /// The JSON type name (`"null"`, `"boolean"`, `"number"`, `"string"`,
    /// `"binary"`, `"array"`, `"object"`), for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Binary(_) => "binary",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Whether this is binary or a container (so a binary search must look
    /// at it); lets [`Value::has_binary`] skip scalar leaves without pushing.
    fn may_hold_binary(&self) -> bool {
        matches!(self, Value::Binary(_) | Value::Array(_) | Value::Object(_))
    }
}
