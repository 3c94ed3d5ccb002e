//! Encoding: [`Packet`] to `<type>[<n>-][<nsp>,][<ack id>][<json>]`.
//!
//! # Guarantees
//!
//! - One pass over the data: the JSON is written straight into the
//!   caller's buffer and binary leaves are collected on the way. Only when
//!   attachments turn up is the header rewritten (`2` becomes `5<n>-`), so
//!   packets without binary data pay nothing for the binary case.
//! - Iterative: a value of any depth encodes without recursion.
//! - The output is what socket.io-parser (Node) writes for the same packet:
//!   the namespace is omitted for `/` and otherwise followed by `,`.
//! - CONNECT and CONNECT_ERROR cannot carry attachments; a binary leaf in
//!   their payload is written as an array of byte values (as serde_json
//!   writes bytes).

use std::fmt::Write as _;

use bytes::Bytes;

use super::{EncodedPacket, Packet, PacketData, PacketType};
use crate::value::Value;
use crate::value::json::{BinaryLeaves, write_json_string, write_value};

impl Packet {
    /// Encodes the packet into its text and attachments.
    ///
    /// ```
    /// use sio_core::socketio::Packet;
    /// use sio_core::Value;
    ///
    /// let packet = Packet::event("/chat", "chat_message", vec![Value::from("hi")], Some(17));
    /// assert_eq!(packet.encode().text, r#"2/chat,17["chat_message","hi"]"#);
    /// ```
    pub fn encode(&self) -> EncodedPacket {
        let mut text = String::with_capacity(64);
        let attachments = self.encode_into(&mut text);
        EncodedPacket { text, attachments }
    }

    /// Appends the packet text to `out` (after whatever is already there,
    /// such as Engine.IO's `4`) and returns the attachments, in order.
    pub fn encode_into(&self, out: &mut String) -> Vec<Bytes> {
        let mut attachments = Vec::new();
        let type_at = out.len();
        out.push(self.plain_type().as_char());
        if !self.is_root_namespace() {
            out.push_str(&self.namespace);
            out.push(',');
        }
        match &self.data {
            PacketData::Connect(None) | PacketData::Disconnect => {}
            PacketData::Connect(Some(payload)) | PacketData::ConnectError(payload) => {
                write_value(payload, out, &mut BinaryLeaves::ByteArrays);
            }
            PacketData::Event { name, args, ack_id } => {
                if let Some(ack_id) = ack_id {
                    _ = write!(out, "{ack_id}");
                }
                out.push('[');
                write_json_string(name, out);
                write_args(args, false, out, &mut attachments);
            }
            PacketData::Ack { args, ack_id } => {
                _ = write!(out, "{ack_id}");
                out.push('[');
                write_args(args, true, out, &mut attachments);
            }
        }
        if !attachments.is_empty() {
            let binary = match self.data {
                PacketData::Ack { .. } => PacketType::BinaryAck,
                _ => PacketType::BinaryEvent,
            };
            let header = format!("{}{}-", binary.as_char(), attachments.len());
            out.replace_range(type_at..type_at + 1, &header);
        }
        attachments
    }

    /// The type without looking for binary data.
    fn plain_type(&self) -> PacketType {
        match self.data {
            PacketData::Connect(_) => PacketType::Connect,
            PacketData::Disconnect => PacketType::Disconnect,
            PacketData::Event { .. } => PacketType::Event,
            PacketData::Ack { .. } => PacketType::Ack,
            PacketData::ConnectError(_) => PacketType::ConnectError,
        }
    }
}

/// Writes `args` (after an already written `[` and, for events, the name)
/// and the closing `]`.
fn write_args(args: &[Value], first: bool, out: &mut String, attachments: &mut Vec<Bytes>) {
    let mut binary = BinaryLeaves::Placeholders(attachments);
    for (index, arg) in args.iter().enumerate() {
        if index > 0 || !first {
            out.push(',');
        }
        write_value(arg, out, &mut binary);
    }
    out.push(']');
}
