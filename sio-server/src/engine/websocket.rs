//! WebSocket: accepting the upgrade request, and the loop that carries a
//! session once it is on WebSocket.
//!
//! One Engine.IO packet per frame; binary messages are binary frames with
//! no prefix. Messages larger than `max_payload` close the connection with
//! status 1009. The read buffer is `websocket_read_buffer` bytes. Nothing
//! long-lived points into it: text frames live only while they are decoded
//! (the Socket.IO layer copies what it keeps), binary messages smaller than
//! the buffer are copied out, and larger ones keep the allocation made to
//! hold them.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Response, StatusCode};
use sio_core::Str;
use sio_core::engine::{Frame, Packet};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message as WsMessage, Utf8Bytes};
use tracing::Instrument as _;

use super::connection::UpgradedIo;
use super::inbound::{self, Flow};
use super::outbox::Outbox;
use super::response::{self, Body};
use super::session::{Session, UpgradeState};
use super::{CloseReason, EngineError, EngineHandler, EngineServer, Handshake, upgrade};

/// Frames written before one flush, so a burst goes out in few syscalls.
const WRITE_BATCH: usize = 64;

/// Bytes the WebSocket buffers before writing even without a flush.
const WRITE_BUFFER: usize = 64 * 1024;

/// Whether the request asks for a WebSocket upgrade.
pub(crate) fn is_upgrade_request(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// Checks the RFC 6455 §4.2.1 headers and returns `Sec-WebSocket-Accept`.
fn accept_key(headers: &HeaderMap) -> Result<HeaderValue, EngineError> {
    let connection_upgrade = headers.get_all(header::CONNECTION).iter().any(|value| {
        value
            .to_str()
            .is_ok_and(|v| v.split(',').any(|token| token.trim().eq_ignore_ascii_case("upgrade")))
    });
    if !connection_upgrade {
        return Err(EngineError::BadRequest);
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION).map(HeaderValue::as_bytes) != Some(b"13") {
        return Err(EngineError::UnsupportedWebSocketVersion);
    }
    let key = headers.get(header::SEC_WEBSOCKET_KEY).ok_or(EngineError::BadRequest)?;
    HeaderValue::from_str(&tungstenite::handshake::derive_accept_key(key.as_bytes()))
        .map_err(|_| EngineError::BadRequest)
}

/// What a WebSocket request leads to once upgraded.
enum Upgrade<H: EngineHandler> {
    /// A new session.
    Fresh(Box<Handshake>),
    /// The upgrade of this polling session.
    Probe(Arc<Session<H>>),
    /// Nothing: closed at once.
    Refuse,
}

/// Answers a WebSocket upgrade request: `101` now, and a task that takes
/// over the connection once hyper hands it over.
///
/// With `sid`, the WebSocket upgrades that polling session; without, it
/// opens a new session.
pub(crate) fn accept<H: EngineHandler, B>(
    server: &Arc<EngineServer<H>>,
    mut request: Request<B>,
    sid: Option<&str>,
    handshake: Handshake,
) -> Result<Response<Body>, EngineError> {
    let accept = accept_key(request.headers())?;
    let config = server.config();
    let origin = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if !config.websocket_origins.allows(origin) {
        tracing::debug!(?origin, "WebSocket from a foreign origin refused");
        return Err(EngineError::Forbidden);
    }
    let upgrading = match sid {
        None => Upgrade::Fresh(Box::new(handshake)),
        Some(sid) => {
            let session = server.session_state(sid).ok_or(EngineError::UnknownSid)?;
            let on_polling = !session.handle.is_upgraded()
                && session.handle.handshake().transport() == super::TransportKind::Polling;
            if on_polling && session.advance_upgrade(UpgradeState::None, UpgradeState::Probing) {
                Upgrade::Probe(session)
            } else {
                // Accepted, then closed at once: what the reference server
                // does, and what clients expect (an HTTP error would surface
                // as an error event instead of a close).
                tracing::debug!(
                    sid,
                    "WebSocket for a session that is already upgrading or upgraded, closing it"
                );
                Upgrade::Refuse
            }
        }
    };
    let on_upgrade = hyper::upgrade::on(&mut request);
    let server = Arc::clone(server);
    tokio::spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(error) => {
                tracing::debug!(%error, "WebSocket upgrade failed");
                if let Upgrade::Probe(session) = upgrading {
                    upgrade::abandon(&session);
                }
                return;
            }
        };
        let ws =
            WebSocketStream::from_raw_socket(UpgradedIo::new(upgraded), Role::Server, Some(ws_config(&server))).await;
        match upgrading {
            Upgrade::Probe(session) => {
                let span = tracing::info_span!("session", sid = %session.handle.sid());
                upgrade::run(server, session, ws).instrument(span).await;
            }
            Upgrade::Fresh(handshake) => run_fresh(server, ws, *handshake).await,
            Upgrade::Refuse => {
                let mut ws = ws;
                let frame = CloseFrame {
                    code: CloseCode::Policy,
                    reason: "session already on WebSocket".into(),
                };
                let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(Some(frame))).await;
            }
        }
    });
    let mut response = response::status(StatusCode::SWITCHING_PROTOCOLS, "");
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    Ok(response)
}

