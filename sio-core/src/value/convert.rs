//! Conversions into [`Value`] from Rust scalars, collections and
//! `serde_json::Value`, and back to `serde_json::Value`.
//!
//! Conversions never fail except `Value -> serde_json::Value` on a binary
//! leaf. Non-finite floats become `Null`, as in serde_json.

use bytes::Bytes;

use super::{Map, Number, Value, ValueError};

impl From<bool> for Value {
    fn from(flag: bool) -> Self {
        Value::Bool(flag)
    }
}

macro_rules! from_integer {
    ($($int:ty),*) => {$(
        impl From<$int> for Value {
            fn from(number: $int) -> Self {
                Value::Number(Number::from(number))
            }
        }
    )*};
}

from_integer!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl From<f64> for Value {
    /// A finite float becomes a number; NaN and infinities become `Null`.
    fn from(number: f64) -> Self {
        Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}

impl From<f32> for Value {
    /// A finite float becomes a number; NaN and infinities become `Null`.
    fn from(number: f32) -> Self {
        Value::from(f64::from(number))
    }
}

impl From<Number> for Value {
    fn from(number: Number) -> Self {
        Value::Number(number)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::String(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::String(text)
    }
}

impl From<crate::Str> for Value {
    fn from(text: crate::Str) -> Self {
        Value::String(text.as_str().to_owned())
    }
}

impl From<Bytes> for Value {
    fn from(data: Bytes) -> Self {
        Value::Binary(data)
    }
}

impl From<Vec<u8>> for Value {
    /// Bytes become a [`Value::Binary`] leaf (not an array of numbers).
    fn from(data: Vec<u8>) -> Self {
        Value::Binary(Bytes::from(data))
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items)
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Self {
        Value::Object(map)
    }
}

impl From<()> for Value {
    fn from((): ()) -> Self {
        Value::Null
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` becomes `Null`.
    fn from(option: Option<T>) -> Self {
        option.map_or(Value::Null, Into::into)
    }
}

impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(items: I) -> Self {
        Value::Array(items.into_iter().collect())
    }
}

impl<K: Into<String>> FromIterator<(K, Value)> for Value {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(entries: I) -> Self {
        Value::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl From<serde_json::Value> for Value {
    /// Moves strings and containers over; recursion follows the JSON value's
    /// depth (bounded for anything serde_json parsed).
    fn from(json: serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(flag) => Value::Bool(flag),
            serde_json::Value::Number(number) => Value::Number(number),
            serde_json::Value::String(text) => Value::String(text),
            serde_json::Value::Array(items) => Value::Array(items.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl TryFrom<Value> for serde_json::Value {
    type Error = ValueError;

    /// Fails with [`ValueError::Binary`] on the first binary leaf.
    fn try_from(value: Value) -> Result<Self, ValueError> {
        Ok(match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(flag) => serde_json::Value::Bool(flag),
            Value::Number(number) => serde_json::Value::Number(number),
            Value::String(text) => serde_json::Value::String(text),
            Value::Binary(data) => return Err(ValueError::Binary { len: data.len() }),
            Value::Array(items) => serde_json::Value::Array(
                items
                    .into_iter()
                    .map(serde_json::Value::try_from)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => serde_json::Value::Object(
                map.into_iter()
                    .map(|(k, v)| Ok((k, serde_json::Value::try_from(v)?)))
                    .collect::<Result<_, ValueError>>()?,
            ),
        })
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}
