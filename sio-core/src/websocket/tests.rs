//! The decoder's rules one by one, the exact close code of each error,
//! every length encoding, splits, memory, and the encoders.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;

use super::*;
use crate::Str;

const LIMIT: usize = 1 << 20;
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
const FIN: u8 = 0x80;

/// How a test frame writes its payload length.
#[derive(Clone, Copy)]
enum Len {
    Minimal,
    Bits16,
    Bits64,
}

/// A client frame: first byte `first` (FIN, RSV, opcode), `payload` masked
/// with `mask` (unmasked when `None`), the length written as `len` says.
fn raw_frame(first: u8, payload: &[u8], mask: Option<[u8; 4]>, len: Len) -> Vec<u8> {
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let mut out = vec![first];
    match len {
        Len::Minimal if payload.len() <= 125 => out.push(mask_bit | payload.len() as u8),
        Len::Minimal if payload.len() <= 0xffff => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        Len::Bits16 => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        Len::Minimal | Len::Bits64 => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(payload.len() as u64).to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, byte)| byte ^ key[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// A masked client frame with a minimal length.
fn frame(fin: bool, opcode: Opcode, payload: &[u8]) -> Vec<u8> {
    let first = if fin { FIN } else { 0 } | opcode.code();
    raw_frame(first, payload, Some(MASK), Len::Minimal)
}

fn text(s: &str) -> Message {
    Message::Text(Str::from(s.to_owned()))
}

fn binary(data: &[u8]) -> Message {
    Message::Binary(Bytes::copy_from_slice(data))
}

fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason);
    payload
}

/// Feeds `bytes` in chunks of `chunk` bytes to a fresh decoder.
fn decode_chunked(bytes: &[u8], chunk: usize, limit: usize) -> (Vec<Message>, Result<(), WsError>) {
    let mut decoder = Decoder::new(limit);
    let mut out = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        if let Err(error) = decoder.feed(piece, &mut out) {
            return (out, Err(error));
        }
    }
    (out, Ok(()))
}

/// Feeds `bytes` in one call; the result must not depend on the split, so
/// this also checks that feeding them one byte at a time agrees.
fn decode_with(bytes: &[u8], limit: usize) -> (Vec<Message>, Result<(), WsError>) {
    let mut decoder = Decoder::new(limit);
    let mut out = Vec::new();
    let result = decoder.feed(bytes, &mut out);
    assert_eq!(
        decode_chunked(bytes, 1, limit),
        (out.clone(), result.clone()),
        "byte-at-a-time feed differs"
    );
    (out, result)
}

fn decode(bytes: &[u8]) -> Vec<Message> {
    let (out, result) = decode_with(bytes, LIMIT);
    result.unwrap();
    out
}

fn reject_with(bytes: &[u8], limit: usize) -> WsError {
    decode_with(bytes, limit).1.unwrap_err()
}

fn reject(bytes: &[u8]) -> WsError {
    reject_with(bytes, LIMIT)
}

fn protocol(error: WsError) {
    assert!(matches!(error, WsError::Protocol(_)), "{error:?}");
    assert_eq!(error.close_code(), 1002);
}

fn concat(frames: &[Vec<u8>]) -> Vec<u8> {
    frames.concat()
}

// --- Messages ---------------------------------------------------------

#[test]
fn new_decoder_is_idle_and_holds_nothing() {
    let decoder = Decoder::new(LIMIT);
    assert!(decoder.is_idle());
    assert_eq!(decoder.buffered_capacity(), 0);
}

