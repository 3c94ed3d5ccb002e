//! Answering the client's acknowledgement request of one event
//! ([`EventReply`]).

use serde::Serialize;
use sio_core::Value;
use sio_core::value::{Map, ValueError, to_value};

use super::ArgError;
use crate::socketio::{Ack, Socket};

/// A value an event handler returns to answer the client's
/// acknowledgement.
///
/// Implemented for every `T: Serialize`: the value is the ack's one
/// argument (a `Vec` is one array argument). A `Result` is serialized as
/// serde does (`{"Ok": ..}` / `{"Err": ..}`); to answer with several
/// arguments, take the `ack` parameter and call
/// [`Ack::send_args`](crate::socketio::Ack::send_args).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by an event handler",
    label = "the return value answers the client's acknowledgement",
    note = "an event handler returns nothing, or a value implementing `serde::Serialize` that becomes the one \
            argument of the acknowledgement"
)]
pub trait IntoAckReply {
    /// The arguments of the acknowledgement.
    fn into_ack_reply(self) -> Result<Vec<Value>, ValueError>;
}

#[diagnostic::do_not_recommend]
impl<T: Serialize> IntoAckReply for T {
    fn into_ack_reply(self) -> Result<Vec<Value>, ValueError> {
        Ok(vec![to_value(&self)?])
    }
}

/// A type the `ack` parameter of an event handler can have.
///
/// - `Option<Ack>`: `Some` when the client asked for an acknowledgement.
/// - [`Ack`]: the handler requires one; an event without an ack request is
///   rejected like an invalid payload ([`ArgError::AckRequired`]), and the
///   handler is not called.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the `ack` parameter",
    label = "the parameter named `ack` receives the acknowledgement",
    note = "the `ack` parameter is `Option<sio::Ack>` (the client may not ask for one) or `sio::Ack` \
            (events without an acknowledgement request are rejected); rename the parameter if it is an \
            event argument"
)]
pub trait FromEventAck: Sized {
    /// The parameter, from the event's ack, if the client asked for one.
    fn from_event_ack(ack: Option<Ack>) -> Result<Self, ArgError>;
}

impl FromEventAck for Option<Ack> {
    fn from_event_ack(ack: Option<Ack>) -> Result<Self, ArgError> {
        Ok(ack)
    }
}

impl FromEventAck for Ack {
    fn from_event_ack(ack: Option<Ack>) -> Result<Self, ArgError> {
        ack.ok_or(ArgError::AckRequired)
    }
}

/// The single argument the client's ack receives when the event's
/// arguments do not fit the handler:
/// `{"error":"invalid payload","message":"<error>"}`.
pub fn invalid_payload(error: &ArgError) -> Value {
    error_object("invalid payload", &error.to_string())
}

fn error_object(error: &str, message: &str) -> Value {
    let mut object = Map::new();
    object.insert("error".to_owned(), Value::from(error));
    object.insert("message".to_owned(), Value::from(message));
    Value::Object(object)
}

/// The pending answer to one event: holds the event's [`Ack`] while its
/// handler runs, so that a client that asked for an acknowledgement gets
/// exactly one answer.
///
/// | what happened | the client's ack receives |
/// | --- | --- |
/// | arguments did not deserialize ([`reject`](EventReply::reject)) | `{"error":"invalid payload","message":"..."}` |
/// | the handler took the `ack` parameter | whatever the handler sends (nothing if it drops it) |
/// | the handler returned a value ([`answer`](EventReply::answer)) | that value, as one argument |
/// | the handler returned nothing ([`finish`](EventReply::finish)) | no argument |
/// | the handler panicked (the reply is dropped) | no argument |
/// | no handler for that event ([`unhandled`](EventReply::unhandled)) | nothing, as with the Node server |
///
/// Dropping it while it still holds the client's [`Ack`] (the handler
/// panicked) sends an empty acknowledgement.
#[derive(Debug)]
pub struct EventReply<'a> {
    socket: &'a Socket,
    event: &'a str,
    ack: Option<Ack>,
}

impl<'a> EventReply<'a> {
    /// The reply to event `event` of `socket`; `ack` is present when the
    /// client asked for an acknowledgement.
    pub fn new(socket: &'a Socket, event: &'a str, ack: Option<Ack>) -> Self {
        EventReply { socket, event, ack }
    }

    /// Hands the ack over to the handler's `ack` parameter (see
    /// [`FromEventAck`]): the handler answers from now on.
    pub fn take_ack(&mut self) -> Option<Ack> {
        self.ack.take()
    }

    /// The arguments did not fit: logs a warning naming the namespace, the
    /// event and the error, and answers the ack (if any) with
    /// [`invalid_payload`]. The connection stays open.
    pub fn reject(mut self, error: ArgError) {
        tracing::warn!(
            namespace = self.socket.namespace(),
            event = self.event,
            socket = %self.socket.id(),
            %error,
            "invalid event payload: handler not called"
        );
        if let Some(ack) = self.ack.take() {
            let _ = ack.send_values(vec![invalid_payload(&error)]);
        }
    }

    /// The handler returned `value`: answers the ack with it, if the client
    /// asked for one. A value that does not serialize is logged and
    /// answered with `{"error":"invalid reply","message":...}`.
    pub fn answer<T: IntoAckReply>(mut self, value: T) {
        let Some(ack) = self.ack.take() else {
            return;
        };
        let args = value.into_ack_reply().unwrap_or_else(|error| {
            tracing::warn!(
                namespace = self.socket.namespace(),
                event = self.event,
                %error,
                "the handler's return value does not serialize"
            );
            vec![error_object("invalid reply", &error.to_string())]
        });
        let _ = ack.send_values(args);
    }

    /// The handler returned nothing: answers the ack (if any, and if the
    /// handler did not take it) with no argument, so the client does not
    /// wait forever.
    pub fn finish(mut self) {
        if let Some(ack) = self.ack.take() {
            let _ = ack.send_values(Vec::new());
        }
    }

    /// No handler for this event: logged at debug level; the ack is not
    /// answered (as with the Node server, the client's own timeout tells
    /// it).
    pub fn unhandled(mut self) {
        tracing::debug!(
            namespace = self.socket.namespace(),
            event = self.event,
            "no handler for this event, ignored"
        );
        self.ack = None;
    }
}

impl Drop for EventReply<'_> {
    fn drop(&mut self) {
        if let Some(ack) = self.ack.take() {
            let _ = ack.send_values(Vec::new());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_payload_is_one_error_object() {
        let error = ArgError::Invalid {
            position: 1,
            message: "missing field `text`".into(),
        };
        let mut json = String::new();
        sio_core::value::write_json(&invalid_payload(&error), &mut json, &mut Vec::new());
        assert_eq!(
            json,
            r#"{"error":"invalid payload","message":"argument 1: missing field `text`"}"#
        );
    }

    #[test]
    fn a_return_value_is_one_argument() {
        assert_eq!(
            vec![1, 2].into_ack_reply(),
            Ok(vec![Value::Array(vec![1.into(), 2.into()])])
        );
        assert_eq!("ok".into_ack_reply(), Ok(vec![Value::from("ok")]));
    }

    #[test]
    fn a_required_ack_that_is_absent_is_an_error() {
        assert_eq!(Ack::from_event_ack(None).expect_err("required"), ArgError::AckRequired);
        assert!(matches!(<Option<Ack>>::from_event_ack(None), Ok(None)));
    }
}