fn ws_config<H: EngineHandler>(server: &EngineServer<H>) -> WebSocketConfig {
    let config = server.config();
    WebSocketConfig::default()
        .read_buffer_size(config.websocket_read_buffer)
        // Frames of one batch collect in the write buffer and leave in one
        // write at the flush; the buffer stays empty while idle.
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(Some(config.max_payload))
        .max_frame_size(Some(config.max_payload))
}

/// A session that starts on WebSocket: open packet first, then the loop.
async fn run_fresh<H, S>(server: Arc<EngineServer<H>>, mut ws: WebSocketStream<S>, handshake: Handshake)
where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let session = server.open_session(handshake);
    let span = tracing::info_span!("session", sid = %session.handle.sid());
    async move {
        let open = Packet::Open(server.open_packet(&session, false)).encode();
        if let Err(error) = ws.send(to_ws(open)).await {
            tracing::debug!(%error, "could not send the open packet");
            session.handle.close(CloseReason::TransportError);
            return;
        }
        let Some(outbox) = session.take_outbox() else {
            session.handle.close(CloseReason::TransportError);
            return;
        };
        run(&server, &session, ws, outbox).await;
    }
    .instrument(span)
    .await;
}

/// Converts an encoded frame to a WebSocket message, sharing its bytes.
fn to_ws(frame: Frame) -> WsMessage {
    match frame {
        // SAFETY: `Str` holds valid UTF-8 by construction.
        #[allow(unsafe_code)]
        Frame::Text(text) => WsMessage::Text(unsafe { Utf8Bytes::from_bytes_unchecked(text.into_bytes()) }),
        Frame::Binary(data) => WsMessage::Binary(data),
    }
}

/// Converts a received text frame to `Str`, sharing its bytes.
pub(crate) fn text_to_str(text: Utf8Bytes) -> Str {
    // SAFETY: tungstenite validated the frame as UTF-8.
    #[allow(unsafe_code)]
    unsafe {
        Str::from_utf8_unchecked(text.into())
    }
}

/// Carries `session` over `ws` until it closes.
pub(crate) async fn run<H, S>(
    server: &EngineServer<H>,
    session: &Session<H>,
    mut ws: WebSocketStream<S>,
    mut outbox: Outbox,
) where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let handle = &session.handle;
    let reason = loop {
        tokio::select! {
            biased;
            reason = handle.closed() => break reason,
            frame = outbox.next() => {
                tokio::select! {
                    biased;
                    reason = handle.closed() => break reason,
                    written = write_batch(&mut ws, frame, &mut outbox) => if let Err(error) = written {
                        tracing::debug!(%error, "WebSocket write failed");
                        handle.close(CloseReason::TransportError);
                    }
                }
            }
            incoming = ws.next() => {
                if let Some(reason) = receive(server, session, &mut ws, incoming).await {
                    handle.close(reason);
                }
            }
        }
    };
    close(server, &mut ws, &mut outbox, reason).await;
}

