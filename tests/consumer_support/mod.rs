//! Shared fixtures of the consumer tests.
//!
//! - [`TestServer`] serves an [`App`] on a free port of 127.0.0.1 until the
//!   test shuts it down.
//! - [`Client`] is a raw Socket.IO client over one WebSocket
//!   (tokio-tungstenite), encoding and decoding with `sio_core`: it answers
//!   pings by itself and hands every other packet to the test.
//! - [`Log`] records what consumers saw, for the test to await.
//!
//! Nothing here sleeps to wait for something: every wait is an await with
//! [`TIMEOUT`], after which the test fails.

#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use sio::core::Value;
use sio::core::socketio::{Decoder, DecoderLimits, Packet, PacketData};
use sio::{App, AppBuilder, EngineConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// How long any awaited thing may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Awaits `future`, failing the test with `what` after [`TIMEOUT`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(TIMEOUT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {TIMEOUT:?} waiting for {what}"),
    }
}

/// Logs to the test output (`RUST_LOG=debug cargo test ...` to see more).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_test_writer()
        .try_init();
}

/// What a `tracing` subscriber wrote.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the warnings logged on this thread while the guard lives (a
/// `#[tokio::test]` runtime runs its tasks on this thread too).
pub fn capture_warnings() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

/// An [`App`] served on 127.0.0.1.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The app, to emit from outside the consumers.
    pub app: App,
    shutdown: Option<oneshot::Sender<()>>,
    serving: Option<JoinHandle<Result<(), sio::ServeError>>>,
}

impl TestServer {
    /// Builds `builder` (with a default engine config, so that `SIO_*`
    /// variables do not leak into tests) and serves it.
    pub async fn start(builder: AppBuilder) -> TestServer {
        init_tracing();
        let app = builder
            .engine_config(EngineConfig::default())
            .build()
            .expect("the app builds");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let (shutdown, signal) = oneshot::channel::<()>();
        let serving = tokio::spawn({
            let app = app.clone();
            async move {
                app.serve_listener(listener, async {
                    let _ = signal.await;
                })
                .await
            }
        });
        TestServer {
            addr,
            app,
            shutdown: Some(shutdown),
            serving: Some(serving),
        }
    }

    /// Every registered consumer, default configuration.
    pub async fn start_default() -> TestServer {
        TestServer::start(App::builder()).await
    }

    /// A new client connected at the Engine.IO level.
    pub async fn client(&self) -> Client {
        Client::connect(self.addr).await
    }

    /// Signals shutdown and waits until `serve_listener` returned.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(serving) = self.serving.take() {
            within("the server to shut down", serving)
                .await
                .expect("the serving task did not panic")
                .expect("serving ended without error");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(serving) = &self.serving {
            serving.abort();
        }
    }
}

/// What a client received that was not a ping.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A Socket.IO packet (attachments already put back in place).
    Packet(Packet),
    /// The Engine.IO `close` packet, a WebSocket close frame, or the end of
    /// the connection.
    Closed,
}

/// A raw Socket.IO client over one WebSocket.
pub struct Client {
    stream: WebSocketStream<TcpStream>,
    decoder: Decoder,
    next_ack_id: u64,
    /// Packets read while waiting for another one (an ack, an event),
    /// handed out first by the next reads: nothing is skipped.
    pending: std::collections::VecDeque<Packet>,
}

impl Client {
    /// Connects and reads the Engine.IO open packet.
    pub async fn connect(addr: SocketAddr) -> Client {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let tcp = TcpStream::connect(addr).await.expect("TCP connect");
        let (stream, _) = within("the WebSocket handshake", tokio_tungstenite::client_async(url, tcp))
            .await
            .expect("WebSocket handshake");
        let mut client = Client {
            stream,
            decoder: Decoder::new(DecoderLimits::default()),
            next_ack_id: 0,
            pending: std::collections::VecDeque::new(),
        };
        match within("the open packet", client.stream.next()).await {
            Some(Ok(Message::Text(text))) if text.starts_with('0') => {}
            other => panic!("expected the Engine.IO open packet, got {other:?}"),
        }
        client
    }

