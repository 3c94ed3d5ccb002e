//! A node of a Socket.IO cluster in Node: `tests/js/cluster_server.mjs`,
//! the npm `socket.io` 4.8 server with `@socket.io/redis-adapter` 8.3 on
//! node-redis v4, on a free loopback port. It serves the event protocol the
//! script's header describes, as the sio test nodes do, so the clients of
//! `js_driver.rs` can talk to either.
//!
//! One copy for every test crate of the workspace, included with
//! `#[path = "../../tests/support/node_cluster.rs"] mod node_cluster;` (or
//! `#[path = "support/node_cluster.rs"]` from the root `tests`). Node is
//! `$SIO_TEST_NODE` (default `node`) with the packages `npm ci` installed in
//! `tests/js`; `./scripts/test.sh` provides both, and a missing one fails
//! the test. It finds `tests/js` on its own.

#![allow(dead_code)]

use crate::node_process;
use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// How long a start may take until `listening PORT`.
const LISTENING_WITHIN: Duration = Duration::from_secs(20);
/// How long [`NodeClusterServer::stop`] waits after SIGTERM before SIGKILL.
const STOP_WITHIN: Duration = Duration::from_secs(10);
/// Fresh ports tried when the chosen one was taken before Node bound it.
const PORT_ATTEMPTS: usize = 3;
/// Lines of stderr kept for the failure messages.
const TAIL_LINES: usize = 60;

/// A running `cluster_server.mjs`, killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct NodeClusterServer {
    name: String,
    redis_url: String,
    key_prefix: Option<String>,
    port: u16,
    child: Option<Child>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    tasks: Vec<JoinHandle<()>>,
}

/// Why one spawn did not print `listening PORT`.
enum NotListening {
    AddressInUse,
    Failed(String),
}

impl NodeClusterServer {
    /// Starts a node named `name` (what `whoami` answers) on a free port,
    /// with the adapter on `redis_url` under `key_prefix` (default
    /// `socket.io`); returns once it listens and its adapter has
    /// subscribed. Fails the test otherwise, with the end of its stderr.
    pub async fn start(redis_url: &str, name: &str, key_prefix: Option<&str>) -> NodeClusterServer {
        let mut server = NodeClusterServer {
            name: name.to_owned(),
            redis_url: redis_url.to_owned(),
            key_prefix: key_prefix.map(str::to_owned),
            port: 0,
            child: None,
            stderr_tail: Arc::default(),
            tasks: Vec::new(),
        };
        for _ in 0..PORT_ATTEMPTS {
            server.port = free_port();
            match server.spawn_until_listening(Instant::now() + LISTENING_WITHIN).await {
                Ok(()) => return server,
                Err(NotListening::AddressInUse) => continue,
                Err(NotListening::Failed(why)) => panic!("{why}"),
            }
        }
        panic!("node {name}: each of {PORT_ATTEMPTS} free ports was taken before it could listen")
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of `namespace` for `io(url)`: `http://127.0.0.1:PORT` for
    /// `/`, `http://127.0.0.1:PORT/chat` for `/chat`.
    pub fn url(&self, namespace: &str) -> String {
        let path = if namespace == "/" { "" } else { namespace };
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The last lines it wrote on stderr.
    pub fn stderr_tail(&self) -> String {
        tail_text(&self.stderr_tail)
    }

    /// Kills it (SIGKILL: its clients' connections drop, its Redis
    /// connections too, without a goodbye) and waits for it to be gone.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // An error means it has exited already; `wait` reaps it either way.
            let _ = child.start_kill();
            tokio::time::timeout(STOP_WITHIN, child.wait())
                .await
                .unwrap_or_else(|_| panic!("node {} did not exit within {STOP_WITHIN:?} of SIGKILL", self.name))
                .expect("waiting for node");
        }
    }