#[test]
fn each_message_kind_decodes() {
    let bytes = concat(&[
        frame(true, Opcode::Text, "héllo".as_bytes()),
        frame(true, Opcode::Binary, &[0, 1, 2, 255]),
        frame(true, Opcode::Ping, b"p"),
        frame(true, Opcode::Pong, b"q"),
        frame(true, Opcode::Close, &close_payload(1000, b"bye")),
        frame(true, Opcode::Close, b""),
    ]);
    assert_eq!(
        decode(&bytes),
        [
            text("héllo"),
            binary(&[0, 1, 2, 255]),
            Message::Ping(Bytes::from_static(b"p")),
            Message::Pong(Bytes::from_static(b"q")),
            Message::Close(Some(CloseFrame {
                code: 1000,
                reason: "bye".into()
            })),
            Message::Close(None),
        ]
    );
}

#[test]
fn empty_messages_decode() {
    let bytes = concat(&[
        frame(true, Opcode::Text, b""),
        frame(true, Opcode::Binary, b""),
        frame(true, Opcode::Ping, b""),
    ]);
    assert_eq!(decode(&bytes), [text(""), binary(b""), Message::Ping(Bytes::new())]);
}

#[test]
fn frames_after_a_close_are_still_decoded() {
    let bytes = concat(&[frame(true, Opcode::Close, b""), frame(true, Opcode::Text, b"late")]);
    assert_eq!(decode(&bytes), [Message::Close(None), text("late")]);
}

#[test]
fn every_length_encoding_decodes() {
    for len in [0, 1, 125, 126, 127, 65535, 65536, 100_000] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let bytes = frame(true, Opcode::Binary, &payload);
        let expected_header = match len {
            0..=125 => 6,
            126..=65535 => 8,
            _ => 14,
        };
        assert_eq!(bytes.len(), expected_header + len, "len {len}");
        assert_eq!(decode(&bytes), [binary(&payload)], "len {len}");
        for chunk in [2, 3, 7, 1000] {
            assert_eq!(decode_chunked(&bytes, chunk, LIMIT), (vec![binary(&payload)], Ok(())));
        }
    }
}

#[test]
fn non_minimal_length_encodings_are_accepted() {
    for len in [Len::Bits16, Len::Bits64] {
        let bytes = concat(&[
            raw_frame(FIN | 0x1, b"short", Some(MASK), len),
            raw_frame(FIN | 0x9, b"ping", Some(MASK), len),
        ]);
        assert_eq!(
            decode(&bytes),
            [text("short"), Message::Ping(Bytes::from_static(b"ping"))]
        );
    }
}

#[test]
fn the_mask_phase_carries_across_splits_with_any_key() {
    let payload: Vec<u8> = (0..=255).collect();
    for key in [[0, 0, 0, 0], [0xff; 4], [1, 2, 3, 4], MASK] {
        let bytes = raw_frame(FIN | 0x2, &payload, Some(key), Len::Minimal);
        for chunk in 1..12 {
            assert_eq!(decode_chunked(&bytes, chunk, LIMIT), (vec![binary(&payload)], Ok(())));
        }
    }
}

// --- Fragmentation ----------------------------------------------------

#[test]
fn fragments_join_into_one_message() {
    let bytes = concat(&[
        frame(false, Opcode::Text, b"he"),
        frame(false, Opcode::Continuation, b""),
        frame(false, Opcode::Continuation, b"ll"),
        frame(true, Opcode::Continuation, b"o"),
        frame(false, Opcode::Binary, &[1]),
        frame(true, Opcode::Continuation, &[2, 3]),
    ]);
    assert_eq!(decode(&bytes), [text("hello"), binary(&[1, 2, 3])]);
}

#[test]
fn control_frames_between_fragments_are_delivered_at_once() {
    let mut decoder = Decoder::new(LIMIT);
    let mut out = Vec::new();
    decoder.feed(&frame(false, Opcode::Text, b"ab"), &mut out).unwrap();
    assert!(out.is_empty());
    assert!(!decoder.is_idle());
    decoder.feed(&frame(true, Opcode::Ping, b"1"), &mut out).unwrap();
    assert_eq!(out, [Message::Ping(Bytes::from_static(b"1"))]);
    assert!(!decoder.is_idle(), "the fragmented message is still pending");
    decoder
        .feed(&frame(true, Opcode::Continuation, b"cd"), &mut out)
        .unwrap();
    assert_eq!(out, [Message::Ping(Bytes::from_static(b"1")), text("abcd")]);
    assert!(decoder.is_idle());
    assert_eq!(decoder.buffered_capacity(), 0);
}

