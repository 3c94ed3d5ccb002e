//! Shared fixtures for the Engine.IO integration tests.
//!
//! - [`TestServer`] runs an [`EngineServer`] with an [`EchoHandler`] on a
//!   free port of 127.0.0.1 and lets a test await what the handler saw
//!   ([`Event`]) and send through any session's handle.
//! - [`http`] is a raw HTTP/1.1 client (one connection per request) and the
//!   polling helpers built on it.
//! - [`ws`] is a raw WebSocket client (tokio-tungstenite).
//!
//! Nothing here sleeps to wait for something: every wait is an await on an
//! event with [`TIMEOUT`], after which the test fails.

#![allow(dead_code, unused_imports)]

pub mod http;
pub mod ws;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sio_core::engine::Frame;
use sio_server::config::EngineConfig;
use sio_server::engine::{
    CloseReason, Delivery, EngineHandler, EngineServer, Handshake, Message, SendError, SessionHandle,
};
use tokio::sync::{mpsc, oneshot};

pub use self::http::{Http, Response};
pub use self::ws::{Received, WsClient};

/// How long any awaited event may take before the test fails. Generous, so
/// that a loaded machine does not fail tests that are not about timing.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Awaits `future`, failing the test with `what` after [`TIMEOUT`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(TIMEOUT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {TIMEOUT:?} waiting for {what}"),
    }
}

/// What the [`EchoHandler`] saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `on_open` for this sid.
    Opened(String),
    /// `on_message` for this sid.
    Message(String, Message),
    /// `on_close` for this sid.
    Closed(String, CloseReason),
}

impl Event {
    /// The session the event is about.
    pub fn sid(&self) -> &str {
        match self {
            Event::Opened(sid) | Event::Message(sid, _) | Event::Closed(sid, _) => sid,
        }
    }
}

/// What a handshake exposed to the handler.
#[derive(Debug, Clone)]
pub struct HandshakeSeen {
    /// `Handshake::headers()`.
    pub headers: ::http::HeaderMap,
    /// `Handshake::uri()`.
    pub uri: ::http::Uri,
    /// `Handshake::remote_addr()`.
    pub remote_addr: Option<SocketAddr>,
}

#[derive(Default)]
struct Shared {
    sessions: Mutex<HashMap<String, SessionHandle>>,
    handshakes: Mutex<HashMap<String, HandshakeSeen>>,
}

/// Echoes every text message back as `4<text>` and every binary message
/// back as a binary message, and reports every call as an [`Event`].
pub struct EchoHandler {
    events: mpsc::UnboundedSender<Event>,
    shared: Arc<Shared>,
}

impl EngineHandler for EchoHandler {
    type Session = String;

    fn on_open(&self, session: &SessionHandle, handshake: &Handshake) -> String {
        let sid = session.sid().to_string();
        let seen = HandshakeSeen {
            headers: handshake.headers().clone(),
            uri: handshake.uri().clone(),
            remote_addr: handshake.remote_addr(),
        };
        lock(&self.shared.handshakes).insert(sid.clone(), seen);
        lock(&self.shared.sessions).insert(sid.clone(), session.clone());
        let _ = self.events.send(Event::Opened(sid.clone()));
        sid
    }

    fn on_message(&self, session: &SessionHandle, sid: &String, message: Message) -> Delivery {
        let echo = match &message {
            Message::Text(text) => Frame::message_with(|out| out.push_str(text)),
            Message::Binary(data) => Frame::Binary(data.clone()),
        };
        let _ = self.events.send(Event::Message(sid.clone(), message));
        // The echo fails only when the session is closing, which the test
        // observes through the Closed event.
        let _ = session.send(echo);
        Delivery::Accepted
    }

