//! The messages nodes exchange, in the npm adapter's shapes.
//!
//! - A broadcast, on a broadcast channel: msgpack `[uid, packet, opts]`,
//!   where `packet` is `{type: 2, data: [event, ...args], nsp}` (binary
//!   arguments inline as msgpack `bin`) and `opts` is `{rooms, except,
//!   flags}`.
//! - A request or response, on the request / response channels: an object
//!   with a numeric `type` ([`RequestType`]), as JSON, or as msgpack when it
//!   carries binary (and always for [`RequestType::Broadcast`] and
//!   [`RequestType::BroadcastAck`], as Node sends them). Receivers tell the
//!   two apart by the first byte: `{` is JSON.

use bytes::Bytes;
use sio_core::Value;
use sio_core::socketio::{Packet, PacketData};
use sio_core::value::Map;
use sio_server::socketio::{BroadcastOptions, Room};
use thiserror::Error;

use crate::msgpack;

/// The `type` of a request or response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestType {
    /// The ids of the matching sockets (Node's deprecated `allSockets`).
    Sockets = 0,
    /// Every room of every node.
    AllRooms = 1,
    /// `socketsJoin`.
    RemoteJoin = 2,
    /// `socketsLeave`.
    RemoteLeave = 3,
    /// `disconnectSockets`.
    RemoteDisconnect = 4,
    /// `fetchSockets`.
    RemoteFetch = 5,
    /// `serverSideEmit`, and its answers.
    ServerSideEmit = 6,
    /// A broadcast with acknowledgements.
    Broadcast = 7,
    /// How many clients a node sent a [`Broadcast`](Self::Broadcast) to.
    BroadcastClientCount = 8,
    /// One client's answer to a [`Broadcast`](Self::Broadcast).
    BroadcastAck = 9,
}

impl RequestType {
    pub fn from_value(value: &Value) -> Option<RequestType> {
        Some(match value.as_u64()? {
            0 => RequestType::Sockets,
            1 => RequestType::AllRooms,
            2 => RequestType::RemoteJoin,
            3 => RequestType::RemoteLeave,
            4 => RequestType::RemoteDisconnect,
            5 => RequestType::RemoteFetch,
            6 => RequestType::ServerSideEmit,
            7 => RequestType::Broadcast,
            8 => RequestType::BroadcastClientCount,
            9 => RequestType::BroadcastAck,
            _ => return None,
        })
    }

    pub fn value(self) -> Value {
        Value::from(self as u64)
    }
}

