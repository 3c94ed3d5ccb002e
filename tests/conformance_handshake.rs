//! The conformance server's handshake: the open packet carries the
//! settings of Socket.IO's protocol test suites, and polling answers any
//! origin (CORS `*`).

mod conformance_support;

use conformance_support::{ConformanceServer, PATH, Transport, http};
use serde_json::json;

async fn open_packet_has_the_suite_settings(transport: Transport) {
    let server = ConformanceServer::start().await;
    let wire = server.open(transport).await;
    let open = &wire.open;
    let upgrades = match transport {
        Transport::Polling => json!(["websocket"]),
        Transport::WebSocket => json!([]),
    };
    assert_eq!(open["upgrades"], upgrades, "{open}");
    assert_eq!(open["pingInterval"], 300, "{open}");
    assert_eq!(open["pingTimeout"], 200, "{open}");
    assert_eq!(open["maxPayload"], 1_000_000, "{open}");
    let mut keys: Vec<&str> = open
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
    assert!(
        wire.sid.len() >= 20
            && wire
                .sid
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'),
        "sid {:?} is not a long URL-safe token",
        wire.sid
    );
}

#[tokio::test]
async fn open_packet_has_the_suite_settings_over_websocket() {
    open_packet_has_the_suite_settings(Transport::WebSocket).await;
}

#[tokio::test]
async fn open_packet_has_the_suite_settings_over_polling() {
    open_packet_has_the_suite_settings(Transport::Polling).await;
}

#[tokio::test]
async fn polling_answers_any_origin() {
    let server = ConformanceServer::start().await;
    let origin = [("Origin", "https://elsewhere.example")];
    let handshake = http::request(
        server.addr,
        "GET",
        &format!("{PATH}?EIO=4&transport=polling"),
        &origin,
        b"",
    )
    .await;
    assert_eq!(handshake.status, 200, "{}", handshake.text());
    assert_eq!(handshake.header("access-control-allow-origin"), Some("*"));

    let preflight = http::request(
        server.addr,
        "OPTIONS",
        &format!("{PATH}?EIO=4&transport=polling"),
        &[
            ("Origin", "https://elsewhere.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    )
    .await;
    assert!(
        matches!(preflight.status, 200 | 204),
        "preflight status {}",
        preflight.status
    );
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    let methods = preflight.header("access-control-allow-methods").unwrap_or_default();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "allowed methods {methods:?}"
    );
}
