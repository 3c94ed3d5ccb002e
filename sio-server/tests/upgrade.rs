//! Upgrading a polling session to WebSocket: the probe sequence, the noop
//! to the pending GET, no packet lost or reordered across the switch, and
//! what is refused afterwards.

mod support;

use std::time::Duration;

use sio_server::config::EngineConfig;
use support::ws::assert_refused;
use support::{Received, TestServer, WsClient, within, ws_query};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_is_answered_and_the_pending_get_gets_a_noop() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let get = server.pending_poll(&sid, Duration::from_millis(300)).await;

    let mut ws = server.websocket(Some(&sid)).await;
    ws.send_text("2probe").await;
    assert_eq!(ws.recv_text().await, "3probe");
    let response = within("the pending GET to return after the probe", get)
        .await
        .expect("GET task");
    assert_eq!((response.status, response.packets()), (200, vec!["6".to_owned()]));

    ws.send_text("5").await;
    // From now on both directions use the WebSocket.
    server.send_text(&sid, "over ws");
    assert_eq!(ws.recv_text().await, "4over ws");
    ws.send_text("4from ws").await;
    assert_eq!(server.text_message(&sid).await, "from ws");
    assert_eq!(ws.recv_text().await, "4from ws");
    assert_eq!(server.engine.session_count(), 1, "the upgrade keeps one session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_packet_is_lost_or_reordered_across_the_upgrade() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let mut polled = Vec::new();
    // 0..10 before the upgrade starts, read over polling.
    for i in 0..10 {
        server.send_text(&sid, &i.to_string());
    }
    while polled.len() < 10 {
        polled.extend(server.http.poll_packets(&sid).await);
    }
    // 10..20 queued just before the probe, with no GET to take them.
    for i in 10..20 {
        server.send_text(&sid, &i.to_string());
    }
    let mut ws = server.websocket(Some(&sid)).await;
    ws.send_text("2probe").await;
    // The client treats anything but `3probe` as a failed probe.
    assert_eq!(
        ws.recv_text().await,
        "3probe",
        "the first frame of an upgrading WebSocket"
    );
    let mut over_ws = Vec::new();
    // 20..35 between the probe and `5`. A GET may still come now: the
    // client sent it before `3probe` reached it, and pauses only once it
    // returns, so it must be answered (never refused, never held).
    for i in 20..35 {
        server.send_text(&sid, &i.to_string());
    }
    let response = server.http.poll(&sid).await;
    assert_eq!(response.status, 200, "the last GET before `5`: {:?}", response.text());
    polled.extend(response.packets());
    ws.send_text("5").await;
    // 35..50 after the upgrade.
    for i in 35..50 {
        server.send_text(&sid, &i.to_string());
    }
    while over_ws.len() + polled.iter().filter(|p| *p != "6").count() < 50 {
        match ws.recv().await {
            Received::Text(text) => over_ws.push(text),
            other => panic!("after the upgrade: {other:?} (polled {polled:?}, over ws {over_ws:?})"),
        }
    }
    let all: Vec<String> = polled.iter().chain(&over_ws).filter(|p| *p != "6").cloned().collect();
    let expected: Vec<String> = (0..50).map(|i| format!("4{i}")).collect();
    assert_eq!(all, expected, "polled {polled:?}, over ws {over_ws:?}");
    assert!(
        ws.recv_within(Duration::from_millis(200)).await.is_none(),
        "extra frames after the 50 packets"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packets_queued_during_the_upgrade_go_over_websocket() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let mut ws = server.websocket(Some(&sid)).await;
    ws.send_text("2probe").await;
    assert_eq!(ws.recv_text().await, "3probe");
    // No GET is pending and none follows: what is queued now must wait for
    // the WebSocket, not be lost with the polling transport.
    for i in 0..20 {
        server.send_text(&sid, &i.to_string());
    }
    ws.send_text("5").await;
    let mut received = Vec::new();
    while received.len() < 20 {
        received.push(ws.recv_text().await);
    }
    let expected: Vec<String> = (0..20).map(|i| format!("4{i}")).collect();
    assert_eq!(received, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_is_refused_after_the_upgrade() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let mut ws = server.upgrade(&sid).await;
    // A GET that crosses the client's `5` is still answered (with a noop);
    // the echo of a message sent after `5` proves the server has switched.
    ws.send_text("4switched").await;
    assert_eq!(ws.recv_text().await, "4switched");
    server
        .http
        .poll(&sid)
        .await
        .assert_engine_error("GET after the upgrade");
    server
        .http
        .post_packets(&sid, "4late")
        .await
        .assert_engine_error("POST after the upgrade");
    // The refused requests do not end the WebSocket session.
    ws.send_text("4still here").await;
    assert_eq!(ws.recv_text().await, "4still here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_websocket_for_the_same_sid_is_refused() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let mut ws = server.upgrade(&sid).await;
    let second = WsClient::connect(server.addr, &ws_query(Some(&sid))).await;
    assert_refused(second, "a second WebSocket for an upgraded sid").await;
    // The first WebSocket goes on.
    ws.send_text("4still here").await;
    assert_eq!(ws.recv_text().await, "4still here");
    server.assert_stays_open(&sid, Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_for_a_fresh_websocket_sid_is_refused() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    let second = WsClient::connect(server.addr, &ws_query(Some(&sid))).await;
    assert_refused(second, "a WebSocket upgrade of a WebSocket session").await;
    ws.send_text("4still here").await;
    assert_eq!(ws.recv_text().await, "4still here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_with_an_unknown_sid_is_refused() {
    let server = TestServer::start_default().await;
    let connection = WsClient::connect(server.addr, &ws_query(Some("AAAAAAAAAAAAAAAAAAAAAA"))).await;
    assert_refused(connection, "a WebSocket with an unknown sid").await;
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_upgrade_is_dropped_and_polling_goes_on() {
    let config = EngineConfig::builder()
        .upgrade_timeout(Duration::from_millis(300))
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    let (sid, _open) = server.handshake_polling().await;
    let mut ws = server.websocket(Some(&sid)).await;
    ws.send_text("2probe").await;
    assert_eq!(ws.recv_text().await, "3probe");
    // No `5`: after upgrade_timeout the WebSocket is closed...
    let (frames, _code) = ws.until_closed().await;
    assert!(frames.is_empty(), "frames on an abandoned upgrade: {frames:?}");
    // ...and the session goes on over polling.
    server.send_text(&sid, "still polling");
    let mut packets = server.http.poll_packets(&sid).await;
    packets.retain(|p| p != "6");
    if packets.is_empty() {
        packets = server.http.poll_packets(&sid).await;
    }
    assert_eq!(packets, ["4still polling"]);
    server.assert_stays_open(&sid, Duration::from_millis(100)).await;
}
