//! CORS on the polling transport: allow-origin for allowed origins only,
//! preflight answered with 204.

mod support;

use sio_server::config::{AllowedOrigins, Cors, EngineConfig};
use support::TestServer;

const HANDSHAKE: &str = "/socket.io/?EIO=4&transport=polling";

async fn start_with(cors: Cors) -> TestServer {
    TestServer::start(EngineConfig::builder().cors(cors).build().expect("config")).await
}

fn list(origins: &[&str]) -> AllowedOrigins {
    AllowedOrigins::List(origins.iter().map(|o| (*o).to_owned()).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_origin_gets_allow_origin() {
    let server = start_with(Cors::any()).await;
    let response = server
        .http
        .request("GET", HANDSHAKE, &[("Origin", "http://a.example")], b"")
        .await;
    assert_eq!(response.status, 200);
    let allowed = response.header("access-control-allow-origin");
    assert!(
        matches!(allowed, Some("*" | "http://a.example")),
        "allow-origin {allowed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_and_errors_carry_cors_headers_too() {
    let server = start_with(Cors::any()).await;
    let (sid, _open) = server.handshake_polling().await;
    let origin = [("Origin", "http://a.example"), ("Content-Type", "text/plain")];
    let response = server
        .http
        .request("POST", &support::Http::polling_url(&sid), &origin, b"4hi")
        .await;
    assert_eq!(response.status, 200);
    assert!(
        response.header("access-control-allow-origin").is_some(),
        "POST: {:?}",
        response.headers
    );
    let response = server
        .http
        .request("GET", "/socket.io/?EIO=3&transport=polling", &origin, b"")
        .await;
    assert_eq!(response.status, 400);
    assert!(
        response.header("access-control-allow-origin").is_some(),
        "400: {:?}",
        response.headers
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_is_answered_204_with_allowed_methods() {
    let server = start_with(Cors::any()).await;
    let headers = [
        ("Origin", "http://a.example"),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "content-type"),
    ];
    let response = server.http.request("OPTIONS", HANDSHAKE, &headers, b"").await;
    assert_eq!(response.status, 204);
    let methods = response
        .header("access-control-allow-methods")
        .unwrap_or_default()
        .to_ascii_uppercase();
    assert!(
        methods.contains("GET") && methods.contains("POST"),
        "allow-methods {methods:?}"
    );
    assert!(
        response.header("access-control-allow-origin").is_some(),
        "{:?}",
        response.headers
    );
    assert_eq!(server.engine.session_count(), 0, "a preflight opens no session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_origin_is_echoed_and_foreign_origin_gets_none() {
    let server = start_with(Cors {
        origins: list(&["http://good.example"]),
        credentials: false,
    })
    .await;
    let response = server
        .http
        .request("GET", HANDSHAKE, &[("Origin", "http://good.example")], b"")
        .await;
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("http://good.example")
    );
    let response = server
        .http
        .request("GET", HANDSHAKE, &[("Origin", "http://evil.example")], b"")
        .await;
    assert_eq!(
        response.header("access-control-allow-origin"),
        None,
        "{:?}",
        response.headers
    );
    let preflight = [
        ("Origin", "http://evil.example"),
        ("Access-Control-Request-Method", "POST"),
    ];
    let response = server.http.request("OPTIONS", HANDSHAKE, &preflight, b"").await;
    assert_eq!(
        response.header("access-control-allow-origin"),
        None,
        "preflight: {:?}",
        response.headers
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_echo_the_origin_instead_of_a_wildcard() {
    let server = start_with(Cors {
        origins: AllowedOrigins::Any,
        credentials: true,
    })
    .await;
    let response = server
        .http
        .request("GET", HANDSHAKE, &[("Origin", "http://a.example")], b"")
        .await;
    assert_eq!(response.header("access-control-allow-origin"), Some("http://a.example"));
    assert_eq!(response.header("access-control-allow-credentials"), Some("true"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_cors_no_cors_headers_are_sent() {
    let server = TestServer::start_default().await;
    let response = server
        .http
        .request("GET", HANDSHAKE, &[("Origin", "http://a.example")], b"")
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("access-control-allow-origin"),
        None,
        "{:?}",
        response.headers
    );
}
