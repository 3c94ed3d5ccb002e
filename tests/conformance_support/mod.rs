//! Shared fixtures of the conformance tests (`tests/conformance_*.rs`):
//! the conformance example server itself (`examples/conformance/app.rs`)
//! on a free port, and [`Wire`], a raw Engine.IO client over either
//! transport that lets a test see and time every packet.
//!
//! Packets are encoded and decoded with `sio_core`; HTTP is written by
//! hand ([`http`]), one connection per request. Nothing sleeps to wait for
//! something: every wait is bounded, and a test fails when it runs out.

#![allow(dead_code)]

pub mod http;

#[path = "../../examples/conformance/app.rs"]
pub mod app;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use sio::core::Str;
use sio::core::engine::{Frame, Packet as EnginePacket, payload};
use sio::core::socketio::{Decoder, DecoderLimits, Packet};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use self::http::Response;

/// How long any awaited thing may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The endpoint.
pub const PATH: &str = "/socket.io/";

/// The conformance server, served on a free port of 127.0.0.1 until the
/// test ends.
pub struct ConformanceServer {
    /// Where it listens.
    pub addr: SocketAddr,
    serving: JoinHandle<()>,
}

impl ConformanceServer {
    /// Builds the example's app and serves it.
    pub async fn start() -> ConformanceServer {
        let app = app::builder().build().expect("the conformance app builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let serving = tokio::spawn(async move {
            let _ = app.serve_listener(listener, std::future::pending()).await;
        });
        ConformanceServer { addr, serving }
    }

    /// Opens an Engine.IO session on `transport`.
    pub async fn open(&self, transport: Transport) -> Wire {
        Wire::open(self.addr, transport).await
    }
}

impl Drop for ConformanceServer {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

/// An Engine.IO transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// HTTP long-polling.
    Polling,
    /// WebSocket from the first request.
    WebSocket,
}

impl Transport {
    /// The `transport` query value.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Polling => "polling",
            Transport::WebSocket => "websocket",
        }
    }
}

/// What a [`Wire`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// An Engine.IO packet.
    Packet(EnginePacket),
    /// The `close` packet, a WebSocket close, the end of the connection, or
    /// a polling request refused because the session is gone.
    Closed,
}

enum Conn {
    WebSocket(Box<WebSocketStream<TcpStream>>),
    /// The pending long-poll GET survives timeouts, so that two GETs never
    /// overlap.
    Polling(Option<JoinHandle<Response>>),
}

/// A raw Engine.IO session; see the [module documentation](self).
pub struct Wire {
    /// The transport.
    pub transport: Transport,
    /// The session id.
    pub sid: String,
    /// The open packet's JSON.
    pub open: serde_json::Value,
    /// When the open packet arrived.
    pub opened_at: Instant,
    addr: SocketAddr,
    conn: Conn,
    inbox: VecDeque<Received>,
    decoder: Decoder,
}

impl Drop for Wire {
    fn drop(&mut self) {
        if let Conn::Polling(Some(get)) = &self.conn {
            get.abort();
        }
    }
}

fn parse_open(text: &str) -> serde_json::Value {
    let json = text
        .strip_prefix('0')
        .unwrap_or_else(|| panic!("expected the open packet, got {text:?}"));
    serde_json::from_str(json).unwrap_or_else(|error| panic!("open packet {text:?}: {error}"))
}

impl Wire {
    /// Opens a session: the handshake request, then the open packet.
    pub async fn open(addr: SocketAddr, transport: Transport) -> Wire {
        let query = format!("{PATH}?EIO=4&transport={}", transport.name());
        let (conn, open) = match transport {
            Transport::Polling => {
                let response = http::request(addr, "GET", &query, &[], b"").await;
                assert_eq!(response.status, 200, "handshake: {}", response.text());
                (Conn::Polling(None), parse_open(&response.text()))
            }
            Transport::WebSocket => {
                let tcp = TcpStream::connect(addr).await.expect("TCP connect");
                let url = format!("ws://{addr}{query}");
                let (mut ws, _) = within("the WebSocket handshake", tokio_tungstenite::client_async(url, tcp))
                    .await
                    .expect("WebSocket handshake");
                let open = match within("the open packet", ws.next()).await {
                    Some(Ok(Message::Text(text))) => parse_open(&text),
                    other => panic!("expected the open packet, got {other:?}"),
                };
                (Conn::WebSocket(Box::new(ws)), open)
            }
        };
        Wire {
            transport,
            sid: open["sid"].as_str().expect("the open packet has a sid").to_owned(),
            open,
            opened_at: Instant::now(),
            addr,
            conn,
            inbox: VecDeque::new(),
            decoder: Decoder::new(DecoderLimits::default()),
        }
    }

    fn polling_url(&self) -> String {
        format!("{PATH}?EIO=4&transport=polling&sid={}", self.sid)
    }

    /// Sends frames: one WebSocket message each, or one polling POST.
    pub async fn send(&mut self, frames: &[Frame]) {
        let body = payload::encode(frames);
        let url = self.polling_url();
        match &mut self.conn {
            Conn::WebSocket(ws) => {
                for frame in frames {
                    let message = match frame {
                        Frame::Text(text) => Message::text(text.to_string()),
                        Frame::Binary(data) => Message::binary(data.clone()),
                    };
                    ws.send(message).await.expect("WebSocket send");
                }
            }
            Conn::Polling(_) => {
                let response = http::request(self.addr, "POST", &url, &[], &body).await;
                assert_eq!((response.status, response.text()), (200, "ok".to_owned()), "POST");
            }
        }
    }

