//! The npm `socket.io-client` (4.8.4, in `tests/js`) in Node against the
//! interop consumers, once per transport setting it offers. Every scenario
//! of `tests/js/interop_scenarios.mjs` runs in each; see `tests/README.md`.
//!
//! Needs Node.js and `npm ci` in `tests/js` (`./scripts/test.sh` does
//! both); a missing one fails the test.

mod consumer_support;
mod interop_support;

use std::time::Duration;

use interop_support::expect::{Client, check};
use interop_support::report::echo_cases;
use interop_support::servers::InteropServers;

async fn run(setting: &str) {
    let servers = InteropServers::start().await;
    let cases = echo_cases().to_string();
    let stdout = consumer_support::run_node(
        &[
            "interop_node.mjs",
            &servers.main_url(),
            &servers.small_url(),
            setting,
            &cases,
        ],
        Duration::from_secs(120),
    )
    .await;
    let results: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|error| panic!("interop_node.mjs printed {stdout:?}: {error}"));
    let generations = servers.stop().await;
    check(&results, Client::Node, setting);
    assert_eq!(
        generations, 2,
        "the main server restarted once (the reconnect scenario)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_client_default_transports() {
    run("default").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_client_polling_only() {
    run("polling").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_client_websocket_only() {
    run("websocket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_client_polling_then_websocket() {
    run("polling-websocket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_client_without_upgrade() {
    run("no-upgrade").await;
}
