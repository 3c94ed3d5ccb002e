//! Runs the JavaScript test clients of `tests/js` with Node.
//!
//! One copy for every test crate of the workspace, included with
//! `#[path = ".../tests/support/node.rs"] mod node;`. Node is
//! `$SIO_TEST_NODE` (default `node`); the packages are those `npm ci`
//! installed in `tests/js`. `./scripts/test.sh` provides both. A missing
//! node or package fails the test with what to do: it never skips.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// The `tests/js` folder of the repository, checked to be installed.
pub fn js_dir() -> PathBuf {
    let js = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("tests").join("js"))
        .find(|js| js.join("package.json").is_file())
        .expect("no tests/js/package.json above this crate");
    assert!(
        js.join("node_modules").join("socket.io-client").is_dir(),
        "the JavaScript test clients are not installed in {}: run ./scripts/test.sh (it runs npm ci there)",
        js.display()
    );
    js
}

/// Runs `node args...` in `tests/js`, fails the test when it does not exit
/// successfully within `limit`, and returns what it printed on stdout.
pub async fn run_node(args: &[&str], limit: Duration) -> String {
    let node = std::env::var("SIO_TEST_NODE").unwrap_or_else(|_| "node".to_owned());
    let child = tokio::process::Command::new(&node)
        .args(args)
        .current_dir(js_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| {
            panic!("cannot run `{node}` ({error}): install Node.js >= 20 or set SIO_TEST_NODE; ./scripts/test.sh checks this")
        });
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("node {args:?} did not finish within {limit:?}"))
        .expect("waiting for node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node {args:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    stdout
}

/// Like [`run_node`], for a script that prints its results as JSON on its
/// last line.
pub async fn run_node_json(args: &[&str], limit: Duration) -> serde_json::Value {
    let stdout = run_node(args, limit).await;
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .unwrap_or_else(|error| panic!("node {args:?} printed no JSON result ({error}):\n{stdout}"))
}
