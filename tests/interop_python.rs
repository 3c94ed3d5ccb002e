//! PyPI `python-socketio` 5.18 (`AsyncClient`, aiohttp; pinned in
//! `tests/python/requirements.txt`) against the interop consumers, once per
//! transport setting it offers. Every scenario of
//! `tests/python/interop_client.py` runs in each; see `tests/README.md`.
//!
//! Needs the venv `./scripts/test.sh` creates in `tests/python/.venv` (or
//! `SIO_TEST_PYTHON`); a missing one fails the test.

mod consumer_support;
mod interop_support;

use std::time::Duration;

use interop_support::expect::{Client, check};
use interop_support::report::echo_cases;
use interop_support::servers::InteropServers;

async fn run(setting: &str) {
    let servers = InteropServers::start().await;
    let cases = echo_cases().to_string();
    let stdout = consumer_support::run_python(
        &[
            "interop_client.py",
            &servers.main_url(),
            &servers.small_url(),
            setting,
            &cases,
        ],
        Duration::from_secs(180),
    )
    .await;
    let results: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|error| panic!("interop_client.py printed {stdout:?}: {error}"));
    let generations = servers.stop().await;
    check(&results, Client::Python, setting);
    assert_eq!(
        generations, 2,
        "the main server restarted once (the reconnect scenario)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_polling_only() {
    run("polling").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_websocket_only() {
    run("websocket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_polling_then_websocket() {
    run("polling-websocket").await;
}
