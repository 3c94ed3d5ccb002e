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
use sio_core::websocket::{self, Opcode, WsError};

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

/// WebSocket: the first byte picks the decoder's size limit and the size of
/// the reads the rest is cut into. The rest is fed to a
/// [`websocket::Decoder`] whole, and in those reads: both must give the same
/// messages and the same error, the buffers never exceed the limit (plus a
/// control frame), and each decoded message, encoded by the server and
/// masked as a client would, decodes to itself.
pub fn websocket_decoder(data: &[u8]) {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let limit = [0, 16, 256, 1 << 20][usize::from(control & 3)];
    let read_size = usize::from(control >> 2) + 1;
    let whole = websocket_feed(limit, [input]);
    let split = websocket_feed(limit, input.chunks(read_size));
    assert_eq!(whole, split, "websocket decoding depends on the split");
    let (messages, _) = whole;
    let mut client = Vec::new();
    for message in &messages {
        let mut server = Vec::new();
        match message {
            websocket::Message::Text(text) => websocket::encode_frame(&mut server, Opcode::Text, text.as_bytes()),
            websocket::Message::Binary(data) => websocket::encode_frame(&mut server, Opcode::Binary, data),
            websocket::Message::Ping(data) => websocket::encode_frame(&mut server, Opcode::Ping, data),
            websocket::Message::Pong(data) => websocket::encode_frame(&mut server, Opcode::Pong, data),
            websocket::Message::Close(None) => websocket::encode_frame(&mut server, Opcode::Close, b""),
            websocket::Message::Close(Some(close)) => websocket::encode_close(&mut server, close.code, &close.reason),
        }
        mask_server_frame(&server, [0xa5, 0x01, 0x7e, 0xff], &mut client);
    }
    let again = websocket_feed(limit, [&client[..]]);
    assert_eq!(again, (messages, Ok(())), "websocket round trip");
}

/// Feeds `reads` to a fresh decoder, checking its memory bound after each;
/// after an error, a further call must return the same error.
fn websocket_feed<'a>(
    limit: usize,
    reads: impl IntoIterator<Item = &'a [u8]>,
) -> (Vec<websocket::Message>, Result<(), WsError>) {
    let mut decoder = websocket::Decoder::new(limit);
    let mut out = Vec::new();
    for read in reads {
        let result = decoder.feed(read, &mut out);
        assert!(
            decoder.buffered_capacity() <= limit + 125,
            "websocket decoder over its memory bound"
        );
        if let Err(error) = result {
            assert_eq!(decoder.buffered_capacity(), 0, "websocket buffers kept after an error");
            let mut more = Vec::new();
            assert_eq!(
                decoder.feed(b"\x81\x80abcd", &mut more),
                Err(error.clone()),
                "error not sticky"
            );
            assert!(more.is_empty());
            return (out, Err(error));
        }
    }
    if decoder.is_idle() {
        assert_eq!(decoder.buffered_capacity(), 0, "idle websocket decoder holds memory");
    }
    (out, Ok(()))
}

/// Appends `frame` (one unmasked server frame) to `out` as a client would
/// send it: mask bit set, `key`, masked payload.
fn mask_server_frame(frame: &[u8], key: [u8; 4], out: &mut Vec<u8>) {
    let header_len = match frame.get(1) {
        Some(126) => 4,
        Some(127) => 10,
        _ => 2,
    };
    let (header, payload) = frame.split_at(header_len.min(frame.len()));
    let start = out.len();
    out.extend_from_slice(header);
    if let Some(second) = out.get_mut(start + 1) {
        *second |= 0x80;
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().zip(key.iter().cycle()).map(|(byte, k)| byte ^ k));
}
