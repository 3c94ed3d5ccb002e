//! The connect hook: its typed `auth` parameter and what it may return.

use serde::de::DeserializeOwned;
use sio_core::Value;
use sio_core::value::from_value;

use crate::socketio::ConnectError;

/// The message of the CONNECT_ERROR sent when `connect` returns `false`.
pub const REFUSED: &str = "connection refused";

/// A type the `auth` parameter of `connect` can have.
///
/// Implemented for every `T: DeserializeOwned`. A client that sent no auth
/// payload is read as `null`: `Option<T>` gives `None`,
/// `serde_json::Value` gives `Null`. An auth payload that does not
/// deserialize refuses the connection with the CONNECT_ERROR message
/// `invalid auth payload: <serde error>`; the hook is not called.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the `auth` parameter of `connect`",
    label = "the auth payload is typed through serde",
    note = "`auth` is a type implementing `serde::Deserialize`: `serde_json::Value`, `sio::Value`, a \
            `#[derive(Deserialize)]` struct, or `Option<T>` of one when the client may send none"
)]
pub trait FromAuth: Sized {
    /// The parameter, from the auth payload of the client's CONNECT.
    fn from_auth(auth: Option<Value>) -> Result<Self, ConnectError>;
}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> FromAuth for T {
    fn from_auth(auth: Option<Value>) -> Result<Self, ConnectError> {
        from_value(auth.unwrap_or(Value::Null))
            .map_err(|error| ConnectError::new(format!("invalid auth payload: {error}")))
    }
}

/// What `connect` may return.
///
/// - nothing (`()`): the connection is accepted;
/// - `bool`: `false` refuses it with the message [`REFUSED`];
/// - `Result<(), E>` with `E: Into<ConnectError>`: `Err` refuses it with the
///   error's message and data (the client's `connect_error` event gets
///   `err.message` and `err.data`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by `connect`",
    label = "decides whether the connection is accepted",
    note = "`connect` returns nothing, `bool` (`false` refuses the connection), or `Result<(), E>` where \
            `E: Into<sio::ConnectError>` (`Err` refuses it with a message and data)"
)]
pub trait IntoConnectResult {
    /// Whether the connection is accepted, and if not, why.
    fn into_connect_result(self) -> Result<(), ConnectError>;
}

impl IntoConnectResult for () {
    fn into_connect_result(self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl IntoConnectResult for bool {
    fn into_connect_result(self) -> Result<(), ConnectError> {
        if self { Ok(()) } else { Err(ConnectError::new(REFUSED)) }
    }
}

impl<E: Into<ConnectError>> IntoConnectResult for Result<(), E> {
    fn into_connect_result(self) -> Result<(), ConnectError> {
        self.map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Token {
        token: String,
    }

    #[test]
    fn absent_auth_reads_as_null() {
        assert_eq!(<Option<Token>>::from_auth(None), Ok(None));
        assert_eq!(serde_json::Value::from_auth(None), Ok(serde_json::Value::Null));
    }

    #[test]
    fn auth_that_does_not_deserialize_refuses_with_the_serde_error() {
        let error = Token::from_auth(None).expect_err("null is not a Token");
        assert!(error.message.starts_with("invalid auth payload: "), "{error}");
    }

    #[test]
    fn connect_results() {
        assert_eq!(().into_connect_result(), Ok(()));
        assert_eq!(true.into_connect_result(), Ok(()));
        assert_eq!(false.into_connect_result(), Err(ConnectError::new(REFUSED)));
        let refused: Result<(), ConnectError> = Err(ConnectError::new("no").with_data(&1));
        assert_eq!(refused.clone().into_connect_result(), refused);
    }
}