#[test]
fn a_code_point_split_across_fragments_is_fine() {
    let euro = "€".as_bytes();
    let bytes = concat(&[
        frame(false, Opcode::Text, &euro[..1]),
        frame(false, Opcode::Continuation, &euro[1..2]),
        frame(true, Opcode::Continuation, &euro[2..]),
    ]);
    assert_eq!(decode(&bytes), [text("€")]);
}

#[test]
fn continuation_without_a_message_is_a_protocol_error() {
    protocol(reject(&frame(true, Opcode::Continuation, b"x")));
    protocol(reject(&frame(false, Opcode::Continuation, b"x")));
    // After a complete message, too.
    protocol(reject(&concat(&[
        frame(true, Opcode::Text, b"a"),
        frame(true, Opcode::Continuation, b"b"),
    ])));
}

#[test]
fn a_new_data_frame_inside_a_fragmented_message_is_a_protocol_error() {
    for opcode in [Opcode::Text, Opcode::Binary] {
        for fin in [true, false] {
            let bytes = concat(&[frame(false, Opcode::Text, b"a"), frame(fin, opcode, b"b")]);
            protocol(reject(&bytes));
        }
    }
}

// --- Framing errors ---------------------------------------------------

#[test]
fn an_unmasked_frame_is_a_protocol_error() {
    let error = reject(&raw_frame(FIN | 0x1, b"hi", None, Len::Minimal));
    assert_eq!(error, WsError::Protocol("unmasked client frame"));
    assert_eq!(error.close_code(), 1002);
    protocol(reject(&raw_frame(FIN | 0x9, b"", None, Len::Minimal)));
}

#[test]
fn reserved_bits_are_a_protocol_error() {
    for rsv in [0x40, 0x20, 0x10, 0x70] {
        protocol(reject(&raw_frame(FIN | rsv | 0x1, b"hi", Some(MASK), Len::Minimal)));
        protocol(reject(&raw_frame(FIN | rsv | 0x9, b"", Some(MASK), Len::Minimal)));
    }
}

#[test]
fn reserved_opcodes_are_a_protocol_error() {
    for opcode in (3..=7).chain(11..=15) {
        assert_eq!(Opcode::from_code(opcode), None);
        protocol(reject(&raw_frame(FIN | opcode, b"", Some(MASK), Len::Minimal)));
    }
}

#[test]
fn a_fragmented_control_frame_is_a_protocol_error() {
    for opcode in [Opcode::Close, Opcode::Ping, Opcode::Pong] {
        protocol(reject(&frame(false, opcode, b"")));
    }
}

#[test]
fn a_control_frame_over_125_bytes_is_a_protocol_error() {
    for opcode in [Opcode::Close, Opcode::Ping, Opcode::Pong] {
        let mut payload = close_payload(1000, &[b'a'; 124]);
        assert_eq!(payload.len(), 126);
        protocol(reject(&frame(true, opcode, &payload)));
        payload.pop();
        // 125 bytes, even in a 64-bit length encoding, is fine.
        let bytes = raw_frame(FIN | opcode.code(), &payload, Some(MASK), Len::Bits64);
        assert_eq!(decode(&bytes).len(), 1);
    }
}

#[test]
fn a_64_bit_length_with_the_top_bit_set_is_a_protocol_error() {
    let mut bytes = vec![FIN | 0x2, 0x80 | 127];
    bytes.extend_from_slice(&(1u64 << 63).to_be_bytes());
    bytes.extend_from_slice(&MASK);
    // Checked before the size limit: even an unlimited decoder refuses it.
    protocol(reject_with(&bytes, usize::MAX));
    protocol(reject_with(&bytes[..10], usize::MAX));
}