/// A message from Redis that cannot be used.
#[derive(Debug, Error)]
pub enum MessageError {
    /// Neither JSON nor msgpack.
    #[error("undecodable message: {0}")]
    Undecodable(String),
    /// Decoded, but not in the expected shape.
    #[error("unexpected message shape: {0}")]
    Shape(&'static str),
}

/// Decodes a request or response: JSON when it starts with `{`, msgpack
/// otherwise.
pub(crate) fn decode(payload: &[u8]) -> Result<Value, MessageError> {
    if payload.first() == Some(&b'{') {
        let text = std::str::from_utf8(payload).map_err(|error| MessageError::Undecodable(error.to_string()))?;
        sio_core::value::parse_json(text).map_err(|error| MessageError::Undecodable(error.to_string()))
    } else {
        msgpack::decode(payload).map_err(|error| MessageError::Undecodable(error.to_string()))
    }
}

/// Encodes a request or response as JSON, or as msgpack when it carries
/// binary (which JSON cannot).
pub(crate) fn encode(message: &Value) -> Bytes {
    if message.has_binary() {
        return Bytes::from(msgpack::encode(message));
    }
    let mut text = String::new();
    sio_core::value::write_json(message, &mut text, &mut Vec::new());
    Bytes::from(text)
}

/// Encodes as msgpack whatever it carries.
pub(crate) fn encode_msgpack(message: &Value) -> Bytes {
    Bytes::from(msgpack::encode(message))
}

/// An object from `(key, value)` pairs.
pub(crate) fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

/// Node's packet object for an event: `{type: 2, data: [event, ...args],
/// nsp}`. `None` for any other packet.
pub(crate) fn packet_value(packet: &Packet) -> Option<Value> {
    let PacketData::Event { name, args, .. } = &packet.data else {
        return None;
    };
    Some(object([
        ("type", Value::from(2u64)),
        ("data", event_data(name, args)),
        ("nsp", Value::String(packet.namespace.to_string())),
    ]))
}

/// An event as Node carries it in packets and server-side emits:
/// `[event, ...args]`.
pub(crate) fn event_data(name: &str, args: &[Value]) -> Value {
    let mut data = Vec::with_capacity(1 + args.len());
    data.push(Value::String(name.to_owned()));
    data.extend(args.iter().cloned());
    Value::Array(data)
}

/// An event from Node's packet object: the namespace (`/` when absent),
/// the event name and its arguments.
pub(crate) fn event_of_packet(packet: Value) -> Result<(String, String, Vec<Value>), MessageError> {
    let Value::Object(mut fields) = packet else {
        return Err(MessageError::Shape("the packet is not an object"));
    };
    let kind = fields.get("type").and_then(Value::as_u64);
    // EVENT; BINARY_EVENT too, although Node sends binary events as EVENT
    // with the binary inline.
    if !matches!(kind, Some(2 | 5)) {
        return Err(MessageError::Shape("the packet is not an event"));
    }
    let namespace = match fields.get("nsp") {
        Some(Value::String(namespace)) => namespace.clone(),
        _ => "/".to_owned(),
    };
    let Some(Value::Array(mut data)) = fields.swap_remove("data") else {
        return Err(MessageError::Shape("the packet has no data array"));
    };
    if data.is_empty() {
        return Err(MessageError::Shape("the packet has no event name"));
    }
    let name = match data.remove(0) {
        Value::String(name) => name,
        Value::Number(number) => number.to_string(),
        _ => return Err(MessageError::Shape("the event name is not a string")),
    };
    Ok((namespace, name, data))
}

/// `{rooms, except}` of a selection (flags apart).
pub(crate) fn selection_value(options: &BroadcastOptions) -> Value {
    object([
        ("rooms", rooms_value(&options.rooms)),
        ("except", rooms_value(&options.except)),
    ])
}

/// `{rooms, except, flags}` of a broadcast, with `timeout_ms` in the flags
/// when given.
pub(crate) fn options_value(options: &BroadcastOptions, timeout_ms: Option<u64>) -> Value {
    let mut flags = Map::new();
    if options.volatile {
        flags.insert("volatile".to_owned(), Value::Bool(true));
    }
    if let Some(timeout) = timeout_ms {
        flags.insert("timeout".to_owned(), Value::from(timeout));
    }
    object([
        ("rooms", rooms_value(&options.rooms)),
        ("except", rooms_value(&options.except)),
        ("flags", Value::Object(flags)),
    ])
}

pub(crate) fn rooms_value(rooms: &[Room]) -> Value {
    let mut seen = std::collections::HashSet::new();
    Value::Array(
        rooms
            .iter()
            .filter(|room| seen.insert(room.as_str()))
            .map(|room| Value::String(room.to_string()))
            .collect(),
    )
}

/// The selection of `{rooms, except, flags}` (any part may be missing);
/// the flag timeout in milliseconds, if any.
pub(crate) fn options_of(value: Option<&Value>) -> (BroadcastOptions, Option<u64>) {
    let rooms = value.and_then(|v| v.get("rooms")).map(rooms_of).unwrap_or_default();
    let except = value.and_then(|v| v.get("except")).map(rooms_of).unwrap_or_default();
    let flags = value.and_then(|v| v.get("flags"));
    let volatile = flags
        .and_then(|f| f.get("volatile"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let timeout = flags.and_then(|f| f.get("timeout")).and_then(Value::as_u64);
    let options = BroadcastOptions {
        rooms,
        except,
        local: false,
        volatile,
    };
    (options, timeout)
}

/// Room names from an array of strings (JavaScript rooms may be numbers).
pub(crate) fn rooms_of(value: &Value) -> Vec<Room> {
    let Some(items) = value.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|room| match room {
            Value::String(name) => Some(Room::from(name.clone())),
            Value::Number(number) => Some(Room::from(number.to_string())),
            _ => None,
        })
        .collect()
}

/// A string field.
pub(crate) fn text<'a>(message: &'a Value, key: &str) -> Option<&'a str> {
    message.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_round_trip_through_node_shape() {
        let packet = Packet::event(
            "/chat",
            "hello",
            vec![Value::from(1u64), Value::from(Bytes::from_static(b"\x00\x01"))],
            None,
        );
        let value = packet_value(&packet).expect("an event");
        assert_eq!(value.get("type").and_then(Value::as_u64), Some(2));
        let (namespace, name, args) = event_of_packet(value).expect("decodes");
        assert_eq!(namespace, "/chat");
        assert_eq!(name, "hello");
        assert_eq!(
            args,
            vec![Value::from(1u64), Value::from(Bytes::from_static(b"\x00\x01"))]
        );
    }

