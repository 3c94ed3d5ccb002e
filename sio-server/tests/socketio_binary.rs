//! BINARY_EVENT and BINARY_ACK both ways: placeholders anywhere in the
//! JSON tree, attachments in order, and the limits on them.

mod socketio_support;

use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use sio_core::Value;
use sio_server::socketio::DisconnectReason;
use socketio_support::{
    Outgoing, RawClient, Setup, TestIo, Transport, binary_json, both_transports, placeholder, value, within,
};

both_transports!(
    client_binary_event_resolves_nested_placeholders,
    server_binary_event_sends_nested_attachments_in_order,
    binary_echo_round_trips,
    client_binary_ack_reaches_emit_with_ack,
    server_binary_ack_answers_the_client,
    more_attachments_than_the_limit_closes_the_session,
    attachments_over_the_size_limit_close_the_session,
);

fn bytes(data: &'static [u8]) -> Value {
    Value::from(Bytes::from_static(data))
}

/// Asserts that the client's session was closed for a parse error.
async fn assert_parse_error(io: &TestIo, client: &mut RawClient, socket_id: &str) {
    client.closed().await;
    let (reason, _) = io.disconnected(socket_id).await;
    assert_eq!(reason, DisconnectReason::ParseError);
}

async fn client_binary_event_resolves_nested_placeholders(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(transport, "/").await;
    let packet = json!(["bin", {"a": [placeholder(1)], "b": {"c": placeholder(0)}}, "text"]);
    client
        .send_binary_packet(&format!("52-{packet}"), &[&[0, 1, 2], &[255, 254]])
        .await;
    let (args, _) = io.event(socket.id().as_str(), "bin").await;
    let expected = vec![
        Value::from_iter([
            ("a", Value::Array(vec![bytes(&[255, 254])])),
            ("b", Value::from_iter([("c", bytes(&[0, 1, 2]))])),
        ]),
        value(json!("text")),
    ];
    assert_eq!(args, expected);
}

async fn server_binary_event_sends_nested_attachments_in_order(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    let payload = Value::from_iter([
        ("first", bytes(&[1])),
        (
            "deep",
            Value::from_iter([("list", Value::Array(vec![value(json!(7)), bytes(&[2, 2])]))]),
        ),
        ("last", bytes(&[3, 3, 3])),
    ]);
    for (socket, prefix) in [(&root, ""), (&custom, "/custom,")] {
        socket.emit("bin", &payload).expect("emit");
        let packet = client.expect_event("bin").await;
        assert!(packet.text.starts_with(&format!("53-{prefix}[")), "{:?}", packet.text);
        assert_eq!(
            packet.args_with_attachments(),
            vec![json!({
                "first": binary_json(&[1]),
                "deep": {"list": [7, binary_json(&[2, 2])]},
                "last": binary_json(&[3, 3, 3]),
            })],
            "{:?}",
            packet.text
        );
    }
}

async fn binary_echo_round_trips(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, _socket) = io.join(transport, "/").await;
    let packet = json!(["echo", placeholder(0), {"x": [placeholder(1)]}, "meta"]);
    client
        .send_binary_packet(&format!("52-{packet}"), &[b"hello", &[0, 255]])
        .await;
    let echoed = client.expect_event("echo").await;
    assert_eq!(echoed.kind, 5, "{:?}", echoed.text);
    assert_eq!(
        echoed.args_with_attachments(),
        vec![
            binary_json(b"hello"),
            json!({"x": [binary_json(&[0, 255])]}),
            json!("meta")
        ]
    );
}

async fn client_binary_ack_reaches_emit_with_ack(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(transport, "/").await;
    let pending = {
        let socket = socket.clone();
        tokio::spawn(async move {
            socket
                .emit_with_ack_timeout("question", &1, Duration::from_secs(10))
                .await
        })
    };
    let question = client.expect_event("question").await;
    let ack_id = question.ack_id.expect("ack id");
    let answer = json!([placeholder(0), {"meta": placeholder(1)}]);
    client
        .send_binary_packet(&format!("62-{ack_id}{answer}"), &[&[9, 9], &[8]])
        .await;
    let result = within("the binary ack", pending).await.expect("task");
    assert_eq!(
        result,
        Ok(vec![bytes(&[9, 9]), Value::from_iter([("meta", bytes(&[8]))])])
    );
}

async fn server_binary_ack_answers_the_client(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, _socket) = io.join(transport, "/").await;
    let packet = json!(["ack", {"file": placeholder(0)}]);
    client.send_binary_packet(&format!("51-7{packet}"), &[&[4, 5, 6]]).await;
    let answer = client.recv().await;
    assert!(answer.text.starts_with("61-7["), "{:?}", answer.text);
    assert_eq!(
        answer.args_with_attachments(),
        vec![json!({"file": binary_json(&[4, 5, 6])})]
    );
}

async fn more_attachments_than_the_limit_closes_the_session(transport: Transport) {
    // The default limit is 10: ten pass.
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(transport, "/").await;
    let placeholders: Vec<_> = (0..10).map(placeholder).collect();
    let mut batch = vec![Outgoing::Packet(format!("510-{}", json!(["echo", placeholders])))];
    batch.extend((0..10u8).map(|i| Outgoing::Binary(vec![i])));
    client.send_batch(&batch).await;
    assert_eq!(client.expect_event("echo").await.attachments.len(), 10);
    // Eleven close the session.
    let placeholders: Vec<_> = (0..11).map(placeholder).collect();
    let mut batch = vec![Outgoing::Packet(format!("511-{}", json!(["echo", placeholders])))];
    batch.extend((0..11u8).map(|i| Outgoing::Binary(vec![i])));
    client.send_batch(&batch).await;
    assert_parse_error(&io, &mut client, socket.id().as_str()).await;

    // A configured limit, and a count far beyond any limit.
    let io = TestIo::start(Setup::standard().config(|c| c.max_attachments = 2)).await;
    for packet in [
        format!("53-{}", json!(["x", placeholder(0), placeholder(1), placeholder(2)])),
        format!("599999999999999999999999-{}", json!(["x", placeholder(0)])),
    ] {
        let (mut client, socket) = io.join(transport, "/").await;
        client.send(&packet).await;
        assert_parse_error(&io, &mut client, socket.id().as_str()).await;
    }
}

async fn attachments_over_the_size_limit_close_the_session(transport: Transport) {
    let io = TestIo::start(Setup::standard().config(|c| c.max_attachment_bytes = 64)).await;
    let packet = format!("52-{}", json!(["echo", placeholder(0), placeholder(1)]));
    // 64 bytes in all pass.
    let (mut client, socket) = io.join(transport, "/").await;
    client.send_binary_packet(&packet, &[&[1; 32], &[2; 32]]).await;
    assert_eq!(client.expect_event("echo").await.attachments.len(), 2);
    // 65 close the session.
    client.send_binary_packet(&packet, &[&[1; 32], &[2; 33]]).await;
    assert_parse_error(&io, &mut client, socket.id().as_str()).await;
}
