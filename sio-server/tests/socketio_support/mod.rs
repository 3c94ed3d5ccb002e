//! Shared fixtures for the Socket.IO integration tests.
//!
//! - [`TestIo`] serves a [`SocketIo`] on a free port of 127.0.0.1, each
//!   namespace run by a [`Script`], and lets the test await every hook call
//!   ([`Hook`]): connect with its auth, each event, disconnect with its
//!   reason and the rooms the socket had inside the hook.
//! - [`RawClient`] drives the wire by hand over either [`Transport`].
//! - [`node`] runs the `tests/js/socketio_*.mjs` scripts (npm
//!   `socket.io-client`).
//! - [`both_transports!`] turns one scenario into a `polling` and a
//!   `websocket` test.
//!
//! Nothing here sleeps to wait for something: every wait is an await on an
//! event with [`TIMEOUT`], after which the test fails. Short sleeps appear
//! only to prove that something does not happen.

#![allow(dead_code, unused_imports, unused_macros)]

#[path = "../support/http.rs"]
pub mod http;
#[path = "../support/ws.rs"]
pub mod ws;

pub mod client;
pub mod node;
pub mod packet;
pub mod script;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value as Json;
use sio_core::Value;
use sio_server::config::EngineConfig;
use sio_server::socketio::{
    AckError, AckResponses, Adapter, DisconnectReason, Server, Socket, SocketIo, SocketIoConfig,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

pub use client::{Outgoing, RawClient, Transport};
pub use packet::{SioPacket, binary_json, placeholder};
pub use script::{Hook, Recorder, Script};

/// How long any awaited event may take before the test fails. Generous, so
/// that a loaded machine does not fail tests that are not about timing.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How long a test watches to prove that something does not happen.
pub const QUIET: Duration = Duration::from_millis(300);

/// Awaits `future`, failing the test with `what` after [`TIMEOUT`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(TIMEOUT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {TIMEOUT:?} waiting for {what}"),
    }
}

/// Parses an open packet (`0{...}`), failing the test if it is not one.
pub fn parse_open(packet: &str) -> Json {
    let Some(json) = packet.strip_prefix('0') else {
        panic!("expected an open packet, got {packet:?}");
    };
    serde_json::from_str(json).unwrap_or_else(|e| panic!("open packet {packet:?} is not JSON: {e}"))
}

/// A JSON value as a [`Value`].
pub fn value(json: Json) -> Value {
    Value::from(json)
}

/// Values as JSON, failing on binary leaves.
pub fn json_of(values: &[Value]) -> Json {
    Json::Array(
        values
            .iter()
            .map(|v| Json::try_from(v.clone()).expect("JSON-only value"))
            .collect(),
    )
}

/// Waits until `condition` holds, checking every 10 ms, failing the test
/// after [`TIMEOUT`]. For state that changes right after a hook returns,
/// with no event of its own to await.
pub async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    within(what, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// Generates `mod $scenario { polling, websocket }`, two tests running
/// `async fn $scenario(transport: Transport)` on each transport.
macro_rules! both_transports {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn polling() {
                super::$scenario(crate::socketio_support::Transport::Polling).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn websocket() {
                super::$scenario(crate::socketio_support::Transport::WebSocket).await;
            }
        }
    )+};
}
pub(crate) use both_transports;

/// Creates the adapter of each namespace.
pub type AdapterFactory = Box<dyn Fn(&str) -> std::sync::Arc<dyn Adapter> + Send + Sync>;

/// What [`TestIo::start`] serves.
pub struct Setup {
    engine: EngineConfig,
    config: SocketIoConfig,
    namespaces: Vec<(String, Script)>,
    adapter: Option<AdapterFactory>,
}

impl Setup {
    /// Default configurations, no namespace.
    pub fn new() -> Setup {
        Setup {
            engine: EngineConfig::default(),
            config: SocketIoConfig::default(),
            namespaces: Vec::new(),
            adapter: None,
        }
    }

    /// `/` and `/custom`, both [`Script::standard`].
    pub fn standard() -> Setup {
        Setup::new()
            .namespace("/", Script::standard())
            .namespace("/custom", Script::standard())
    }

    /// Registers `name`, run by `script`.
    pub fn namespace(mut self, name: &str, script: Script) -> Setup {
        self.namespaces.push((name.to_owned(), script));
        self
    }

    /// Sets the Engine.IO configuration.
    pub fn engine(mut self, engine: EngineConfig) -> Setup {
        self.engine = engine;
        self
    }

    /// Uses `factory` for the namespaces' adapters.
    pub fn adapter(mut self, factory: impl Fn(&str) -> std::sync::Arc<dyn Adapter> + Send + Sync + 'static) -> Setup {
        self.adapter = Some(Box::new(factory));
        self
    }

    /// Changes the Socket.IO configuration.
    pub fn config(mut self, change: impl FnOnce(&mut SocketIoConfig)) -> Setup {
        change(&mut self.config);
        self
    }
}

