//! [`RawClient`]: a hand-driven Socket.IO client over either transport.
//!
//! It opens an Engine.IO session, sends Socket.IO packets as Engine.IO
//! messages, and reads Socket.IO packets back. Pings (`2`) are answered
//! with `3` unless [`RawClient::stop_answering_pings`] was called; noops
//! are skipped. A polling GET, once sent, stays in flight until it
//! returns, even across [`RawClient::recv_within`] timeouts, so the client
//! never overlaps two GETs by accident.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use serde_json::Value as Json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use super::http::{Http, PATH, Response, encode_request, read_response};
use super::packet::SioPacket;
use super::ws::{Received, WsClient};
use super::{TIMEOUT, parse_open};

/// The Engine.IO transport a raw client uses from its handshake on.
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

/// One Engine.IO-level thing read from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EngineIn {
    /// A text packet, type digit included.
    Text(String),
    /// A binary message.
    Binary(Bytes),
    /// The session or connection ended.
    Closed,
}

/// What a raw client sends in one Engine.IO write.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A Socket.IO packet, sent as the Engine.IO message `4<packet>`.
    Packet(String),
    /// A binary Engine.IO message (an attachment).
    Binary(Vec<u8>),
    /// A raw Engine.IO packet (`1`, `3`, ...).
    Engine(String),
}

enum Conn {
    Polling {
        http: Http,
        get: Option<JoinHandle<Response>>,
    },
    WebSocket(Box<WsClient>),
}

/// A raw Socket.IO client; see the [module documentation](self).
pub struct RawClient {
    /// The transport in use.
    pub transport: Transport,
    /// The Engine.IO session id.
    pub sid: String,
    /// The open packet's JSON.
    pub open: Json,
    conn: Conn,
    inbox: VecDeque<EngineIn>,
    answer_pings: bool,
    pings_seen: usize,
    last_post: Option<(u16, String)>,
}

impl Drop for RawClient {
    fn drop(&mut self) {
        if let Conn::Polling { get: Some(get), .. } = &self.conn {
            get.abort();
        }
    }
}

impl RawClient {
    /// Opens a session on `transport`.
    pub async fn open(addr: SocketAddr, transport: Transport) -> RawClient {
        RawClient::open_with(addr, transport, "", &[]).await
    }

    /// Opens a session with `extra_query` (`a=1&b=2`, appended to the
    /// Engine.IO query) and extra request headers.
    pub async fn open_with(
        addr: SocketAddr,
        transport: Transport,
        extra_query: &str,
        headers: &[(&str, &str)],
    ) -> RawClient {
        let mut query = format!("EIO=4&transport={}", transport.name());
        if !extra_query.is_empty() {
            query.push('&');
            query.push_str(extra_query);
        }
        let (conn, open) = match transport {
            Transport::Polling => {
                let http = Http::new(addr);
                let response = http.request("GET", &format!("{PATH}?{query}"), headers, b"").await;
                assert_eq!(response.status, 200, "handshake: {:?}", response.text());
                (Conn::Polling { http, get: None }, response.text())
            }
            Transport::WebSocket => {
                let mut request = WsClient::request(addr, &query);
                for (name, value) in headers {
                    request.headers_mut().insert(
                        ::http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                        ::http::HeaderValue::from_str(value).expect("header value"),
                    );
                }
                let mut ws = WsClient::connect_with(addr, request)
                    .await
                    .unwrap_or_else(|e| panic!("WebSocket handshake refused: {e}"));
                let open = ws.recv_text().await;
                (Conn::WebSocket(Box::new(ws)), open)
            }
        };
        let open = parse_open(&open);
        RawClient {
            transport,
            sid: open["sid"].as_str().expect("sid in the open packet").to_owned(),
            open,
            conn,
            inbox: VecDeque::new(),
            answer_pings: true,
            pings_seen: 0,
            last_post: None,
        }
    }

    /// Opens a session and connects `namespace`; returns the client and
    /// the socket id from the CONNECT reply.
    pub async fn connected(addr: SocketAddr, transport: Transport, namespace: &str) -> (RawClient, String) {
        let mut client = RawClient::open(addr, transport).await;
        let id = client.connect(namespace).await;
        (client, id)
    }

    /// From now on, pings are left unanswered (to provoke a ping timeout).
    pub fn stop_answering_pings(&mut self) {
        self.answer_pings = false;
    }

    /// How many pings the client has seen.
    pub fn pings_seen(&self) -> usize {
        self.pings_seen
    }

