//! The open packet: its keys and values, session ids, and what the handler
//! learns about the handshake.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use sio_server::config::{EngineConfig, Transports};
use support::{TestServer, WsClient, ws_query};

fn sorted_keys(json: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = json
        .as_object()
        .expect("open packet is an object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_packet_has_exactly_the_configured_keys() {
    let config = EngineConfig::builder()
        .ping_interval(Duration::from_millis(4321))
        .ping_timeout(Duration::from_millis(3210))
        .max_payload(54_321)
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    let (_sid, open) = server.handshake_polling().await;
    assert_eq!(
        sorted_keys(&open),
        ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"],
        "{open}"
    );
    assert_eq!(open["pingInterval"], 4321, "{open}");
    assert_eq!(open["pingTimeout"], 3210, "{open}");
    assert_eq!(open["maxPayload"], 54_321, "{open}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_open_packet_matches_the_node_defaults() {
    let server = TestServer::start_default().await;
    let (_sid, open) = server.handshake_polling().await;
    assert_eq!(open["pingInterval"], 25_000, "{open}");
    assert_eq!(open["pingTimeout"], 20_000, "{open}");
    assert_eq!(open["maxPayload"], 1_000_000, "{open}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_open_offers_the_websocket_upgrade() {
    let server = TestServer::start_default().await;
    let (_sid, open) = server.handshake_polling().await;
    assert_eq!(open["upgrades"], serde_json::json!(["websocket"]), "{open}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_websocket_open_offers_no_upgrades() {
    let server = TestServer::start_default().await;
    let (_ws, _sid, open) = server.handshake_websocket().await;
    assert_eq!(
        sorted_keys(&open),
        ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"],
        "{open}"
    );
    assert_eq!(open["upgrades"], serde_json::json!([]), "{open}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_only_server_offers_no_upgrades() {
    let config = EngineConfig::builder()
        .transports(Transports {
            polling: true,
            websocket: false,
        })
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    let (_sid, open) = server.handshake_polling().await;
    assert_eq!(open["upgrades"], serde_json::json!([]), "{open}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_transport_is_refused() {
    let config = EngineConfig::builder()
        .transports(Transports {
            polling: false,
            websocket: true,
        })
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    server
        .http
        .get_query("EIO=4&transport=polling")
        .await
        .assert_engine_error("polling handshake when disabled");

    let config = EngineConfig::builder()
        .transports(Transports {
            polling: true,
            websocket: false,
        })
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    let connection = WsClient::connect(server.addr, &ws_query(None)).await;
    support::ws::assert_refused(connection, "websocket handshake when disabled").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sids_are_unique_long_and_url_safe() {
    let server = TestServer::start_default().await;
    let mut sids = HashSet::new();
    for _ in 0..20 {
        let (sid, _open) = server.handshake_polling().await;
        sids.insert(sid);
    }
    for _ in 0..5 {
        let (_ws, sid, _open) = server.handshake_websocket().await;
        sids.insert(sid);
    }
    assert_eq!(sids.len(), 25, "sids repeat: {sids:?}");
    for sid in &sids {
        assert!(sid.len() >= 20, "sid {sid:?} is shorter than 20 characters (120 bits)");
        assert!(
            sid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "sid {sid:?} has characters that are not URL-safe"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_sees_the_open_with_the_same_sid() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    assert_eq!(server.opened().await, sid);
    let (_ws, ws_sid, _open) = server.handshake_websocket().await;
    assert_eq!(server.opened().await, ws_sid);
    assert_eq!(server.engine.session_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_exposes_headers_uri_and_remote_addr() {
    let server = TestServer::start_default().await;
    let response = server
        .http
        .request(
            "GET",
            "/socket.io/?EIO=4&transport=polling&token=abc",
            &[("X-Test", "yes")],
            b"",
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let sid = server.opened().await;
    let seen = server.handshake(&sid);
    assert_eq!(
        seen.headers.get("x-test").map(|v| v.as_bytes()),
        Some(&b"yes"[..]),
        "headers {:?}",
        seen.headers
    );
    assert!(
        seen.uri.query().unwrap_or_default().contains("token=abc"),
        "uri {}",
        seen.uri
    );
    let remote = seen.remote_addr.expect("remote_addr is known over TCP");
    assert!(remote.ip().is_loopback(), "remote_addr {remote}");
}
