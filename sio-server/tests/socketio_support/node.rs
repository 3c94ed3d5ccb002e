//! Runs `tests/js/socketio_*.mjs` with the npm `socket.io-client`.
//!
//! Through the workspace's one client runner (`tests/support/clients.rs`).

use std::time::Duration;

use serde_json::Value as Json;

use super::Transport;

#[path = "../../../tests/support/clients.rs"]
mod runner;

/// How long one script may run (each script has a shorter timeout of its
/// own and reports what it was waiting for).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `tests/js/<script> <url> <transport>` and returns the JSON it
/// printed on its last stdout line, failing the test if node is missing,
/// the script fails, or it prints no JSON.
pub async fn run(script: &str, url: &str, transport: Transport) -> Json {
    runner::run_node_json(&[script, url, transport.name()], SCRIPT_TIMEOUT).await
}

/// Like [`run`], with more arguments after the transport.
pub async fn run_args(script: &str, url: &str, transport: Transport, extra: &[&str]) -> Json {
    let mut args = vec![script, url, transport.name()];
    args.extend_from_slice(extra);
    runner::run_node_json(&args, SCRIPT_TIMEOUT).await
}
