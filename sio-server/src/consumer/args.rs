//! Event arguments: how each parameter of an event handler is taken from
//! the arguments the client sent.
//!
//! The `#[consumer]` macro turns every parameter after `socket` into one
//! call of [`FromEventArgs::from_event_args`] on a shared [`EventArgs`]
//! cursor, in declaration order. Each type decides what it takes:
//!
//! - any `T: serde::de::DeserializeOwned` takes the next argument: payload
//!   structs, numbers, strings, `Vec<T>`, `serde_json::Value`,
//!   [`Value`], `bytes::Bytes` (a binary attachment) and structs with
//!   `Bytes` fields. A missing argument deserializes from `null`, so
//!   `Option<T>` gives `None` and `()` is fine; any other type fails with
//!   [`ArgError::Missing`].
//! - [`RawArgs`] takes every remaining argument, raw (Python's `*args`).
//!
//! Arguments beyond the ones a handler declares are ignored.

use std::fmt;

use serde::de::DeserializeOwned;
use sio_core::Value;
use sio_core::value::from_value;
use thiserror::Error;

/// The arguments of one event, consumed left to right by the handler's
/// parameters.
#[derive(Debug)]
pub struct EventArgs {
    values: std::vec::IntoIter<Value>,
    /// The 1-based position of the next argument.
    position: usize,
}

impl EventArgs {
    /// A cursor over `values`, at the first one.
    pub fn new(values: Vec<Value>) -> Self {
        EventArgs {
            values: values.into_iter(),
            position: 1,
        }
    }

    /// The 1-based position of the next argument (one past the last when
    /// none is left).
    pub fn position(&self) -> usize {
        self.position
    }

    /// The arguments not taken yet.
    pub fn remaining(&self) -> usize {
        self.values.len()
    }

    /// Takes the next argument, if the client sent one.
    pub fn next_value(&mut self) -> Option<Value> {
        let value = self.values.next()?;
        self.position += 1;
        Some(value)
    }

    /// Takes every remaining argument.
    pub fn take_rest(&mut self) -> Vec<Value> {
        let rest: Vec<Value> = self.values.by_ref().collect();
        self.position += rest.len();
        rest
    }
}

/// Why the arguments of an event do not fit its handler. The handler is
/// not called; see [`EventReply::reject`](super::EventReply::reject).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ArgError {
    /// The client sent fewer arguments than the handler needs, and the
    /// parameter is not optional.
    #[error("missing argument {position}")]
    Missing {
        /// The 1-based position of the missing argument.
        position: usize,
    },
    /// An argument did not deserialize into the parameter's type.
    #[error("argument {position}: {message}")]
    Invalid {
        /// The 1-based position of the argument.
        position: usize,
        /// The serde error.
        message: String,
    },
    /// The handler takes `ack: Ack` (not `Option<Ack>`) and the client did
    /// not ask for an acknowledgement.
    #[error("the handler requires an acknowledgement callback and the client sent none")]
    AckRequired,
}

/// A type that a consumer's event handler can take as a parameter.
///
/// Implemented for every `T: DeserializeOwned` (the next argument) and for
/// [`RawArgs`] (all remaining arguments). Implement it for your own type to
/// take arguments another way.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an event handler parameter",
    label = "not accepted as an event argument",
    note = "after `socket`, an event handler accepts:",
    note = "- a type implementing `serde::Deserialize` (a `#[derive(Deserialize)]` payload struct, numbers, \
            `String`, `Vec<T>`, `serde_json::Value`, `sio::Value`, `bytes::Bytes` for a binary attachment)",
    note = "- `Option<T>` of such a type, for an argument the client may omit",
    note = "- `sio::RawArgs`, for every remaining argument (like Python's `*args`)",
    note = "- last, a parameter named `ack` of type `Option<sio::Ack>` or `sio::Ack`"
)]
pub trait FromEventArgs: Sized {
    /// Takes what this parameter needs from `args`.
    fn from_event_args(args: &mut EventArgs) -> Result<Self, ArgError>;
}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> FromEventArgs for T {
    fn from_event_args(args: &mut EventArgs) -> Result<Self, ArgError> {
        let position = args.position();
        match args.next_value() {
            Some(value) => from_value(value).map_err(|error| ArgError::Invalid {
                position,
                message: error.to_string(),
            }),
            // `null` stands for an omitted argument: `Option<T>` is `None`.
            None => from_value(Value::Null).map_err(|_| ArgError::Missing { position }),
        }
    }
}