#[test]
fn errors_are_sticky_and_release_the_buffers() {
    let mut decoder = Decoder::new(LIMIT);
    let mut out = Vec::new();
    decoder.feed(&frame(false, Opcode::Text, b"partial"), &mut out).unwrap();
    assert!(decoder.buffered_capacity() > 0);
    let error = decoder
        .feed(&raw_frame(FIN | 0x3, b"", Some(MASK), Len::Minimal), &mut out)
        .unwrap_err();
    protocol(error.clone());
    assert_eq!(decoder.buffered_capacity(), 0);
    assert!(decoder.is_idle());
    let good = frame(true, Opcode::Text, b"fine");
    assert_eq!(decoder.feed(&good, &mut out), Err(error.clone()));
    assert_eq!(decoder.feed(&[], &mut out), Err(error));
    assert!(out.is_empty());
}

#[test]
fn messages_before_an_error_are_delivered() {
    let bytes = concat(&[
        frame(true, Opcode::Text, b"one"),
        frame(true, Opcode::Ping, b""),
        raw_frame(FIN | 0x1, b"two", None, Len::Minimal),
    ]);
    let (out, result) = decode_with(&bytes, LIMIT);
    assert_eq!(out, [text("one"), Message::Ping(Bytes::new())]);
    protocol(result.unwrap_err());
}

// --- UTF-8 ------------------------------------------------------------

#[test]
fn invalid_utf8_text_is_1007() {
    for payload in [&b"\xff"[..], b"abc\xc3", b"\xed\xa0\x80", b"\xc0\xaf"] {
        let error = reject(&frame(true, Opcode::Text, payload));
        assert_eq!(error, WsError::InvalidUtf8);
        assert_eq!(error.close_code(), 1007);
    }
    // Checked on the whole message, so a truncated code point at the end of
    // the last fragment fails.
    let bytes = concat(&[
        frame(false, Opcode::Text, "€".as_bytes()),
        frame(true, Opcode::Continuation, &"€".as_bytes()[..2]),
    ]);
    assert_eq!(reject(&bytes), WsError::InvalidUtf8);
}

#[test]
fn binary_messages_are_not_checked_for_utf8() {
    assert_eq!(decode(&frame(true, Opcode::Binary, b"\xff\xfe")), [binary(b"\xff\xfe")]);
}

// --- Close frames -----------------------------------------------------

#[test]
fn close_payload_of_one_byte_is_a_protocol_error() {
    protocol(reject(&frame(true, Opcode::Close, &[0x03])));
}

#[test]
fn close_codes_allowed_on_the_wire_are_accepted() {
    for code in (1000..=1003).chain(1007..=1014).chain([3000, 3999, 4000, 4999]) {
        let bytes = frame(true, Opcode::Close, &close_payload(code, "why ✓".as_bytes()));
        assert_eq!(
            decode(&bytes),
            [Message::Close(Some(CloseFrame {
                code,
                reason: "why ✓".into()
            }))],
            "code {code}"
        );
    }
    let bytes = frame(true, Opcode::Close, &close_payload(1001, b""));
    assert_eq!(
        decode(&bytes),
        [Message::Close(Some(CloseFrame {
            code: 1001,
            reason: String::new()
        }))]
    );
}

#[test]
fn close_codes_not_allowed_on_the_wire_are_a_protocol_error() {
    for code in [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
        let error = reject(&frame(true, Opcode::Close, &close_payload(code, b"")));
        protocol(error);
    }
}

#[test]
fn an_invalid_utf8_close_reason_is_1007() {
    let error = reject(&frame(true, Opcode::Close, &close_payload(1000, b"\xff")));
    assert_eq!(error, WsError::InvalidUtf8);
    assert_eq!(error.close_code(), 1007);
}

