//! The bodies of the fuzz targets, as plain functions.
//!
//! Each one feeds arbitrary bytes to a decoder and checks, besides "does not
//! panic", that whatever decodes also survives an encode/decode round trip.
//! The targets in `fuzz_targets/` only call them; sio-core's own test suite
//! includes this file (`tests/never_panics.rs`) and drives the same bodies
//! with proptest on stable Rust, so they always compile and run.

use bytes::Bytes;
use sio_core::Str;
use sio_core::engine::{self, Frame, payload};
use sio_core::socketio::{Decoder, DecoderLimits, Packet};

/// One message of a client connection, as the Socket.IO decoder sees it.
#[derive(Debug, Clone)]
pub enum Message {
    /// A text Engine.IO message (its data, without the `4`).
    Text(String),
    /// A binary Engine.IO message.
    Binary(Vec<u8>),
}

/// Engine.IO: decode one text packet (and the binary case); a decoded
/// packet encodes back to a frame that decodes to the same packet.
pub fn engine_packet(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    if let Ok(packet) = engine::Packet::decode_text(Str::from(text)) {
        let again = match packet.encode() {
            Frame::Text(text) => engine::Packet::decode_text(text),
            Frame::Binary(data) => Ok(engine::Packet::decode_binary(data)),
        };
        assert_eq!(again.as_ref(), Ok(&packet), "engine packet round trip");
    }
    let binary = engine::Packet::decode_binary(Bytes::copy_from_slice(data));
    assert_eq!(binary.encode(), Frame::Binary(Bytes::copy_from_slice(data)));
}

/// Engine.IO polling: decode a request body; decoded packets encode back to
/// a body that decodes to the same packets.
pub fn polling_payload(data: &[u8]) {
    if let Ok(packets) = payload::decode(Bytes::copy_from_slice(data)) {
        let frames: Vec<Frame> = packets.iter().map(engine::Packet::encode).collect();
        let body = payload::encode(&frames);
        assert_eq!(payload::decode(body).as_ref(), Ok(&packets), "polling round trip");
    }
}

/// Socket.IO: the input is split at `0xff` bytes (never part of UTF-8) into
/// messages; a message starting with `0x00` is binary, any other text.
pub fn socketio_decoder(data: &[u8]) {
    let messages = data.split(|&byte| byte == 0xff).map(|chunk| match chunk {
        [0x00, rest @ ..] => Message::Binary(rest.to_vec()),
        text => Message::Text(String::from_utf8_lossy(text).into_owned()),
    });
    socketio_messages(messages);
}

/// Feeds `messages` to a [`Decoder`] with small limits, in order; every
/// packet it returns is re-encoded and must decode to itself.
pub fn socketio_messages(messages: impl IntoIterator<Item = Message>) {
    let mut decoder = Decoder::new(DecoderLimits {
        max_attachments: 4,
        max_attachment_bytes: 64,
    });
    for message in messages {
        let decoded = match message {
            Message::Text(text) => decoder.decode_text(Str::from(text)),
            Message::Binary(data) => decoder.decode_binary(Bytes::from(data)),
        };
        if let Ok(Some(packet)) = decoded {
            assert_eq!(round_trip(&packet).as_ref(), Some(&packet), "socket.io round trip");
        }
    }
}

/// Encodes `packet` and decodes it again with a decoder that has no limits
/// (one attachment may back many placeholders, so the count can grow).
pub fn round_trip(packet: &Packet) -> Option<Packet> {
    let encoded = packet.encode();
    let limits = DecoderLimits {
        max_attachments: usize::MAX,
        max_attachment_bytes: usize::MAX,
    };
    let mut decoder = Decoder::new(limits);
    let mut decoded = decoder.decode_text(Str::from(encoded.text)).ok()?;
    for attachment in encoded.attachments {
        decoded = decoder.decode_binary(attachment).ok()?;
    }
    decoded
}