    #[test]
    fn non_events_are_refused() {
        assert!(packet_value(&Packet::disconnect("/")).is_none());
        let ack = object([("type", Value::from(3u64)), ("data", Value::Array(vec![]))]);
        assert!(event_of_packet(ack).is_err());
        let nameless = object([("type", Value::from(2u64)), ("data", Value::Array(vec![]))]);
        assert!(event_of_packet(nameless).is_err());
    }

    #[test]
    fn options_keep_rooms_flags_and_timeout() {
        let options = BroadcastOptions {
            rooms: vec![Room::from_static("a"), Room::from_static("a"), Room::from_static("b")],
            except: vec![Room::from_static("c")],
            local: false,
            volatile: true,
        };
        let value = options_value(&options, Some(1500));
        let (back, timeout) = options_of(Some(&value));
        assert_eq!(back.rooms, vec![Room::from_static("a"), Room::from_static("b")]);
        assert_eq!(back.except, vec![Room::from_static("c")]);
        assert!(back.volatile);
        assert_eq!(timeout, Some(1500));
    }

    /// Unhex a concatenation of hex strings.
    fn unhex(parts: &[&str]) -> Vec<u8> {
        let hex: String = parts.concat();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect()
    }

    /// Found by the `redis_message` fuzz target: a msgpack message nesting
    /// 128 containers decoded, and once relayed as JSON (it carries no
    /// binary) no node could read it (the JSON parser stops at 127).
    #[test]
    fn whatever_decodes_from_msgpack_relays_as_json() {
        let found = unhex(&[
            "81d9009acbffffffd0d0d024d0d081d900d092cb001900cf0681d90092cb000019000081d90092cb001901050681d991",
            "919191919191919191919191919191919191919191919191919191919191919191919191919191919191919191919191",
            "919191919191919191919191919191919191919191919191919191919191919191919191919191919191919191919191",
            "919191919191919191919191919191919191919191919191919191910092cb001900000000060000001717",
        ]);
        if let Ok(message) = decode(&found) {
            assert_eq!(decode(&encode(&message)).expect("relayed"), message);
        }
        // The deepest message msgpack accepts relays; one level more is refused.
        let mut deepest = Value::Array(Vec::new());
        for _ in 1..msgpack::MAX_NESTING - 1 {
            deepest = Value::Array(vec![deepest]);
        }
        let message = object([("data", deepest.clone())]);
        assert_eq!(decode(&encode_msgpack(&message)).expect("127 levels"), message);
        assert_eq!(decode(&encode(&message)).expect("as JSON"), message);
        let deeper = object([("data", Value::Array(vec![deepest]))]);
        assert!(decode(&encode_msgpack(&deeper)).is_err());
        assert!(decode(&encode(&deeper)).is_err());
    }

    #[test]
    fn json_and_msgpack_both_decode() {
        let message = object([("type", RequestType::RemoteFetch.value()), ("requestId", "x".into())]);
        let json = encode(&message);
        assert_eq!(json.first(), Some(&b'{'));
        assert_eq!(decode(&json).expect("json"), message);
        let with_binary = object([("data", Value::from(Bytes::from_static(b"\xff")))]);
        let packed = encode(&with_binary);
        assert_ne!(packed.first(), Some(&b'{'));
        assert_eq!(decode(&packed).expect("msgpack"), with_binary);
        assert!(decode(b"{not json").is_err());
    }
}
