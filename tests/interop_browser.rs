//! The browser bundle of `socket.io-client` (4.8.4, from `tests/js`) in
//! headless Chromium against the interop consumers: the same scenarios as
//! the Node client (`tests/js/interop_scenarios.mjs`), run by a page of
//! another origin than the Socket.IO servers (so polling goes through
//! CORS), with the default transports, polling only and WebSocket only.
//!
//! Needs Debian's chromium (`SIO_CHROMIUM` overrides `/usr/bin/chromium`)
//! and `npm ci` in `tests/js`; `./scripts/test.sh` installs both. A
//! missing one fails the test.

mod consumer_support;
mod interop_support;

use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::Html;
use axum::routing::get;
use interop_support::expect::{Client, check};
use interop_support::report::echo_cases;
use interop_support::servers::InteropServers;

const PAGE: &str = "<!doctype html><meta charset=\"utf-8\"><title>sio interop</title>\
                    <script src=\"/socket.io.min.js\"></script>";

/// Serves the page, the browser bundle and the scenario module.
async fn serve_page() -> (String, tokio::task::JoinHandle<()>) {
    let js = consumer_support::js_dir();
    let bundle = std::fs::read(js.join("node_modules/socket.io-client/dist/socket.io.min.js"))
        .expect("the browser bundle of socket.io-client is in tests/js/node_modules");
    let scenarios = std::fs::read(js.join("interop_scenarios.mjs")).expect("tests/js/interop_scenarios.mjs");
    let script =
        |body: Vec<u8>| move || async move { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], body) };
    let router = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/socket.io.min.js", get(script(bundle)))
        .route("/interop_scenarios.mjs", get(script(scenarios)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, server)
}

async fn run(setting: &str) {
    let chromium = std::env::var("SIO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (./scripts/test.sh does) or set SIO_CHROMIUM"
    );
    let servers = InteropServers::start().await;
    let (page, page_server) = serve_page().await;
    let cases = echo_cases().to_string();
    let stdout = consumer_support::run_node(
        &[
            "interop_browser.mjs",
            &page,
            &servers.main_url(),
            &servers.small_url(),
            setting,
            &cases,
        ],
        Duration::from_secs(150),
    )
    .await;
    page_server.abort();
    let results: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|error| panic!("interop_browser.mjs printed {stdout:?}: {error}"));
    let generations = servers.stop().await;
    assert_eq!(results["pageErrors"], serde_json::json!([]), "errors in the page");
    check(&results, Client::Browser, setting);
    assert_eq!(
        generations, 2,
        "the main server restarted once (the reconnect scenario)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_client_default_transports() {
    run("default").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_client_polling_only() {
    run("polling").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_client_websocket_only() {
    run("websocket").await;
}
