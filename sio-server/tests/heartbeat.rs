//! The server pings every `pingInterval` (the first one an interval after
//! the handshake, not at once) and closes a session whose pong does not
//! arrive within `pingTimeout`.

mod support;

use std::time::Duration;

use sio_server::engine::CloseReason;
use support::{Received, TestServer, heartbeat_config, within};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_ping_comes_one_interval_after_the_handshake_on_websocket() {
    let server = TestServer::start(heartbeat_config(600, 5000)).await;
    let (mut ws, _sid, _open) = server.handshake_websocket().await;
    let early = ws.recv_within(Duration::from_millis(300)).await;
    assert_eq!(
        early, None,
        "a packet arrived within 300 ms of the open (interval 600 ms)"
    );
    assert_eq!(ws.recv_text().await, "2", "the first ping");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_ping_comes_one_interval_after_the_handshake_on_polling() {
    let server = TestServer::start(heartbeat_config(600, 5000)).await;
    let (sid, _open) = server.handshake_polling().await;
    let http = server.http;
    let poll_sid = sid.clone();
    let mut get = tokio::spawn(async move { http.poll_packets(&poll_sid).await });
    let early = tokio::time::timeout(Duration::from_millis(300), &mut get).await;
    assert!(
        early.is_err(),
        "a packet arrived within 300 ms of the open (interval 600 ms): {early:?}"
    );
    let packets = within("the first ping", get).await.expect("GET task");
    assert_eq!(packets, ["2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_timeout_closes_websocket_session() {
    let server = TestServer::start(heartbeat_config(300, 200)).await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    assert_eq!(ws.recv_text().await, "2");
    // No pong.
    assert_eq!(server.closed(&sid).await, CloseReason::PingTimeout);
    let (frames, _code) = ws.until_closed().await;
    assert!(
        frames.iter().all(|f| *f == Received::Text("2".to_owned())),
        "frames before the close: {frames:?}"
    );
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_timeout_closes_polling_session() {
    let server = TestServer::start(heartbeat_config(300, 200)).await;
    let (sid, _open) = server.handshake_polling().await;
    assert_eq!(server.http.poll_packets(&sid).await, ["2"]);
    // No pong.
    assert_eq!(server.closed(&sid).await, CloseReason::PingTimeout);
    server
        .http
        .poll(&sid)
        .await
        .assert_engine_error("GET after a ping timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_pings_keeps_a_websocket_session_alive() {
    // interval + timeout = 1.3 s; six pings take at least 1.8 s.
    let server = TestServer::start(heartbeat_config(300, 1000)).await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    for _ in 0..6 {
        assert_eq!(ws.recv_text().await, "2");
        ws.send_text("3").await;
    }
    server.assert_stays_open(&sid, Duration::from_millis(50)).await;
    ws.send_text("4alive").await;
    assert_eq!(ws.recv_text().await, "4alive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_pings_keeps_a_polling_session_alive() {
    let server = TestServer::start(heartbeat_config(300, 1000)).await;
    let (sid, _open) = server.handshake_polling().await;
    for _ in 0..6 {
        assert_eq!(server.http.poll_packets(&sid).await, ["2"]);
        server.http.post_ok(&sid, "3").await;
    }
    server.assert_stays_open(&sid, Duration::from_millis(50)).await;
    server.http.post_ok(&sid, "4alive").await;
    assert_eq!(server.http.poll_packets(&sid).await, ["4alive"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pong_is_not_passed_to_the_handler() {
    let server = TestServer::start(heartbeat_config(300, 1000)).await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    assert_eq!(ws.recv_text().await, "2");
    ws.send_text("3").await;
    ws.send_text("4after pong").await;
    // The first message the handler sees is the one after the pong.
    assert_eq!(server.text_message(&sid).await, "after pong");
}
