//! Packets from the client, whatever transport carried them.

use sio_core::engine::Packet;

use super::session::Session;
use super::{CloseReason, EngineHandler, Message};

/// Whether the transport should keep reading after a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Stop,
}

/// Acts on one packet received on `session`.
pub(crate) fn deliver<H: EngineHandler>(handler: &H, session: &Session<H>, packet: Packet) -> Flow {
    let message = match packet {
        Packet::Message(text) => Message::Text(text),
        Packet::Binary(data) => Message::Binary(data),
        Packet::Pong(_) => {
            session.pong_received();
            return Flow::Continue;
        }
        Packet::Close => {
            session.handle.close(CloseReason::TransportClose);
            return Flow::Stop;
        }
        // Engine.IO v4 clients never ping the server; probes, upgrades and
        // noops only mean something during an upgrade, which handles them
        // itself. Ignoring them is what the reference server does.
        Packet::Ping(_) | Packet::Upgrade | Packet::Noop | Packet::Open(_) => {
            tracing::trace!(?packet, "ignoring packet");
            return Flow::Continue;
        }
    };
    session.with_inbound(|| {
        // Checked under the lock: once `on_close` ran, nothing follows it.
        if !session.handle.is_closed() {
            handler.on_message(&session.handle, &session.state, message);
        }
    });
    if session.handle.is_closed() {
        Flow::Stop
    } else {
        Flow::Continue
    }
}
