//! Runs `tests/js/socketio_*.mjs` with the npm `socket.io-client`.
//!
//! Node is `$SIO_TEST_NODE` (default `node`), the packages come from
//! `$SIO_NODE_MODULES` (default `tests/js/node_modules`); `./scripts/test.sh`
//! sets both. A missing node or package fails the test: it never skips.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value as Json;

use super::Transport;

/// How long one script may run (each script has a shorter timeout of its
/// own and reports what it was waiting for).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(60);

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

/// Runs `tests/js/<script> <url> <transport>` and returns the JSON it
/// printed on its last stdout line, failing the test if node is missing,
/// the script fails, or it prints no JSON.
pub async fn run(script: &str, url: &str, transport: Transport) -> Json {
    let node = std::env::var("SIO_TEST_NODE").unwrap_or_else(|_| "node".to_owned());
    let modules = node_modules();
    assert!(
        modules.join("socket.io-client").is_dir(),
        "socket.io-client is not installed in {}: run ./scripts/test.sh (it runs npm ci in tests/js)",
        modules.display()
    );
    let child = tokio::process::Command::new(&node)
        .arg(script)
        .arg(url)
        .arg(transport.name())
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
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} did not finish within {SCRIPT_TIMEOUT:?}"))
        .expect("waiting for node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} ({}) failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        transport.name(),
        output.status
    );
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{script} printed no JSON result ({e}):\n{stdout}\n{stderr}"))
}