// --- Size -------------------------------------------------------------

#[test]
fn a_message_of_exactly_the_limit_is_accepted() {
    let payload = [7u8; 100];
    assert_eq!(
        decode_with(&frame(true, Opcode::Binary, &payload), 100),
        (vec![binary(&payload)], Ok(()))
    );
    let bytes = concat(&[
        frame(false, Opcode::Text, &[b'a'; 60]),
        frame(true, Opcode::Continuation, &[b'a'; 40]),
    ]);
    assert_eq!(decode_with(&bytes, 100).0, [text(&"a".repeat(100))]);
}

#[test]
fn a_frame_over_the_limit_is_too_big() {
    let error = reject_with(&frame(true, Opcode::Binary, &[0; 101]), 100);
    assert_eq!(error, WsError::TooBig { limit: 100 });
    assert_eq!(error.close_code(), 1009);
    assert_eq!(
        reject_with(&frame(true, Opcode::Text, b"x"), 0),
        WsError::TooBig { limit: 0 }
    );
}

#[test]
fn fragments_over_the_limit_together_are_too_big() {
    let bytes = concat(&[
        frame(false, Opcode::Binary, &[0; 60]),
        frame(true, Opcode::Ping, b""),
        frame(false, Opcode::Continuation, &[0; 40]),
        frame(true, Opcode::Continuation, &[0; 1]),
    ]);
    let (out, result) = decode_with(&bytes, 100);
    assert_eq!(out, [Message::Ping(Bytes::new())]);
    assert_eq!(result, Err(WsError::TooBig { limit: 100 }));
}

#[test]
fn control_frames_are_not_bound_by_the_message_limit() {
    assert_eq!(
        decode_with(&frame(true, Opcode::Ping, b"12345"), 2).0,
        [Message::Ping(Bytes::from_static(b"12345"))]
    );
}

#[test]
fn a_huge_declared_length_is_too_big_from_the_header_alone() {
    for declared in [u64::from(u32::MAX), 1 << 40, (1 << 63) - 1] {
        let mut header = vec![FIN | 0x2, 0x80 | 127];
        header.extend_from_slice(&declared.to_be_bytes());
        // Refused before the masking key, and nothing allocated.
        for input in [&header[..], &header[..10]] {
            let mut decoder = Decoder::new(LIMIT);
            let mut out = Vec::new();
            assert_eq!(decoder.feed(input, &mut out), Err(WsError::TooBig { limit: LIMIT }));
            assert_eq!(decoder.buffered_capacity(), 0);
        }
        let mut decoder = Decoder::new(LIMIT);
        let mut out = Vec::new();
        for byte in &header[..9] {
            decoder.feed(std::slice::from_ref(byte), &mut out).unwrap();
            assert_eq!(decoder.buffered_capacity(), 0);
        }
        assert_eq!(
            decoder.feed(&header[9..], &mut out),
            Err(WsError::TooBig { limit: LIMIT })
        );
        assert_eq!(decoder.buffered_capacity(), 0);
    }
}

#[test]
fn a_huge_continuation_is_too_big_from_its_header() {
    let mut bytes = frame(false, Opcode::Text, b"abc");
    bytes.extend_from_slice(&[0x80, 0x80 | 127]);
    bytes.extend_from_slice(&(1u64 << 62).to_be_bytes());
    let mut decoder = Decoder::new(LIMIT);
    let mut out = Vec::new();
    assert_eq!(decoder.feed(&bytes, &mut out), Err(WsError::TooBig { limit: LIMIT }));
    assert_eq!(decoder.buffered_capacity(), 0);
}

// --- Memory -----------------------------------------------------------

