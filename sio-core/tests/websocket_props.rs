//! Property tests of the WebSocket codec: valid client frames decode to the
//! messages they carry however they are fragmented, masked and cut into
//! reads; random frame sequences decode as a frame-level model of RFC 6455
//! says; arbitrary bytes never panic and never depend on the split; and
//! what the server encodes parses back.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use sio_core::Str;
use sio_core::websocket::{
    CloseFrame, Decoder, MAX_CLOSE_REASON, Message, Opcode, WsError, encode_close, encode_frame, frame_header,
};

const LIMIT: usize = 1 << 20;

// --- Building client frames -------------------------------------------

/// A client frame, possibly invalid.
#[derive(Debug, Clone)]
struct ClientFrame {
    /// FIN, RSV1-3 and the opcode.
    first: u8,
    /// `None`: unmasked.
    mask: Option<[u8; 4]>,
    /// 0: shortest length encoding, 1: at least 16 bits, 2: 64 bits.
    length_form: u8,
    payload: Vec<u8>,
}

impl ClientFrame {
    fn write(&self, out: &mut Vec<u8>) {
        let len = self.payload.len();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        out.push(self.first);
        if len <= 125 && self.length_form == 0 {
            out.push(mask_bit | len as u8);
        } else if len <= 0xffff && self.length_form < 2 {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
        match self.mask {
            Some(key) => {
                out.extend_from_slice(&key);
                out.extend(self.payload.iter().enumerate().map(|(i, byte)| byte ^ key[i % 4]));
            }
            None => out.extend_from_slice(&self.payload),
        }
    }

    fn fin(&self) -> bool {
        self.first & 0x80 != 0
    }
}

fn to_bytes(frames: &[ClientFrame]) -> Vec<u8> {
    let mut out = Vec::new();
    for frame in frames {
        frame.write(&mut out);
    }
    out
}

/// The masking key and length form of one frame.
type FrameStyle = ([u8; 4], u8);

fn frame_style() -> impl Strategy<Value = FrameStyle> {
    (any::<[u8; 4]>(), 0..3u8)
}

/// Cuts `bytes` at the positions `cuts` picks.
fn pieces<'a>(bytes: &'a [u8], cuts: &[Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
    at.push(0);
    at.push(bytes.len());
    at.sort_unstable();
    at.windows(2).map(|w| &bytes[w[0]..w[1]]).collect()
}

/// Feeds `pieces` in order, checking the memory bound after each; stops at
/// the first error.
fn feed_pieces(pieces: &[&[u8]], limit: usize) -> (Vec<Message>, Result<(), WsError>, Decoder) {
    let mut decoder = Decoder::new(limit);
    let mut out = Vec::new();
    for piece in pieces {
        let result = decoder.feed(piece, &mut out);
        assert!(
            decoder.buffered_capacity() <= limit.saturating_add(125),
            "{} bytes buffered with a limit of {limit}",
            decoder.buffered_capacity()
        );
        if result.is_err() {
            assert_eq!(decoder.buffered_capacity(), 0, "buffers kept after an error");
            return (out, result, decoder);
        }
    }
    (out, Ok(()), decoder)
}

// --- Valid messages ---------------------------------------------------

fn close_code() -> impl Strategy<Value = u16> {
    prop_oneof![1000..=1003u16, 1007..=1014u16, 3000..=4999u16]
}

fn control_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        vec(any::<u8>(), 0..=125).prop_map(|p| Message::Ping(Bytes::from(p))),
        vec(any::<u8>(), 0..=125).prop_map(|p| Message::Pong(Bytes::from(p))),
        Just(Message::Close(None)),
        (close_code(), "\\PC{0,30}").prop_map(|(code, reason)| Message::Close(Some(CloseFrame { code, reason }))),
    ]
}

/// Deterministic filler for large payloads (random vectors of 60 KiB are
/// slow to generate and shrink).
fn filler(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| seed ^ (i.wrapping_mul(31) >> 3) as u8).collect()
}

