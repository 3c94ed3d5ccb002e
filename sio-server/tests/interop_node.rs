//! Interop smoke test: the npm `socket.io-client` (its Engine.IO layer)
//! handshakes, upgrades and exchanges messages with the server.
//!
//! Runs `tests/js/engine_smoke.mjs` with `$SIO_TEST_NODE` (default `node`).
//! The npm packages come from `tests/js/package.json`; `./scripts/test.sh`
//! installs them. A missing node or package fails the test: it never skips.

mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use sio_server::engine::{CloseReason, Message};
use support::TestServer;

fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("js")
}

fn node_modules() -> PathBuf {
    std::env::var_os("SIO_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| js_dir().join("node_modules"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_client_handshakes_upgrades_and_echoes() {
    let node = std::env::var("SIO_TEST_NODE").unwrap_or_else(|_| "node".to_owned());
    let modules = node_modules();
    assert!(
        modules.join("socket.io-client").is_dir(),
        "socket.io-client is not installed in {}: run ./scripts/test.sh (it runs npm ci in tests/js)",
        modules.display()
    );

    let server = TestServer::start_default().await;
    let child = tokio::process::Command::new(&node)
        .arg("engine_smoke.mjs")
        .arg(format!("http://{}", server.addr))
        .current_dir(js_dir())
        .env("NODE_PATH", &modules)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{node}` ({e}): install Node.js >= 20 or set SIO_TEST_NODE; ./scripts/test.sh checks this"
            )
        });
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("engine_smoke.mjs did not finish within 30 s")
        .expect("waiting for node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "engine_smoke.mjs failed ({}):\n{stdout}\n{stderr}",
        output.status
    );

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
