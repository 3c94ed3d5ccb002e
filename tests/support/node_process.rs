//! Starting `node` on a script of `tests/js`: the part the cluster tools
//! (`js_driver.rs`, `node_cluster.rs`) share. A test crate that includes
//! either declares it at its root too:
//! `#[path = "support/node_process.rs"] mod node_process;`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, Command};

/// `tests/js`, checked to have `packages` installed under `node_modules`.
pub fn js_dir(packages: &[&str]) -> PathBuf {
    let js = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("tests").join("js"))
        .find(|js| js.join("package.json").is_file())
        .expect("no tests/js/package.json above this crate");
    for package in packages {
        assert!(
            js.join("node_modules").join(package).is_dir(),
            "{package} is not installed in {}: run ./scripts/test.sh (it runs npm ci there)",
            js.display()
        );
    }
    js
}

/// Spawns `node args...` in `tests/js` (`$SIO_TEST_NODE`, else `node`)
/// with `stdin`, stdout and stderr piped, killed when dropped; fails the
/// test with what to do when Node cannot run.
pub fn spawn_node(args: &[&str], stdin: Stdio, packages: &[&str]) -> Child {
    let node = std::env::var("SIO_TEST_NODE").unwrap_or_else(|_| "node".to_owned());
    Command::new(&node)
        .args(args)
        .current_dir(js_dir(packages))
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| {
            panic!("cannot run `{node}` ({error}): install Node.js >= 20 or set SIO_TEST_NODE; ./scripts/test.sh checks this")
        })
}
