//! A WebSocket Engine.IO / Socket.IO client, just enough for the scenarios.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// The errors of the generator: a message is all a benchmark needs.
pub type Error = Box<dyn std::error::Error>;

/// A client WebSocket.
pub type Ws = WebSocketStream<TcpStream>;

/// How long one handshake step may take before the connection counts as
/// failed.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// What one received Engine.IO text frame is, for the scenarios.
#[derive(Debug)]
pub enum Incoming {
    /// An Engine.IO message: a Socket.IO packet, still behind the `4`
    /// (see [`packet`]).
    Message(Utf8Bytes),
    /// An Engine.IO ping (`2`): answer `3`.
    Ping,
    /// The session or namespace was closed by the server, with what it
    /// said (`1`, `41`, a WebSocket close frame, an error).
    Closed(String),
    /// Anything else (binary frames, pongs, noops).
    Other,
}

/// Reads the next frame and classifies it. `None` means the stream ended
/// without a close frame.
pub async fn next(ws: &mut Ws) -> Incoming {
    match ws.next().await {
        None => Incoming::Closed("connection ended".to_owned()),
        Some(Err(error)) => Incoming::Closed(format!("transport error: {error}")),
        Some(Ok(message)) => classify(message),
    }
}

/// Classifies one WebSocket message.
pub fn classify(message: Message) -> Incoming {
    match message {
        Message::Text(text) => {
            let first = text.as_bytes().first().copied();
            match first {
                Some(b'4') if text.starts_with("41") => Incoming::Closed(format!("namespace disconnect ({text})")),
                Some(b'4') => Incoming::Message(text),
                Some(b'2') => Incoming::Ping,
                Some(b'1') => Incoming::Closed("engine.io close packet".to_owned()),
                _ => Incoming::Other,
            }
        }
        Message::Close(frame) => Incoming::Closed(match frame {
            Some(frame) => format!("close frame {} {}", u16::from(frame.code), frame.reason),
            None => "close frame".to_owned(),
        }),
        _ => Incoming::Other,
    }
}

/// Opens a WebSocket to the Engine.IO endpoint and joins the namespace `/`:
/// waits for the open packet, sends `40`, waits for `40{"sid":...}`.
pub async fn connect(addr: SocketAddr, path: &str) -> Result<Ws, Error> {
    let mut ws = open(addr, path).await?;
    join_root(&mut ws).await?;
    Ok(ws)
}

/// Opens the WebSocket and reads the Engine.IO open packet.
pub async fn open(addr: SocketAddr, path: &str) -> Result<Ws, Error> {
    let mut ws = handshake(addr, &format!("ws://{addr}{path}?EIO=4&transport=websocket")).await?;
    match tokio::time::timeout(STEP_TIMEOUT, ws.next()).await {
        Ok(Some(Ok(Message::Text(text)))) if text.as_str().starts_with('0') => Ok(ws),
        Ok(other) => Err(format!("expected the Engine.IO open packet, got {other:?}").into()),
        Err(_) => Err("no Engine.IO open packet".into()),
    }
}

/// Opens the WebSocket of an upgrade of the polling session `sid` (no open
/// packet comes on it: the session exists already).
pub async fn open_upgrade(addr: SocketAddr, path: &str, sid: &str) -> Result<Ws, Error> {
    handshake(addr, &format!("ws://{addr}{path}?EIO=4&transport=websocket&sid={sid}")).await
}

/// TCP connect and WebSocket handshake to `url` on `addr`.
async fn handshake(addr: SocketAddr, url: &str) -> Result<Ws, Error> {
    let stream = tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| "TCP connect timed out")??;
    stream.set_nodelay(true)?;
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0);
    let (ws, _) = tokio::time::timeout(
        STEP_TIMEOUT,
        tokio_tungstenite::client_async_with_config(url, stream, Some(config)),
    )
    .await
    .map_err(|_| "WebSocket handshake timed out")??;
    Ok(ws)
}

/// Drops the connection with a TCP reset: no close frame, no FIN, as a
/// client whose machine or network vanished.
pub fn reset(ws: Ws) {
    let _ = ws.get_ref().set_zero_linger();
    drop(ws);
}

/// Sends `frame` (a Socket.IO packet with ack id `id`, behind its `4`) and
/// waits for the ACK of `id`, answering pings; returns the ACK packet.
pub async fn request(ws: &mut Ws, frame: String, id: u64) -> Result<String, Error> {
    ws.send(Message::text(frame)).await?;
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    // Bounded: a server that keeps sending anything else hits the deadline.
    loop {
        let incoming = tokio::time::timeout_at(deadline, next(ws))
            .await
            .map_err(|_| format!("no ack {id}"))?;
        match incoming {
            Incoming::Message(message) => {
                let packet = packet(&message);
                if parse_ack(packet).is_some_and(|(ack, _)| ack == id) {
                    return Ok(packet.to_owned());
                }
            }
            Incoming::Ping => ws.send(Message::text("3")).await?,
            Incoming::Closed(reason) => return Err(format!("closed while waiting for ack {id}: {reason}").into()),
            Incoming::Other => {}
        }
    }
}

/// Sends `40` and waits for the CONNECT reply.
pub async fn join_root(ws: &mut Ws) -> Result<(), Error> {
    ws.send(Message::text("40")).await?;
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    // Bounded: a server that keeps sending anything else hits the deadline.
    loop {
        let incoming = tokio::time::timeout_at(deadline, next(ws))
            .await
            .map_err(|_| "no CONNECT reply")?;
        match incoming {
            Incoming::Message(message) if packet(&message).starts_with("0{") => return Ok(()),
            Incoming::Message(message) if packet(&message).starts_with('4') => {
                let packet = packet(&message);
                return Err(format!("CONNECT refused: {packet}").into());
            }
            Incoming::Ping => ws.send(Message::text("3")).await?,
            Incoming::Closed(reason) => return Err(format!("closed during CONNECT: {reason}").into()),
            Incoming::Message(_) | Incoming::Other => {}
        }
    }
}

/// The Socket.IO packet inside an Engine.IO message frame (`4...`).
pub fn packet(message: &Utf8Bytes) -> &str {
    message.as_str().get(1..).unwrap_or("")
}

/// Parses the ack id of a Socket.IO ACK packet for `/` (`3<id>[...]`), and
/// returns it with the length of the data after it.
pub fn parse_ack(packet: &str) -> Option<(u64, usize)> {
    let rest = packet.strip_prefix('3')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = rest[..digits].parse().ok()?;
    Some((id, rest.len() - digits))
}

/// A JSON string of `len` ASCII bytes (quotes not counted).
pub fn padding(len: usize) -> String {
    let mut pad = String::with_capacity(len + 2);
    pad.push('"');
    pad.extend((0..len).map(|i| char::from(b'a' + (i % 26) as u8)));
    pad.push('"');
    pad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_acks() {
        assert_eq!(parse_ack(r#"317["abc"]"#), Some((17, 7)));
        assert_eq!(parse_ack(r#"2["x"]"#), None);
        assert_eq!(padding(3), r#""abc""#);
    }
}