    /// Sends everything in `batch` in order: one POST on polling, one
    /// frame per item on WebSocket.
    pub async fn send_batch(&mut self, batch: &[Outgoing]) {
        match &mut self.conn {
            Conn::Polling { http, .. } => {
                let records: Vec<String> = batch
                    .iter()
                    .map(|item| match item {
                        Outgoing::Packet(text) => format!("4{text}"),
                        Outgoing::Binary(data) => format!("b{}", BASE64.encode(data)),
                        Outgoing::Engine(text) => text.clone(),
                    })
                    .collect();
                let response = http.post_packets(&self.sid, &records.join("\x1e")).await;
                let answer = (response.status, response.text());
                if answer != (200, "ok".to_owned()) {
                    eprintln!("POST on {} answered {} {:?}", self.sid, answer.0, answer.1);
                }
                self.last_post = Some(answer);
            }
            Conn::WebSocket(ws) => {
                for item in batch {
                    match item {
                        Outgoing::Packet(text) => ws.send_text(&format!("4{text}")).await,
                        Outgoing::Binary(data) => ws.send_binary(data).await,
                        Outgoing::Engine(text) => ws.send_text(text).await,
                    }
                }
            }
        }
    }

    /// The status and body of the last POST (polling only).
    pub fn last_post(&self) -> Option<&(u16, String)> {
        self.last_post.as_ref()
    }

    /// Sends one Socket.IO packet (text), e.g. `2["chat","hi"]`.
    pub async fn send(&mut self, packet: &str) {
        self.send_batch(&[Outgoing::Packet(packet.to_owned())]).await;
    }

    /// Sends a binary packet and its attachments in one write.
    pub async fn send_binary_packet(&mut self, packet: &str, attachments: &[&[u8]]) {
        let mut batch = vec![Outgoing::Packet(packet.to_owned())];
        batch.extend(attachments.iter().map(|data| Outgoing::Binary(data.to_vec())));
        self.send_batch(&batch).await;
    }

    /// Sends a raw Engine.IO packet (`1` to close, ...).
    pub async fn send_engine(&mut self, packet: &str) {
        self.send_batch(&[Outgoing::Engine(packet.to_owned())]).await;
    }

    /// Closes the transport from the client side: a close frame on
    /// WebSocket, the close packet `1` on polling.
    pub async fn close_transport(&mut self) {
        match &mut self.conn {
            Conn::Polling { .. } => self.send_engine("1").await,
            Conn::WebSocket(ws) => ws.close().await,
        }
    }

    /// Sends `40` / `40/ns,` and returns the socket id of the reply, which
    /// must be the next packet.
    pub async fn connect(&mut self, namespace: &str) -> String {
        let packet = self.connect_packet(namespace, None).await;
        assert_eq!(
            packet.namespace, namespace,
            "CONNECT reply namespace: {:?}",
            packet.text
        );
        packet.connect_sid()
    }

    /// Sends a CONNECT for `namespace` with `auth` (if any) and returns
    /// the next packet (the reply: CONNECT or CONNECT_ERROR).
    pub async fn connect_packet(&mut self, namespace: &str, auth: Option<&Json>) -> SioPacket {
        let prefix = if namespace == "/" {
            String::new()
        } else {
            format!("{namespace},")
        };
        let auth = auth.map(Json::to_string).unwrap_or_default();
        self.send(&format!("0{prefix}{auth}")).await;
        self.recv().await
    }

    /// The next Socket.IO packet with its attachments, failing the test
    /// after [`TIMEOUT`] or if the session ends first.
    pub async fn recv(&mut self) -> SioPacket {
        match self.recv_within(TIMEOUT).await {
            Some(Some(packet)) => packet,
            Some(None) => panic!("session {} ended while a packet was expected", self.sid),
            None => panic!("no packet on session {} within {TIMEOUT:?}", self.sid),
        }
    }

    /// The next packet, which must read exactly `text` (attachments are
    /// not compared).
    pub async fn expect(&mut self, text: &str) -> SioPacket {
        let packet = self.recv().await;
        assert_eq!(packet.text, text, "packet on session {}", self.sid);
        packet
    }

    /// The next event, which must be `name` (in any namespace); returns it.
    pub async fn expect_event(&mut self, name: &str) -> SioPacket {
        let packet = self.recv().await;
        assert!(
            (packet.kind == 2 || packet.kind == 5) && packet.event_name() == name,
            "expected event {name:?}, got {:?}",
            packet.text
        );
        packet
    }

    /// Reads packets until the event `name`, returning those before it.
    pub async fn until_event(&mut self, name: &str) -> Vec<SioPacket> {
        let mut before = Vec::new();
        loop {
            let packet = self.recv().await;
            if (packet.kind == 2 || packet.kind == 5) && packet.event_name() == name {
                return before;
            }
            before.push(packet);
        }
    }