struct Hooks {
    receiver: mpsc::UnboundedReceiver<Hook>,
    /// Records received while waiting for another one, kept in order.
    pending: Vec<Hook>,
}

/// A Socket.IO server on 127.0.0.1 whose handlers report to the test.
pub struct TestIo {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The server.
    pub io: SocketIo,
    hooks: tokio::sync::Mutex<Hooks>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    serving: Mutex<Option<JoinHandle<std::io::Result<()>>>>,
}

impl TestIo {
    /// Builds and serves `setup` on a free port.
    pub async fn start(setup: Setup) -> TestIo {
        let (sender, receiver) = mpsc::unbounded_channel();
        let recorder = Recorder(sender);
        let mut builder = SocketIo::builder().engine_config(setup.engine).config(setup.config);
        if let Some(factory) = setup.adapter {
            builder = builder.adapter(factory);
        }
        for (name, script) in setup.namespaces {
            let recorder = recorder.clone();
            builder = builder.namespace(name, move || script.handler(recorder.clone()));
        }
        let io = builder.build().expect("valid Socket.IO setup");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = {
            let io = io.clone();
            tokio::spawn(async move {
                io.serve(listener, async move {
                    let _ = stopped.await;
                })
                .await
            })
        };
        TestIo {
            addr,
            io,
            hooks: tokio::sync::Mutex::new(Hooks {
                receiver,
                pending: Vec::new(),
            }),
            stop: Mutex::new(Some(stop)),
            serving: Mutex::new(Some(serving)),
        }
    }

    /// [`Setup::standard`] served.
    pub async fn standard() -> TestIo {
        TestIo::start(Setup::standard()).await
    }

    /// The server handle.
    pub fn server(&self) -> &Server {
        self.io.server()
    }

    /// The URL of the server (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Opens a raw session on `transport`.
    pub async fn open(&self, transport: Transport) -> RawClient {
        RawClient::open(self.addr, transport).await
    }

    /// Opens a raw session and connects `namespace`; returns the client
    /// and the server-side socket (from its connect hook).
    pub async fn join(&self, transport: Transport, namespace: &str) -> (RawClient, Socket) {
        let (client, id) = RawClient::connected(self.addr, transport, namespace).await;
        let socket = self.connected_id(&id).await;
        (client, socket)
    }

    /// Connects `namespace` on an open session; returns the socket.
    pub async fn join_more(&self, client: &mut RawClient, namespace: &str) -> Socket {
        let id = client.connect(namespace).await;
        self.connected_id(&id).await
    }

    /// Stops serving and waits until `serve` returned (every disconnect
    /// hook has run by then).
    pub async fn shutdown(&self) {
        if let Some(stop) = lock(&self.stop).take() {
            let _ = stop.send(());
        }
        let serving = lock(&self.serving).take();
        if let Some(serving) = serving {
            // Longer than the server's own 10 s grace period, so that a
            // slow shutdown is measured by the test, not cut here.
            tokio::time::timeout(Duration::from_secs(30), serving)
                .await
                .expect("serve returns within 30 s of the shutdown")
                .expect("serve task")
                .expect("serve result");
        }
    }

    /// Waits for the first record (in order) that `matches`, keeping the
    /// others for later waits.
    pub async fn hook(&self, what: &str, matches: impl Fn(&Hook) -> bool) -> Hook {
        let mut hooks = self.hooks.lock().await;
        if let Some(index) = hooks.pending.iter().position(&matches) {
            return hooks.pending.remove(index);
        }
        let hooks = &mut *hooks;
        let found = tokio::time::timeout(TIMEOUT, async {
            loop {
                let hook = hooks.receiver.recv().await.expect("the recorder lives");
                if matches(&hook) {
                    return hook;
                }
                hooks.pending.push(hook);
            }
        })
        .await;
        match found {
            Ok(hook) => hook,
            Err(_) => panic!(
                "timed out after {TIMEOUT:?} waiting for {what}; other records: {:#?}",
                hooks.pending
            ),
        }
    }

    /// Whether a record that `matches` has been sent already, without
    /// waiting (the record stays available to later waits).
    pub async fn recorded_now(&self, matches: impl Fn(&Hook) -> bool) -> bool {
        let mut hooks = self.hooks.lock().await;
        while let Ok(hook) = hooks.receiver.try_recv() {
            hooks.pending.push(hook);
        }
        hooks.pending.iter().any(matches)
    }

    /// Fails if a record that `matches` arrives within `period`.
    pub async fn assert_no_hook(&self, what: &str, period: Duration, matches: impl Fn(&Hook) -> bool) {
        let mut hooks = self.hooks.lock().await;
        if let Some(hook) = hooks.pending.iter().find(|hook| matches(hook)) {
            panic!("unexpected {what}: {hook:#?}");
        }
        let hooks = &mut *hooks;
        let _ = tokio::time::timeout(period, async {
            while let Some(hook) = hooks.receiver.recv().await {
                if matches(&hook) {
                    panic!("unexpected {what}: {hook:#?}");
                }
                hooks.pending.push(hook);
            }
        })
        .await;
    }

