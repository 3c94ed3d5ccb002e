//! Socket.IO settings (the Engine.IO ones live in
//! [`EngineConfig`](crate::config::EngineConfig)).

use std::time::Duration;

use sio_core::socketio::DecoderLimits;

/// Socket.IO layer configuration, with the defaults of the Node server
/// where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SocketIoConfig {
    /// Time a client has to join a namespace after the handshake before its
    /// session is closed (45 s).
    pub connect_timeout: Duration,
    /// Default wait for acknowledgements of server emits (30 s).
    pub ack_timeout: Duration,
    /// Binary attachments one packet may declare (10).
    pub max_attachments: usize,
    /// Total bytes of the attachments of one packet (10 MB).
    pub max_attachment_bytes: usize,
    /// Events of one socket waiting for its handler (1024). When they are
    /// this many, the server stops reading from that client until the
    /// handler takes one: the client is slowed down, never disconnected
    /// and never loses an event (backpressure).
    pub max_queued_events: usize,
    /// How long a client may keep its socket's handler continuously behind
    /// (its event queue found full, and not run empty since) before the
    /// socket is disconnected: the client gets a DISCONNECT packet (its
    /// reason is `io server disconnect`), the disconnect hook gets
    /// [`DisconnectReason::InboundOverflow`](super::DisconnectReason::InboundOverflow),
    /// and a warning is logged. For abuse only: `None` (the default) never
    /// disconnects, since a client that sends forever is already held back
    /// by TCP and costs at most `max_queued_events` events of memory.
    pub max_inbound_backlog: Option<Duration>,
}

impl Default for SocketIoConfig {
    fn default() -> Self {
        SocketIoConfig {
            connect_timeout: Duration::from_secs(45),
            ack_timeout: Duration::from_secs(30),
            max_attachments: 10,
            max_attachment_bytes: 10_000_000,
            max_queued_events: 1024,
            max_inbound_backlog: None,
        }
    }
}

impl SocketIoConfig {
    pub(crate) fn decoder_limits(&self) -> DecoderLimits {
        DecoderLimits {
            max_attachments: self.max_attachments,
            max_attachment_bytes: self.max_attachment_bytes,
        }
    }
}
