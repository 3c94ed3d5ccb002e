//! [`Message`], [`CloseFrame`] and [`Opcode`]: what travels in frames.

use bytes::Bytes;

use crate::Str;

/// A message received from a client.
///
/// Text and binary messages are whole (their fragments joined); control
/// messages are delivered as they arrive, even between the fragments of a
/// data message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message, validated as UTF-8.
    Text(Str),
    /// A binary message.
    Binary(Bytes),
    /// A ping (at most 125 bytes of payload), to be answered with a pong
    /// carrying the same payload.
    Ping(Bytes),
    /// A pong (at most 125 bytes of payload).
    Pong(Bytes),
    /// A close frame: `None` when it carried no status code.
    Close(Option<CloseFrame>),
}

/// The body of a close frame that carries a status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code (RFC 6455 §7.4): one that may appear on the wire,
    /// 1000..=1003, 1007..=1014 or 3000..=4999.
    pub code: u16,
    /// The reason, UTF-8, at most 123 bytes.
    pub reason: String,
}

/// A frame's opcode (RFC 6455 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// `0x0`: the next fragment of a text or binary message.
    Continuation,
    /// `0x1`: a text message, or its first fragment.
    Text,
    /// `0x2`: a binary message, or its first fragment.
    Binary,
    /// `0x8`: a close frame.
    Close,
    /// `0x9`: a ping.
    Ping,
    /// `0xA`: a pong.
    Pong,
}

impl Opcode {
    /// The 4-bit value on the wire.
    pub const fn code(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
        }
    }

    /// The opcode for a 4-bit wire value; `None` for the reserved ones
    /// (`0x3`..=`0x7`, `0xB`..=`0xF`) and anything above `0xF`.
    pub const fn from_code(code: u8) -> Option<Opcode> {
        match code {
            0x0 => Some(Opcode::Continuation),
            0x1 => Some(Opcode::Text),
            0x2 => Some(Opcode::Binary),
            0x8 => Some(Opcode::Close),
            0x9 => Some(Opcode::Ping),
            0xA => Some(Opcode::Pong),
            _ => None,
        }
    }

    /// Whether this is a control opcode (close, ping, pong): such frames
    /// are never fragmented and carry at most 125 bytes.
    pub const fn is_control(self) -> bool {
        matches!(self, Opcode::Close | Opcode::Ping | Opcode::Pong)
    }
}
