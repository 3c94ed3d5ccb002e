//! Proptest strategies shared by sio-core's property tests: values (with
//! and without binary leaves), Socket.IO packets a client may send, and
//! Engine.IO packets.
#![allow(dead_code)]

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use sio_core::Value;
use sio_core::engine;
use sio_core::socketio::{Packet, PacketData, is_reserved_event};
use sio_core::value::Map;

/// A finite number (any u64, i64 or finite f64).
pub fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| f.is_finite().then(|| Value::from(f))),
    ]
}

/// A JSON scalar: null, bool, number or string.
pub fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        any::<String>().prop_map(Value::String),
    ]
}

/// A binary leaf of up to 32 bytes.
pub fn binary_leaf() -> impl Strategy<Value = Value> {
    vec(any::<u8>(), 0..32).prop_map(|data| Value::Binary(Bytes::from(data)))
}

/// Arrays and objects of `leaf`, at most `depth` containers deep.
pub fn tree(leaf: BoxedStrategy<Value>, depth: u32) -> BoxedStrategy<Value> {
    leaf.prop_recursive(depth, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((any::<String>(), inner), 0..6).prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Any JSON value (no binary), a few levels deep.
pub fn json_value() -> BoxedStrategy<Value> {
    tree(json_leaf().boxed(), 4)
}

/// Any value, binary leaves included, a few levels deep.
pub fn value() -> BoxedStrategy<Value> {
    tree(prop_oneof![3 => json_leaf(), 1 => binary_leaf()].boxed(), 4)
}

/// A JSON object (no binary).
pub fn json_object() -> impl Strategy<Value = Value> {
    vec((any::<String>(), json_value()), 0..4).prop_map(|entries| Value::Object(entries.into_iter().collect::<Map>()))
}

/// `/`, or a namespace: `/` then anything but `,`.
pub fn namespace() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_owned()), "/[^,]{0,12}"]
}

/// An event name a client may send.
pub fn event_name() -> impl Strategy<Value = String> {
    any::<String>().prop_filter("reserved", |name| !is_reserved_event(name))
}

/// Event or ack arguments, binary leaves included.
pub fn args() -> impl Strategy<Value = Vec<Value>> {
    vec(value(), 0..4)
}

/// Any packet a client may send (so the server's decoder accepts it).
pub fn packet() -> impl Strategy<Value = Packet> {
    let data = prop_oneof![
        prop::option::of(json_object()).prop_map(PacketData::Connect),
        Just(PacketData::Disconnect),
        (event_name(), args(), any::<Option<u64>>()).prop_map(|(name, args, ack_id)| PacketData::Event {
            name,
            args,
            ack_id
        }),
        (args(), any::<u64>()).prop_map(|(args, ack_id)| PacketData::Ack { args, ack_id }),
        prop_oneof![json_object(), any::<String>().prop_map(Value::String)].prop_map(PacketData::ConnectError),
    ];
    (namespace(), data).prop_map(|(namespace, data)| Packet::new(namespace, data))
}

/// Text for an Engine.IO packet's data; `polling` excludes the record
/// separator, which cannot occur inside a polling record.
pub fn engine_text(polling: bool) -> BoxedStrategy<sio_core::Str> {
    let text = if polling {
        "[^\u{1e}]{0,24}".boxed()
    } else {
        any::<String>().boxed()
    };
    text.prop_map(sio_core::Str::from).boxed()
}

/// Any Engine.IO packet a client may send (everything but `open`).
pub fn engine_packet(polling: bool) -> impl Strategy<Value = engine::Packet> {
    prop_oneof![
        Just(engine::Packet::Close),
        engine_text(polling).prop_map(engine::Packet::Ping),
        engine_text(polling).prop_map(engine::Packet::Pong),
        engine_text(polling).prop_map(engine::Packet::Message),
        vec(any::<u8>(), 0..48).prop_map(|data| engine::Packet::Binary(Bytes::from(data))),
        Just(engine::Packet::Upgrade),
        Just(engine::Packet::Noop),
    ]
}

/// Socket.IO-looking text: a packet type, maybe an attachment count, a
/// namespace and an ack id, then JSON that may hold placeholders. Most of it
/// is nearly valid, which reaches deeper into the decoder than random text.
pub fn socketio_ish_text() -> impl Strategy<Value = String> {
    let placeholder =
        (any::<bool>(), prop_oneof![Just(Value::from(0)), number(), json_leaf()]).prop_map(|(flag, num)| {
            Value::Object(Map::from_iter([
                ("_placeholder".to_owned(), Value::Bool(flag)),
                ("num".to_owned(), num),
            ]))
        });
    let json = tree(prop_oneof![3 => json_leaf(), 1 => placeholder].boxed(), 3);
    (
        (0u8..8).prop_map(|kind| char::from(b'0' + kind).to_string()),
        prop::option::of(prop_oneof![(0u8..5).prop_map(|n| format!("{n}-")), "[0-9]{0,3}-?"]),
        prop::option::of("/[a-z0-9,]{0,4},?"),
        prop::option::of("[0-9]{1,21}"),
        prop::option::of(json),
    )
        .prop_map(|(kind, count, nsp, ack_id, json)| {
            let mut text = kind;
            text.push_str(count.as_deref().unwrap_or_default());
            text.push_str(nsp.as_deref().unwrap_or_default());
            text.push_str(ack_id.as_deref().unwrap_or_default());
            if let Some(json) = json {
                sio_core::value::write_json(&json, &mut text, &mut Vec::new());
            }
            text
        })
}

/// How [`mutated_packet`] damages an encoded packet.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Leave it intact.
    None,
    /// Cut the text at this fraction of its length.
    Truncate(f64),
    /// Insert this char at this fraction of the text.
    Insert(f64, char),
    /// Send one attachment fewer.
    DropAttachment,
    /// Send one more attachment.
    ExtraAttachment(Vec<u8>),
}

/// A valid encoded packet (text, attachments), maybe damaged slightly.
pub fn mutated_packet() -> impl Strategy<Value = (String, Vec<Bytes>)> {
    let mutation = prop_oneof![
        2 => Just(Mutation::None),
        1 => (0.0..1.0f64).prop_map(Mutation::Truncate),
        2 => (0.0..1.0f64, prop_oneof![Just(','), Just('-'), Just('"'), Just('/'), any::<char>()])
            .prop_map(|(at, c)| Mutation::Insert(at, c)),
        1 => Just(Mutation::DropAttachment),
        1 => vec(any::<u8>(), 0..4).prop_map(Mutation::ExtraAttachment),
    ];
    (packet(), mutation).prop_map(|(packet, mutation)| {
        let encoded = packet.encode();
        let (mut text, mut attachments) = (encoded.text, encoded.attachments);
        let boundary = |text: &str, at: f64| {
            // Truncation toward zero is the intent: a position inside the text.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let mut index = (text.len() as f64 * at) as usize;
            while !text.is_char_boundary(index) {
                index -= 1;
            }
            index
        };
        match mutation {
            Mutation::None => {}
            Mutation::Truncate(at) => text.truncate(boundary(&text, at)),
            Mutation::Insert(at, c) => text.insert(boundary(&text, at), c),
            Mutation::DropAttachment => _ = attachments.pop(),
            Mutation::ExtraAttachment(data) => attachments.push(Bytes::from(data)),
        }
        (text, attachments)
    })
}
