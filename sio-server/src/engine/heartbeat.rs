//! The life of a session: heartbeat, then the end.
//!
//! One task per session pings the client every `ping_interval` (the first
//! ping one interval after the handshake, never at once) and closes the
//! session when a pong does not come within `ping_timeout`. When the
//! session closes, for whatever reason, the same task removes it from the
//! server and calls `on_close`, so that happens exactly once.

use std::sync::Arc;

use sio_core::Str;
use sio_core::engine::Frame;

use super::session::Session;
use super::{CloseReason, EngineHandler, EngineServer};

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
    let mut ping_at = tokio::time::Instant::now() + config.ping_interval;
    loop {
        tokio::time::sleep_until(ping_at).await;
        session.expect_pong();
        if session.handle.send(Frame::Text(Str::from_static("2"))).is_err() {
            return;
        }
        if tokio::time::timeout_at(ping_at + config.ping_timeout, session.pong())
            .await
            .is_err()
        {
            tracing::debug!(sid = %session.handle.sid(), "no pong within the ping timeout");
            session.handle.close(CloseReason::PingTimeout);
            return;
        }
        ping_at += config.ping_interval;
    }
}
