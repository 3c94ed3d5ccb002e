//! Criterion micro-benchmarks of the sio-core codecs: Engine.IO packets,
//! the long-polling payload, and Socket.IO packets with and without binary
//! attachments.
//!
//! ```text
//! cargo bench -p sio-bench --bench codecs
//! ```

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_main};
use sio_core::engine::{Frame, Packet as EnginePacket, payload};
use sio_core::socketio::{Decoder, Packet};
use sio_core::value::parse_json;
use sio_core::{Str, Value};

/// A typical chat event, as a client sends it (with an ack id).
const EVENT: &str =
    r#"2["chat_message",{"text":"hello, how are you today?","user":"alice","room":"lobby","ts":1700000000123}]"#;
/// A BINARY_EVENT with one attachment.
const BINARY_EVENT: &str = r#"51-["upload",{"name":"photo.png","data":{"_placeholder":true,"num":0}}]"#;

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    let message = Str::from(format!("4{EVENT}"));
    group.throughput(Throughput::Bytes(message.len() as u64));
    group.bench_function("decode_text/message", |b| {
        b.iter(|| EnginePacket::decode_text(black_box(message.clone())))
    });
    group.bench_function("decode_text/ping", |b| {
        b.iter(|| EnginePacket::decode_text(black_box(Str::from_static("2"))))
    });
    let packet = EnginePacket::Message(Str::from(EVENT.to_owned()));
    group.bench_function("encode/message", |b| b.iter(|| black_box(&packet).encode()));
    group.finish();
}

fn polling(c: &mut Criterion) {
    let mut group = c.benchmark_group("polling_payload");
    // Ten events, as a busy polling client batches them, and one binary
    // record.
    let mut frames: Vec<Frame> = (0..10)
        .map(|i| Frame::Text(Str::from(format!("42{i}{}", &EVENT[1..]))))
        .collect();
    frames.push(Frame::Binary(Bytes::from(vec![7u8; 256])));
    let body = payload::encode(&frames);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("decode/10_text_1_binary", |b| {
        b.iter(|| payload::decode(black_box(body.clone())))
    });
    group.bench_function("encode/10_text_1_binary", |b| {
        b.iter(|| payload::encode(black_box(&frames)))
    });
    group.finish();
}

fn socketio(c: &mut Criterion) {
    let mut group = c.benchmark_group("socketio");
    let text = Str::from(EVENT.to_owned());
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("decode/event", |b| {
        let mut decoder = Decoder::default();
        b.iter(|| decoder.decode_text(black_box(text.clone())))
    });
    let binary_text = Str::from(BINARY_EVENT.to_owned());
    let attachment = Bytes::from(vec![0xab_u8; 1024]);
    group.bench_function("decode/binary_event_1k", |b| {
        let mut decoder = Decoder::default();
        b.iter(|| {
            let first = decoder.decode_text(black_box(binary_text.clone()));
            let second = decoder.decode_binary(black_box(attachment.clone()));
            (first, second)
        })
    });

    let arg = parse_json(r#"{"text":"hello, how are you today?","user":"alice","room":"lobby","ts":1700000000123}"#)
        .expect("valid JSON");
    let event = Packet::event("/", "chat_message", vec![arg.clone()], Some(17));
    group.bench_function("encode/event", |b| b.iter(|| black_box(&event).encode()));
    let mut with_binary = arg;
    if let Value::Object(map) = &mut with_binary {
        map.insert("data".to_owned(), Value::Binary(Bytes::from(vec![0xab_u8; 1024])));
    }
    let binary_event = Packet::event("/", "upload", vec![with_binary], None);
    group.bench_function("encode/binary_event_1k", |b| {
        b.iter(|| black_box(&binary_event).encode())
    });
    group.finish();
}

mod group {
    // `criterion_group!` defines an undocumented `pub fn`.
    #![allow(missing_docs)]
    use super::{engine, polling, socketio};
    criterion::criterion_group!(benches, engine, polling, socketio);
}
criterion_main!(group::benches);