#[test]
fn buffers_are_released_once_a_message_is_delivered() {
    let payload = [b'x'; 1000];
    let bytes = frame(true, Opcode::Text, &payload);
    let mut decoder = Decoder::new(LIMIT);
    let mut out = Vec::new();
    decoder.feed(&bytes, &mut out).unwrap();
    assert_eq!(out.len(), 1);
    assert!(decoder.is_idle());
    assert_eq!(decoder.buffered_capacity(), 0);

    // The same frame in pieces: a partial header holds no heap memory, a
    // partial payload a buffer of exactly the declared length.
    let mut decoder = Decoder::new(LIMIT);
    decoder.feed(&bytes[..3], &mut out).unwrap();
    assert!(!decoder.is_idle());
    assert_eq!(decoder.buffered_capacity(), 0);
    decoder.feed(&bytes[3..20], &mut out).unwrap();
    assert_eq!(decoder.buffered_capacity(), payload.len());
    decoder.feed(&bytes[20..], &mut out).unwrap();
    assert_eq!(out.len(), 2);
    assert!(decoder.is_idle());
    assert_eq!(decoder.buffered_capacity(), 0);
}

#[test]
fn a_split_control_frame_inside_a_fragmented_message_has_its_own_buffer() {
    let mut decoder = Decoder::new(LIMIT);
    let mut out = Vec::new();
    decoder.feed(&frame(false, Opcode::Binary, &[1; 10]), &mut out).unwrap();
    assert_eq!(decoder.buffered_capacity(), 10);
    let ping = frame(true, Opcode::Ping, &[2; 5]);
    decoder.feed(&ping[..8], &mut out).unwrap();
    assert_eq!(decoder.buffered_capacity(), 15);
    decoder.feed(&ping[8..], &mut out).unwrap();
    assert_eq!(out, [Message::Ping(Bytes::from_static(&[2; 5]))]);
    assert_eq!(decoder.buffered_capacity(), 10);
    decoder
        .feed(&frame(true, Opcode::Continuation, &[3; 4]), &mut out)
        .unwrap();
    let mut expected = vec![1; 10];
    expected.extend_from_slice(&[3; 4]);
    assert_eq!(out[1], binary(&expected));
    assert!(decoder.is_idle());
    assert_eq!(decoder.buffered_capacity(), 0);
}

#[test]
fn a_fragmented_message_never_holds_more_than_the_limit() {
    let limit = 1000;
    let mut decoder = Decoder::new(limit);
    let mut out = Vec::new();
    decoder.feed(&frame(false, Opcode::Binary, &[0; 10]), &mut out).unwrap();
    for _ in 0..98 {
        decoder
            .feed(&frame(false, Opcode::Continuation, &[0; 10]), &mut out)
            .unwrap();
        assert!(decoder.buffered_capacity() <= limit, "{}", decoder.buffered_capacity());
    }
    decoder
        .feed(&frame(true, Opcode::Continuation, &[0; 10]), &mut out)
        .unwrap();
    assert_eq!(out, [binary(&[0; 1000])]);
    assert_eq!(decoder.buffered_capacity(), 0);
}

// --- Splits -----------------------------------------------------------

/// Text, binary, a ping and a pong between fragments, a 16-bit length, and
/// a close.
fn sequence() -> (Vec<u8>, Vec<Message>) {
    let long: Vec<u8> = (0..300).map(|i| (i % 256) as u8).collect();
    let bytes = concat(&[
        frame(true, Opcode::Text, "plain ✓".as_bytes()),
        frame(false, Opcode::Text, "frag".as_bytes()),
        frame(true, Opcode::Ping, b"between"),
        frame(false, Opcode::Continuation, &"mé".as_bytes()[..2]),
        frame(true, Opcode::Pong, b""),
        frame(true, Opcode::Continuation, &"mé".as_bytes()[2..]),
        frame(true, Opcode::Binary, &long),
        frame(false, Opcode::Binary, b""),
        frame(true, Opcode::Continuation, b"\x00\x01"),
        frame(true, Opcode::Close, &close_payload(1000, b"done")),
    ]);
    let messages = vec![
        text("plain ✓"),
        Message::Ping(Bytes::from_static(b"between")),
        Message::Pong(Bytes::new()),
        text("fragmé"),
        binary(&long),
        binary(b"\x00\x01"),
        Message::Close(Some(CloseFrame {
            code: 1000,
            reason: "done".into(),
        })),
    ];
    (bytes, messages)
}

