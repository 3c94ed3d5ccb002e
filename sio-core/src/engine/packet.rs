use bytes::Bytes;

use super::{DecodeError, OpenPacket};
use crate::Str;

/// The type of an Engine.IO packet, with its wire digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// `0`: sent by the server when a session opens.
    Open,
    /// `1`: either side closes the session.
    Close,
    /// `2`: heartbeat request (and the upgrade probe `2probe`).
    Ping,
    /// `3`: heartbeat answer (and `3probe`).
    Pong,
    /// `4`: application data.
    Message,
    /// `5`: the client switches to the probed transport.
    Upgrade,
    /// `6`: does nothing; ends a pending long-poll during an upgrade.
    Noop,
}

impl PacketType {
    /// The digit that starts the packet on the wire.
    pub const fn as_char(self) -> char {
        match self {
            PacketType::Open => '0',
            PacketType::Close => '1',
            PacketType::Ping => '2',
            PacketType::Pong => '3',
            PacketType::Message => '4',
            PacketType::Upgrade => '5',
            PacketType::Noop => '6',
        }
    }

    /// The type for a wire digit.
    pub const fn from_char(c: char) -> Option<Self> {
        Some(match c {
            '0' => PacketType::Open,
            '1' => PacketType::Close,
            '2' => PacketType::Ping,
            '3' => PacketType::Pong,
            '4' => PacketType::Message,
            '5' => PacketType::Upgrade,
            '6' => PacketType::Noop,
            _ => return None,
        })
    }
}

/// One Engine.IO packet.
///
/// Text data is held as [`Str`], so a packet decoded from a frame shares the
/// frame's buffer instead of copying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0{...}`: the handshake, sent by the server.
    Open(OpenPacket),
    /// `1`
    Close,
    /// `2` with optional data (`2probe` during an upgrade).
    Ping(Str),
    /// `3` with optional data (`3probe` during an upgrade).
    Pong(Str),
    /// `4<text>`: a text message.
    Message(Str),
    /// A binary message: a binary WebSocket frame, or `b<base64>` in a
    /// polling payload.
    Binary(Bytes),
    /// `5`
    Upgrade,
    /// `6`
    Noop,
}

impl Packet {
    /// Decodes a text packet (a WebSocket text frame, or one text record of
    /// a polling payload). The data shares `text`'s buffer.
    pub fn decode_text(text: Str) -> Result<Packet, DecodeError> {
        let first = text.chars().next().ok_or(DecodeError::Empty)?;
        let kind = PacketType::from_char(first).ok_or(DecodeError::UnknownType(first))?;
        // Every type digit is one ASCII byte, so offset 1 is a char boundary.
        let data = text.tail(1).unwrap_or_default();
        Ok(match kind {
            // The client never sends `open`; a server receiving one treats
            // it as data it does not understand.
            PacketType::Open => return Err(DecodeError::UnknownType(first)),
            PacketType::Close => Packet::Close,
            PacketType::Ping => Packet::Ping(data),
            PacketType::Pong => Packet::Pong(data),
            PacketType::Message => Packet::Message(data),
            PacketType::Upgrade => Packet::Upgrade,
            PacketType::Noop => Packet::Noop,
        })
    }

    /// Decodes a binary WebSocket frame: always a binary message.
    pub fn decode_binary(data: Bytes) -> Packet {
        Packet::Binary(data)
    }

    /// Encodes the packet for the wire.
    pub fn encode(&self) -> Frame {
        let text = |kind: PacketType, data: &str| {
            let mut out = String::with_capacity(1 + data.len());
            out.push(kind.as_char());
            out.push_str(data);
            Frame::Text(Str::from(out))
        };
        match self {
            Packet::Open(open) => text(PacketType::Open, &open.to_json()),
            Packet::Close => Frame::Text(Str::from_static("1")),
            Packet::Ping(data) if data.is_empty() => Frame::Text(Str::from_static("2")),
            Packet::Ping(data) => text(PacketType::Ping, data),
            Packet::Pong(data) if data.is_empty() => Frame::Text(Str::from_static("3")),
            Packet::Pong(data) => text(PacketType::Pong, data),
            Packet::Message(data) => text(PacketType::Message, data),
            Packet::Binary(data) => Frame::Binary(data.clone()),
            Packet::Upgrade => Frame::Text(Str::from_static("5")),
            Packet::Noop => Frame::Text(Str::from_static("6")),
        }
    }
}

/// An Engine.IO packet encoded for the wire.
///
/// `Text` holds the whole packet, type digit included (`42["hi"]`); `Binary`
/// holds a binary message's raw bytes. Cloning shares the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A text packet, type digit included.
    Text(Str),
    /// A binary message, without any prefix.
    Binary(Bytes),
}

impl Frame {
    /// Builds a text `message` frame (`4<text>`) from text that the caller
    /// writes directly after the `4`, avoiding a second copy.
    pub fn message_with(write: impl FnOnce(&mut String)) -> Frame {
        let mut out = String::with_capacity(64);
        out.push(PacketType::Message.as_char());
        write(&mut out);
        Frame::Text(Str::from(out))
    }

    /// The number of bytes this frame takes in a polling payload (binary
    /// frames grow by base64 and the `b` prefix).
    pub fn polling_len(&self) -> usize {
        match self {
            Frame::Text(text) => text.len(),
            Frame::Binary(data) => 1 + data.len().div_ceil(3) * 4,
        }
    }

    /// The number of bytes this frame takes on a WebSocket, without framing.
    pub fn len(&self) -> usize {
        match self {
            Frame::Text(text) => text.len(),
            Frame::Binary(data) => data.len(),
        }
    }

    /// Whether the frame carries no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