/// Every remaining argument of an event, raw: the catch-all parameter,
/// like Python's `*args`. Usually the last parameter before `ack`.
///
/// ```
/// # use sio_server::consumer::RawArgs;
/// # use sio_core::Value;
/// let args = RawArgs(vec![Value::from(1), Value::from("two")]);
/// assert_eq!(args.len(), 2);
/// let first: i32 = args.parse(0).expect("an argument")?;
/// assert_eq!(first, 1);
/// # Ok::<(), sio_core::value::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawArgs(pub Vec<Value>);

impl RawArgs {
    /// The arguments.
    pub fn into_vec(self) -> Vec<Value> {
        self.0
    }

    /// Deserializes the argument at `index` (0-based, within these
    /// arguments); `None` when there is none.
    pub fn parse<T: DeserializeOwned>(&self, index: usize) -> Option<Result<T, sio_core::value::ValueError>> {
        self.0.get(index).map(|value| from_value(value.clone()))
    }
}

impl std::ops::Deref for RawArgs {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        &self.0
    }
}

impl IntoIterator for RawArgs {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl FromEventArgs for RawArgs {
    fn from_event_args(args: &mut EventArgs) -> Result<Self, ArgError> {
        Ok(RawArgs(args.take_rest()))
    }
}

impl fmt::Display for RawArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut json = String::new();
        let mut attachments = Vec::new();
        sio_core::value::write_json(&Value::Array(self.0.clone()), &mut json, &mut attachments);
        f.write_str(&json)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use serde::Deserialize;

    use super::*;

    fn take<T: FromEventArgs>(args: &mut EventArgs) -> Result<T, ArgError> {
        T::from_event_args(args)
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Message {
        text: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Upload {
        name: String,
        data: Bytes,
    }

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
    }

    #[test]
    fn parameters_take_arguments_in_order() {
        let mut args = EventArgs::new(vec![
            object(&[("text", Value::from("hi"))]),
            Value::from(3),
            Value::from("s"),
        ]);
        assert_eq!(take::<Message>(&mut args), Ok(Message { text: "hi".into() }));
        assert_eq!(take::<i32>(&mut args), Ok(3));
        assert_eq!(take::<String>(&mut args), Ok("s".into()));
        assert_eq!(args.remaining(), 0);
    }

    #[test]
    fn omitted_option_is_none_and_omitted_value_is_missing() {
        let mut args = EventArgs::new(vec![Value::from(1)]);
        assert_eq!(take::<i32>(&mut args), Ok(1));
        assert_eq!(take::<Option<i32>>(&mut args), Ok(None));
        assert_eq!(take::<i32>(&mut args), Err(ArgError::Missing { position: 2 }));
    }

    #[test]
    fn invalid_argument_names_its_position_and_the_serde_error() {
        let mut args = EventArgs::new(vec![Value::from(1), Value::from("x")]);
        assert_eq!(take::<i32>(&mut args), Ok(1));
        let error = take::<i32>(&mut args).expect_err("not an i32");
        assert!(matches!(error, ArgError::Invalid { position: 2, .. }), "{error:?}");
        assert!(error.to_string().starts_with("argument 2: invalid type"), "{error}");
    }

    #[test]
    fn bytes_and_bytes_fields_come_from_binary_attachments() {
        let mut args = EventArgs::new(vec![
            Value::Binary(Bytes::from_static(b"\x01\x02")),
            object(&[
                ("name", Value::from("a.bin")),
                ("data", Value::Binary(Bytes::from_static(b"\x03"))),
            ]),
        ]);
        assert_eq!(take::<Bytes>(&mut args), Ok(Bytes::from_static(b"\x01\x02")));
        assert_eq!(
            take::<Upload>(&mut args),
            Ok(Upload {
                name: "a.bin".into(),
                data: Bytes::from_static(b"\x03")
            })
        );
    }

    #[test]
    fn raw_args_take_every_remaining_argument() {
        let mut args = EventArgs::new(vec![Value::from(1), Value::from(2), Value::from("three")]);
        assert_eq!(take::<i32>(&mut args), Ok(1));
        let rest = take::<RawArgs>(&mut args).expect("always taken");
        assert_eq!(rest.0, vec![Value::from(2), Value::from("three")]);
        assert_eq!(rest.to_string(), r#"[2,"three"]"#);
        assert_eq!(take::<RawArgs>(&mut args), Ok(RawArgs::default()));
        assert_eq!(take::<Option<u8>>(&mut args), Ok(None));
    }
}