#[test]
fn a_sequence_fed_one_byte_at_a_time_decodes_like_one_feed() {
    let (bytes, messages) = sequence();
    assert_eq!(decode(&bytes), messages);
    let mut decoder = Decoder::new(LIMIT);
    let mut out = Vec::new();
    for byte in &bytes {
        decoder.feed(std::slice::from_ref(byte), &mut out).unwrap();
        assert!(decoder.buffered_capacity() <= 300 + 125);
    }
    assert_eq!(out, messages);
    assert!(decoder.is_idle());
    assert_eq!(decoder.buffered_capacity(), 0);
}

#[test]
fn a_sequence_cut_once_anywhere_decodes_like_one_feed() {
    let (bytes, messages) = sequence();
    for cut in 0..=bytes.len() {
        let mut decoder = Decoder::new(LIMIT);
        let mut out = Vec::new();
        decoder.feed(&bytes[..cut], &mut out).unwrap();
        decoder.feed(&bytes[cut..], &mut out).unwrap();
        assert_eq!(out, messages, "cut at {cut}");
        assert!(decoder.is_idle());
    }
}

#[test]
fn a_sequence_in_chunks_of_every_size_decodes_like_one_feed() {
    let (bytes, messages) = sequence();
    for chunk in 1..=bytes.len() {
        assert_eq!(
            decode_chunked(&bytes, chunk, LIMIT),
            (messages.clone(), Ok(())),
            "chunk {chunk}"
        );
    }
}

#[test]
fn empty_feeds_change_nothing() {
    let (bytes, messages) = sequence();
    let mut decoder = Decoder::new(LIMIT);
    let mut out = Vec::new();
    for byte in &bytes {
        decoder.feed(&[], &mut out).unwrap();
        decoder.feed(std::slice::from_ref(byte), &mut out).unwrap();
    }
    assert_eq!(out, messages);
}

// --- Errors -----------------------------------------------------------

#[test]
fn close_codes_of_errors() {
    assert_eq!(WsError::Protocol("x").close_code(), 1002);
    assert_eq!(WsError::InvalidUtf8.close_code(), 1007);
    assert_eq!(WsError::TooBig { limit: 1 }.close_code(), 1009);
    assert_eq!(
        WsError::TooBig { limit: 10 }.to_string(),
        "WebSocket message larger than 10 bytes"
    );
}

// --- Encoding ---------------------------------------------------------

