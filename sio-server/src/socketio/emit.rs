//! Turning emitted data into encoded frames.

use serde::Serialize;
use sio_core::engine::Frame;
use sio_core::socketio::{Packet, is_reserved_event};
use sio_core::value::{ValueError, to_value};
use sio_core::{Str, Value};

use super::EmitError;

/// Several event arguments, for the multi-argument emit methods
/// (`emit_args`). Implemented for `()` (no argument), tuples of up to eight
/// serializable values, and `Vec<Value>` (each element one argument).
///
/// One value passed to `emit` is always one argument, even a `Vec`; only
/// this trait spreads values over several arguments.
pub trait IntoArgs {
    /// The arguments, in order.
    fn into_args(self) -> Result<Vec<Value>, ValueError>;
}

impl IntoArgs for () {
    fn into_args(self) -> Result<Vec<Value>, ValueError> {
        Ok(Vec::new())
    }
}

impl IntoArgs for Vec<Value> {
    fn into_args(self) -> Result<Vec<Value>, ValueError> {
        Ok(self)
    }
}

macro_rules! tuple_args {
    ($($name:ident)+) => {
        impl<$($name: Serialize),+> IntoArgs for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_args(self) -> Result<Vec<Value>, ValueError> {
                let ($($name,)+) = self;
                Ok(vec![$(to_value(&$name)?),+])
            }
        }
    };
}

tuple_args!(A);
tuple_args!(A B);
tuple_args!(A B C);
tuple_args!(A B C D);
tuple_args!(A B C D E);
tuple_args!(A B C D E F);
tuple_args!(A B C D E F G);
tuple_args!(A B C D E F G H);

/// Refuses the event names the clients reserve for themselves.
pub(crate) fn check_event_name(name: &str) -> Result<(), EmitError> {
    if is_reserved_event(name) {
        Err(EmitError::ReservedEvent(name.to_owned()))
    } else {
        Ok(())
    }
}

/// Encodes `packet` as Engine.IO frames: the text message, then one binary
/// frame per attachment.
pub(crate) fn encode(packet: &Packet) -> Vec<Frame> {
    let mut attachments = Vec::new();
    let text = Frame::message_with(|out| attachments = packet.encode_into(out));
    let mut frames = Vec::with_capacity(1 + attachments.len());
    frames.push(text);
    frames.extend(attachments.into_iter().map(Frame::Binary));
    frames
}

/// The frames of an event packet.
pub(crate) fn event_frames(namespace: &Str, name: &str, args: Vec<Value>, ack_id: Option<u64>) -> Vec<Frame> {
    encode(&Packet::event(namespace.clone(), name, args, ack_id))
}