fn data_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        6 => any::<String>().prop_map(|s| Message::Text(Str::from(s))),
        1 => ("\\PC{0,8}", 126..70_000usize).prop_map(|(s, n)| Message::Text(Str::from(s.repeat(n / s.len().max(1)).to_string()))),
        6 => vec(any::<u8>(), 0..300).prop_map(|p| Message::Binary(Bytes::from(p))),
        1 => (any::<u8>(), 60_000..70_000usize).prop_map(|(seed, len)| Message::Binary(Bytes::from(filler(seed, len)))),
    ]
}

/// One message of a test stream: a data message with where its payload is
/// cut into fragments and which control messages come between them, or a
/// control message alone.
#[derive(Debug, Clone)]
enum Item {
    Data {
        message: Message,
        cuts: Vec<Index>,
        between: Vec<(Index, Message)>,
    },
    Control(Message),
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        3 => (data_message(), vec(any::<Index>(), 0..5), vec((any::<Index>(), control_message()), 0..3))
            .prop_map(|(message, cuts, between)| Item::Data { message, cuts, between }),
        1 => control_message().prop_map(Item::Control),
    ]
}

/// The opcode and payload of a control message.
fn control_frame(message: &Message) -> (Opcode, Vec<u8>) {
    match message {
        Message::Ping(payload) => (Opcode::Ping, payload.to_vec()),
        Message::Pong(payload) => (Opcode::Pong, payload.to_vec()),
        Message::Close(None) => (Opcode::Close, Vec::new()),
        Message::Close(Some(close)) => {
            let mut payload = close.code.to_be_bytes().to_vec();
            payload.extend_from_slice(close.reason.as_bytes());
            (Opcode::Close, payload)
        }
        Message::Text(_) | Message::Binary(_) => unreachable!("not a control message"),
    }
}

/// The frames of `items`, styled by `styles` in turn, and the messages the
/// decoder must return, in order.
fn build(items: &[Item], styles: &[FrameStyle]) -> (Vec<ClientFrame>, Vec<Message>) {
    let mut styles = styles.iter().cycle();
    let mut frame = |fin: bool, opcode: Opcode, payload: Vec<u8>| {
        let &(mask, length_form) = styles.next().unwrap();
        ClientFrame {
            first: if fin { 0x80 } else { 0 } | opcode.code(),
            mask: Some(mask),
            length_form,
            payload,
        }
    };
    let mut frames = Vec::new();
    let mut messages = Vec::new();
    for item in items {
        match item {
            Item::Control(message) => {
                let (opcode, payload) = control_frame(message);
                frames.push(frame(true, opcode, payload));
                messages.push(message.clone());
            }
            Item::Data { message, cuts, between } => {
                let (opcode, payload) = match message {
                    Message::Text(text) => (Opcode::Text, text.as_bytes().to_vec()),
                    Message::Binary(data) => (Opcode::Binary, data.to_vec()),
                    _ => unreachable!("not a data message"),
                };
                let fragments = pieces(&payload, cuts);
                let last = fragments.len() - 1;
                // How many fragments precede each control message: between
                // two fragments, or before the only one.
                let slot = |index: &Index| if last == 0 { 0 } else { index.index(last) + 1 };
                for (i, fragment) in fragments.iter().enumerate() {
                    for (_, control) in between.iter().filter(|(index, _)| slot(index) == i) {
                        let (opcode, payload) = control_frame(control);
                        frames.push(frame(true, opcode, payload));
                        messages.push(control.clone());
                    }
                    let opcode = if i == 0 { opcode } else { Opcode::Continuation };
                    frames.push(frame(i == last, opcode, fragment.to_vec()));
                }
                messages.push(message.clone());
            }
        }
    }
    (frames, messages)
}

// --- A frame-level model ----------------------------------------------

