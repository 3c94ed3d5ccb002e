//! Who may open a session: `max_sessions` caps them with a clear `503`,
//! and a server that is shutting down opens none (a reconnecting client on
//! a kept-alive connection used to open a session that shutdown never
//! closed).

mod socketio_support;

use serde_json::json;
use sio_server::config::EngineConfig;
use socketio_support::http::{Http, PATH};
use socketio_support::ws::WsClient;
use socketio_support::{Setup, TestIo, wait_until};

fn capped(max_sessions: usize) -> EngineConfig {
    EngineConfig::builder()
        .max_sessions(max_sessions)
        .build()
        .expect("valid config")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshakes_past_max_sessions_get_503_on_both_transports_until_a_slot_frees() {
    let io = TestIo::start(Setup::standard().engine(capped(2))).await;
    let http = Http::new(io.addr);
    let (first, _) = http.handshake_polling().await;
    let _second = WsClient::connect(io.addr, "EIO=4&transport=websocket")
        .await
        .expect("a WebSocket session within the cap");

    let refused = http.get_query("EIO=4&transport=polling").await;
    assert_eq!(
        refused.status,
        503,
        "polling handshake over the cap: {:?}",
        refused.text()
    );
    assert_eq!(refused.json(), json!({"code": 3, "message": "Server at capacity"}));
    let refused = WsClient::connect(io.addr, "EIO=4&transport=websocket").await;
    assert!(
        refused.is_err(),
        "a WebSocket over the cap is refused before the upgrade"
    );
    let refused = http
        .request(
            "GET",
            &format!("{PATH}?EIO=4&transport=websocket"),
            &[
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ],
            b"",
        )
        .await;
    assert_eq!(refused.status, 503, "WebSocket handshake over the cap");

    // The client closes its polling session: its slot comes back.
    http.post_ok(&first, "1").await;
    let engine = io.io.engine().clone();
    wait_until("the closed session to be removed", || engine.session_count() == 1).await;
    let (_third, _) = http.handshake_polling().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_shutdown_began_handshakes_get_503_and_open_nothing() {
    let io = TestIo::start(Setup::standard()).await;
    let http = Http::new(io.addr);
    let (open, _) = http.handshake_polling().await;
    let engine = io.io.engine().clone();
    engine.shutdown().await;
    assert_eq!(engine.session_count(), 0, "shutdown closed the open session");
    assert!(io.io.engine().session(&open).is_none());

    // The listener is still up here (only the engine shut down), as a
    // kept-alive connection would be during `serve`'s shutdown.
    let refused = http.get_query("EIO=4&transport=polling").await;
    assert_eq!(refused.status, 503, "handshake during shutdown: {:?}", refused.text());
    assert_eq!(refused.json(), json!({"code": 3, "message": "Server shutting down"}));
    assert!(WsClient::connect(io.addr, "EIO=4&transport=websocket").await.is_err());
    assert_eq!(engine.session_count(), 0, "no session was opened");
}
