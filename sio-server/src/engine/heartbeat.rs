//! The life of a session: heartbeat, then the end.
//!
//! One task per session pings the client every `ping_interval` (the first
//! ping one interval after the handshake, never at once) and closes the
//! session when a pong does not come within `ping_timeout` of reading: a
//! pause in reading caused by the server's own backpressure does not
//! count against the client. When the
//! session closes, for whatever reason, the same task removes it from the
//! server and calls `on_close`, so that happens exactly once.

use std::sync::Arc;

use sio_core::Str;
use sio_core::engine::Frame;

use tokio::time::Instant;

use super::session::Session;
use super::{CloseReason, EngineHandler, EngineServer};
use crate::config::EngineConfig;

pub(crate) async fn run<H: EngineHandler>(server: Arc<EngineServer<H>>, session: Arc<Session<H>>) {
    let reason = tokio::select! {
        reason = session.handle.closed() => reason,
        () = beat(&server, &session) => session.handle.closed().await,
    };
    server.finish(&session, reason).await;
}

/// Pings until a pong is missed; returns once the session has been closed
/// for it (or for a full queue).
async fn beat<H: EngineHandler>(server: &EngineServer<H>, session: &Session<H>) {
    let config = server.config();
    // Deadlines on one clock, so that rounding does not add up over a long
    // session: ping at every multiple of the interval, give up exactly one
    // timeout after the ping was due.
    let mut ping_at = Instant::now() + config.ping_interval;
    loop {
        tokio::time::sleep_until(ping_at).await;
        if !ping(session) {
            return;
        }
        if !pong_within_timeout(session, ping_at, config).await {
            tracing::debug!(sid = %session.handle.sid(), "no pong within the ping timeout");
            session.handle.close(CloseReason::PingTimeout);
            return;
        }
        ping_at += config.ping_interval;
        // After a long pause in reading, start a fresh rhythm rather than
        // catching up with pings in a row.
        let now = Instant::now();
        if ping_at < now {
            ping_at = now + config.ping_interval;
        }
    }
}

/// Sends a ping; `false` when the session is closed.
fn ping<H: EngineHandler>(session: &Session<H>) -> bool {
    session.expect_pong();
    session.handle.send(Frame::Text(Str::from_static("2"))).is_ok()
}

/// Waits for the pong of the ping sent at `sent_at`; `false` when it did
/// not come within `ping_timeout`.
///
/// Only time during which the server reads counts. While backpressure
/// pauses reading, the pong may be waiting unread behind the client's
/// other packets: the deadline moves on while the pause lasts and is
/// `ping_timeout` after reading resumed at the earliest. Meanwhile the
/// client keeps getting a ping every `ping_interval`, so that its own timer
/// (which expects one every `ping_interval + ping_timeout`) does not give
/// up on a server that is merely busy.
async fn pong_within_timeout<H: EngineHandler>(session: &Session<H>, sent_at: Instant, config: &EngineConfig) -> bool {
    let mut deadline = sent_at + config.ping_timeout;
    let mut next_ping = sent_at + config.ping_interval;
    loop {
        tokio::select! {
            biased;
            () = session.pong() => return true,
            () = tokio::time::sleep_until(next_ping) => {
                if session.reading_paused() && !ping(session) {
                    return true; // closed meanwhile; the caller sees it
                }
                next_ping += config.ping_interval;
            }
            () = tokio::time::sleep_until(deadline) => {
                if session.reading_paused() {
                    tracing::trace!("pong overdue while reading is paused: not counted");
                    deadline = Instant::now() + config.ping_timeout;
                    continue;
                }
                match session.reading_resumed_at() {
                    Some(resumed) if resumed + config.ping_timeout > deadline => {
                        deadline = resumed + config.ping_timeout;
                    }
                    _ => return false,
                }
            }
        }
    }
}