#[test]
fn frame_header_uses_the_shortest_length() {
    let mut header = [0; 10];
    assert_eq!(frame_header(&mut header, Opcode::Text, 0), 2);
    assert_eq!(header[..2], [0x81, 0]);
    assert_eq!(frame_header(&mut header, Opcode::Binary, 125), 2);
    assert_eq!(header[..2], [0x82, 125]);
    assert_eq!(frame_header(&mut header, Opcode::Binary, 126), 4);
    assert_eq!(header[..4], [0x82, 126, 0, 126]);
    assert_eq!(frame_header(&mut header, Opcode::Text, 65535), 4);
    assert_eq!(header[..4], [0x81, 126, 0xff, 0xff]);
    assert_eq!(frame_header(&mut header, Opcode::Binary, 65536), 10);
    assert_eq!(header, [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    assert_eq!(frame_header(&mut header, Opcode::Ping, 3), 2);
    assert_eq!(header[..2], [0x89, 3]);
    assert_eq!(frame_header(&mut header, Opcode::Pong, 3), 2);
    assert_eq!(header[..2], [0x8a, 3]);
}

#[test]
fn encode_frame_writes_header_and_payload_unmasked() {
    let mut out = vec![0xaa];
    encode_frame(&mut out, Opcode::Text, b"hi");
    assert_eq!(out, [0xaa, 0x81, 2, b'h', b'i']);
}

/// Masks a server frame as a client would (`encode_frame` output is
/// unmasked), so the decoder can read it back.
fn mask_server_frame(frame: &[u8], key: [u8; 4]) -> Vec<u8> {
    let header_len = match frame[1] {
        126 => 4,
        127 => 10,
        _ => 2,
    };
    let mut out = frame[..header_len].to_vec();
    out[1] |= 0x80;
    out.extend_from_slice(&key);
    out.extend(
        frame[header_len..]
            .iter()
            .enumerate()
            .map(|(i, byte)| byte ^ key[i % 4]),
    );
    out
}

#[test]
fn encoded_frames_round_trip_through_the_decoder_once_masked() {
    for len in [0, 5, 125, 126, 65535, 65536] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 97) as u8).collect();
        let mut out = Vec::new();
        encode_frame(&mut out, Opcode::Binary, &payload);
        assert_eq!(decode(&mask_server_frame(&out, MASK)), [binary(&payload)]);
    }
    let mut out = Vec::new();
    encode_frame(&mut out, Opcode::Ping, b"ping");
    encode_close(&mut out, 1001, "going away");
    let masked = concat(&[mask_server_frame(&out[..6], MASK), mask_server_frame(&out[6..], MASK)]);
    assert_eq!(
        decode(&masked),
        [
            Message::Ping(Bytes::from_static(b"ping")),
            Message::Close(Some(CloseFrame {
                code: 1001,
                reason: "going away".into()
            }))
        ]
    );
}

#[test]
fn encode_close_writes_code_and_reason() {
    let mut out = Vec::new();
    encode_close(&mut out, 1009, "too big");
    assert_eq!(out, [0x88, 9, 0x03, 0xf1, b't', b'o', b'o', b' ', b'b', b'i', b'g']);
    let mut out = Vec::new();
    encode_close(&mut out, 1000, "");
    assert_eq!(out, [0x88, 2, 0x03, 0xe8]);
}

#[test]
fn encode_close_truncates_the_reason_on_a_char_boundary() {
    let mut out = Vec::new();
    encode_close(&mut out, 1000, &"a".repeat(200));
    assert_eq!(out.len(), 2 + 125);
    assert_eq!(out[1], 125);
    // 'é' is 2 bytes: 61 fit in 123, the 62nd would cut it.
    let mut out = Vec::new();
    encode_close(&mut out, 1000, &"é".repeat(100));
    assert_eq!(out[1], 2 + 122);
    assert_eq!(std::str::from_utf8(&out[4..]).unwrap(), "é".repeat(61));
    // A 4-byte char straddling byte 123.
    let reason = format!("{}🦀", "a".repeat(121));
    let mut out = Vec::new();
    encode_close(&mut out, 1000, &reason);
    assert_eq!(std::str::from_utf8(&out[4..]).unwrap(), "a".repeat(121));
    // Exactly 123 bytes stays whole.
    let reason = format!("{}🦀", "a".repeat(119));
    let mut out = Vec::new();
    encode_close(&mut out, 1000, &reason);
    assert_eq!(std::str::from_utf8(&out[4..]).unwrap(), reason);
}

#[test]
fn opcodes_round_trip_their_codes() {
    for opcode in [
        Opcode::Continuation,
        Opcode::Text,
        Opcode::Binary,
        Opcode::Close,
        Opcode::Ping,
        Opcode::Pong,
    ] {
        assert_eq!(Opcode::from_code(opcode.code()), Some(opcode));
        assert_eq!(opcode.is_control(), opcode.code() >= 8);
    }
    assert_eq!(Opcode::from_code(16), None);
}