    /// Stops it gracefully (SIGTERM: socket.io closes its clients, the Redis
    /// clients quit) and waits for it; kills it after 10 s.
    pub async fn stop(&mut self) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        if let Some(pid) = child.id() {
            let sent = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await
                .map(|status| status.success());
            if !matches!(sent, Ok(true)) {
                eprintln!("[node {}] kill -TERM {pid}: {sent:?}", self.name);
            }
        }
        match tokio::time::timeout(STOP_WITHIN, child.wait()).await {
            Ok(Ok(status)) if status.success() => {}
            Ok(Ok(status)) => eprintln!("[node {}] exited with {status} after SIGTERM", self.name),
            Ok(Err(error)) => eprintln!("[node {}] waiting for it: {error}", self.name),
            Err(_) => eprintln!(
                "[node {}] still running {STOP_WITHIN:?} after SIGTERM: killing it",
                self.name
            ),
        }
        self.kill().await;
    }

    /// Starts it again on the same port, with the same name and Redis
    /// (stopping it first with SIGKILL if it runs). Its sockets are new: the
    /// clients reconnect by themselves and rejoin nothing but what their
    /// `auth.rooms` says.
    pub async fn restart(&mut self) {
        self.kill().await;
        let deadline = Instant::now() + LISTENING_WITHIN;
        loop {
            match self.spawn_until_listening(deadline).await {
                Ok(()) => return,
                Err(NotListening::AddressInUse) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(NotListening::AddressInUse) => {
                    panic!(
                        "node {}: port {} still taken after {LISTENING_WITHIN:?}",
                        self.name, self.port
                    )
                }
                Err(NotListening::Failed(why)) => panic!("{why}"),
            }
        }
    }

    async fn spawn_until_listening(&mut self, deadline: Instant) -> Result<(), NotListening> {
        for task in self.tasks.drain(..) {
            task.abort();
        }
        self.stderr_tail.lock().expect("stderr tail").clear();
        let port = self.port.to_string();
        let mut args = vec!["cluster_server.mjs", &port, &self.redis_url, &self.name];
        args.extend(self.key_prefix.as_deref());
        let packages = ["socket.io", "@socket.io/redis-adapter", "redis"];
        let mut child = node_process::spawn_node(&args, Stdio::null(), &packages);
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");

        let tail = self.stderr_tail.clone();
        let prefix = format!("[node {}]", self.name);
        let forward_prefix = prefix.clone();
        let forwarder = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("{forward_prefix} {line}");
                let mut tail = tail.lock().expect("stderr tail");
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });

        let mut stdout = BufReader::new(stdout).lines();
        let expected = format!("listening {port}");
        let waited = tokio::time::timeout_at(deadline.into(), async {
            loop {
                match stdout.next_line().await {
                    Ok(Some(line)) if line.trim() == expected => return true,
                    Ok(Some(line)) => eprintln!("{prefix} stdout: {line}"),
                    Ok(None) | Err(_) => return false,
                }
            }
        })
        .await;
        match waited {
            Ok(true) => {
                let drain = tokio::spawn(async move {
                    while let Ok(Some(line)) = stdout.next_line().await {
                        eprintln!("{prefix} stdout: {line}");
                    }
                });
                self.child = Some(child);
                self.tasks = vec![forwarder, drain];
                Ok(())
            }
            Ok(false) => {
                // Its stdout closed: it is exiting. Let stderr reach the tail first.
                let status = match tokio::time::timeout(STOP_WITHIN, child.wait()).await {
                    Ok(Ok(status)) => status.to_string(),
                    Ok(Err(error)) => format!("status unknown: {error}"),
                    Err(_) => "still running after its stdout closed".to_owned(),
                };
                let _ = tokio::time::timeout(Duration::from_secs(2), forwarder).await;
                let tail = tail_text(&self.stderr_tail);
                if tail.contains("EADDRINUSE") {
                    return Err(NotListening::AddressInUse);
                }
                Err(NotListening::Failed(format!(
                    "node {} (cluster_server.mjs on port {port}, redis {}) exited ({status}) before listening; \
                     stderr:\n{tail}",
                    self.name, self.redis_url
                )))
            }
            Err(_) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                forwarder.abort();
                Err(NotListening::Failed(format!(
                    "node {} (cluster_server.mjs on port {port}, redis {}) did not print `{expected}` within \
                     {LISTENING_WITHIN:?}; stderr:\n{}",
                    self.name,
                    self.redis_url,
                    tail_text(&self.stderr_tail)
                )))
            }
        }
    }
}

impl Drop for NodeClusterServer {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("binding 127.0.0.1:0")
        .port()
}

fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
    let tail = tail.lock().expect("stderr tail");
    tail.iter().map(String::as_str).collect::<Vec<_>>().join("\n")
}
