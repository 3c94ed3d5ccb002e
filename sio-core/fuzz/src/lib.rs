//! The bodies of the fuzz targets, as plain functions.
//!
//! Each one feeds arbitrary bytes to a decoder and checks, besides "does not
//! panic", that whatever decodes also survives an encode/decode round trip.
//! The targets in `fuzz_targets/` only call them; sio-core's own test suite
//! includes this file (`tests/never_panics.rs`) and drives the same bodies
//! with proptest on stable Rust, so they always compile and run.

use bytes::Bytes;
use sio_core::engine::{self, Frame, payload};
use sio_core::socketio::{Decoder, DecoderLimits, Packet, PacketData, ParseError};
use sio_core::websocket::{self, Opcode, WsError};
use sio_core::{Str, Value};

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

/// The limits of [`socketio_attachments`]' decoder.
const ATTACHMENT_LIMITS: DecoderLimits = DecoderLimits {
    max_attachments: 4,
    max_attachment_bytes: 64,
};

/// Socket.IO with binary attachments: the input is a program of messages,
/// each chosen by one byte (see [`attachment_messages`]): BINARY_EVENT and
/// BINARY_ACK texts with placeholders (valid, out of range, malformed,
/// nested) and declared counts that may or may not match, binary messages
/// of any size around the limit, plain texts, in any order and count.
///
/// Besides "no panic" and the round trip, the decoder must follow the
/// attachment protocol exactly: a binary packet declaring `n` attachments
/// waits for `n` binary messages (unless their size passes the limit) and
/// then comes out with no placeholder left, each binary leaf one of those
/// attachments; a binary message while nothing waits is
/// [`ParseError::UnexpectedAttachment`], a text while attachments are
/// expected [`ParseError::TextWhileAwaitingAttachments`]; after any error
/// nothing waits.
pub fn socketio_attachments(data: &[u8]) {
    let mut decoder = Decoder::new(ATTACHMENT_LIMITS);
    // The attachments of the waiting packet: (declared, received so far).
    let mut waiting: Option<(usize, Vec<Bytes>)> = None;
    for message in attachment_messages(data) {
        match message {
            Message::Text(text) => {
                let declared = declared_attachments(&text);
                let result = decoder.decode_text(Str::from(text));
                if let Some((declared, received)) = waiting.take() {
                    assert_eq!(
                        result,
                        Err(ParseError::TextWhileAwaitingAttachments {
                            remaining: declared - received.len()
                        }),
                        "text while attachments are awaited"
                    );
                } else {
                    match result {
                        Ok(None) => {
                            let declared = declared.expect("waits only for a declared count");
                            assert!((1..=ATTACHMENT_LIMITS.max_attachments).contains(&declared));
                            waiting = Some((declared, Vec::new()));
                        }
                        Ok(Some(packet)) => check_complete(&packet, None),
                        Err(_) => {}
                    }
                }
            }
            Message::Binary(bytes) => {
                let bytes = Bytes::from(bytes);
                let result = decoder.decode_binary(bytes.clone());
                match waiting.as_mut() {
                    None => assert_eq!(result, Err(ParseError::UnexpectedAttachment), "unexpected attachment"),
                    Some((declared, received)) => {
                        received.push(bytes);
                        let total: usize = received.iter().map(Bytes::len).sum();
                        if total > ATTACHMENT_LIMITS.max_attachment_bytes {
                            assert!(
                                matches!(result, Err(ParseError::AttachmentsTooLarge { .. })),
                                "attachments over the limit: {result:?}"
                            );
                            waiting = None;
                        } else if received.len() < *declared {
                            assert_eq!(result, Ok(None), "attachment {} of {declared}", received.len());
                        } else {
                            let packet = result
                                .expect("the last attachment completes the packet")
                                .expect("a complete packet");
                            check_complete(&packet, Some(received));
                            waiting = None;
                        }
                    }
                }
            }
        }
        assert_eq!(
            decoder.is_awaiting_attachments(),
            waiting.is_some(),
            "awaiting attachments"
        );
    }
}

/// A decoded packet survives a round trip; it has no binary leaf unless it
/// came with `attachments`, and then every binary leaf is one of them and
/// no placeholder is left (a plain EVENT keeps placeholder-like objects as
/// JSON, as Node does).
fn check_complete(packet: &Packet, attachments: Option<&[Bytes]>) {
    let args = match &packet.data {
        PacketData::Event { args, .. } | PacketData::Ack { args, .. } => &args[..],
        _ => &[],
    };
    let mut stack: Vec<&Value> = args.iter().collect();
    while let Some(value) = stack.pop() {
        match value {
            Value::Binary(data) => assert!(
                attachments.is_some_and(|attachments| attachments.contains(data)),
                "binary leaf not from an attachment"
            ),
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                if attachments.is_some() {
                    assert_ne!(map.get("_placeholder"), Some(&Value::Bool(true)), "placeholder left");
                }
                stack.extend(map.values());
            }
            _ => {}
        }
    }
    assert_eq!(round_trip(packet).as_ref(), Some(packet), "socket.io round trip");
}

