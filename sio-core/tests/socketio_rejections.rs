//! Every malformed packet the decoder must refuse, one rule per test.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use sio_core::Str;
use sio_core::socketio::{Decoder, DecoderLimits, PacketType, ParseError, RESERVED_EVENTS};

fn reject(text: &str) -> ParseError {
    reject_with(Decoder::default(), text)
}

fn reject_with(mut decoder: Decoder, text: &str) -> ParseError {
    match decoder.decode_text(Str::from(text.to_owned())) {
        Err(err) => err,
        Ok(packet) => panic!("{text:?} was accepted as {packet:?}"),
    }
}

/// A decoder that has read `text` and now waits for attachments.
fn awaiting(text: &str) -> Decoder {
    let mut decoder = Decoder::default();
    assert_eq!(decoder.decode_text(Str::from(text.to_owned())).unwrap(), None);
    decoder
}

#[test]
fn empty_packet_is_rejected() {
    assert_eq!(reject(""), ParseError::Empty);
}

#[test]
fn unknown_packet_type_is_rejected() {
    assert_eq!(reject("7"), ParseError::UnknownType('7'));
    assert_eq!(reject(r#"x["a"]"#), ParseError::UnknownType('x'));
    assert_eq!(reject("é"), ParseError::UnknownType('é'));
}

#[test]
fn attachment_count_without_dash_is_rejected() {
    assert!(matches!(reject(r#"51["x"]"#), ParseError::AttachmentsMissingDash(_)));
}

#[test]
fn attachment_count_that_is_not_a_number_is_rejected() {
    assert_eq!(reject(r#"5a-["x"]"#), ParseError::AttachmentsNotANumber("a".into()));
    assert_eq!(reject(r#"5-["x"]"#), ParseError::AttachmentsNotANumber(String::new()));
    assert_eq!(reject(r#"6+1-[]"#), ParseError::AttachmentsNotANumber("+1".into()));
}

#[test]
fn attachment_count_over_the_limit_is_rejected_before_allocating() {
    let limit = 10;
    let over = |declared: &str| ParseError::TooManyAttachments {
        declared: declared.into(),
        limit,
    };
    assert_eq!(reject(r#"511-["x"]"#), over("11"));
    // Far beyond memory, far beyond u64: refused from the text alone.
    let huge = "9".repeat(30);
    assert_eq!(reject(&format!(r#"5{huge}-["x"]"#)), over(&huge));
    let strict = Decoder::new(DecoderLimits {
        max_attachments: 1,
        ..DecoderLimits::default()
    });
    assert_eq!(
        reject_with(strict, r#"52-["x"]"#),
        ParseError::TooManyAttachments {
            declared: "2".into(),
            limit: 1
        }
    );
}

#[test]
fn binary_packet_with_zero_attachments_is_rejected() {
    assert_eq!(
        reject(r#"50-["x"]"#),
        ParseError::BinaryWithoutAttachments(PacketType::BinaryEvent)
    );
    assert_eq!(
        reject("60-1[]"),
        ParseError::BinaryWithoutAttachments(PacketType::BinaryAck)
    );
}

#[test]
fn plain_packet_with_an_attachment_count_is_rejected() {
    assert_eq!(
        reject(r#"21-["x"]"#),
        ParseError::AttachmentsOnPlainPacket(PacketType::Event)
    );
    assert_eq!(reject("31-1[]"), ParseError::AttachmentsOnPlainPacket(PacketType::Ack));
}

#[test]
fn namespace_not_starting_with_slash_is_rejected() {
    assert_eq!(
        reject(r#"0chat,{"token":"x"}"#),
        ParseError::NamespaceWithoutSlash("chat".into())
    );
    assert_eq!(
        reject(r#"2chat,["x"]"#),
        ParseError::NamespaceWithoutSlash("chat".into())
    );
    // Without a comma it cannot be told from bad JSON.
    assert!(matches!(reject("0chat"), ParseError::InvalidJson(_)));
}

#[test]
fn ack_id_that_does_not_fit_in_64_bits_is_rejected() {
    let too_big = "18446744073709551616"; // u64::MAX + 1
    assert_eq!(
        reject(&format!(r#"2{too_big}["x"]"#)),
        ParseError::AckIdOverflow(too_big.into())
    );
    assert_eq!(
        reject(&format!("3/chat,{too_big}[]")),
        ParseError::AckIdOverflow(too_big.into())
    );
}

#[test]
fn ack_id_on_a_packet_type_without_acks_is_rejected() {
    assert_eq!(reject("05{}"), ParseError::UnexpectedAckId(PacketType::Connect));
    assert_eq!(reject("1/chat,3"), ParseError::UnexpectedAckId(PacketType::Disconnect));
    assert_eq!(
        reject(r#"41{"message":"x"}"#),
        ParseError::UnexpectedAckId(PacketType::ConnectError)
    );
}

#[test]
fn bad_json_is_rejected() {
    for text in [
        r#"2["x""#,
        r#"2["x"]garbage"#,
        "2[x]",
        "0{token:1}",
        r#"3/chat,1["a",]"#,
    ] {
        assert!(matches!(reject(text), ParseError::InvalidJson(_)), "{text}");
    }
}

#[test]
fn connect_payload_that_is_not_an_object_is_rejected() {
    assert_eq!(reject("0[]"), ParseError::ConnectNotObject("array"));
    assert_eq!(reject(r#"0/chat,"token""#), ParseError::ConnectNotObject("string"));
    assert_eq!(reject("0null"), ParseError::ConnectNotObject("null"));
}

#[test]
fn disconnect_with_payload_is_rejected() {
    assert_eq!(reject("1{}"), ParseError::DisconnectWithPayload("object"));
    assert_eq!(reject(r#"1/chat,"bye""#), ParseError::DisconnectWithPayload("string"));
}

#[test]
fn event_data_must_be_a_non_empty_array() {
    assert_eq!(reject("2"), ParseError::EventNotArray("nothing"));
    assert_eq!(reject("2/chat,"), ParseError::EventNotArray("nothing"));
    assert_eq!(reject("2[]"), ParseError::EventNotArray("an empty array"));
    assert_eq!(reject(r#"2{"name":"x"}"#), ParseError::EventNotArray("object"));
    assert_eq!(reject(r#"51-"x""#), ParseError::EventNotArray("string"));
}

#[test]
fn event_name_must_be_a_string_or_a_number() {
    assert_eq!(reject("2[null]"), ParseError::InvalidEventName("null"));
    assert_eq!(reject("2[true,1]"), ParseError::InvalidEventName("boolean"));
    assert_eq!(reject(r#"2[["x"]]"#), ParseError::InvalidEventName("array"));
    assert_eq!(
        reject(r#"51-[{"_placeholder":true,"num":0}]"#),
        ParseError::InvalidEventName("object")
    );
}

#[test]
fn reserved_event_names_from_a_client_are_rejected() {
    for name in RESERVED_EVENTS {
        let text = format!(r#"2/chat,["{name}",1]"#);
        assert_eq!(reject(&text), ParseError::ReservedEventName(name.into()));
    }
}

#[test]
fn ack_without_id_is_rejected() {
    assert_eq!(reject(r#"3["ok"]"#), ParseError::AckWithoutId(PacketType::Ack));
    assert_eq!(
        reject(r#"61-[{"_placeholder":true,"num":0}]"#),
        ParseError::AckWithoutId(PacketType::BinaryAck)
    );
}

#[test]
fn ack_data_that_is_not_an_array_is_rejected() {
    assert_eq!(reject("31"), ParseError::AckNotArray("nothing"));
    assert_eq!(reject(r#"3/chat,1{"a":1}"#), ParseError::AckNotArray("object"));
}

#[test]
fn connect_error_that_is_not_an_object_or_string_is_rejected() {
    assert_eq!(reject("4"), ParseError::InvalidConnectError("nothing"));
    assert_eq!(reject("4[]"), ParseError::InvalidConnectError("array"));
    assert_eq!(reject("4/chat,null"), ParseError::InvalidConnectError("null"));
}

#[test]
fn text_while_awaiting_attachments_is_rejected() {
    let mut decoder = awaiting(r#"52-["x",{"_placeholder":true,"num":0}]"#);
    assert_eq!(decoder.decode_binary(Bytes::from_static(b"a")).unwrap(), None);
    let err = decoder.decode_text(Str::from(r#"2["y"]"#)).unwrap_err();
    assert_eq!(err, ParseError::TextWhileAwaitingAttachments { remaining: 1 });
}

#[test]
fn binary_when_no_attachment_is_expected_is_rejected() {
    let mut decoder = Decoder::default();
    let err = decoder.decode_binary(Bytes::from_static(b"x")).unwrap_err();
    assert_eq!(err, ParseError::UnexpectedAttachment);
    // Also right after a binary packet completed.
    let mut decoder = awaiting(r#"51-["x",{"_placeholder":true,"num":0}]"#);
    assert!(decoder.decode_binary(Bytes::from_static(b"a")).unwrap().is_some());
    assert_eq!(
        decoder.decode_binary(Bytes::from_static(b"b")),
        Err(ParseError::UnexpectedAttachment)
    );
}

#[test]
fn attachments_over_the_byte_limit_are_rejected() {
    let limits = DecoderLimits {
        max_attachments: 10,
        max_attachment_bytes: 8,
    };
    let mut decoder = Decoder::new(limits);
    let text = r#"52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    assert_eq!(decoder.decode_text(Str::from(text)).unwrap(), None);
    assert_eq!(decoder.decode_binary(Bytes::from_static(b"12345")).unwrap(), None);
    let err = decoder.decode_binary(Bytes::from_static(b"6789")).unwrap_err();
    assert_eq!(err, ParseError::AttachmentsTooLarge { received: 9, limit: 8 });
}

#[test]
fn placeholder_num_outside_the_attachments_is_rejected() {
    let invalid = |num: &str| ParseError::InvalidPlaceholder {
        num: num.into(),
        attachments: 1,
    };
    let with_num = |num: &str| format!(r#"51-["x",[{{"_placeholder":true,"num":{num}}}]]"#);
    assert_eq!(reject(&with_num("1")), invalid("1"));
    assert_eq!(reject(&with_num("-1")), invalid("-1"));
    assert_eq!(reject(&with_num("0.5")), invalid("0.5"));
    assert_eq!(reject(&with_num(r#""0""#)), invalid(r#""0""#));
    assert_eq!(reject(&with_num("null")), invalid("null"));
    assert_eq!(reject(r#"51-["x",{"_placeholder":true}]"#), invalid("missing"));
}

#[test]
fn decoder_starts_afresh_after_an_error() {
    let mut decoder = awaiting(r#"51-["x",{"_placeholder":true,"num":0}]"#);
    assert!(decoder.decode_text(Str::from(r#"2["y"]"#)).is_err());
    assert!(!decoder.is_awaiting_attachments());
    assert!(decoder.decode_text(Str::from(r#"2["y"]"#)).unwrap().is_some());
}

#[test]
fn errors_name_the_offending_value() {
    assert_eq!(reject("9").to_string(), "unknown packet type '9'");
    assert_eq!(
        reject(r#"2chat,["x"]"#).to_string(),
        r#"namespace "chat" does not start with '/'"#
    );
    assert_eq!(
        reject(r#"2["disconnect"]"#).to_string(),
        r#"event name "disconnect" is reserved"#
    );
    assert_eq!(
        reject(r#"51-["x",{"_placeholder":true,"num":3}]"#).to_string(),
        "placeholder num 3 is not an integer in 0..1"
    );
    let long = format!("5{}-[]", "x".repeat(1000));
    assert!(reject(&long).to_string().len() < 100, "quoted input is cut short");
}
