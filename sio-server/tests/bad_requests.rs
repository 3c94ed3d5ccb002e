//! Requests the endpoint refuses: 400 with a `{"code","message"}` body for
//! a bad query, an unknown sid or a bad method; 404 elsewhere.

mod support;

use support::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_eio_is_400() {
    let server = TestServer::start_default().await;
    server
        .http
        .get_query("transport=polling")
        .await
        .assert_engine_error("GET without EIO");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eio_other_than_4_is_400() {
    let server = TestServer::start_default().await;
    for eio in ["3", "5", "x", ""] {
        let response = server.http.get_query(&format!("EIO={eio}&transport=polling")).await;
        response.assert_engine_error(&format!("GET with EIO={eio}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_transport_is_400() {
    let server = TestServer::start_default().await;
    server
        .http
        .get_query("EIO=4")
        .await
        .assert_engine_error("GET without transport");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_transport_is_400() {
    let server = TestServer::start_default().await;
    for transport in ["flashsocket", "webtransport", "POLLING", ""] {
        let response = server.http.get_query(&format!("EIO=4&transport={transport}")).await;
        response.assert_engine_error(&format!("GET with transport={transport}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_sid_on_get_is_400() {
    let server = TestServer::start_default().await;
    server
        .http
        .poll("AAAAAAAAAAAAAAAAAAAAAA")
        .await
        .assert_engine_error("GET with an unknown sid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_sid_on_post_is_400() {
    let server = TestServer::start_default().await;
    let response = server.http.post_packets("AAAAAAAAAAAAAAAAAAAAAA", "4hello").await;
    response.assert_engine_error("POST with an unknown sid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_without_sid_is_400() {
    let server = TestServer::start_default().await;
    let response = server.http.post("/socket.io/?EIO=4&transport=polling", "4hello").await;
    response.assert_engine_error("POST handshake");
    assert_eq!(server.engine.session_count(), 0, "a POST must not open a session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_other_than_get_and_post_are_400() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    for method in ["PUT", "DELETE", "PATCH"] {
        let response = server
            .http
            .request(method, "/socket.io/?EIO=4&transport=polling", &[], b"")
            .await;
        response.assert_engine_error(&format!("{method} handshake"));
        let url = support::Http::polling_url(&sid);
        let response = server.http.request(method, &url, &[], b"4x").await;
        response.assert_engine_error(&format!("{method} on a session"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_without_cors_is_not_a_success() {
    let server = TestServer::start_default().await;
    let response = server
        .http
        .request(
            "OPTIONS",
            "/socket.io/?EIO=4&transport=polling",
            &[("Origin", "http://a.example")],
            b"",
        )
        .await;
    assert!(
        matches!(response.status, 400 | 405),
        "OPTIONS without CORS configured: {}",
        response.status
    );
    assert!(
        response.header("access-control-allow-origin").is_none(),
        "{:?}",
        response.headers
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_paths_are_404() {
    let server = TestServer::start_default().await;
    for path in [
        "/",
        "/other/?EIO=4&transport=polling",
        "/socket.iox/?EIO=4&transport=polling",
        "/favicon.ico",
    ] {
        let response = server.http.get(path).await;
        assert_eq!(response.status, 404, "GET {path}: {}", response.text());
    }
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_path_is_the_only_endpoint() {
    let config = sio_server::config::EngineConfig::builder()
        .path("/engine")
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    let response = server.http.get("/engine/?EIO=4&transport=polling").await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert!(response.text().starts_with('0'), "{}", response.text());
    let response = server.http.get_query("EIO=4&transport=polling").await;
    assert_eq!(response.status, 404, "default path on a server configured elsewhere");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_replies_are_text_plain_utf8() {
    let server = TestServer::start_default().await;
    let response = server.http.get_query("EIO=4&transport=polling").await;
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=UTF-8"),
        "handshake GET"
    );
    let sid = support::parse_open(&response.text())["sid"]
        .as_str()
        .expect("sid")
        .to_owned();
    let response = server.http.post_packets(&sid, "4hello").await;
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=UTF-8"),
        "POST"
    );
    let response = server.http.poll(&sid).await;
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=UTF-8"),
        "GET"
    );
}