    fn on_close(&self, _session: &SessionHandle, sid: &String, reason: CloseReason) {
        let _ = self.events.send(Event::Closed(sid.clone(), reason));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Events {
    receiver: mpsc::UnboundedReceiver<Event>,
    /// Events received while waiting for another one, kept in order.
    pending: Vec<Event>,
}

/// An Engine.IO server on 127.0.0.1 with an [`EchoHandler`].
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The engine, for `session_count` and `shutdown`.
    pub engine: Arc<EngineServer<EchoHandler>>,
    /// A raw HTTP client for this server (`Copy`, so tasks can take it).
    pub http: Http,
    events: tokio::sync::Mutex<Events>,
    shared: Arc<Shared>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
}

impl TestServer {
    /// Starts a long-poll GET on `sid` and checks it is still waiting
    /// after `quiet` (nothing was queued); the test then makes it return.
    pub async fn pending_poll(&self, sid: &str, quiet: Duration) -> tokio::task::JoinHandle<Response> {
        let http = self.http;
        let poll_sid = sid.to_owned();
        let mut get = tokio::spawn(async move { http.poll(&poll_sid).await });
        let early = tokio::time::timeout(quiet, &mut get).await;
        assert!(early.is_err(), "GET returned with nothing queued: {early:?}");
        get
    }