/// What RFC 6455 says a server reads from `frames` (whole frames, no
/// splits), with errors compared by close code.
/// Also says whether a fragmented message is pending at the end.
fn model(frames: &[ClientFrame], limit: usize) -> (Vec<Message>, Result<(), u16>, bool) {
    let mut out = Vec::new();
    let mut fragmented: Option<(Opcode, Vec<u8>)> = None;
    for frame in frames {
        let protocol = Err(1002);
        if frame.first & 0x70 != 0 {
            return (out, protocol, fragmented.is_some());
        }
        let Some(opcode) = Opcode::from_code(frame.first & 0x0f) else {
            return (out, protocol, fragmented.is_some());
        };
        if opcode.is_control() && !frame.fin() {
            return (out, protocol, fragmented.is_some());
        }
        match (opcode, &fragmented) {
            (Opcode::Continuation, None) | (Opcode::Text | Opcode::Binary, Some(_)) => {
                return (out, protocol, fragmented.is_some());
            }
            _ => {}
        }
        if frame.mask.is_none() {
            return (out, protocol, fragmented.is_some());
        }
        let payload = frame.payload.clone();
        if opcode.is_control() {
            if payload.len() > 125 {
                return (out, protocol, fragmented.is_some());
            }
            out.push(match opcode {
                Opcode::Ping => Message::Ping(Bytes::from(payload)),
                Opcode::Pong => Message::Pong(Bytes::from(payload)),
                _ => match payload.len() {
                    0 => Message::Close(None),
                    1 => return (out, protocol, fragmented.is_some()),
                    _ => {
                        let code = u16::from_be_bytes([payload[0], payload[1]]);
                        let allowed = (1000..=1003).contains(&code)
                            || (1007..=1014).contains(&code)
                            || (3000..=4999).contains(&code);
                        if !allowed {
                            return (out, protocol, fragmented.is_some());
                        }
                        let Ok(reason) = String::from_utf8(payload[2..].to_vec()) else {
                            return (out, Err(1007), fragmented.is_some());
                        };
                        Message::Close(Some(CloseFrame { code, reason }))
                    }
                },
            });
            continue;
        }
        let (kind, mut data) = fragmented.take().unwrap_or((opcode, Vec::new()));
        if data.len() + payload.len() > limit {
            return (out, Err(1009), fragmented.is_some());
        }
        data.extend_from_slice(&payload);
        if !frame.fin() {
            fragmented = Some((kind, data));
            continue;
        }
        out.push(if kind == Opcode::Text {
            match String::from_utf8(data) {
                Ok(text) => Message::Text(Str::from(text)),
                Err(_) => return (out, Err(1007), fragmented.is_some()),
            }
        } else {
            Message::Binary(Bytes::from(data))
        });
    }
    (out, Ok(()), fragmented.is_some())
}

/// A frame that is usually valid on its own (the sequence may still break
/// the fragmentation rules), sometimes not.
fn random_frame() -> impl Strategy<Value = ClientFrame> {
    let opcode = prop_oneof![
        3 => Just(0u8), 3 => Just(1u8), 3 => Just(2u8),
        1 => Just(8u8), 2 => Just(9u8), 1 => Just(10u8),
        1 => 3..=7u8, 1 => 11..=15u8,
    ];
    let rsv = prop_oneof![20 => Just(0u8), 1 => Just(0x40u8), 1 => Just(0x20u8), 1 => Just(0x10u8)];
    let mask = prop_oneof![30 => any::<[u8; 4]>().prop_map(Some), 1 => Just(None)];
    let payload = prop_oneof![
        6 => vec(any::<u8>(), 0..40),
        2 => "\\PC{0,10}".prop_map(String::into_bytes),
        2 => (close_code(), "\\PC{0,5}").prop_map(|(code, reason)| {
            let mut payload = code.to_be_bytes().to_vec();
            payload.extend_from_slice(reason.as_bytes());
            payload
        }),
        1 => prop_oneof![
            any::<u16>(),
            prop::sample::select(vec![999u16, 1000, 1003, 1004, 1005, 1006, 1007, 1014, 1015, 1016, 2999, 3000, 4999, 5000]),
        ].prop_map(|code| code.to_be_bytes().to_vec()),
        1 => vec(any::<u8>(), 120..140),
    ];
    (any::<bool>(), rsv, opcode, mask, 0..3u8, payload).prop_map(|(fin, rsv, opcode, mask, length_form, payload)| {
        ClientFrame {
            first: if fin { 0x80 } else { 0 } | rsv | opcode,
            mask,
            length_form,
            payload,
        }
    })
}

