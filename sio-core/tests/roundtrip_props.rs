//! Property tests: whatever is encoded decodes back to itself.

mod strategies;

use proptest::collection::vec;
use proptest::prelude::*;
use sio_core::engine::{self, Frame, payload};
use sio_core::socketio::{Decoder, DecoderLimits, Packet};
use sio_core::value::{from_value, parse_json, to_value, write_json};
use sio_core::{Str, Value};

fn unlimited() -> Decoder {
    Decoder::new(DecoderLimits {
        max_attachments: usize::MAX,
        max_attachment_bytes: usize::MAX,
    })
}

fn decode(encoded: sio_core::socketio::EncodedPacket) -> Result<Option<Packet>, TestCaseError> {
    let mut decoder = unlimited();
    let mut decoded = decoder
        .decode_text(Str::from(encoded.text))
        .map_err(|err| TestCaseError::fail(err.to_string()))?;
    for attachment in encoded.attachments {
        prop_assert!(decoded.is_none(), "packet complete before its last attachment");
        decoded = decoder
            .decode_binary(attachment)
            .map_err(|err| TestCaseError::fail(err.to_string()))?;
    }
    Ok(decoded)
}

proptest! {
    #[test]
    fn json_text_round_trips_and_matches_serde_json(value in strategies::json_value()) {
        let mut text = String::new();
        let mut attachments = Vec::new();
        write_json(&value, &mut text, &mut attachments);
        prop_assert!(attachments.is_empty());
        prop_assert_eq!(&text, &serde_json::to_string(&value).expect("JSON serializes"));
        prop_assert_eq!(parse_json(&text).expect("own output parses"), value);
    }

    #[test]
    fn values_round_trip_through_serde(value in strategies::value()) {
        prop_assert_eq!(to_value(&value).expect("within depth"), value.clone());
        prop_assert_eq!(from_value::<Value>(value.clone()).expect("any value"), value);
    }

    #[test]
    fn attachments_match_binary_leaves(args in strategies::args()) {
        let packet = Packet::event("/", "x", args.clone(), None);
        let encoded = packet.encode();
        let has_binary = args.iter().any(Value::has_binary);
        prop_assert_eq!(!encoded.attachments.is_empty(), has_binary);
        prop_assert_eq!(encoded.text.starts_with('5'), has_binary);
    }

    #[test]
    fn socketio_packets_round_trip(packet in strategies::packet()) {
        let encoded = packet.encode();
        prop_assert_eq!(decode(encoded)?, Some(packet));
    }

    #[test]
    fn encode_into_appends_the_same_text(packet in strategies::packet()) {
        let mut out = String::from("4");
        let attachments = packet.encode_into(&mut out);
        let encoded = packet.encode();
        prop_assert_eq!(&out[1..], encoded.text.as_str());
        prop_assert_eq!(attachments, encoded.attachments);
    }

    #[test]
    fn engine_packets_round_trip_as_websocket_frames(packet in strategies::engine_packet(false)) {
        let decoded = match packet.encode() {
            Frame::Text(text) => engine::Packet::decode_text(text),
            Frame::Binary(data) => Ok(engine::Packet::decode_binary(data)),
        };
        prop_assert_eq!(decoded, Ok(packet));
    }

    #[test]
    fn polling_payloads_round_trip(packets in vec(strategies::engine_packet(true), 1..8)) {
        let frames: Vec<Frame> = packets.iter().map(engine::Packet::encode).collect();
        let body = payload::encode(&frames);
        let expected_len: usize = frames.iter().map(Frame::polling_len).sum::<usize>() + frames.len() - 1;
        prop_assert_eq!(body.len(), expected_len);
        prop_assert_eq!(payload::decode(body), Ok(packets));
    }
}