    /// Starts a server with `config` on a free port.
    pub async fn start(config: EngineConfig) -> TestServer {
        let (events, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        let handler = EchoHandler {
            events,
            shared: shared.clone(),
        };
        let engine = EngineServer::new(config, handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        tokio::spawn(sio_server::serve(listener, engine.clone(), shutdown));
        TestServer {
            addr,
            engine,
            http: Http::new(addr),
            events: tokio::sync::Mutex::new(Events {
                receiver,
                pending: Vec::new(),
            }),
            shared,
            stop: Mutex::new(Some(stop)),
        }
    }

    /// Starts a server with the default configuration.
    pub async fn start_default() -> TestServer {
        TestServer::start(EngineConfig::default()).await
    }

    /// Resolves the shutdown future given to `serve`.
    pub fn stop_serving(&self) {
        if let Some(stop) = lock(&self.stop).take() {
            let _ = stop.send(());
        }
    }

    /// The handle of session `sid`, as given to `on_open`.
    pub fn handle(&self, sid: &str) -> SessionHandle {
        lock(&self.shared.sessions)
            .get(sid)
            .cloned()
            .unwrap_or_else(|| panic!("no session {sid} was opened"))
    }

    /// What the handshake of `sid` exposed.
    pub fn handshake(&self, sid: &str) -> HandshakeSeen {
        lock(&self.shared.handshakes)
            .get(sid)
            .cloned()
            .unwrap_or_else(|| panic!("no session {sid} was opened"))
    }

    /// Sends `frame` on session `sid`.
    pub fn send(&self, sid: &str, frame: Frame) -> Result<(), SendError> {
        self.handle(sid).send(frame)
    }

    /// Sends the message packet `4<text>` on session `sid`, failing the
    /// test if the engine refuses it.
    pub fn send_text(&self, sid: &str, text: &str) {
        if let Err(error) = self.send(sid, Frame::message_with(|out| out.push_str(text))) {
            panic!("sending {text:?} on {sid} failed: {error:?}");
        }
    }

    /// Waits for the first event (in order) that `matches`, keeping the
    /// others for later waits.
    pub async fn wait_for(&self, what: &str, matches: impl Fn(&Event) -> bool) -> Event {
        let mut events = self.events.lock().await;
        if let Some(index) = events.pending.iter().position(&matches) {
            return events.pending.remove(index);
        }
        let events = &mut *events;
        let found = tokio::time::timeout(TIMEOUT, async {
            loop {
                let Some(event) = events.receiver.recv().await else {
                    panic!("the handler was dropped while waiting for {what}");
                };
                if matches(&event) {
                    return event;
                }
                events.pending.push(event);
            }
        })
        .await;
        match found {
            Ok(event) => event,
            Err(_) => panic!(
                "timed out after {TIMEOUT:?} waiting for {what}; other events: {:?}",
                events.pending
            ),
        }
    }

    /// Waits for the next session to open and returns its sid.
    pub async fn opened(&self) -> String {
        self.wait_for("a session to open", |e| matches!(e, Event::Opened(_)))
            .await
            .sid()
            .to_owned()
    }

    /// Waits for the next message on `sid`.
    pub async fn message(&self, sid: &str) -> Message {
        match self
            .wait_for(
                &format!("a message on {sid}"),
                |e| matches!(e, Event::Message(s, _) if s == sid),
            )
            .await
        {
            Event::Message(_, message) => message,
            other => unreachable!("{other:?}"),
        }
    }

    /// Waits for the next text message on `sid`.
    pub async fn text_message(&self, sid: &str) -> String {
        match self.message(sid).await {
            Message::Text(text) => text.to_string(),
            Message::Binary(data) => panic!("expected a text message on {sid}, got binary {data:?}"),
        }
    }

    /// Waits for session `sid` to close and returns the reason.
    pub async fn closed(&self, sid: &str) -> CloseReason {
        match self
            .wait_for(
                &format!("session {sid} to close"),
                |e| matches!(e, Event::Closed(s, _) if s == sid),
            )
            .await
        {
            Event::Closed(_, reason) => reason,
            other => unreachable!("{other:?}"),
        }
    }

    /// Fails if session `sid` closes within `period` (a wait that proves
    /// something does not happen).
    pub async fn assert_stays_open(&self, sid: &str, period: Duration) {
        let mut events = self.events.lock().await;
        let is_close = |e: &Event| matches!(e, Event::Closed(s, _) if s == sid);
        if let Some(event) = events.pending.iter().find(|e| is_close(e)) {
            panic!("session {sid} closed: {event:?}");
        }
        let events = &mut *events;
        let _ = tokio::time::timeout(period, async {
            while let Some(event) = events.receiver.recv().await {
                if is_close(&event) {
                    panic!("session {sid} closed: {event:?}");
                }
                events.pending.push(event);
            }
        })
        .await;
    }

    /// Completes a polling handshake; see [`Http::handshake_polling`].
    pub async fn handshake_polling(&self) -> (String, serde_json::Value) {
        self.http.handshake_polling().await
    }

    /// Opens a fresh WebSocket session and reads its open packet.
    pub async fn handshake_websocket(&self) -> (WsClient, String, serde_json::Value) {
        let mut ws = self.websocket(None).await;
        let open = ws.recv_text().await;
        let json = parse_open(&open);
        let sid = json["sid"].as_str().expect("open packet sid is a string").to_owned();
        (ws, sid, json)
    }

    /// Connects a WebSocket (`sid` for an upgrade), failing the test if the
    /// server refuses it.
    pub async fn websocket(&self, sid: Option<&str>) -> WsClient {
        match WsClient::connect(self.addr, &ws_query(sid)).await {
            Ok(ws) => ws,
            Err(error) => panic!("websocket connection refused: {error}"),
        }
    }

    /// Upgrades polling session `sid` to WebSocket (probe, then `5`), with
    /// no GET pending.
    pub async fn upgrade(&self, sid: &str) -> WsClient {
        let mut ws = self.websocket(Some(sid)).await;
        ws.send_text("2probe").await;
        assert_eq!(ws.recv_text().await, "3probe", "probe answer");
        ws.send_text("5").await;
        ws
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop_serving();
    }
}

/// The query of a WebSocket request (`sid` for an upgrade).
pub fn ws_query(sid: Option<&str>) -> String {
    match sid {
        Some(sid) => format!("EIO=4&transport=websocket&sid={sid}"),
        None => "EIO=4&transport=websocket".to_owned(),
    }
}

/// Parses an open packet (`0{...}`), failing the test if it is not one.
pub fn parse_open(packet: &str) -> serde_json::Value {
    let Some(json) = packet.strip_prefix('0') else {
        panic!("expected an open packet, got {packet:?}");
    };
    serde_json::from_str(json).unwrap_or_else(|e| panic!("open packet {packet:?} is not JSON: {e}"))
}

/// A configuration with short heartbeats.
pub fn heartbeat_config(interval_ms: u64, timeout_ms: u64) -> EngineConfig {
    EngineConfig::builder()
        .ping_interval(Duration::from_millis(interval_ms))
        .ping_timeout(Duration::from_millis(timeout_ms))
        .build()
        .expect("valid heartbeat config")
}
