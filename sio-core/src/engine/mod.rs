//! Engine.IO v4: packets and the long-polling payload format.
//!
//! A [`Packet`] is one Engine.IO packet. On WebSocket one packet travels in
//! one frame: text packets as text frames (`<type><data>`), binary messages
//! as binary frames with no type prefix. Over HTTP long-polling several
//! packets share one body, separated by `\x1e`, binary ones written as `b`
//! followed by base64 (see [`payload`]).
//!
//! A [`Frame`] is a packet already encoded for the wire. Encoding a message
//! once into a `Frame` and cloning the frame (a reference-count increment) is
//! how a broadcast reaches many sessions without being serialized again.

mod error;
mod open;
mod packet;
pub mod payload;

pub use error::DecodeError;
pub use open::OpenPacket;
pub use packet::{Frame, Packet, PacketType};
