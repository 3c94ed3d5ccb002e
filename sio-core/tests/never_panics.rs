//! Property tests: no input makes a decoder panic, and what decodes
//! round-trips. The bodies are the fuzz targets' (`fuzz/src/lib.rs`), so
//! they also compile and run here, on stable Rust.

mod strategies;

#[allow(dead_code, unreachable_pub, missing_docs)]
#[path = "../fuzz/src/lib.rs"]
mod fuzz_targets;

use fuzz_targets::Message;
use proptest::collection::vec;
use proptest::prelude::*;

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        4 => strategies::socketio_ish_text().prop_map(Message::Text),
        1 => any::<String>().prop_map(Message::Text),
        2 => vec(any::<u8>(), 0..16).prop_map(Message::Binary),
    ]
}

/// Bytes shaped like a client WebSocket frame: a common first byte, a
/// masked 7-bit length (sometimes off by a little), a key, a payload.
fn frame_like() -> impl Strategy<Value = Vec<u8>> {
    let first = prop_oneof![
        4 => prop::sample::select(vec![0x81u8, 0x82, 0x01, 0x02, 0x00, 0x80, 0x88, 0x89, 0x8a]),
        1 => any::<u8>(),
    ];
    (
        first,
        vec(any::<u8>(), 0..40),
        any::<[u8; 4]>(),
        0..3usize,
        any::<bool>(),
    )
        .prop_map(|(first, payload, key, slack, masked)| {
            let declared = (payload.len() + slack).min(125) as u8;
            let mut frame = vec![first, if masked { 0x80 | declared } else { declared }];
            frame.extend_from_slice(&key);
            frame.extend(payload.iter().zip(key.iter().cycle()).map(|(byte, k)| byte ^ k));
            frame
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn engine_packet_decode_never_panics(data in vec(any::<u8>(), 0..64)) {
        fuzz_targets::engine_packet(&data);
    }

    #[test]
    fn engine_packet_decode_never_panics_on_typed_text(text in "[0-9b]\\PC{0,16}") {
        fuzz_targets::engine_packet(text.as_bytes());
    }

    #[test]
    fn polling_payload_decode_never_panics(data in vec(any::<u8>(), 0..64)) {
        fuzz_targets::polling_payload(&data);
    }

    #[test]
    fn polling_payload_decode_never_panics_on_records(
        records in vec("[0-6]\\PC{0,8}|b[A-Za-z0-9+/=]{0,12}", 1..5)
    ) {
        fuzz_targets::polling_payload(records.join("\u{1e}").as_bytes());
    }

    #[test]
    fn socketio_decoder_never_panics_on_bytes(data in vec(any::<u8>(), 0..128)) {
        fuzz_targets::socketio_decoder(&data);
    }

    #[test]
    fn socketio_decoder_never_panics_on_damaged_packets(packets in vec(strategies::mutated_packet(), 1..4)) {
        let messages = packets.into_iter().flat_map(|(text, attachments)| {
            std::iter::once(Message::Text(text))
                .chain(attachments.into_iter().map(|data| Message::Binary(data.to_vec())))
        });
        fuzz_targets::socketio_messages(messages);
    }

    #[test]
    fn websocket_decoder_never_panics_on_bytes(data in vec(any::<u8>(), 0..256)) {
        fuzz_targets::websocket_decoder(&data);
    }

    #[test]
    fn websocket_decoder_never_panics_on_frame_like_bytes(control in any::<u8>(), frames in vec(frame_like(), 0..8)) {
        let mut data = vec![control];
        for frame in frames {
            data.extend_from_slice(&frame);
        }
        fuzz_targets::websocket_decoder(&data);
    }

    #[test]
    fn socketio_attachments_follow_the_protocol(data in vec(any::<u8>(), 0..96)) {
        fuzz_targets::socketio_attachments(&data);
    }

    #[test]
    fn socketio_attachments_follow_the_protocol_on_programs(
        ops in vec((prop::sample::select(vec![0u8, 1, 2, 3, 7]), any::<u8>(), any::<u8>(), vec(any::<u8>(), 0..12)), 1..8)
    ) {
        // Mostly the generator's own opcodes, so most programs are binary
        // packets followed by attachments.
        let mut data = Vec::new();
        for (opcode, a, b, rest) in ops {
            data.extend([opcode, a, b]);
            data.extend(rest);
        }
        fuzz_targets::socketio_attachments(&data);
    }

    #[test]
    fn socketio_decoder_never_panics_on_message_sequences(messages in vec(message(), 1..6)) {
        fuzz_targets::socketio_messages(messages);
    }
}