// --- Server frames ----------------------------------------------------

/// Parses one server frame: FIN, opcode, payload, and the bytes it took.
/// Checks it is unmasked, has FIN and no reserved bits, and uses the
/// shortest length encoding.
fn parse_server_frame(bytes: &[u8]) -> (Opcode, &[u8], usize) {
    assert_eq!(bytes[0] & 0xf0, 0x80, "FIN set, RSV clear");
    let opcode = Opcode::from_code(bytes[0] & 0x0f).unwrap();
    assert_eq!(bytes[1] & 0x80, 0, "server frames are unmasked");
    let (len, header) = match bytes[1] {
        126 => (usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), 4),
        127 => (u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize, 10),
        len => (usize::from(len), 2),
    };
    let minimal = match header {
        2 => len <= 125,
        4 => (126..=0xffff).contains(&len),
        _ => len > 0xffff,
    };
    assert!(minimal, "length {len} in a {header}-byte header");
    (opcode, &bytes[header..header + len], header + len)
}

/// Masks a server frame as a client would, for the decoder.
fn masked(bytes: &[u8], key: [u8; 4]) -> Vec<u8> {
    let (opcode, payload, _) = parse_server_frame(bytes);
    let frame = ClientFrame {
        first: 0x80 | opcode.code(),
        mask: Some(key),
        length_form: 0,
        payload: payload.to_vec(),
    };
    to_bytes(&[frame])
}

