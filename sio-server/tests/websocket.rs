//! Fresh WebSocket sessions: one packet per frame, binary without prefix,
//! and what closes the connection.

mod support;

use bytes::Bytes;
use sio_core::engine::Frame;
use sio_server::config::EngineConfig;
use sio_server::engine::{CloseReason, Message};
use support::{Received, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_packet_is_the_first_frame() {
    let server = TestServer::start_default().await;
    let mut ws = server.websocket(None).await;
    let first = ws.recv_text().await;
    let open = support::parse_open(&first);
    assert_eq!(server.opened().await, open["sid"].as_str().expect("sid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_message_is_echoed_in_a_text_frame() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    ws.send_text("4hello ✓").await;
    assert_eq!(server.text_message(&sid).await, "hello ✓");
    assert_eq!(ws.recv().await, Received::Text("4hello ✓".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_message_is_a_binary_frame_without_prefix() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    let data: Vec<u8> = (0..=255).collect();
    ws.send_binary(&data).await;
    assert_eq!(server.message(&sid).await, Message::Binary(Bytes::from(data.clone())));
    assert_eq!(ws.recv().await, Received::Binary(Bytes::from(data)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_packets_arrive_one_per_frame_in_order() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    for i in 0..100 {
        server.send_text(&sid, &i.to_string());
    }
    server
        .send(&sid, Frame::Binary(Bytes::from_static(b"end")))
        .expect("send binary");
    for i in 0..100 {
        assert_eq!(ws.recv().await, Received::Text(format!("4{i}")));
    }
    assert_eq!(ws.recv().await, Received::Binary(Bytes::from_static(b"end")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_reach_the_handler_in_order() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    for i in 0..100 {
        ws.send_text(&format!("4m{i}")).await;
    }
    for i in 0..100 {
        assert_eq!(server.text_message(&sid).await, format!("m{i}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_packet_closes_session_with_transport_close() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    ws.send_text("1").await;
    assert_eq!(server.closed(&sid).await, CloseReason::TransportClose);
    let (frames, _code) = ws.until_closed().await;
    assert!(frames.is_empty(), "frames after the client's close: {frames:?}");
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_frame_closes_session_with_transport_close() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    ws.close().await;
    assert_eq!(server.closed(&sid).await, CloseReason::TransportClose);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_closes_session_with_transport_close() {
    let server = TestServer::start_default().await;
    let (ws, sid, _open) = server.handshake_websocket().await;
    drop(ws);
    assert_eq!(server.closed(&sid).await, CloseReason::TransportClose);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_over_max_payload_closes_the_connection_with_1009() {
    let config = EngineConfig::builder().max_payload(1000).build().expect("config");
    let server = TestServer::start(config).await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    ws.send_text(&format!("4{}", "a".repeat(999))).await;
    assert_eq!(
        server.text_message(&sid).await.len(),
        999,
        "a message of exactly maxPayload is accepted"
    );
    ws.send_text(&format!("4{}", "a".repeat(5000))).await;
    let (frames, code) = ws.until_closed().await;
    assert!(
        frames.iter().all(|f| matches!(f, Received::Text(t) if t.len() == 1000)),
        "frames: {frames:?}"
    );
    assert_eq!(code, Some(1009), "close code: 1009 (message too big)");
    server.closed(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_packet_closes_the_connection_with_parse_error() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    ws.send_text("9nonsense").await;
    assert_eq!(server.closed(&sid).await, CloseReason::ParseError);
    ws.until_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_text_frame_closes_the_connection_with_parse_error() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    ws.send_text("").await;
    assert_eq!(server.closed(&sid).await, CloseReason::ParseError);
    ws.until_closed().await;
}
