//! A raw WebSocket client: tokio-tungstenite's client over a `TcpStream`.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

use super::TIMEOUT;
use super::http::PATH;

/// One thing read from the WebSocket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Bytes),
    /// The connection ended: a close frame (with its code, if any), the end
    /// of the stream or an error.
    Closed(Option<u16>),
}

/// A WebSocket client connection.
pub struct WsClient {
    stream: WebSocketStream<TcpStream>,
    closed: bool,
}

impl WsClient {
    /// Connects to `ws://addr/socket.io/?<query>`.
    pub async fn connect(addr: SocketAddr, query: &str) -> Result<WsClient, tungstenite::Error> {
        let request = format!("ws://{addr}{PATH}?{query}").into_client_request()?;
        WsClient::connect_with(addr, request).await
    }

    /// Connects with a prepared request (e.g. with an `Origin` header).
    pub async fn connect_with(
        addr: SocketAddr,
        request: tungstenite::handshake::client::Request,
    ) -> Result<WsClient, tungstenite::Error> {
        let tcp = TcpStream::connect(addr).await.map_err(tungstenite::Error::Io)?;
        let (stream, _response) =
            super::within("the WebSocket handshake", tokio_tungstenite::client_async(request, tcp)).await?;
        Ok(WsClient { stream, closed: false })
    }

    /// A request for `ws://addr/socket.io/?<query>` to add headers to.
    pub fn request(addr: SocketAddr, query: &str) -> tungstenite::handshake::client::Request {
        format!("ws://{addr}{PATH}?{query}")
            .into_client_request()
            .expect("valid WebSocket URL")
    }

    /// Sends a text frame. Errors are ignored: a test that expects the
    /// connection to work sees it through what it receives next.
    pub async fn send_text(&mut self, text: &str) {
        let _ = self.stream.send(WsMessage::text(text)).await;
    }

    /// Sends a binary frame (errors ignored, see [`WsClient::send_text`]).
    pub async fn send_binary(&mut self, data: &[u8]) {
        let _ = self.stream.send(WsMessage::binary(Bytes::copy_from_slice(data))).await;
    }

    /// Starts the closing handshake with a close frame (code 1000).
    pub async fn close(&mut self) {
        let _ = self.stream.close(None).await;
    }

    /// Receives the next frame within `period`; `None` if nothing arrived.
    pub async fn recv_within(&mut self, period: Duration) -> Option<Received> {
        tokio::time::timeout(period, self.recv_any()).await.ok()
    }

    /// Receives the next frame, failing the test after [`TIMEOUT`].
    pub async fn recv(&mut self) -> Received {
        match self.recv_within(TIMEOUT).await {
            Some(received) => received,
            None => panic!("no WebSocket frame within {TIMEOUT:?}"),
        }
    }

    /// Receives the next frame, which must be text.
    pub async fn recv_text(&mut self) -> String {
        match self.recv().await {
            Received::Text(text) => text,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Reads until the connection ends; returns the frames read before and
    /// the close code, failing the test after [`TIMEOUT`].
    pub async fn until_closed(&mut self) -> (Vec<Received>, Option<u16>) {
        let mut before = Vec::new();
        loop {
            match self.recv().await {
                Received::Closed(code) => return (before, code),
                other => before.push(other),
            }
        }
    }

    async fn recv_any(&mut self) -> Received {
        if self.closed {
            return Received::Closed(None);
        }
        loop {
            let received = match self.stream.next().await {
                Some(Ok(WsMessage::Text(text))) => Received::Text(text.as_str().to_owned()),
                Some(Ok(WsMessage::Binary(data))) => Received::Binary(data),
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_))) => continue,
                Some(Ok(WsMessage::Close(frame))) => Received::Closed(frame.map(|f| u16::from(f.code))),
                Some(Err(_)) | None => Received::Closed(None),
            };
            if matches!(received, Received::Closed(_)) {
                self.closed = true;
            }
            return received;
        }
    }
}

/// Fails unless the server refused the WebSocket: either the handshake
/// failed, or the connection ends before any packet and ignores a probe.
pub async fn assert_refused(connection: Result<WsClient, tungstenite::Error>, context: &str) {
    let mut ws = match connection {
        Err(_) => return,
        Ok(ws) => ws,
    };
    ws.send_text("2probe").await;
    match ws.recv().await {
        Received::Closed(_) => {}
        other => panic!("{context}: the WebSocket was accepted and answered {other:?}"),
    }
}
