//! Interop smoke test: the npm `socket.io-client` (its Engine.IO layer)
//! handshakes, upgrades and exchanges messages with the server.
//!
//! Runs `tests/js/engine_smoke.mjs` with `$SIO_TEST_NODE` (default `node`).
//! The npm packages come from `tests/js/package.json`; `./scripts/test.sh`
//! installs them. A missing node or package fails the test: it never skips.

mod support;

use std::time::Duration;

use sio_server::engine::{CloseReason, Message};
use support::TestServer;

#[path = "../../tests/support/clients.rs"]
mod clients;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_client_handshakes_upgrades_and_echoes() {
    let server = TestServer::start_default().await;
    let url = format!("http://{}", server.addr);
    let stdout = clients::run_node(&["engine_smoke.mjs", &url], Duration::from_secs(30)).await;
    let results: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("results {stdout:?}: {e}"));
    assert_eq!(results["upgrade"]["initial"], "polling", "{results}");
    assert_eq!(results["upgrade"]["upgraded"], "websocket", "{results}");
    assert_eq!(results["websocket"]["transport"], "websocket", "{results}");
    assert_eq!(results["polling"]["transport"], "polling", "{results}");

    // The server saw each session open, the message, and the client's close.
    for (case, text) in [
        ("upgrade", r#"2["hello","upgraded"]"#),
        ("websocket", r#"2["hello","websocket"]"#),
        ("polling", r#"2["hello","polling"]"#),
    ] {
        let sid = results[case]["sid"]
            .as_str()
            .unwrap_or_else(|| panic!("no sid for {case}: {results}"));
        assert_eq!(results[case]["echoed"], text, "{case}: {results}");
        assert_eq!(
            server.message(sid).await,
            Message::Text(text.to_owned().into()),
            "{case}"
        );
        assert_eq!(server.closed(sid).await, CloseReason::TransportClose, "{case}");
    }
}
