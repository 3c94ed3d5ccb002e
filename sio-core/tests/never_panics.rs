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
    fn socketio_decoder_never_panics_on_message_sequences(messages in vec(message(), 1..6)) {
        fuzz_targets::socketio_messages(messages);
    }
}