    /// Sends one Socket.IO packet (and its attachments).
    pub async fn send(&mut self, packet: &Packet) {
        let encoded = packet.encode();
        self.stream
            .send(Message::text(format!("4{}", encoded.text)))
            .await
            .expect("send a packet");
        for attachment in encoded.attachments {
            self.stream
                .send(Message::binary(attachment))
                .await
                .expect("send an attachment");
        }
    }

    /// Joins `namespace` with `auth`; returns the CONNECT reply or the
    /// CONNECT_ERROR payload.
    pub async fn join(&mut self, namespace: &str, auth: Option<Value>) -> Result<Value, Value> {
        self.send(&Packet::connect(namespace.to_owned(), auth)).await;
        loop {
            let packet = self.recv_packet().await;
            if packet.namespace.as_str() != namespace {
                continue;
            }
            match packet.data {
                PacketData::Connect(payload) => return Ok(payload.unwrap_or(Value::Null)),
                PacketData::ConnectError(payload) => return Err(payload),
                other => panic!("expected CONNECT or CONNECT_ERROR for {namespace}, got {other:?}"),
            }
        }
    }

    /// Joins `namespace` without auth and expects success.
    pub async fn joined(mut self, namespace: &str) -> Client {
        if let Err(refusal) = self.join(namespace, None).await {
            panic!("CONNECT to {namespace} refused: {refusal:?}");
        }
        self
    }

    /// Emits `event` with `args`, without asking for an ack.
    pub async fn emit(&mut self, namespace: &str, event: &str, args: Vec<Value>) {
        self.send(&Packet::event(namespace.to_owned(), event, args, None)).await;
    }

    /// Emits `event` with `args` and an ack id; returns the id.
    pub async fn emit_with_ack(&mut self, namespace: &str, event: &str, args: Vec<Value>) -> u64 {
        let ack_id = self.next_ack_id;
        self.next_ack_id += 1;
        self.send(&Packet::event(namespace.to_owned(), event, args, Some(ack_id)))
            .await;
        ack_id
    }

    /// Emits `event` with an ack id and waits for that ack's arguments.
    pub async fn call(&mut self, namespace: &str, event: &str, args: Vec<Value>) -> Vec<Value> {
        let ack_id = self.emit_with_ack(namespace, event, args).await;
        self.ack(ack_id).await
    }

    /// Waits for the ACK of `ack_id`; other packets stay for later reads.
    pub async fn ack(&mut self, ack_id: u64) -> Vec<Value> {
        let packet = self
            .find(|packet| matches!(&packet.data, PacketData::Ack { ack_id: id, .. } if *id == ack_id))
            .await;
        match packet.data {
            PacketData::Ack { args, .. } => args,
            other => unreachable!("{other:?}"),
        }
    }

    /// Waits for the event `name`; returns its arguments and ack id. Other
    /// packets stay for later reads.
    pub async fn event(&mut self, name: &str) -> (Vec<Value>, Option<u64>) {
        let packet = self
            .find(|packet| matches!(&packet.data, PacketData::Event { name: got, .. } if got == name))
            .await;
        match packet.data {
            PacketData::Event { args, ack_id, .. } => (args, ack_id),
            other => unreachable!("{other:?}"),
        }
    }

    /// The first packet that `matches`, from those kept earlier or from the
    /// connection; the others are kept, in order.
    async fn find(&mut self, matches: impl Fn(&Packet) -> bool) -> Packet {
        if let Some(index) = self.pending.iter().position(&matches) {
            if let Some(packet) = self.pending.remove(index) {
                return packet;
            }
        }
        loop {
            let packet = match tokio::time::timeout(TIMEOUT, self.recv_any()).await.ok() {
                Some(Received::Packet(packet)) => packet,
                Some(Received::Closed) => panic!(
                    "the connection closed while a packet was expected; read meanwhile: {:?}",
                    self.pending
                ),
                None => panic!(
                    "the expected packet did not come within {TIMEOUT:?}; read meanwhile: {:?}",
                    self.pending
                ),
            };
            if matches(&packet) {
                return packet;
            }
            self.pending.push_back(packet);
        }
    }

