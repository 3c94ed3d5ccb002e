//! The conformance server's events on `/`: `message` is answered with
//! `message-back` carrying exactly the received arguments, and
//! `message-with-ack` is acknowledged with exactly them, binary included,
//! over WebSocket and polling.

mod conformance_support;

use conformance_support::{ConformanceServer, Transport, Wire, bytes, text_of};
use sio::Value;
use sio::core::engine::Packet as EnginePacket;
use sio::core::socketio::{Packet, PacketData};

/// A session connected to `/`, past the `auth` event.
async fn connected(server: &ConformanceServer, transport: Transport) -> Wire {
    let mut wire = server.open(transport).await;
    wire.send_text("40").await;
    assert!(matches!(wire.next_packet().await.data, PacketData::Connect(Some(_))));
    assert_eq!(text_of(&wire.next_message().await), r#"42["auth",{}]"#);
    wire
}

/// (sent, expected answer): text packets compared byte for byte.
const TEXT_CASES: [(&str, &str); 5] = [
    (
        r#"42["message",1,"2",{"3":[true]}]"#,
        r#"42["message-back",1,"2",{"3":[true]}]"#,
    ),
    (r#"42["message"]"#, r#"42["message-back"]"#),
    (
        r#"42["message",-1.5,0,9007199254740993,"é😀 \"q\" \\ \n",null,[],{},{"a":{"b":[[],{"c":null}]}}]"#,
        r#"42["message-back",-1.5,0,9007199254740993,"é😀 \"q\" \\ \n",null,[],{},{"a":{"b":[[],{"c":null}]}}]"#,
    ),
    (
        r#"421["message-with-ack",1,"2",{"3":[true]}]"#,
        r#"431[1,"2",{"3":[true]}]"#,
    ),
    (r#"4217["message-with-ack"]"#, "4317[]"),
];

async fn text_arguments_come_back_exactly(transport: Transport) {
    let server = ConformanceServer::start().await;
    let mut wire = connected(&server, transport).await;
    for (sent, answer) in TEXT_CASES {
        wire.send_text(sent).await;
        assert_eq!(text_of(&wire.next_message().await), answer, "answer to {sent}");
    }
}

#[tokio::test]
async fn text_arguments_come_back_exactly_over_websocket() {
    text_arguments_come_back_exactly(Transport::WebSocket).await;
}

#[tokio::test]
async fn text_arguments_come_back_exactly_over_polling() {
    text_arguments_come_back_exactly(Transport::Polling).await;
}

async fn one_attachment_comes_back_exactly(transport: Transport) {
    let server = ConformanceServer::start().await;
    let mut wire = connected(&server, transport).await;
    let attachment = EnginePacket::Binary(bytes(&[1, 2, 3]));
    for (sent, answer) in [
        (
            r#"451-["message",{"_placeholder":true,"num":0}]"#,
            r#"451-["message-back",{"_placeholder":true,"num":0}]"#,
        ),
        (
            r#"451-13["message-with-ack",{"_placeholder":true,"num":0}]"#,
            r#"461-13[{"_placeholder":true,"num":0}]"#,
        ),
    ] {
        let frames = [EnginePacket::Message(sent[1..].to_owned().into()), attachment.clone()];
        wire.send(&frames.map(|packet| packet.encode())).await;
        assert_eq!(text_of(&wire.next_message().await), answer, "answer to {sent}");
        assert_eq!(
            wire.next_message().await,
            attachment,
            "attachment of the answer to {sent}"
        );
    }
}

#[tokio::test]
async fn one_attachment_comes_back_exactly_over_websocket() {
    one_attachment_comes_back_exactly(Transport::WebSocket).await;
}

#[tokio::test]
async fn one_attachment_comes_back_exactly_over_polling() {
    one_attachment_comes_back_exactly(Transport::Polling).await;
}

/// Three attachments, one empty, nested in objects and arrays.
fn nested_binary_args() -> Vec<Value> {
    let object: Value = [
        ("name", Value::from("file \u{1F4C4}")),
        ("data", Value::Binary(bytes(&[0, 255, 10, 13]))),
        (
            "parts",
            Value::Array(vec![
                Value::Binary(bytes(&[])),
                Value::from(2),
                Value::Binary(bytes(&[7; 300])),
            ]),
        ),
    ]
    .into_iter()
    .collect();
    vec![Value::from(1), object, Value::Null]
}

async fn nested_attachments_come_back_exactly(transport: Transport) {
    let server = ConformanceServer::start().await;
    let mut wire = connected(&server, transport).await;

    wire.send_packet(&Packet::event("/", "message", nested_binary_args(), None))
        .await;
    let back = wire.next_packet().await;
    assert_eq!(back, Packet::event("/", "message-back", nested_binary_args(), None));

    wire.send_packet(&Packet::event("/", "message-with-ack", nested_binary_args(), Some(42)))
        .await;
    let ack = wire.next_packet().await;
    assert_eq!(ack, Packet::ack("/", nested_binary_args(), 42));
}

#[tokio::test]
async fn nested_attachments_come_back_exactly_over_websocket() {
    nested_attachments_come_back_exactly(Transport::WebSocket).await;
}

#[tokio::test]
async fn nested_attachments_come_back_exactly_over_polling() {
    nested_attachments_come_back_exactly(Transport::Polling).await;
}
