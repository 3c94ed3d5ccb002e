//! Every Socket.IO example of PROTOCOL.md decodes to the expected packet
//! and encodes back to exactly the same text.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use serde_json::json;
use sio_core::engine::Frame;
use sio_core::socketio::{Decoder, Packet, PacketData, PacketType};
use sio_core::{Str, Value};

fn decode(text: &str) -> Packet {
    Decoder::default()
        .decode_text(Str::from(text.to_owned()))
        .expect("valid packet")
        .expect("no attachments")
}

fn obj(json: serde_json::Value) -> Value {
    Value::from(json)
}

/// `text` decodes to `packet`, and `packet` encodes to `text`.
fn round_trips(text: &str, packet: Packet) {
    assert_eq!(decode(text), packet, "decoding {text}");
    let encoded = packet.encode();
    assert_eq!(encoded.text, text, "encoding {packet:?}");
    assert!(encoded.attachments.is_empty());
}

#[test]
fn connect_to_root_without_auth() {
    round_trips("0", Packet::connect("/", None));
}

#[test]
fn connect_to_root_with_auth() {
    round_trips(
        r#"0{"token":"x"}"#,
        Packet::connect("/", Some(obj(json!({"token": "x"})))),
    );
}

#[test]
fn connect_to_namespace_with_auth() {
    let packet = Packet::connect("/chat", Some(obj(json!({"token": "x"}))));
    round_trips(r#"0/chat,{"token":"x"}"#, packet);
}

#[test]
fn server_accepts_with_socket_id() {
    round_trips(
        r#"0{"sid":"abc"}"#,
        Packet::connect("/", Some(obj(json!({"sid": "abc"})))),
    );
    let packet = Packet::connect("/chat", Some(obj(json!({"sid": "abc"}))));
    round_trips(r#"0/chat,{"sid":"abc"}"#, packet);
}

#[test]
fn namespace_with_and_without_trailing_comma_means_the_same() {
    assert_eq!(decode("0/custom"), Packet::connect("/custom", None));
    assert_eq!(decode("0/custom,"), Packet::connect("/custom", None));
    assert_eq!(Packet::connect("/custom", None).encode().text, "0/custom,");
}

#[test]
fn connect_error_for_unknown_namespace() {
    let packet = Packet::connect_error("/chat", "Invalid namespace", None);
    round_trips(r#"4/chat,{"message":"Invalid namespace"}"#, packet);
}

#[test]
fn connect_error_with_application_data() {
    let packet = Packet::connect_error("/", "Not authorized", Some(obj(json!({"code": 3}))));
    round_trips(r#"4{"message":"Not authorized","data":{"code":3}}"#, packet);
}

#[test]
fn event_on_root() {
    let packet = Packet::event("/", "chat_message", vec![obj(json!({"text": "hi"}))], None);
    round_trips(r#"2["chat_message",{"text":"hi"}]"#, packet);
}

#[test]
fn event_with_namespace_and_ack_id() {
    let packet = Packet::event("/chat", "chat_message", vec![obj(json!({"text": "hi"}))], Some(17));
    round_trips(r#"2/chat,17["chat_message",{"text":"hi"}]"#, packet);
}

#[test]
fn event_with_ack_id_on_root() {
    round_trips(r#"217["x"]"#, Packet::event("/", "x", vec![], Some(17)));
}

#[test]
fn ack_answers_an_event() {
    round_trips(
        r#"3/chat,17[{"status":"ok"}]"#,
        Packet::ack("/chat", vec![obj(json!({"status": "ok"}))], 17),
    );
}

#[test]
fn disconnect_from_root_and_namespace() {
    round_trips("1", Packet::disconnect("/"));
    round_trips("1/chat,", Packet::disconnect("/chat"));
}

#[test]
fn namespace_with_digits_ends_at_the_comma() {
    round_trips(
        r#"2/room42,7["x",1]"#,
        Packet::event("/room42", "x", vec![Value::from(1)], Some(7)),
    );
}

#[test]
fn numeric_event_name_is_kept_as_decimal_text() {
    assert_eq!(
        decode(r#"2[42,"x"]"#),
        Packet::event("/", "42", vec![Value::from("x")], None)
    );
    assert_eq!(decode("2[1.5]"), Packet::event("/", "1.5", vec![], None));
}

#[test]
fn binary_event_with_one_attachment() {
    let text = r#"51-["upload",{"_placeholder":true,"num":0}]"#;
    let data = Bytes::from_static(b"\x00\x01\x02");
    let packet = Packet::event("/", "upload", vec![Value::Binary(data.clone())], None);

    let mut decoder = Decoder::default();
    assert_eq!(decoder.decode_text(Str::from(text)).unwrap(), None);
    assert!(decoder.is_awaiting_attachments());
    assert_eq!(decoder.decode_binary(data.clone()).unwrap(), Some(packet.clone()));
    assert!(!decoder.is_awaiting_attachments());

    let encoded = packet.encode();
    assert_eq!((encoded.text.as_str(), encoded.attachments), (text, vec![data]));
    assert_eq!(packet.packet_type(), PacketType::BinaryEvent);
}

#[test]
fn binary_ack_with_namespace() {
    let text = r#"61-/chat,5[{"_placeholder":true,"num":0}]"#;
    let packet = Packet::ack("/chat", vec![Value::from(vec![9u8])], 5);
    let mut decoder = Decoder::default();
    assert_eq!(decoder.decode_text(Str::from(text)).unwrap(), None);
    assert_eq!(
        decoder.decode_binary(Bytes::from_static(b"\x09")).unwrap(),
        Some(packet.clone())
    );
    assert_eq!(packet.encode().text, text);
    assert_eq!(packet.packet_type(), PacketType::BinaryAck);
}

#[test]
fn placeholders_anywhere_in_the_tree_are_numbered_in_document_order() {
    let text = concat!(
        r#"52-/files,9["save",{"meta":{"thumb":{"_placeholder":true,"num":0}}},"#,
        r#"[1,[{"_placeholder":true,"num":1}]]]"#
    );
    let (first, second) = (Bytes::from_static(b"thumb"), Bytes::from_static(b"body"));
    let args = vec![
        obj(json!({"meta": {"thumb": null}})),
        Value::from(vec![Value::from(1), Value::from(vec![Value::Null])]),
    ];
    let mut expected = Packet::event("/files", "save", args, Some(9));
    let PacketData::Event { args, .. } = &mut expected.data else {
        unreachable!()
    };
    let Value::Object(meta) = &mut args[0] else {
        unreachable!()
    };
    let Value::Object(thumb) = &mut meta["meta"] else {
        unreachable!()
    };
    thumb["thumb"] = Value::Binary(first.clone());
    let Value::Array(outer) = &mut args[1] else {
        unreachable!()
    };
    let Value::Array(inner) = &mut outer[1] else {
        unreachable!()
    };
    inner[0] = Value::Binary(second.clone());

    let mut decoder = Decoder::default();
    assert_eq!(decoder.decode_text(Str::from(text)).unwrap(), None);
    assert_eq!(decoder.decode_binary(first.clone()).unwrap(), None);
    assert_eq!(decoder.decode_binary(second.clone()).unwrap(), Some(expected.clone()));

    let encoded = expected.encode();
    assert_eq!(encoded.text, text);
    assert_eq!(encoded.attachments, vec![first, second]);
}

#[test]
fn unreferenced_attachments_are_accepted_and_dropped() {
    let mut decoder = Decoder::default();
    assert_eq!(
        decoder
            .decode_text(Str::from(r#"52-["x",{"_placeholder":true,"num":1}]"#))
            .unwrap(),
        None
    );
    assert_eq!(decoder.decode_binary(Bytes::from_static(b"unused")).unwrap(), None);
    let packet = decoder.decode_binary(Bytes::from_static(b"used")).unwrap();
    let expected = Packet::event("/", "x", vec![Value::from(b"used".to_vec())], None);
    assert_eq!(packet, Some(expected));
}

#[test]
fn placeholder_shaped_object_in_a_plain_event_stays_an_object() {
    let text = r#"2["x",{"_placeholder":true,"num":0}]"#;
    let arg = obj(json!({"_placeholder": true, "num": 0}));
    assert_eq!(decode(text), Packet::event("/", "x", vec![arg], None));
}

#[test]
fn encode_into_appends_after_the_engine_io_message_digit() {
    let plain = Packet::event("/chat", "hi", vec![Value::from(1)], None);
    let frame = Frame::message_with(|out| assert!(plain.encode_into(out).is_empty()));
    assert_eq!(frame, Frame::Text(Str::from(r#"42/chat,["hi",1]"#)));

    let binary = Packet::event("/", "upload", vec![Value::from(vec![1u8])], Some(3));
    let mut attachments = Vec::new();
    let frame = Frame::message_with(|out| attachments = binary.encode_into(out));
    let expected = r#"451-3["upload",{"_placeholder":true,"num":0}]"#;
    assert_eq!(frame, Frame::Text(Str::from(expected)));
    assert_eq!(attachments, vec![Bytes::from_static(b"\x01")]);
}

#[test]
fn binary_in_a_connect_payload_is_written_as_byte_values() {
    let mut auth = sio_core::value::Map::new();
    auth.insert("key".into(), Value::from(vec![1u8, 2]));
    let encoded = Packet::connect("/", Some(Value::Object(auth))).encode();
    assert_eq!(
        (encoded.text.as_str(), encoded.attachments.len()),
        (r#"0{"key":[1,2]}"#, 0)
    );
}

#[test]
fn decoded_namespace_shares_the_input_buffer() {
    let text = Str::from(r#"2/chat,["x"]"#);
    let packet = Decoder::default().decode_text(text.clone()).unwrap().unwrap();
    assert_eq!(packet.namespace, "/chat");
    let input = text.as_bytes().as_ptr_range();
    assert!(input.contains(&packet.namespace.as_bytes().as_ptr()));
}

#[test]
fn max_u64_ack_id_is_accepted() {
    let text = format!(r#"3{}[]"#, u64::MAX);
    round_trips(&text, Packet::ack("/", vec![], u64::MAX));
}
