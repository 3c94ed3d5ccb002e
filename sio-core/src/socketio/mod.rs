//! Socket.IO v5: packets, their text encoding and binary attachments.
//!
//! A [`Packet`] travels as one Engine.IO text message,
//! `<type>[<attachments>-][<namespace>,][<ack id>][<JSON>]`, followed, for
//! BINARY_EVENT and BINARY_ACK, by one Engine.IO binary message per
//! attachment.
//!
//! # Guarantees
//!
//! - **Round trip.** For every packet a client may send,
//!   [`Decoder`] applied to [`Packet::encode`]'s output gives the packet
//!   back (numeric event names come back as their decimal text).
//! - **Node-compatible output.** The encoder writes what socket.io-parser
//!   writes; the decoder accepts what the official clients send.
//! - **Hostile input is an error, not a crash.** Every malformed packet is
//!   a [`ParseError`] naming what was wrong; no input panics, overflows the
//!   stack, or makes the decoder allocate according to a declared size.
//! - **No recursion over data.** Encoding, placeholder search and binary
//!   detection walk values with explicit stacks.
//!
//! ```
//! use sio_core::socketio::{Decoder, Packet};
//! use sio_core::{Str, Value};
//!
//! let packet = Packet::event("/chat", "chat_message", vec![Value::from("hi")], Some(17));
//! let encoded = packet.encode();
//! assert_eq!(encoded.text, r#"2/chat,17["chat_message","hi"]"#);
//! let decoded = Decoder::default().decode_text(Str::from(encoded.text))?;
//! assert_eq!(decoded, Some(packet));
//! # Ok::<(), sio_core::socketio::ParseError>(())
//! ```

mod binary;
mod decode;
mod encode;
mod error;
mod packet;
mod parse;

pub use decode::{Decoder, DecoderLimits};
pub use error::ParseError;
pub use packet::{EncodedPacket, Packet, PacketData, PacketType, RESERVED_EVENTS, is_reserved_event};
