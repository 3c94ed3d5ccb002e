//! Upgrading a polling session to WebSocket.
//!
//! The sequence, as the official clients run it:
//! 1. the client opens a WebSocket with the session's `sid` and sends
//!    `2probe`; the server answers `3probe`;
//! 2. the server answers any pending long-poll GET with `6` (noop), so the
//!    client's polling pauses;
//! 3. the client sends `5` (upgrade); from then on the session's queue is
//!    drained by the WebSocket alone, and polling requests get 400.
//!
//! Both transports drain one queue, and the WebSocket only takes it once
//! the last GET has returned it, so nothing is lost or reordered. A probe
//! that fails or takes longer than `upgrade_timeout` drops the WebSocket
//! and leaves the polling session as it was.

use std::sync::Arc;

use sio_core::engine::Packet;
use sio_core::websocket::{Message as WsMessage, Opcode, close_code};
use tokio::io::{AsyncRead, AsyncWrite};

use super::session::{Session, UpgradeState};
use super::websocket;
use super::ws_conn::WsConnection;
use super::{EngineHandler, EngineServer};

/// Puts a session whose upgrade failed back to plain polling.
pub(crate) fn abandon<H: EngineHandler>(session: &Session<H>) {
    if !session.advance_upgrade(UpgradeState::Probing, UpgradeState::None) {
        session.advance_upgrade(UpgradeState::Probed, UpgradeState::None);
    }
}

pub(crate) async fn run<H, S>(server: &EngineServer<H>, session: Arc<Session<H>>, ws: &mut WsConnection<S>)
where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    let timeout = server.config().upgrade_timeout;
    let switched = tokio::select! {
        biased;
        _ = session.handle.closed() => Err("session closed during the upgrade"),
        result = tokio::time::timeout(timeout, probe(&session, ws)) => result.unwrap_or(Err("upgrade timed out")),
    };
    if let Err(why) = switched {
        tracing::debug!(why, "upgrade abandoned, the session stays on polling");
        abandon(&session);
        let _ = tokio::time::timeout(timeout, ws.close(close_code::NORMAL, "")).await;
        return;
    }
    // Marked before the outbox is taken: a GET that finds the outbox gone
    // then knows the WebSocket has it (not another GET), and is refused
    // without closing the session.
    session.handle.mark_upgraded();
    let outbox = tokio::select! {
        biased;
        _ = session.handle.closed() => return,
        outbox = session.wait_outbox() => outbox,
    };
    session.advance_upgrade(UpgradeState::Probed, UpgradeState::Done);
    tracing::debug!("upgraded to WebSocket");
    websocket::run(server, &session, ws, outbox).await;
}

/// Runs the probe exchange up to the client's `5`.
async fn probe<H, S>(session: &Session<H>, ws: &mut WsConnection<S>) -> Result<(), &'static str>
where
    H: EngineHandler,
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        let text = match ws.next().await {
            Some(Ok(WsMessage::Text(text))) => text,
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
            _ => return Err("WebSocket closed or sent an unexpected frame during the upgrade"),
        };
        match Packet::decode_text(text) {
            Ok(Packet::Ping(data)) if data == "probe" && session.upgrade_state() == UpgradeState::Probing => {
                ws.feed(Opcode::Text, b"3probe");
                ws.flush().await.map_err(|_| "could not answer the probe")?;
                session.advance_upgrade(UpgradeState::Probing, UpgradeState::Probed);
            }
            Ok(Packet::Upgrade) if session.upgrade_state() == UpgradeState::Probed => return Ok(()),
            _ => return Err("unexpected packet during the upgrade"),
        }
    }
}