fn server_payload() -> impl Strategy<Value = (Opcode, Vec<u8>)> {
    prop_oneof![
        4 => any::<String>().prop_map(|s| (Opcode::Text, s.into_bytes())),
        4 => vec(any::<u8>(), 0..300).prop_map(|p| (Opcode::Binary, p)),
        1 => (any::<u8>(), 65_000..70_000usize).prop_map(|(seed, len)| (Opcode::Binary, filler(seed, len))),
        2 => vec(any::<u8>(), 0..=125).prop_map(|p| (Opcode::Ping, p)),
        2 => vec(any::<u8>(), 0..=125).prop_map(|p| (Opcode::Pong, p)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_frames_in_any_split_decode_to_the_original_messages(
        items in vec(item(), 0..8),
        styles in vec(frame_style(), 1..16),
        cuts in vec(any::<Index>(), 0..24),
    ) {
        let (frames, messages) = build(&items, &styles);
        let bytes = to_bytes(&frames);

        let (out, result, decoder) = feed_pieces(&[&bytes], LIMIT);
        prop_assert_eq!(result, Ok(()));
        prop_assert_eq!(&out, &messages);
        prop_assert!(decoder.is_idle());
        prop_assert_eq!(decoder.buffered_capacity(), 0);

        let (out, result, decoder) = feed_pieces(&pieces(&bytes, &cuts), LIMIT);
        prop_assert_eq!(result, Ok(()));
        prop_assert_eq!(&out, &messages);
        prop_assert!(decoder.is_idle());
        prop_assert_eq!(decoder.buffered_capacity(), 0);
    }

    #[test]
    fn random_frames_in_any_split_decode_as_the_model_says(
        frames in vec(random_frame(), 0..12),
        limit in prop_oneof![Just(LIMIT), 0..80usize, 200..400usize],
        cuts in vec(any::<Index>(), 0..16),
    ) {
        let (expected, expected_result, _) = model(&frames, limit);
        let bytes = to_bytes(&frames);
        for pieces in [vec![&bytes[..]], pieces(&bytes, &cuts)] {
            let (out, result, _) = feed_pieces(&pieces, limit);
            prop_assert_eq!(&out, &expected);
            prop_assert_eq!(result.map_err(|error| error.close_code()), expected_result);
        }
    }

    #[test]
    fn close_frames_decode_as_the_model_says(
        code in prop_oneof![
            any::<u16>(),
            close_code(),
            prop::sample::select(vec![0u16, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]),
        ],
        reason in prop_oneof!["\\PC{0,20}".prop_map(String::into_bytes), vec(any::<u8>(), 0..20)],
        short in prop_oneof![8 => Just(None), 1 => Just(Some(0usize)), 1 => Just(Some(1usize))],
        key in any::<[u8; 4]>(),
        cuts in vec(any::<Index>(), 0..6),
    ) {
        let mut payload = code.to_be_bytes().to_vec();
        payload.extend_from_slice(&reason);
        // Or an empty or 1-byte payload.
        if let Some(len) = short {
            payload.truncate(len);
        }
        let frames = [ClientFrame { first: 0x88, mask: Some(key), length_form: 0, payload }];
        let (expected, expected_result, _) = model(&frames, LIMIT);
        let bytes = to_bytes(&frames);
        let (out, result, _) = feed_pieces(&pieces(&bytes, &cuts), LIMIT);
        prop_assert_eq!(out, expected);
        prop_assert_eq!(result.map_err(|error| error.close_code()), expected_result);
    }

    #[test]
    fn a_fragmented_message_never_holds_more_than_the_limit(
        sizes in vec(0..200usize, 1..20),
        limit in 0..2500usize,
        styles in vec(frame_style(), 1..8),
        cuts in vec(any::<Index>(), 0..24),
    ) {
        let mut styles = styles.iter().cycle();
        let last = sizes.len() - 1;
        let frames: Vec<ClientFrame> = sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| {
                let &(mask, length_form) = styles.next().unwrap();
                let fin = if i == last { 0x80 } else { 0 };
                let opcode = if i == 0 { 0x2 } else { 0x0 };
                ClientFrame { first: fin | opcode, mask: Some(mask), length_form, payload: filler(i as u8, size) }
            })
            .collect();
        let bytes = to_bytes(&frames);
        let mut decoder = Decoder::new(limit);
        let mut out = Vec::new();
        let mut result = Ok(());
        for piece in pieces(&bytes, &cuts) {
            result = decoder.feed(piece, &mut out);
            prop_assert!(decoder.buffered_capacity() <= limit, "{} > {}", decoder.buffered_capacity(), limit);
            if result.is_err() {
                break;
            }
        }
        let total: usize = sizes.iter().sum();
        if total <= limit {
            prop_assert_eq!(result, Ok(()));
            let whole: Vec<u8> = frames.iter().flat_map(|frame| frame.payload.clone()).collect();
            prop_assert_eq!(out, vec![Message::Binary(Bytes::from(whole))]);
        } else {
            prop_assert_eq!(result, Err(WsError::TooBig { limit }));
            prop_assert!(out.is_empty());
        }
        prop_assert_eq!(decoder.buffered_capacity(), 0);
    }

    #[test]
    fn a_huge_declared_length_fails_from_the_header_alone(
        before in vec(random_frame(), 0..4),
        declared in prop_oneof![(1u64 << 32)..(1u64 << 63), (1u64 << 63)..=u64::MAX],
        with_mask in any::<bool>(),
        cuts in vec(any::<Index>(), 0..8),
    ) {
        let (expected, expected_result, fragmented) = model(&before, LIMIT);
        let mut bytes = to_bytes(&before);
        bytes.extend_from_slice(&[0x82, 0x80 | 127]);
        bytes.extend_from_slice(&declared.to_be_bytes());
        if with_mask {
            bytes.extend_from_slice(&[1, 2, 3, 4]);
        }
        let (out, result, decoder) = feed_pieces(&pieces(&bytes, &cuts), LIMIT);
        prop_assert_eq!(&out, &expected);
        let expected_code = match expected_result {
            // An error before the huge frame comes first.
            Err(code) => code,
            // A new data frame inside a fragmented message, or the top bit.
            Ok(()) if fragmented || declared >> 63 != 0 => 1002,
            Ok(()) => 1009,
        };
        prop_assert_eq!(result.map_err(|error| error.close_code()), Err(expected_code));
        prop_assert_eq!(decoder.buffered_capacity(), 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_do_not_depend_on_the_split(
        bytes in vec(any::<u8>(), 0..256),
        limit in prop_oneof![Just(LIMIT), 0..64usize],
        cuts in vec(any::<Index>(), 0..16),
    ) {
        let (out, result, _) = feed_pieces(&[&bytes], limit);
        let (split_out, split_result, _) = feed_pieces(&pieces(&bytes, &cuts), limit);
        prop_assert_eq!(split_out, out);
        prop_assert_eq!(split_result, result);
    }

    #[test]
    fn damaged_valid_streams_never_panic_and_do_not_depend_on_the_split(
        items in vec(item(), 1..4),
        styles in vec(frame_style(), 1..8),
        damage in vec((any::<Index>(), any::<u8>()), 1..4),
        cuts in vec(any::<Index>(), 0..16),
    ) {
        let (frames, _) = build(&items, &styles);
        let mut bytes = to_bytes(&frames);
        for (at, byte) in damage {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        let (out, result, _) = feed_pieces(&[&bytes], LIMIT);
        let (split_out, split_result, _) = feed_pieces(&pieces(&bytes, &cuts), LIMIT);
        prop_assert_eq!(split_out, out);
        prop_assert_eq!(split_result, result);
    }

    #[test]
    fn encoded_frames_parse_back_and_decode_once_masked(
        frames in vec(server_payload(), 1..6),
        key in any::<[u8; 4]>(),
    ) {
        let mut out = Vec::new();
        for (opcode, payload) in &frames {
            let start = out.len();
            encode_frame(&mut out, *opcode, payload);
            let mut header = [0; 10];
            let n = frame_header(&mut header, *opcode, payload.len());
            prop_assert_eq!(&out[start..start + n], &header[..n]);
            prop_assert_eq!(out.len(), start + n + payload.len());
        }
        let mut rest = &out[..];
        let mut client_bytes = Vec::new();
        for (opcode, payload) in &frames {
            let (parsed_opcode, parsed, used) = parse_server_frame(rest);
            prop_assert_eq!(parsed_opcode, *opcode);
            prop_assert_eq!(parsed, &payload[..]);
            client_bytes.extend_from_slice(&masked(&rest[..used], key));
            rest = &rest[used..];
        }
        prop_assert!(rest.is_empty());
        let expected: Vec<Message> = frames
            .iter()
            .map(|(opcode, payload)| match opcode {
                Opcode::Text => Message::Text(Str::from(String::from_utf8(payload.clone()).unwrap())),
                Opcode::Binary => Message::Binary(Bytes::from(payload.clone())),
                Opcode::Ping => Message::Ping(Bytes::from(payload.clone())),
                _ => Message::Pong(Bytes::from(payload.clone())),
            })
            .collect();
        let (decoded, result, _) = feed_pieces(&[&client_bytes], LIMIT);
        prop_assert_eq!(result, Ok(()));
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn encoded_close_frames_keep_the_longest_reason_prefix_that_fits(
        code in close_code(),
        reason in "\\PC{0,80}",
        key in any::<[u8; 4]>(),
    ) {
        let mut out = Vec::new();
        encode_close(&mut out, code, &reason);
        let (opcode, payload, used) = parse_server_frame(&out);
        prop_assert_eq!(opcode, Opcode::Close);
        prop_assert_eq!(used, out.len());
        prop_assert!(payload.len() <= 125);
        let kept = std::str::from_utf8(&payload[2..]).unwrap();
        prop_assert!(reason.starts_with(kept));
        prop_assert!(kept.len() <= MAX_CLOSE_REASON);
        // Nothing more would have fit.
        if let Some(next) = reason[kept.len()..].chars().next() {
            prop_assert!(kept.len() + next.len_utf8() > MAX_CLOSE_REASON);
        }
        let (decoded, result, _) = feed_pieces(&[&masked(&out, key)], LIMIT);
        prop_assert_eq!(result, Ok(()));
        prop_assert_eq!(decoded, vec![Message::Close(Some(CloseFrame { code, reason: kept.to_owned() }))]);
    }
}
