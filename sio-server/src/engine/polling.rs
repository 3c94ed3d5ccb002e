//! HTTP long-polling: the handshake GET, long-poll GETs and POSTs.
//!
//! - A GET waits until the session has something to send, then answers
//!   with the queued packets that fit in `max_payload`, at most 16 (at
//!   least one).
//! - A POST delivers its packets in order and answers `ok` once the layer
//!   above has taken them all (backpressure: it may wait for room).
//! - At most one GET and one POST per session at a time: a second one gets
//!   400 and closes the session, as the reference server does.

use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use http_body_util::{BodyExt, Limited};
use hyper::body::Body as HttpBody;
use sio_core::engine::{Frame, Packet, payload};

use super::admission::Admission;
use super::inbound::{self, Flow};
use super::outbox::Outbox;
use super::response::{self, Body};
use super::session::Session;
use super::{CloseReason, EngineError, EngineHandler, EngineServer, Handshake};

/// Opens a session on polling and answers with its `open` packet.
pub(crate) fn handshake<H: EngineHandler>(
    server: &Arc<EngineServer<H>>,
    handshake: Handshake,
    admission: Admission,
) -> Response<Body> {
    let session = server.open_session(handshake, admission);
    let open = Packet::Open(server.open_packet(&session, true)).encode();
    response::text(payload::encode([&open]))
}

/// Returns the outbox to the session when the GET ends, even if the
/// request is dropped halfway.
struct OutboxLease<'a, H: EngineHandler> {
    session: &'a Session<H>,
    outbox: Option<Outbox>,
}

impl<H: EngineHandler> Drop for OutboxLease<'_, H> {
    fn drop(&mut self) {
        if let Some(outbox) = self.outbox.take() {
            self.session.return_outbox(outbox);
        }
    }
}

enum Wake {
    Frame(Frame),
    Probed,
    Closed(crate::engine::CloseReason),
}

/// A long-poll GET on an existing session.
pub(crate) async fn get<H: EngineHandler>(
    server: &EngineServer<H>,
    session: &Session<H>,
) -> Result<Response<Body>, EngineError> {
    let Some(outbox) = session.take_outbox() else {
        if session.handle.is_upgraded() {
            // It passed the transport check just before the upgrade took
            // the outbox: not a concurrent GET, the session is fine.
            tracing::debug!(sid = %session.handle.sid(), "GET crossing the upgrade, refused");
            return Err(EngineError::BadRequest);
        }
        tracing::debug!(sid = %session.handle.sid(), "concurrent GET, closing the session");
        session.handle.close(CloseReason::TransportError);
        return Err(EngineError::BadRequest);
    };
    let mut lease = OutboxLease {
        session,
        outbox: Some(outbox),
    };
    let Some(outbox) = lease.outbox.as_mut() else {
        return Err(EngineError::BadRequest);
    };
    let wake = tokio::select! {
        biased;
        reason = session.handle.closed() => Wake::Closed(reason),
        frame = outbox.next() => Wake::Frame(frame),
        () = session.probed() => Wake::Probed,
    };
    let max_payload = server.config().max_payload;
    let mut body = Vec::new();
    match wake {
        Wake::Frame(frame) => {
            payload::encode_into(&mut body, &frame);
            fill(&mut body, 1, outbox, max_payload);
        }
        Wake::Probed => payload::encode_into(&mut body, &Packet::Noop.encode()),
        // The client closed: its pending GET just ends, with a noop.
        Wake::Closed(CloseReason::TransportClose) => {
            payload::encode_into(&mut body, &Packet::Noop.encode());
            session.mark_close_delivered();
        }
        // Shutting down: what is queued, without a `close` packet. The
        // client's next poll fails and it reconnects (to the next server);
        // python-socketio treats a `close` packet as final and would not.
        Wake::Closed(CloseReason::ServerShutdown) => {
            fill(&mut body, 0, outbox, max_payload);
            if body.is_empty() {
                payload::encode_into(&mut body, &Packet::Noop.encode());
            }
            session.mark_close_delivered();
        }
        Wake::Closed(reason) => {
            if reason == CloseReason::ForcedClose {
                fill(&mut body, 0, outbox, max_payload);
            }
            payload::encode_into(&mut body, &Packet::Close.encode());
            session.mark_close_delivered();
        }
    }
    Ok(response::text(body))
}

