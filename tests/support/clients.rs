//! Runs the test clients: the JavaScript ones of `tests/js` with Node, the
//! Python ones of `tests/python` with the virtualenv's Python.
//!
//! One copy for every test crate of the workspace, included with
//! `#[path = ".../tests/support/clients.rs"] mod clients;`. Node is
//! `$SIO_TEST_NODE` (default `node`) with the packages `npm ci` installed in
//! `tests/js`; Python is `$SIO_TEST_PYTHON` (default
//! `tests/python/.venv/bin/python`). `./scripts/test.sh` provides them all.
//! A missing one fails the test with what to do: it never skips.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// The repository's `tests` folder.
fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("tests"))
        .find(|tests| tests.join("js").join("package.json").is_file())
        .expect("no tests/js/package.json above this crate")
}

/// The `tests/js` folder of the repository, checked to be installed.
pub fn js_dir() -> PathBuf {
    let js = tests_dir().join("js");
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
    run(
        Path::new(&node),
        args,
        &js_dir(),
        limit,
        "install Node.js >= 20 or set SIO_TEST_NODE",
    )
    .await
}

/// The Python that has the pinned test clients: `$SIO_TEST_PYTHON`, else
/// `tests/python/.venv/bin/python`; fails the test when neither exists.
pub fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("SIO_TEST_PYTHON") {
        return python.into();
    }
    let venv = tests_dir().join("python/.venv/bin/python");
    assert!(
        venv.exists(),
        "{} is missing: run ./scripts/test.sh (it creates the venv from tests/python/requirements.txt) or set \
         SIO_TEST_PYTHON",
        venv.display()
    );
    venv
}

/// Runs the Python of [`python`] with `args` in `tests/python`, fails the
/// test when it does not exit successfully within `limit`, and returns
/// what it printed on stdout.
pub async fn run_python(args: &[&str], limit: Duration) -> String {
    run(
        &python(),
        args,
        &tests_dir().join("python"),
        limit,
        "set SIO_TEST_PYTHON",
    )
    .await
}

/// Runs `program args...` in `dir` and returns its stdout; fails the test
/// when it cannot start (with `remedy`), times out, or exits unsuccessfully.
async fn run(program: &Path, args: &[&str], dir: &Path, limit: Duration, remedy: &str) -> String {
    let shown = program.display();
    let child = tokio::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run `{shown}` ({error}): {remedy}; ./scripts/test.sh checks this"));
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{shown} {args:?} did not finish within {limit:?}"))
        .expect("waiting for the client");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{shown} {args:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
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
