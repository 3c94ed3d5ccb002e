//! Real npm `socket.io-client` clients (4.8.4, in `tests/js`) under a
//! test's control: one Node process running `tests/js/cluster_driver.mjs`,
//! which holds any number of named clients and answers one JSON line per
//! command (see the script's header for the protocol).
//!
//! One copy for every test crate of the workspace, included with
//! `#[path = "../../tests/support/js_driver.rs"] mod js_driver;` (or
//! `#[path = "support/js_driver.rs"]` from the root `tests`). Node is
//! `$SIO_TEST_NODE` (default `node`) with the packages `npm ci` installed in
//! `tests/js`; `./scripts/test.sh` provides both, and a missing one fails
//! the test. It finds `tests/js` on its own (like `clients.rs`, whose
//! `js_dir` it does not need).
//!
//! Every command is bounded: the driver's own timeout (the `timeout`
//! arguments) plus [`GRACE`], so a hung driver fails the test instead of
//! hanging it.

#![allow(dead_code)]

use crate::node_process;
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How much longer than the driver's own timeout a command may take.
pub const GRACE: Duration = Duration::from_secs(5);
/// The bound of commands that do not wait for anything.
const QUICK: Duration = Duration::from_secs(5);

/// Replies not received yet, by command id; `None` once the driver's
/// stdout has closed.
type Pending = Arc<Mutex<Option<HashMap<u64, oneshot::Sender<Value>>>>>;

/// The driver process and its clients; killed when dropped.
#[derive(Debug)]
pub struct JsDriver {
    child: Child,
    stdin: tokio::sync::Mutex<Option<ChildStdin>>,
    pending: Pending,
    next_id: AtomicU64,
    tasks: Vec<JoinHandle<()>>,
}