    /// The next packet, failing the test on a close or after [`TIMEOUT`].
    pub async fn recv_packet(&mut self) -> Packet {
        match self.recv().await {
            Received::Packet(packet) => packet,
            Received::Closed => panic!("the connection closed while a packet was expected"),
        }
    }

    /// The next packet or the close, failing the test after [`TIMEOUT`].
    pub async fn recv(&mut self) -> Received {
        match self.recv_within(TIMEOUT).await {
            Some(received) => received,
            None => panic!("nothing received within {TIMEOUT:?}"),
        }
    }

    /// The next packet or the close within `period`; `None` if nothing came.
    /// Packets kept by [`ack`](Self::ack) or [`event`](Self::event) come
    /// first.
    pub async fn recv_within(&mut self, period: Duration) -> Option<Received> {
        if let Some(packet) = self.pending.pop_front() {
            return Some(Received::Packet(packet));
        }
        tokio::time::timeout(period, self.recv_any()).await.ok()
    }

    async fn recv_any(&mut self) -> Received {
        loop {
            let next = self.stream.next().await;
            if std::env::var_os("SIO_TEST_DEBUG").is_some() {
                eprintln!("client received {next:?}");
            }
            let decoded = match next {
                Some(Ok(Message::Text(text))) => match text.as_str().split_at_checked(1) {
                    Some(("2", rest)) => {
                        let _ = self.stream.send(Message::text(format!("3{rest}"))).await;
                        continue;
                    }
                    Some(("4", rest)) => self.decoder.decode_text(rest.to_owned().into()),
                    Some(("1", _)) => return Received::Closed,
                    _ => continue,
                },
                Some(Ok(Message::Binary(data))) => self.decoder.decode_binary(data),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Received::Closed,
                Some(Ok(_)) => continue,
            };
            match decoded {
                Ok(Some(packet)) => return Received::Packet(packet),
                Ok(None) => continue,
                Err(error) => panic!("the server sent an invalid packet: {error}"),
            }
        }
    }

    /// Fails if a packet arrives within `period`.
    pub async fn expect_silence(&mut self, period: Duration) {
        if let Some(received) = self.recv_within(period).await {
            panic!("expected nothing within {period:?}, got {received:?}");
        }
    }

    /// Closes the WebSocket.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// Parses JSON into a [`Value`].
pub fn json(text: &str) -> Value {
    sio::core::value::parse_json(text).expect("valid JSON")
}

/// A shared log of what consumers saw, that tests await.
#[derive(Clone, Default)]
pub struct Log {
    entries: Arc<Mutex<Vec<String>>>,
    changed: Arc<Notify>,
}

impl Log {
    /// Appends an entry.
    pub fn push(&self, entry: impl Into<String>) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry.into());
        self.changed.notify_waiters();
    }

    /// Every entry so far.
    pub fn entries(&self) -> Vec<String> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The entries that start with `prefix`.
    pub fn matching(&self, prefix: &str) -> Vec<String> {
        self.entries()
            .into_iter()
            .filter(|entry| entry.starts_with(prefix))
            .collect()
    }

    /// Waits until `count` entries start with `prefix`; returns them.
    pub async fn wait_for(&self, prefix: &str, count: usize) -> Vec<String> {
        within(&format!("{count} log entries starting with {prefix:?}"), async {
            loop {
                let changed = self.changed.notified();
                let found = self.matching(prefix);
                if found.len() >= count {
                    return found;
                }
                changed.await;
            }
        })
        .await
    }
}

#[path = "../support/clients.rs"]
mod clients;

#[allow(unused_imports)] // each test binary uses some of them
pub use clients::{js_dir, python, run_node, run_node_json, run_python};
