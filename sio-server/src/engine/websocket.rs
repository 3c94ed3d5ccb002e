//! WebSocket: accepting the upgrade request, and the loop that carries a
//! session once it is on WebSocket.
//!
//! One Engine.IO packet per frame; binary messages are binary frames with
//! no prefix. Messages larger than `max_payload` close the connection with
//! status 1009. The framing is [`WsConnection`]'s: an idle connection
//! holds no read or write buffer, and each received message has an
//! allocation of its own, sized to it.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Response, StatusCode};
use sio_core::engine::{Frame, Packet};
use sio_core::websocket::{Message as WsMessage, Opcode, WsError, close_code};
use tokio::io::{AsyncRead, AsyncWrite};
use tracing::Instrument as _;

use super::admission::Admission;
use super::connection::UpgradedIo;
use super::inbound::{self, Flow, Paused};
use super::outbox::Outbox;
use super::response::{self, Body};
use super::session::{Session, UpgradeState};
use super::ws_conn::{ReadError, WsConnection};
use super::{CloseReason, EngineError, EngineHandler, EngineServer, Handshake, upgrade};

/// Frames written before one flush, so a burst goes out in few syscalls.
const WRITE_BATCH: usize = 64;

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key` (RFC 6455
/// §4.2.2: base64 of the SHA-1 of the key and the protocol's GUID).
fn derive_accept_key(key: &[u8]) -> String {
    const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key);
    sha1.update(GUID);
    STANDARD.encode(sha1.digest().bytes())
}

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
    HeaderValue::from_str(&derive_accept_key(key.as_bytes())).map_err(|_| EngineError::BadRequest)
}

/// What a WebSocket request leads to once upgraded.
enum Upgrade<H: EngineHandler> {
    /// A new session, with its slot.
    Fresh(Box<Handshake>, Admission),
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
        None => Upgrade::Fresh(Box::new(handshake), server.admit()?),
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
        // Owned here and lent to the loops below: an async fn keeps its
        // by-value arguments for its whole life, so passing the connection
        // down by value would store it once per level in the task.
        let mut ws = WsConnection::new(UpgradedIo::new(upgraded), server.config().max_payload);
        match upgrading {
            Upgrade::Probe(session) => {
                let span = tracing::info_span!("session", sid = %session.handle.sid());
                // Boxed: only upgraded sessions need the probe's state.
                Box::pin(upgrade::run(&server, session, &mut ws).instrument(span)).await;
            }
            Upgrade::Fresh(handshake, admission) => {
                let session = open_fresh(&server, handshake, admission);
                run_fresh(&server, &mut ws, session).await;
            }
            Upgrade::Refuse => {
                let refusal = ws.close(close_code::POLICY, "session already on WebSocket");
                let _ = tokio::time::timeout(Duration::from_secs(1), refusal).await;
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

/// Opens the session of a fresh WebSocket. A function of its own so the
/// handshake's box is freed here, not kept by the caller's task.
fn open_fresh<H: EngineHandler>(
    server: &Arc<EngineServer<H>>,
    handshake: Box<Handshake>,
    admission: Admission,
) -> Arc<Session<H>> {
    server.open_session(*handshake, admission)
}

/// A session that starts on WebSocket: open packet first, then the loop.
async fn run_fresh<H, S>(server: &Arc<EngineServer<H>>, ws: &mut WsConnection<S>, session: Arc<Session<H>>)
where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let span = tracing::info_span!("session", sid = %session.handle.sid());
    async move {
        feed(ws, &Packet::Open(server.open_packet(&session, false)).encode());
        if let Err(error) = ws.flush().await {
            tracing::debug!(%error, "could not send the open packet");
            session.handle.close(CloseReason::TransportError);
            return;
        }
        let Some(outbox) = session.take_outbox() else {
            session.handle.close(CloseReason::TransportError);
            return;
        };
        run(server, &session, ws, outbox).await;
    }
    .instrument(span)
    .await;
}

/// Queues an encoded frame as a WebSocket message.
pub(crate) fn feed<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WsConnection<S>, frame: &Frame) {
    match frame {
        Frame::Text(text) => ws.feed(Opcode::Text, text.as_bytes()),
        Frame::Binary(data) => ws.feed(Opcode::Binary, data),
    }
}

/// Carries `session` over `ws` until it closes.
///
/// Writing goes on while reading is paused by backpressure: a handler
/// that emits while the client's events wait must not deadlock on it.
pub(crate) async fn run<H, S>(
    server: &EngineServer<H>,
    session: &Session<H>,
    ws: &mut WsConnection<S>,
    mut outbox: Outbox,
) where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let handle = &session.handle;
    let mut paused: Option<Paused<'_, H>> = None;
    let reason = loop {
        tokio::select! {
            biased;
            reason = handle.closed() => break reason,
            frame = outbox.next() => {
                tokio::select! {
                    biased;
                    reason = handle.closed() => break reason,
                    written = write_batch(ws, frame, &mut outbox) => if let Err(error) = written {
                        tracing::debug!(%error, "WebSocket write failed");
                        handle.close(CloseReason::TransportError);
                    }
                }
            }
            () = async { paused.as_mut().expect("branch enabled only while paused").await }, if paused.is_some() => {
                paused = None;
            }
            incoming = ws.next(), if paused.is_none() => {
                match receive(server, session, ws, incoming).await {
                    Flow::Continue => {}
                    Flow::Stop => {}
                    Flow::Wait(backpressure) => paused = Some(Paused::new(session, backpressure)),
                }
            }
        }
    };
    drop(paused);
    close(server, ws, &mut outbox, reason).await;
}

/// Handles one WebSocket read. [`Flow::Stop`] means the session has been
/// closed (for the reason it carries).
async fn receive<H, S>(
    server: &EngineServer<H>,
    session: &Session<H>,
    ws: &mut WsConnection<S>,
    incoming: Option<Result<WsMessage, ReadError>>,
) -> Flow
where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let closing = |reason| {
        session.handle.close(reason);
        Flow::Stop
    };
    let packet = match incoming {
        None => return closing(CloseReason::TransportClose),
        Some(Ok(WsMessage::Close(frame))) => {
            // Boxed: once per connection at most.
            let answer = Box::pin(ws.answer_close(frame.as_ref()));
            let _ = tokio::time::timeout(server.config().ping_timeout, answer).await;
            return closing(CloseReason::TransportClose);
        }
        Some(Ok(WsMessage::Text(text))) => match Packet::decode_text(text) {
            Ok(packet) => packet,
            Err(error) => {
                tracing::debug!(%error, "malformed packet on WebSocket");
                return closing(CloseReason::ParseError);
            }
        },
        Some(Ok(WsMessage::Binary(data))) => Packet::decode_binary(data),
        Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => return Flow::Continue,
        Some(Err(ReadError::Protocol(error))) => {
            match error {
                WsError::TooBig { .. } => tracing::debug!(%error, "WebSocket message over max_payload"),
                _ => tracing::debug!(%error, "WebSocket protocol error"),
            }
            return closing(CloseReason::TransportError);
        }
        Some(Err(ReadError::Io(error))) => {
            tracing::debug!(%error, "WebSocket read failed");
            return closing(if is_connection_lost(&error) {
                CloseReason::TransportClose
            } else {
                CloseReason::TransportError
            });
        }
    };
    inbound::deliver(server.handler(), session, packet)
}

/// Whether a read error only means the peer went away (closed the TCP
/// connection without a closing handshake), which the protocol reports as
/// a transport close rather than an error.
fn is_connection_lost(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof
    )
}

/// Writes `first` and whatever else is queued (up to a batch), then
/// flushes once.
async fn write_batch<S>(ws: &mut WsConnection<S>, first: Frame, outbox: &mut Outbox) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    feed(ws, &first);
    for _ in 1..WRITE_BATCH {
        match outbox.try_next() {
            Some(frame) => feed(ws, &frame),
            None => break,
        }
    }
    ws.flush().await
}

/// Ends the WebSocket of a closed session: queued frames first when the
/// server closed it on purpose, then a close frame. Bounded in time.
async fn close<H, S>(server: &EngineServer<H>, ws: &mut WsConnection<S>, outbox: &mut Outbox, reason: CloseReason)
where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    if matches!(reason, CloseReason::ForcedClose | CloseReason::ServerShutdown) {
        while let Some(frame) = outbox.try_next() {
            feed(ws, &frame);
        }
    }
    let code = match reason {
        CloseReason::ServerShutdown => close_code::AWAY,
        CloseReason::ParseError => close_code::PROTOCOL,
        _ => close_code::NORMAL,
    };
    // Boxed: the goodbye runs once per connection, so its state need not
    // take room in every connection's task.
    let goodbye = Box::pin(ws.close(code, reason.as_str()));
    let _ = tokio::time::timeout(server.config().ping_timeout, goodbye).await;
}

#[cfg(test)]
mod future_sizes {
    //! Every WebSocket session keeps these futures for its whole life, so
    //! their size is memory per idle connection: budgets with some room
    //! (the sizes measured when they were set are in the comments).

    use super::*;
    use crate::engine::connection::UpgradedIo;
    use crate::socketio::SocketIoHandler;

    fn returned<A, B, C, R>(_: impl FnOnce(A, B, C) -> R) -> usize {
        std::mem::size_of::<R>()
    }

    fn returned4<A, B, C, D, R>(_: impl FnOnce(A, B, C, D) -> R) -> usize {
        std::mem::size_of::<R>()
    }

    #[test]
    fn the_session_futures_stay_small() {
        type H = SocketIoHandler;
        type S = UpgradedIo;
        let sizes = [
            ("websocket::run", returned4(run::<H, S>), 800),               // 520
            ("websocket::run_fresh", returned(run_fresh::<H, S>), 900),    // 632
            ("upgrade::run", returned(upgrade::run::<H, S>), 900),         // 592
            ("WsConnection", std::mem::size_of::<WsConnection<S>>(), 400), // 280
        ];
        for (name, size, budget) in sizes {
            assert!(size <= budget, "{name} is {size} bytes, over its budget of {budget}");
        }
    }
}