    /// The next packet within `period`: `None` when nothing arrived,
    /// `Some(None)` when the session ended.
    pub async fn recv_within(&mut self, period: Duration) -> Option<Option<SioPacket>> {
        let deadline = tokio::time::Instant::now() + period;
        let mut packet: Option<SioPacket> = None;
        loop {
            let next = match tokio::time::timeout_at(deadline, self.next_message()).await {
                Ok(next) => next,
                Err(_) if packet.is_some() => panic!("attachments of {:?} missing", packet.map(|p| p.text)),
                Err(_) => return None,
            };
            match (next, packet.as_mut()) {
                (EngineIn::Closed, _) => return Some(None),
                (EngineIn::Text(text), None) => {
                    let parsed = SioPacket::parse(&text);
                    if !parsed.awaits_attachments() {
                        return Some(Some(parsed));
                    }
                    packet = Some(parsed);
                }
                (EngineIn::Text(text), Some(pending)) => {
                    panic!("text {text:?} while attachments of {:?} were expected", pending.text)
                }
                (EngineIn::Binary(data), Some(pending)) => {
                    pending.attachments.push(data);
                    if !pending.awaits_attachments() {
                        return Some(packet);
                    }
                }
                (EngineIn::Binary(data), None) => panic!("attachment {data:?} with no binary packet"),
            }
        }
    }

    /// Fails if a packet arrives (or the session ends) within `period`.
    pub async fn assert_silent(&mut self, period: Duration) {
        if let Some(received) = self.recv_within(period).await {
            panic!(
                "expected nothing on session {} for {period:?}, got {received:?}",
                self.sid
            );
        }
    }

    /// Waits for the session to end; returns the packets read before.
    pub async fn closed(&mut self) -> Vec<SioPacket> {
        let mut before = Vec::new();
        loop {
            match self.recv_within(TIMEOUT).await {
                Some(Some(packet)) => before.push(packet),
                Some(None) => return before,
                None => panic!(
                    "session {} still open after {TIMEOUT:?}; read meanwhile: {before:?}",
                    self.sid
                ),
            }
        }
    }

    /// The next Engine.IO message (`4` payload or binary), answering
    /// pings on the way. Cancel safe.
    async fn next_message(&mut self) -> EngineIn {
        loop {
            match self.next_engine().await {
                EngineIn::Text(text) => match text.as_bytes().first() {
                    Some(b'4') => return EngineIn::Text(text[1..].to_owned()),
                    Some(b'1') => return EngineIn::Closed,
                    Some(b'2') => {
                        self.pings_seen += 1;
                        if self.answer_pings {
                            self.send_engine("3").await;
                        }
                    }
                    Some(b'6') => {}
                    _ => panic!("unexpected Engine.IO packet {text:?}"),
                },
                other => return other,
            }
        }
    }

    /// The next Engine.IO packet. Cancel safe: a polling GET in flight is
    /// kept for the next call.
    async fn next_engine(&mut self) -> EngineIn {
        if let Some(next) = self.inbox.pop_front() {
            return next;
        }
        match &mut self.conn {
            Conn::WebSocket(ws) => match ws.recv_within(Duration::from_secs(3600)).await {
                Some(Received::Text(text)) => EngineIn::Text(text),
                Some(Received::Binary(data)) => EngineIn::Binary(data),
                Some(Received::Closed(_)) | None => EngineIn::Closed,
            },
            Conn::Polling { http, get } => {
                let http = *http;
                let sid = self.sid.clone();
                let pending = get.get_or_insert_with(|| tokio::spawn(long_poll(http, sid)));
                let response = pending.await;
                *get = None;
                let response = response.expect("the GET task");
                if response.status != 200 {
                    return EngineIn::Closed;
                }
                for record in response.packets() {
                    self.inbox.push_back(match record.strip_prefix('b') {
                        Some(base64) => {
                            EngineIn::Binary(Bytes::from(BASE64.decode(base64).expect("binary record is base64")))
                        }
                        None => EngineIn::Text(record),
                    });
                }
                self.inbox.pop_front().unwrap_or(EngineIn::Closed)
            }
        }
    }
}

/// A polling GET with no timeout of its own (a long-poll may last a whole
/// ping interval); a connection error reads as a 400.
async fn long_poll(http: Http, sid: String) -> Response {
    let failed = || Response {
        status: 400,
        headers: ::http::HeaderMap::new(),
        body: Bytes::new(),
    };
    let Ok(mut stream) = TcpStream::connect(http.addr).await else {
        return failed();
    };
    let request = encode_request("GET", &Http::polling_url(&sid), &[], b"");
    if stream.write_all(&request).await.is_err() {
        return failed();
    }
    read_response(&mut stream).await.unwrap_or_else(|_| failed())
}
