//! Closing from the server: `SessionHandle::close` and
//! `EngineServer::shutdown`.

mod support;

use std::time::Duration;

use sio_core::engine::Frame;
use sio_server::config::EngineConfig;
use sio_server::engine::CloseReason;
use support::{Received, TestServer, within};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_close_on_polling_delivers_queued_packets_then_close() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    for text in ["a", "b", "c"] {
        server.send_text(&sid, text);
    }
    server.handle(&sid).close(CloseReason::ForcedClose);
    let response = server.http.poll(&sid).await;
    assert_eq!(
        response.status,
        200,
        "the GET after a server close: {:?}",
        response.text()
    );
    assert_eq!(
        response.packets(),
        ["4a", "4b", "4c", "1"],
        "every queued packet, in order, then the close"
    );
    assert_eq!(server.closed(&sid).await, CloseReason::ForcedClose);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_close_ends_a_pending_get_with_close() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let get = server.pending_poll(&sid, Duration::from_millis(300)).await;
    server.handle(&sid).close(CloseReason::ForcedClose);
    let response = within("the pending GET to end", get).await.expect("GET task");
    assert_eq!((response.status, response.packets()), (200, vec!["1".to_owned()]));
    assert_eq!(server.closed(&sid).await, CloseReason::ForcedClose);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_close_on_websocket_closes_the_connection() {
    let server = TestServer::start_default().await;
    let (mut ws, sid, _open) = server.handshake_websocket().await;
    server.send_text(&sid, "last words");
    server.handle(&sid).close(CloseReason::ForcedClose);
    let (frames, _code) = ws.until_closed().await;
    assert_eq!(server.closed(&sid).await, CloseReason::ForcedClose);
    // A `1` before the close frame is optional (Node sends none on WebSocket).
    let mut frames = frames;
    if frames.last() == Some(&Received::Text("1".to_owned())) {
        frames.pop();
    }
    assert!(
        frames.is_empty() || frames == [Received::Text("4last words".to_owned())],
        "frames before the close: {frames:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_after_close_fails() {
    let server = TestServer::start_default().await;
    let (_ws, sid, _open) = server.handshake_websocket().await;
    let handle = server.handle(&sid);
    assert!(!handle.is_closed());
    handle.close(CloseReason::ForcedClose);
    server.closed(&sid).await;
    assert!(handle.is_closed());
    assert!(
        handle.send(Frame::message_with(|out| out.push_str("late"))).is_err(),
        "send on a closed session"
    );
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_every_session_with_server_shutdown() {
    // `polling_b` never polls again: the server waits for it at most the
    // ping timeout before dropping it, so keep that short here.
    let config = EngineConfig::builder()
        .ping_timeout(Duration::from_secs(1))
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    let (polling_a, _open) = server.handshake_polling().await;
    let (polling_b, _open) = server.handshake_polling().await;
    let (mut ws, ws_sid, _open) = server.handshake_websocket().await;
    let get = server.pending_poll(&polling_a, Duration::from_millis(300)).await;
    assert_eq!(server.engine.session_count(), 3);

    within("engine.shutdown()", server.engine.shutdown()).await;
    for sid in [&polling_a, &polling_b, &ws_sid] {
        assert_eq!(server.closed(sid).await, CloseReason::ServerShutdown, "session {sid}");
    }
    assert_eq!(server.engine.session_count(), 0);
    ws.until_closed().await;
    let response = within("the pending GET to end", get).await.expect("GET task");
    assert!(
        matches!(response.status, 200 | 400),
        "pending GET at shutdown: {}",
        response.status
    );
}