/// The attachment count a text declares (`5<n>-` or `6<n>-`), when it is
/// a plain decimal number.
fn declared_attachments(text: &str) -> Option<usize> {
    let rest = text.strip_prefix(['5', '6'])?;
    let (count, _) = rest.split_once('-')?;
    if count.is_empty() || !count.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    count.parse().ok()
}

/// Reads `data` as a program of Socket.IO messages. Each starts with an
/// opcode byte, its low two bits choosing:
///
/// - `0`: a BINARY_EVENT or BINARY_ACK text. The next byte picks the type
///   (bit 0), the declared count (bits 1-3, 0 to 7), a namespace (bit 4)
///   and an ack id (bit 5); the one after, how many arguments (low 3
///   bits); then one byte per argument (see [`attachment_argument`]).
/// - `1`: a binary message; the next byte is its length (mod 80), the
///   bytes follow.
/// - `2`: a text message; the next byte is its length, the text follows.
/// - `3`: a plain EVENT (`2["x",<byte>]`), or with the opcode's bit 2, a
///   binary message of `<opcode >> 3` zero bytes.
pub fn attachment_messages(data: &[u8]) -> Vec<Message> {
    let mut input = data.iter().copied();
    let mut messages = Vec::new();
    while let Some(opcode) = input.next() {
        let message = match opcode & 3 {
            0 => {
                let header = input.next().unwrap_or(0);
                let count = input.next().unwrap_or(0) & 7;
                let mut text = String::new();
                text.push(if header & 1 == 0 { '5' } else { '6' });
                text.push_str(&format!("{}-", (header >> 1) & 7));
                if header & 0x10 != 0 {
                    text.push_str("/n,");
                }
                if header & 0x20 != 0 {
                    text.push('7');
                }
                text.push('[');
                let mut items = Vec::new();
                if header & 1 == 0 {
                    items.push("\"ev\"".to_owned());
                }
                for _ in 0..count {
                    items.push(attachment_argument(input.next().unwrap_or(0)));
                }
                text.push_str(&items.join(","));
                text.push(']');
                Message::Text(text)
            }
            1 => {
                let len = usize::from(input.next().unwrap_or(0) % 80);
                Message::Binary(input.by_ref().take(len).collect())
            }
            2 => {
                let len = usize::from(input.next().unwrap_or(0));
                let bytes: Vec<u8> = input.by_ref().take(len).collect();
                Message::Text(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ if opcode & 4 != 0 => Message::Binary(vec![0; usize::from(opcode >> 3)]),
            _ => Message::Text(format!("2[\"x\",{}]", opcode >> 3)),
        };
        messages.push(message);
    }
    messages
}

/// One argument of a generated binary packet: mostly placeholders (the
/// byte's low 3 bits are `num`, which may be out of range), some nested,
/// some malformed, some plain values.
fn attachment_argument(byte: u8) -> String {
    let num = byte & 7;
    let placeholder = format!("{{\"_placeholder\":true,\"num\":{num}}}");
    match byte >> 3 {
        0..=11 => placeholder,
        12..=15 => format!("[{placeholder},{placeholder}]"),
        16..=18 => format!("{{\"file\":{placeholder},\"n\":{num}}}"),
        19 => "{\"_placeholder\":true}".to_owned(),
        20 => format!("{{\"_placeholder\":true,\"num\":\"{num}\"}}"),
        21 => format!("{{\"_placeholder\":true,\"num\":-{num}}}"),
        22 => format!("{{\"_placeholder\":true,\"num\":{num}.0}}"),
        23 => format!("{{\"_placeholder\":false,\"num\":{num}}}"),
        24 => format!("{{\"_placeholder\":1,\"num\":{num}}}"),
        25 => format!("{{\"num\":{num},\"_placeholder\":true,\"_placeholder\":true}}"),
        26 => format!("{{\"_placeholder\":true,\"num\":1{num}000000000000000000000}}"),
        27 => "null".to_owned(),
        28 => format!("\"{num}\""),
        29 => format!("{{\"a\":[[{{\"b\":{placeholder}}}]]}}"),
        _ => num.to_string(),
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
