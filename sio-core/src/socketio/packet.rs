//! [`Packet`]: one Socket.IO packet, as the application sees it.
//!
//! Binary-ness is not stored: an EVENT or ACK whose arguments contain a
//! [`Value::Binary`] leaf is a BINARY_EVENT or BINARY_ACK on the wire, with
//! as many attachments as binary leaves. The encoder derives it, the decoder
//! folds it back in, so a `Packet` cannot disagree with itself.

use std::fmt;

use bytes::Bytes;

use crate::Str;
use crate::value::{Map, Value};

/// Event names a client may not send and a server must not emit.
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// The type of a Socket.IO packet, with its wire digit as discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// `0`: connect to a namespace (client), or accept it (server).
    Connect = 0,
    /// `1`: leave a namespace (either side).
    Disconnect = 1,
    /// `2`: an event with JSON arguments.
    Event = 2,
    /// `3`: the answer to an event that asked for one.
    Ack = 3,
    /// `4`: the server refuses a namespace connection.
    ConnectError = 4,
    /// `5`: an event with binary attachments.
    BinaryEvent = 5,
    /// `6`: an ack with binary attachments.
    BinaryAck = 6,
}

impl PacketType {
    /// The digit that starts the packet on the wire.
    pub const fn as_char(self) -> char {
        (b'0' + self as u8) as char
    }

    /// The type for a wire digit.
    pub const fn from_char(c: char) -> Option<Self> {
        Some(match c {
            '0' => PacketType::Connect,
            '1' => PacketType::Disconnect,
            '2' => PacketType::Event,
            '3' => PacketType::Ack,
            '4' => PacketType::ConnectError,
            '5' => PacketType::BinaryEvent,
            '6' => PacketType::BinaryAck,
            _ => return None,
        })
    }

    /// Whether packets of this type announce attachments (`5` and `6`).
    pub const fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }

    /// The name the protocol documents use (`BINARY_EVENT`).
    pub const fn name(self) -> &'static str {
        match self {
            PacketType::Connect => "CONNECT",
            PacketType::Disconnect => "DISCONNECT",
            PacketType::Event => "EVENT",
            PacketType::Ack => "ACK",
            PacketType::ConnectError => "CONNECT_ERROR",
            PacketType::BinaryEvent => "BINARY_EVENT",
            PacketType::BinaryAck => "BINARY_ACK",
        }
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One Socket.IO packet: a namespace and what is sent to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// The namespace, `/` when the wire omits it. Decoded packets share the
    /// frame's buffer.
    pub namespace: Str,
    /// What the packet carries.
    pub data: PacketData,
}

/// What a [`Packet`] carries, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum PacketData {
    /// CONNECT: from a client, the optional auth object; from the server,
    /// `{"sid":"<socket id>"}`.
    Connect(Option<Value>),
    /// DISCONNECT: leave the namespace.
    Disconnect,
    /// EVENT or BINARY_EVENT.
    Event {
        /// The event name (a numeric name from a client is kept as its
        /// decimal text).
        name: String,
        /// The arguments after the name.
        args: Vec<Value>,
        /// Present when the sender wants an acknowledgement.
        ack_id: Option<u64>,
    },
    /// ACK or BINARY_ACK: the answer to the event numbered `ack_id`.
    Ack {
        /// The acknowledgement's arguments.
        args: Vec<Value>,
        /// The id of the event being answered.
        ack_id: u64,
    },
    /// CONNECT_ERROR: `{"message":"...","data":...}` (or, from old
    /// servers, a bare string).
    ConnectError(Value),
}

/// A packet encoded for the wire: the text to send in an Engine.IO message,
/// then each attachment as a binary message, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPacket {
    /// The packet text (`2["chat",1]`), without Engine.IO's `4`.
    pub text: String,
    /// The attachments, in placeholder order.
    pub attachments: Vec<Bytes>,
}

impl Packet {
    /// A packet for `namespace`.
    pub fn new(namespace: impl Into<Str>, data: PacketData) -> Self {
        Packet {
            namespace: namespace.into(),
            data,
        }
    }

    /// CONNECT, with an optional payload (auth, or the server's `{"sid":..}`).
    pub fn connect(namespace: impl Into<Str>, payload: Option<Value>) -> Self {
        Packet::new(namespace, PacketData::Connect(payload))
    }

    /// DISCONNECT.
    pub fn disconnect(namespace: impl Into<Str>) -> Self {
        Packet::new(namespace, PacketData::Disconnect)
    }

    /// EVENT `name` with `args`, asking for an ack when `ack_id` is set.
    pub fn event(namespace: impl Into<Str>, name: impl Into<String>, args: Vec<Value>, ack_id: Option<u64>) -> Self {
        Packet::new(
            namespace,
            PacketData::Event {
                name: name.into(),
                args,
                ack_id,
            },
        )
    }

    /// ACK of the event numbered `ack_id`.
    pub fn ack(namespace: impl Into<Str>, args: Vec<Value>, ack_id: u64) -> Self {
        Packet::new(namespace, PacketData::Ack { args, ack_id })
    }

    /// CONNECT_ERROR with the `{"message":..}` body the official clients
    /// read, plus `"data"` when given.
    pub fn connect_error(namespace: impl Into<Str>, message: &str, data: Option<Value>) -> Self {
        let mut body = Map::with_capacity(2);
        body.insert("message".to_owned(), Value::from(message));
        if let Some(data) = data {
            body.insert("data".to_owned(), data);
        }
        Packet::new(namespace, PacketData::ConnectError(Value::Object(body)))
    }

    /// The wire type: EVENT and ACK become their binary form when an
    /// argument holds binary data (a walk of the arguments).
    pub fn packet_type(&self) -> PacketType {
        match &self.data {
            PacketData::Connect(_) => PacketType::Connect,
            PacketData::Disconnect => PacketType::Disconnect,
            PacketData::Event { args, .. } if args.iter().any(Value::has_binary) => PacketType::BinaryEvent,
            PacketData::Event { .. } => PacketType::Event,
            PacketData::Ack { args, .. } if args.iter().any(Value::has_binary) => PacketType::BinaryAck,
            PacketData::Ack { .. } => PacketType::Ack,
            PacketData::ConnectError(_) => PacketType::ConnectError,
        }
    }

    /// Whether this is the root namespace `/`.
    pub fn is_root_namespace(&self) -> bool {
        self.namespace == "/"
    }
}

/// Whether `name` is reserved (see [`RESERVED_EVENTS`]).
pub fn is_reserved_event(name: &str) -> bool {
    RESERVED_EVENTS.contains(&name)
}