impl JsDriver {
    /// Starts `node cluster_driver.mjs` in `tests/js`; fails the test when
    /// Node or the packages are missing.
    pub async fn start() -> JsDriver {
        let mut child = node_process::spawn_node(&["cluster_driver.mjs"], Stdio::piped(), &["socket.io-client"]);
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let pending: Pending = Arc::new(Mutex::new(Some(HashMap::new())));

        let routes = pending.clone();
        let reader = tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let reply: Value = match serde_json::from_str(&line) {
                    Ok(reply) => reply,
                    Err(_) => {
                        eprintln!("[js driver stdout] {line}");
                        continue;
                    }
                };
                let waiter = reply["id"]
                    .as_u64()
                    .and_then(|id| routes.lock().expect("pending replies").as_mut()?.remove(&id));
                match waiter {
                    // The caller may have given up on it (its deadline passed).
                    Some(waiter) => drop(waiter.send(reply)),
                    None => eprintln!("[js driver] reply nobody waits for: {line}"),
                }
            }
            // Dropping the senders tells every waiting caller the driver is gone.
            routes.lock().expect("pending replies").take();
        });
        let forwarder = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[js driver] {line}");
            }
        });
        JsDriver {
            child,
            stdin: tokio::sync::Mutex::new(Some(stdin)),
            pending,
            next_id: AtomicU64::new(1),
            tasks: vec![reader, forwarder],
        }
    }

    /// Sends `cmd` (a JSON object; its `id` is set here) and returns the
    /// reply's `result`, or its `error`; an error too when the driver does
    /// not answer within `limit` or has exited.
    pub async fn call(&self, mut cmd: Value, limit: Duration) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let Some(fields) = cmd.as_object_mut() else {
            return Err(format!("a driver command is a JSON object, not {cmd}"));
        };
        fields.insert("id".to_owned(), id.into());
        let (sender, reply) = oneshot::channel();
        match self.pending.lock().expect("pending replies").as_mut() {
            Some(waiting) => waiting.insert(id, sender),
            None => return Err(format!("the driver has exited; cannot send {cmd}")),
        };
        let mut line = cmd.to_string();
        line.push('\n');
        let written = async {
            let mut stdin = self.stdin.lock().await;
            let stdin = stdin.as_mut().ok_or("the driver's stdin is closed")?;
            stdin
                .write_all(line.as_bytes())
                .await
                .map_err(|error| error.to_string())?;
            stdin.flush().await.map_err(|error| error.to_string())
        };
        let outcome = match tokio::time::timeout(limit, written).await {
            Ok(Ok(())) => match tokio::time::timeout(limit, reply).await {
                Ok(Ok(reply)) => Ok(reply),
                Ok(Err(_)) => Err(format!("the driver exited before answering {cmd}")),
                Err(_) => Err(format!("the driver did not answer {cmd} within {limit:?}")),
            },
            Ok(Err(error)) => Err(format!("cannot send {cmd} to the driver: {error}")),
            Err(_) => Err(format!("sending {cmd} to the driver took more than {limit:?}")),
        };
        let reply = outcome.inspect_err(|_| self.forget(id))?;
        if reply["ok"] == Value::Bool(true) {
            Ok(reply["result"].clone())
        } else {
            Err(reply["error"].as_str().map_or_else(|| reply.to_string(), str::to_owned))
        }
    }

    /// Connects a new client named `client` to `url` (the namespace is its
    /// path: `http://127.0.0.1:PORT/chat`), with `opts` as `io(url, opts)`
    /// takes them (`transports`, `auth`, `reconnection`, ...; each client
    /// gets its own Engine.IO session unless `forceNew: false`) plus
    /// `timeoutMs` (default 5000). Returns the socket id, or the last
    /// `connect_error` message.
    pub async fn connect(&self, client: &str, url: &str, opts: Value) -> Result<String, String> {
        let wait = opts["timeoutMs"]
            .as_u64()
            .map_or(Duration::from_secs(5), Duration::from_millis);
        let result = self
            .call(
                json!({"cmd": "connect", "client": client, "url": url, "opts": opts}),
                wait + GRACE,
            )
            .await?;
        sid_of(&result)
    }

    /// How `client` answers events that carry an ack (`ask`): with
    /// `{client, args}` after `delay_ms`, or never when `answer` is false.
    pub async fn configure(&self, client: &str, answer: bool, delay_ms: u64) {
        self.quick(json!({"cmd": "configure", "client": client, "answer": answer, "answerDelayMs": delay_ms}))
            .await;
    }

    /// Emits `event` with `args` from `client`, without an ack. Binary is
    /// `{"$bin": hex}`.
    pub async fn emit(&self, client: &str, event: &str, args: Vec<Value>) {
        self.quick(json!({"cmd": "emit", "client": client, "event": event, "args": args, "ack": false}))
            .await;
    }

    /// Emits `event` with `args` from `client` and returns the arguments of
    /// the server's ack; `Err("ack timeout")` after 5 s without one.
    pub async fn emit_ack(&self, client: &str, event: &str, args: Vec<Value>) -> Result<Vec<Value>, String> {
        self.emit_ack_within(client, event, args, Duration::from_secs(5)).await
    }

    /// [`JsDriver::emit_ack`] with the client's ack timeout `timeout`.
    pub async fn emit_ack_within(
        &self,
        client: &str,
        event: &str,
        args: Vec<Value>,
        timeout: Duration,
    ) -> Result<Vec<Value>, String> {
        let cmd = json!({
            "cmd": "emit", "client": client, "event": event, "args": args, "ack": true,
            "timeoutMs": millis(timeout),
        });
        array(self.call(cmd, timeout + GRACE).await?)
    }

    /// Waits until `client` has received at least `count` events named
    /// `event` since it connected (or since [`JsDriver::clear`]), and
    /// returns the argument arrays of the first `count`. The error says how
    /// many it had at `timeout`.
    pub async fn wait_event(
        &self,
        client: &str,
        event: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Value>, String> {
        let cmd = json!({
            "cmd": "wait_event", "client": client, "event": event, "count": count, "timeoutMs": millis(timeout),
        });
        array(self.call(cmd, timeout + GRACE).await?)
    }

    /// The argument arrays of every `event` that `client` received so far.
    pub async fn events(&self, client: &str, event: &str) -> Vec<Value> {
        let result = self
            .quick(json!({"cmd": "events", "client": client, "event": event}))
            .await;
        array(result).unwrap_or_else(|error| panic!("events of {client}: {error}"))
    }

    /// Forgets the events `client` received so far.
    pub async fn clear(&self, client: &str) {
        self.quick(json!({"cmd": "clear", "client": client})).await;
    }

    /// The reason `client` disconnected: at once when it is disconnected
    /// now, else the next disconnect within `timeout`.
    pub async fn wait_disconnect(&self, client: &str, timeout: Duration) -> Result<String, String> {
        let cmd = json!({"cmd": "wait_disconnect", "client": client, "timeoutMs": millis(timeout)});
        let reason = self.call(cmd, timeout + GRACE).await?;
        reason
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("disconnect reason {reason}"))
    }

    /// The socket id of `client`'s next connect after a disconnect (at once
    /// when it has reconnected since the last call and is connected).
    pub async fn wait_reconnect(&self, client: &str, timeout: Duration) -> Result<String, String> {
        let cmd = json!({"cmd": "wait_reconnect", "client": client, "timeoutMs": millis(timeout)});
        sid_of(&self.call(cmd, timeout + GRACE).await?)
    }

    /// Disconnects `client` (`socket.disconnect()`); its events stay
    /// readable, and its name can be connected again.
    pub async fn close(&self, client: &str) {
        self.quick(json!({"cmd": "close", "client": client})).await;
    }

    /// Closes every client, lets the driver exit and waits for it (5 s at
    /// most, then kills it). Later calls fail.
    pub async fn shutdown(&mut self) {
        if let Err(error) = self.call(json!({"cmd": "exit"}), QUICK).await {
            eprintln!("[js driver] exit: {error}");
        }
        self.stdin.lock().await.take();
        match tokio::time::timeout(QUICK, self.child.wait()).await {
            Ok(Ok(status)) if status.success() => {}
            Ok(Ok(status)) => eprintln!("[js driver] exited with {status}"),
            Ok(Err(error)) => eprintln!("[js driver] waiting for it: {error}"),
            Err(_) => {
                eprintln!("[js driver] still running {QUICK:?} after exit: killing it");
                let _ = self.child.start_kill();
                let _ = self.child.wait().await;
            }
        }
    }

    /// A command that waits for nothing: fails the test when it fails.
    async fn quick(&self, cmd: Value) -> Value {
        let shown = cmd.to_string();
        self.call(cmd, QUICK)
            .await
            .unwrap_or_else(|error| panic!("driver command {shown}: {error}"))
    }

    fn forget(&self, id: u64) {
        if let Some(waiting) = self.pending.lock().expect("pending replies").as_mut() {
            waiting.remove(&id);
        }
    }
}

impl Drop for JsDriver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn array(value: Value) -> Result<Vec<Value>, String> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(format!("expected an array from the driver, got {other}")),
    }
}

fn sid_of(result: &Value) -> Result<String, String> {
    result["sid"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("expected {{sid}} from the driver, got {result}"))
}
