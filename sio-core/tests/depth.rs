//! Depth: no input nests deep enough to exhaust the stack, and the wire
//! encoder and binary search handle hand-built values of any depth.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use sio_core::socketio::{Decoder, Packet, PacketData, ParseError};
use sio_core::value::{MAX_DEPTH, ValueError, parse_json, to_value, write_json};
use sio_core::{Str, Value};

const DEEP: usize = 100_000;

fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// `depth` arrays nested around `leaf`, built without recursion.
fn deep_value(depth: usize, leaf: Value) -> Value {
    (0..depth).fold(leaf, |inner, _| Value::Array(vec![inner]))
}

/// Takes a deep value apart level by level: the derived `Drop` recurses, so
/// a hand-built 100 000-deep value must not be dropped whole.
fn dismantle(mut value: Value) {
    while let Value::Array(items) = &mut value {
        let Some(inner) = items.pop() else { break };
        value = inner;
    }
}

#[test]
fn json_nested_100_000_deep_is_rejected_without_stack_overflow() {
    let text = nested_arrays(DEEP);
    assert!(parse_json(&text).is_err());
    let event = format!(r#"2["deep",{text}]"#);
    let err = Decoder::default().decode_text(Str::from(event)).unwrap_err();
    assert!(
        matches!(err, ParseError::InvalidJson(ref message) if message.contains("recursion")),
        "{err}"
    );
}

#[test]
fn json_nested_to_the_limit_is_accepted_and_serializes_again() {
    // serde_json allows 127 nested containers.
    let value = parse_json(&nested_arrays(127)).unwrap();
    assert!(parse_json(&nested_arrays(128)).is_err());
    // The same value, wrapped once more, is still within `to_value`'s limit.
    assert_eq!(to_value(&vec![&value]).unwrap(), Value::Array(vec![value]));
}

#[test]
fn encoding_a_100_000_deep_value_does_not_overflow() {
    let value = deep_value(DEEP, Value::Binary(Bytes::from_static(b"x")));
    assert!(value.has_binary());

    let mut out = String::new();
    let mut attachments = Vec::new();
    write_json(&value, &mut out, &mut attachments);
    let placeholder = r#"{"_placeholder":true,"num":0}"#;
    assert_eq!(out.len(), 2 * DEEP + placeholder.len());
    assert!(out.starts_with("[[[") && out.ends_with("]]]") && out.contains(placeholder));
    assert_eq!(attachments, vec![Bytes::from_static(b"x")]);

    let packet = Packet::event("/", "deep", vec![value], None);
    let encoded = packet.encode();
    assert!(encoded.text.starts_with(r#"51-["deep",[[["#));
    let PacketData::Event { mut args, .. } = packet.data else {
        unreachable!()
    };
    dismantle(args.pop().unwrap());
}

#[test]
fn has_binary_on_a_100_000_deep_value_without_binary() {
    let value = deep_value(DEEP, Value::Null);
    assert!(!value.has_binary());
    dismantle(value);
}

#[test]
fn to_value_stops_at_max_depth() {
    let json = (0..MAX_DEPTH).fold(serde_json::Value::Null, |inner, _| serde_json::json!([inner]));
    assert!(to_value(&json).is_ok());
    let deeper = serde_json::json!([json]);
    assert_eq!(to_value(&deeper), Err(ValueError::TooDeep { limit: MAX_DEPTH }));
}
