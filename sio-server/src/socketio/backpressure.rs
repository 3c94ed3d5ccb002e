//! An event that found its socket's queue full: it waits for room while
//! the engine reads nothing more from that client.
//!
//! This is the whole of inbound flow control: a handler that is behind
//! slows its client down (TCP on WebSocket, the POST's response on
//! polling) instead of losing its events or disconnecting it. Only when
//! the server sets `max_inbound_backlog` does a client that keeps its
//! handler behind for that long get disconnected, and told.

use std::time::Duration;

use tokio::time::Instant;

use super::handler::Event;
use super::{DisconnectReason, Socket};

/// Puts `event` into `socket`'s queue as soon as there is room. Resolves
/// when it is in, or when the socket disconnected first (the event is then
/// dropped, as every event arriving after a disconnect is).
pub(crate) async fn queue_when_room(socket: Socket, event: Box<Event>) {
    let limit = socket.server().config().max_inbound_backlog;
    let queued = socket.queue_event_when_room(event);
    let Some(limit) = limit else {
        let _ = queued.await;
        return;
    };
    // The refusal that led here started the backlog (unless the handler
    // has emptied the queue since: then it starts now).
    let started = socket.backlog_since().unwrap_or_else(Instant::now);
    tokio::select! {
        _ = queued => {}
        () = tokio::time::sleep_until(started + limit) => overflow(&socket, limit),
    }
}

/// The client abused: disconnected, told so, and its backlog dropped (an
/// abuser's events are not worth running after it is gone).
fn overflow(socket: &Socket, limit: Duration) {
    socket.disconnect_with(DisconnectReason::InboundOverflow);
    let dropped = socket.clear_events();
    tracing::warn!(
        socket = %socket.id(),
        namespace = socket.namespace(),
        limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
        dropped,
        "the client kept its handler behind for longer than max_inbound_backlog: socket disconnected, its queued events dropped"
    );
}
