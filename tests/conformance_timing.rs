//! The conformance server's timings: the first ping 300 ms after the
//! handshake and every 300 ms after, a session closed 200 ms after an
//! unanswered ping, and a session that joins no namespace closed after
//! the 1000 ms connect timeout, over WebSocket and polling.
//!
//! Lower bounds are tight (the server must not be early); upper bounds
//! leave room for a loaded machine.

mod conformance_support;

use std::time::{Duration, Instant};

use conformance_support::{ConformanceServer, Received, Transport, Wire, text_of};
use sio::core::engine::Packet as EnginePacket;

/// Waits for the next ping without answering anything; returns when it
/// came.
async fn next_ping(wire: &mut Wire) -> Instant {
    loop {
        match wire.next().await {
            Received::Packet(EnginePacket::Ping(_)) => return Instant::now(),
            Received::Packet(_) => {}
            Received::Closed => panic!("the session closed while a ping was expected"),
        }
    }
}

fn assert_between(what: &str, took: Duration, low_ms: u64, high_ms: u64) {
    assert!(
        took >= Duration::from_millis(low_ms) && took <= Duration::from_millis(high_ms),
        "{what} took {took:?}, want {low_ms}..{high_ms} ms"
    );
}

async fn pings_every_300_ms(transport: Transport) {
    let server = ConformanceServer::start().await;
    let mut wire = server.open(transport).await;
    wire.send_text("40").await;
    let mut last = wire.opened_at;
    for n in 1..=3 {
        let ping = next_ping(&mut wire).await;
        // The first interval starts on the server before the open packet
        // reached the client: a little slack below 300 ms for it.
        let low = if n == 1 { 250 } else { 290 };
        assert_between(&format!("ping {n}"), ping - last, low, 1500);
        wire.send_text("3").await;
        last = ping;
    }
}

#[tokio::test]
async fn pings_every_300_ms_over_websocket() {
    pings_every_300_ms(Transport::WebSocket).await;
}

#[tokio::test]
async fn pings_every_300_ms_over_polling() {
    pings_every_300_ms(Transport::Polling).await;
}

async fn unanswered_ping_closes_after_200_ms(transport: Transport) {
    let server = ConformanceServer::start().await;
    let mut wire = server.open(transport).await;
    wire.send_text("40").await;
    let ping = next_ping(&mut wire).await;
    loop {
        match wire.next().await {
            Received::Closed => break,
            Received::Packet(EnginePacket::Ping(_)) => panic!("a second ping before the ping timeout"),
            Received::Packet(_) => {}
        }
    }
    assert_between("the close after the unanswered ping", ping.elapsed(), 150, 1500);
    assert_between("the close after the handshake", wire.opened_at.elapsed(), 450, 2500);
}

#[tokio::test]
async fn unanswered_ping_closes_after_200_ms_over_websocket() {
    unanswered_ping_closes_after_200_ms(Transport::WebSocket).await;
}

#[tokio::test]
async fn unanswered_ping_closes_after_200_ms_over_polling() {
    unanswered_ping_closes_after_200_ms(Transport::Polling).await;
}

async fn no_namespace_closes_after_the_connect_timeout(transport: Transport) {
    let server = ConformanceServer::start().await;
    let mut wire = server.open(transport).await;
    let closed = wire
        .closed_within(Duration::from_secs(5))
        .await
        .expect("a session without namespace is closed");
    assert_between("the close of a session without namespace", closed, 950, 1900);
}

#[tokio::test]
async fn no_namespace_closes_after_the_connect_timeout_over_websocket() {
    no_namespace_closes_after_the_connect_timeout(Transport::WebSocket).await;
}

#[tokio::test]
async fn no_namespace_closes_after_the_connect_timeout_over_polling() {
    no_namespace_closes_after_the_connect_timeout(Transport::Polling).await;
}

async fn connected_session_outlives_the_connect_timeout(transport: Transport) {
    let server = ConformanceServer::start().await;
    let mut wire = server.open(transport).await;
    wire.send_text("40").await;
    // Answering pings, the session is still open well past the timeout.
    let closed = wire.closed_within(Duration::from_millis(1600)).await;
    assert_eq!(closed, None, "a connected session was closed");
    wire.send_text(r#"42["message","still here"]"#).await;
    loop {
        let text = text_of(&wire.next_message().await);
        if text.starts_with(r#"42["message-back""#) {
            assert_eq!(text, r#"42["message-back","still here"]"#);
            break;
        }
    }
}

#[tokio::test]
async fn connected_session_outlives_the_connect_timeout_over_websocket() {
    connected_session_outlives_the_connect_timeout(Transport::WebSocket).await;
}

#[tokio::test]
async fn connected_session_outlives_the_connect_timeout_over_polling() {
    connected_session_outlives_the_connect_timeout(Transport::Polling).await;
}