/// The most packets one polling response carries. python-engineio refuses
/// a payload of more than 16 packets and drops the connection, so a burst
/// is spread over several responses, like the reference server's clients
/// expect.
const MAX_PACKETS_PER_RESPONSE: usize = 16;

/// Appends queued frames to `body` (which holds `count` already) while it
/// stays within `max_payload` and [`MAX_PACKETS_PER_RESPONSE`].
fn fill(body: &mut Vec<u8>, mut count: usize, outbox: &mut Outbox, max_payload: usize) {
    while count < MAX_PACKETS_PER_RESPONSE {
        let Some(frame) = outbox.try_next() else { return };
        let separator = usize::from(!body.is_empty());
        if !body.is_empty() && body.len() + separator + frame.polling_len() > max_payload {
            outbox.put_back(frame);
            return;
        }
        payload::encode_into(body, &frame);
        count += 1;
    }
}

/// Clears the POST flag when the POST ends, even if dropped halfway.
struct PostTurn<'a, H: EngineHandler>(&'a Session<H>);

impl<H: EngineHandler> Drop for PostTurn<'_, H> {
    fn drop(&mut self) {
        self.0.end_post();
    }
}

/// A POST carrying packets from the client.
pub(crate) async fn post<H, B>(
    server: &EngineServer<H>,
    session: &Session<H>,
    body: B,
) -> Result<Response<Body>, EngineError>
where
    H: EngineHandler,
    B: HttpBody,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if !session.begin_post() {
        tracing::debug!(sid = %session.handle.sid(), "concurrent POST, closing the session");
        session.handle.close(CloseReason::TransportError);
        return Err(EngineError::BadRequest);
    }
    let _turn = PostTurn(session);
    let config = server.config();
    let body = match read_body(body, config.max_payload, config.request_timeout).await {
        Ok(body) => body,
        Err(error) => {
            tracing::debug!(sid = %session.handle.sid(), %error, "refusing POST body, closing the session");
            session.handle.close(CloseReason::TransportError);
            return Err(error);
        }
    };
    let packets = match payload::decode(body) {
        Ok(packets) => packets,
        Err(error) => {
            tracing::debug!(sid = %session.handle.sid(), %error, "malformed POST payload, closing the session");
            session.handle.close(CloseReason::ParseError);
            return Err(EngineError::BadRequest);
        }
    };
    // Under backpressure the response waits until every packet is taken:
    // the client sends nothing more meanwhile (one POST at a time), so a
    // session holds at most one body of unread packets.
    for packet in packets {
        match inbound::deliver(server.handler(), session, packet) {
            Flow::Continue => {}
            Flow::Stop => break,
            Flow::Wait(backpressure) => {
                if !inbound::wait(session, backpressure).await {
                    break;
                }
            }
        }
    }
    Ok(response::text(Bytes::from_static(b"ok")))
}

/// Reads a whole body of at most `limit` bytes within `timeout`.
async fn read_body<B>(body: B, limit: usize, timeout: std::time::Duration) -> Result<Bytes, EngineError>
where
    B: HttpBody,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(EngineError::PayloadTooLarge);
    }
    let collect = Limited::new(body, limit).collect();
    match tokio::time::timeout(timeout, collect).await {
        Err(_) => Err(EngineError::RequestTimeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => Err(EngineError::PayloadTooLarge),
        Ok(Err(_)) => Err(EngineError::BadRequest),
    }
}