/// Handles one WebSocket read; returns a reason when the session must end.
async fn receive<H, S>(
    server: &EngineServer<H>,
    session: &Session<H>,
    ws: &mut WebSocketStream<S>,
    incoming: Option<Result<WsMessage, tungstenite::Error>>,
) -> Option<CloseReason>
where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let packet = match incoming {
        None | Some(Ok(WsMessage::Close(_))) => return Some(CloseReason::TransportClose),
        Some(Ok(WsMessage::Text(text))) => match Packet::decode_text(text_to_str(text)) {
            Ok(packet) => packet,
            Err(error) => {
                tracing::debug!(%error, "malformed packet on WebSocket");
                return Some(CloseReason::ParseError);
            }
        },
        Some(Ok(WsMessage::Binary(data))) => Packet::decode_binary(detach(data, server.config().websocket_read_buffer)),
        Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_))) => return None,
        Some(Err(tungstenite::Error::Capacity(error))) => {
            tracing::debug!(%error, "WebSocket message over max_payload");
            let frame = CloseFrame {
                code: CloseCode::Size,
                reason: "message too big".into(),
            };
            let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(Some(frame))).await;
            return Some(CloseReason::TransportError);
        }
        Some(Err(error)) => {
            tracing::debug!(%error, "WebSocket read failed");
            return Some(if is_connection_lost(&error) {
                CloseReason::TransportClose
            } else {
                CloseReason::TransportError
            });
        }
    };
    match inbound::deliver(server.handler(), session, packet) {
        Flow::Continue => None,
        Flow::Stop => session.handle.close_reason(),
    }
}

/// A received payload as bytes of its own when it is small: the frame is
/// a slice of the WebSocket read buffer, and an application that keeps a
/// small binary message would otherwise keep the whole buffer alive.
/// Payloads at least as large as the buffer have an allocation of their own
/// already (the buffer grows to fit them) and are passed on as they are.
fn detach(payload: Bytes, read_buffer: usize) -> Bytes {
    if payload.len() < read_buffer {
        Bytes::copy_from_slice(&payload)
    } else {
        payload
    }
}

/// Whether a read error only means the peer went away (closed the TCP
/// connection without a closing handshake), which the protocol reports as
/// a transport close rather than an error.
fn is_connection_lost(error: &tungstenite::Error) -> bool {
    use std::io::ErrorKind;
    use tungstenite::error::ProtocolError;
    match error {
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => true,
        tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => true,
        tungstenite::Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof
        ),
        _ => false,
    }
}

/// Writes `first` and whatever else is queued (up to a batch), then
/// flushes once.
async fn write_batch<S>(
    ws: &mut WebSocketStream<S>,
    first: Frame,
    outbox: &mut Outbox,
) -> Result<(), tungstenite::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    ws.feed(to_ws(first)).await?;
    for _ in 1..WRITE_BATCH {
        match outbox.try_next() {
            Some(frame) => ws.feed(to_ws(frame)).await?,
            None => break,
        }
    }
    ws.flush().await
}

/// Ends the WebSocket of a closed session: queued frames first when the
/// server closed it on purpose, then a close frame. Bounded in time.
async fn close<H, S>(server: &EngineServer<H>, ws: &mut WebSocketStream<S>, outbox: &mut Outbox, reason: CloseReason)
where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let goodbye = async {
        if matches!(reason, CloseReason::ForcedClose | CloseReason::ServerShutdown) {
            while let Some(frame) = outbox.try_next() {
                ws.feed(to_ws(frame)).await?;
            }
        }
        let code = match reason {
            CloseReason::ServerShutdown => CloseCode::Away,
            CloseReason::ParseError => CloseCode::Protocol,
            _ => CloseCode::Normal,
        };
        ws.close(Some(CloseFrame {
            code,
            reason: reason.as_str().into(),
        }))
        .await
    };
    let _ = tokio::time::timeout(server.config().ping_timeout, goodbye).await;
}
