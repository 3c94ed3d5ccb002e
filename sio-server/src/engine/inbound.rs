//! Packets from the client, whatever transport carried them, and the
//! pause in reading when the layer above has no room for them.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use sio_core::engine::Packet;

use super::handler::{Backpressure, Delivery};
use super::session::Session;
use super::{CloseReason, EngineHandler, Message};

/// What the transport does after a packet.
#[derive(Debug)]
pub(crate) enum Flow {
    /// Read the next packet.
    Continue,
    /// The session is closed: read nothing more.
    Stop,
    /// Read nothing more until this resolves (see [`Paused`]).
    Wait(Backpressure),
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
    let delivery = session.with_inbound(|| {
        // Checked under the lock: once `on_close` ran, nothing follows it.
        if session.handle.is_closed() {
            Delivery::Accepted
        } else {
            handler.on_message(&session.handle, &session.state, message)
        }
    });
    match delivery {
        _ if session.handle.is_closed() => Flow::Stop,
        Delivery::Accepted => Flow::Continue,
        Delivery::Wait(backpressure) => Flow::Wait(backpressure),
    }
}

/// A session whose reading is paused until `backpressure` resolves.
///
/// Marks the session's reading as paused for as long as it lives (the
/// heartbeat does not count a pause against the client), and resolves with
/// `false` instead when the session closes first.
pub(crate) struct Paused<'a, H: EngineHandler> {
    session: &'a Session<H>,
    backpressure: Backpressure,
}

impl<'a, H: EngineHandler> Paused<'a, H> {
    pub fn new(session: &'a Session<H>, backpressure: Backpressure) -> Self {
        tracing::trace!("reading paused: the handler's queue is full");
        session.pause_reading();
        Paused { session, backpressure }
    }
}

impl<H: EngineHandler> Future for Paused<'_, H> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.backpressure).poll(cx)
    }
}

impl<H: EngineHandler> Drop for Paused<'_, H> {
    fn drop(&mut self) {
        self.session.resume_reading();
    }
}

/// Waits out a [`Flow::Wait`] on a transport that has nothing else to do
/// meanwhile (a POST); `false` when the session closed first.
pub(crate) async fn wait<H: EngineHandler>(session: &Session<H>, backpressure: Backpressure) -> bool {
    let paused = Paused::new(session, backpressure);
    tokio::select! {
        biased;
        _ = session.handle.closed() => false,
        () = paused => !session.handle.is_closed(),
    }
}