    /// The next accepted or refused connection to `namespace`: the socket
    /// and the auth its hook received.
    pub async fn connected(&self, namespace: &str) -> (Socket, Option<Value>) {
        let hook = self
            .hook(
                &format!("a connection to {namespace}"),
                |h| matches!(h, Hook::Connect { socket, .. } if socket.namespace() == namespace),
            )
            .await;
        match hook {
            Hook::Connect { socket, auth, .. } => (socket, auth),
            other => unreachable!("{other:?}"),
        }
    }

    /// The connection of socket `id` (from its connect hook).
    pub async fn connected_id(&self, id: &str) -> Socket {
        let hook = self
            .hook(&format!("the connect hook of {id}"), |h| {
                matches!(h, Hook::Connect { .. }) && h.id() == id
            })
            .await;
        hook.socket().clone()
    }

    /// The next event `name` on socket `id`: its args and whether it asked
    /// for an ack.
    pub async fn event(&self, id: &str, name: &str) -> (Vec<Value>, bool) {
        let hook = self
            .hook(&format!("event {name:?} on {id}"), |h| {
                matches!(h, Hook::Event { name: n, .. } if n == name) && h.id() == id
            })
            .await;
        match hook {
            Hook::Event { args, with_ack, .. } => (args, with_ack),
            other => unreachable!("{other:?}"),
        }
    }

    /// The disconnect hook of socket `id`: its reason and the rooms it saw.
    pub async fn disconnected(&self, id: &str) -> (DisconnectReason, Vec<String>) {
        let hook = self
            .hook(&format!("the disconnect hook of {id}"), |h| {
                matches!(h, Hook::Disconnect { .. }) && h.id() == id
            })
            .await;
        match hook {
            Hook::Disconnect { reason, rooms, .. } => (reason, rooms),
            other => unreachable!("{other:?}"),
        }
    }

    /// Fails if the disconnect hook of `id` runs within [`QUIET`] (to prove
    /// it ran exactly once, or not at all).
    pub async fn assert_no_disconnect(&self, id: &str) {
        self.assert_no_hook(&format!("disconnect hook of {id}"), QUIET, |h| {
            matches!(h, Hook::Disconnect { .. }) && h.id() == id
        })
        .await;
    }

    /// The result of the `ask` standard event on socket `id`.
    pub async fn asked(&self, id: &str) -> Result<Vec<Value>, AckError> {
        match self
            .hook(&format!("the ask of {id}"), |h| {
                matches!(h, Hook::Asked { .. }) && h.id() == id
            })
            .await
        {
            Hook::Asked { result, .. } => result,
            other => unreachable!("{other:?}"),
        }
    }

    /// The result of the `ask_all` standard event sent by socket `id`.
    pub async fn asked_all(&self, id: &str) -> AckResponses {
        match self
            .hook(&format!("the ask_all of {id}"), |h| {
                matches!(h, Hook::AskedAll { .. }) && h.id() == id
            })
            .await
        {
            Hook::AskedAll { responses, .. } => responses,
            other => unreachable!("{other:?}"),
        }
    }

    /// The ids of the sockets of `namespace` in `room`.
    pub fn room_members(&self, namespace: &str, room: &str) -> Vec<String> {
        let mut ids: Vec<String> = self
            .server()
            .of(namespace)
            .to(room.to_owned())
            .sockets()
            .expect("registered namespace")
            .iter()
            .map(|socket| socket.id().to_string())
            .collect();
        ids.sort();
        ids
    }
}

impl Drop for TestIo {
    fn drop(&mut self) {
        if let Some(stop) = lock(&self.stop).take() {
            let _ = stop.send(());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads each client up to its next `fence` event and returns the texts of
/// the packets before it. Sockets receive packets in emit order, so a
/// fence emitted after a broadcast proves who did not get the broadcast.
pub async fn until_fence(clients: &mut [RawClient]) -> Vec<Vec<String>> {
    let mut seen = Vec::new();
    for client in clients.iter_mut() {
        let before = client.until_event("fence").await;
        seen.push(before.into_iter().map(|packet| packet.text).collect());
    }
    seen
}

/// Emits `fence` to every socket of `/` from the test.
pub fn fence(io: &TestIo) {
    io.server().emit("fence", &0).expect("fence");
}

/// A configuration with short heartbeats.
pub fn heartbeat(interval_ms: u64, timeout_ms: u64) -> EngineConfig {
    EngineConfig::builder()
        .ping_interval(Duration::from_millis(interval_ms))
        .ping_timeout(Duration::from_millis(timeout_ms))
        .build()
        .expect("valid heartbeat config")
}