    /// Sends one text Engine.IO packet, type digit included (`40`, `3`).
    pub async fn send_text(&mut self, packet: &str) {
        self.send(&[Frame::Text(Str::from(packet.to_owned()))]).await;
    }

    /// Sends a Socket.IO packet and its attachments.
    pub async fn send_packet(&mut self, packet: &Packet) {
        let encoded = packet.encode();
        let mut frames = vec![Frame::Text(Str::from(format!("4{}", encoded.text)))];
        frames.extend(encoded.attachments.into_iter().map(Frame::Binary));
        self.send(&frames).await;
    }

    /// The next Engine.IO packet (pings included) or the close, within
    /// `period`; `None` if nothing came.
    pub async fn next_within(&mut self, period: Duration) -> Option<Received> {
        if let Some(received) = self.inbox.pop_front() {
            return Some(received);
        }
        let deadline = tokio::time::Instant::now() + period;
        while self.inbox.is_empty() {
            if tokio::time::timeout_at(deadline, self.read_more()).await.is_err() {
                return None;
            }
        }
        self.inbox.pop_front()
    }

    /// The next Engine.IO packet or the close, failing after [`TIMEOUT`].
    pub async fn next(&mut self) -> Received {
        match self.next_within(TIMEOUT).await {
            Some(received) => received,
            None => panic!("nothing received within {TIMEOUT:?}"),
        }
    }

    async fn read_more(&mut self) {
        let url = self.polling_url();
        let addr = self.addr;
        match &mut self.conn {
            Conn::WebSocket(ws) => {
                let received = match ws.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let text = Str::from(text.as_str().to_owned());
                        Received::Packet(EnginePacket::decode_text(text).expect("a valid Engine.IO packet"))
                    }
                    Some(Ok(Message::Binary(data))) => Received::Packet(EnginePacket::Binary(data)),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Received::Closed,
                    Some(Ok(_)) => return,
                };
                self.push(received);
            }
            Conn::Polling(pending) => {
                let get = pending.get_or_insert_with(|| {
                    tokio::spawn(async move { http::request(addr, "GET", &url, &[], b"").await })
                });
                let response = get.await.expect("the GET task did not panic");
                *pending = None;
                if response.status != 200 {
                    self.push(Received::Closed);
                    return;
                }
                let packets = payload::decode(response.body).expect("a valid polling payload");
                for packet in packets {
                    self.push(Received::Packet(packet));
                }
            }
        }
    }

    fn push(&mut self, received: Received) {
        if std::env::var_os("SIO_TEST_DEBUG").is_some() {
            eprintln!("{:?} +{:?}: {received:?}", self.transport, self.opened_at.elapsed());
        }
        let closing = matches!(received, Received::Packet(EnginePacket::Close));
        self.inbox.push_back(if closing { Received::Closed } else { received });
    }

    /// The next message (text or binary), answering pings and skipping
    /// noops; fails on a close.
    pub async fn next_message(&mut self) -> EnginePacket {
        loop {
            match self.next().await {
                Received::Packet(EnginePacket::Ping(_)) => self.send_text("3").await,
                Received::Packet(EnginePacket::Noop) => {}
                Received::Packet(packet @ (EnginePacket::Message(_) | EnginePacket::Binary(_))) => return packet,
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    /// The next Socket.IO packet, attachments in place (pings answered).
    pub async fn next_packet(&mut self) -> Packet {
        loop {
            let decoded = match self.next_message().await {
                EnginePacket::Message(text) => self.decoder.decode_text(text),
                EnginePacket::Binary(data) => self.decoder.decode_binary(data),
                _ => unreachable!("next_message returns messages only"),
            };
            match decoded {
                Ok(Some(packet)) => return packet,
                Ok(None) => {}
                Err(error) => panic!("the server sent an invalid Socket.IO packet: {error}"),
            }
        }
    }

    /// Answers pings until the session closes, within `period`; returns
    /// when it closed (relative to the open packet), `None` if it did not.
    pub async fn closed_within(&mut self, period: Duration) -> Option<Duration> {
        let deadline = Instant::now() + period;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_within(left).await? {
                Received::Closed => return Some(self.opened_at.elapsed()),
                Received::Packet(EnginePacket::Ping(_)) => self.send_text("3").await,
                Received::Packet(_) => {}
            }
        }
    }
}

/// Awaits `future`, failing the test with `what` after [`TIMEOUT`].
pub async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(TIMEOUT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {TIMEOUT:?} waiting for {what}"),
    }
}

/// Bytes for attachments.
pub fn bytes(data: &[u8]) -> Bytes {
    Bytes::copy_from_slice(data)
}

/// The text of a text message, failing on a binary one.
pub fn text_of(packet: &EnginePacket) -> String {
    match packet {
        EnginePacket::Message(text) => format!("4{}", &**text),
        other => panic!("expected a text message, got {other:?}"),
    }
}
