//! The WebSocket opening handshake (RFC 6455 §4.2): only version 13 with a
//! key is upgraded, and only from allowed origins.

mod support;

use sio_server::config::{AllowedOrigins, EngineConfig};
use support::ws::assert_refused;
use support::{TestServer, WsClient, ws_query};

const UPGRADE_URL: &str = "/socket.io/?EIO=4&transport=websocket";

fn upgrade_headers<'a>(version: Option<&'a str>, key: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut headers = vec![("Upgrade", "websocket"), ("Connection", "Upgrade")];
    if let Some(version) = version {
        headers.push(("Sec-WebSocket-Version", version));
    }
    if let Some(key) = key {
        headers.push(("Sec-WebSocket-Key", key));
    }
    headers
}

/// Sends a hand-written upgrade request (`Http::request` would add
/// `Connection: close`) and reads the HTTP response.
async fn raw_upgrade(server: &TestServer, headers: &[(&str, &str)]) -> support::Response {
    use tokio::io::AsyncWriteExt;
    let mut head = format!("GET {UPGRADE_URL} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = server.http.connect().await;
    stream.write_all(head.as_bytes()).await.expect("write upgrade request");
    support::within("the upgrade response", support::http::read_response(&mut stream))
        .await
        .expect("an HTTP response to the upgrade request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_13_with_a_key_is_upgraded() {
    let server = TestServer::start_default().await;
    let response = raw_upgrade(&server, &upgrade_headers(Some("13"), Some("dGhlIHNhbXBsZSBub25jZQ=="))).await;
    assert_eq!(response.status, 101);
    assert_eq!(
        response.header("sec-websocket-accept"),
        Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_version_other_than_13_is_refused() {
    let server = TestServer::start_default().await;
    for version in ["8", "12", "14", "abc"] {
        let response = raw_upgrade(
            &server,
            &upgrade_headers(Some(version), Some("dGhlIHNhbXBsZSBub25jZQ==")),
        )
        .await;
        assert!(
            matches!(response.status, 400 | 426),
            "Sec-WebSocket-Version {version}: status {}",
            response.status
        );
        if response.status == 426 {
            assert_eq!(
                response.header("sec-websocket-version"),
                Some("13"),
                "426 must name the supported version"
            );
        }
    }
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_without_version_or_key_is_refused() {
    let server = TestServer::start_default().await;
    for (version, key) in [(None, Some("dGhlIHNhbXBsZSBub25jZQ==")), (Some("13"), None)] {
        let response = raw_upgrade(&server, &upgrade_headers(version, key)).await;
        assert!(
            matches!(response.status, 400 | 426),
            "version {version:?} key {key:?}: status {}",
            response.status
        );
    }
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_from_a_foreign_origin_is_refused() {
    let config = EngineConfig::builder()
        .websocket_origins(AllowedOrigins::List(vec!["http://good.example".to_owned()]))
        .build()
        .expect("config");
    let server = TestServer::start(config).await;

    let mut request = WsClient::request(server.addr, &ws_query(None));
    request
        .headers_mut()
        .insert("Origin", "http://evil.example".parse().expect("header"));
    assert_refused(
        WsClient::connect_with(server.addr, request).await,
        "a WebSocket from a foreign origin",
    )
    .await;
    assert_eq!(server.engine.session_count(), 0);

    let mut request = WsClient::request(server.addr, &ws_query(None));
    request
        .headers_mut()
        .insert("Origin", "http://good.example".parse().expect("header"));
    let mut ws = WsClient::connect_with(server.addr, request)
        .await
        .expect("the allowed origin is accepted");
    support::parse_open(&ws.recv_text().await);
}
