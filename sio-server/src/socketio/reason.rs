//! Why a socket left its namespace.

use std::fmt;

use crate::engine::CloseReason;

/// Why a socket was disconnected, as the Node server and the official
/// clients name it. Passed to the disconnect hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The client left the namespace (`socket.disconnect()` on its side).
    ClientNamespaceDisconnect,
    /// The server left the namespace ([`Socket::disconnect`](super::Socket::disconnect)).
    ServerNamespaceDisconnect,
    /// The connection was closed by the client or lost.
    TransportClose,
    /// The connection failed.
    TransportError,
    /// The client stopped answering pings.
    PingTimeout,
    /// The client sent a packet that is not valid Socket.IO or Engine.IO.
    ParseError,
    /// The server is shutting down.
    ServerShutdown,
    /// The server closed the whole connection.
    ForcedClose,
    /// The client read too slowly and its outbound queue filled up.
    BufferFull,
    /// The client kept its handler behind for longer than the server's
    /// `max_inbound_backlog` (off by default).
    InboundOverflow,
}

impl DisconnectReason {
    /// The reason as Socket.IO spells it (`"transport close"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ServerShutdown => "server shutting down",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::BufferFull => "outbound buffer full",
            DisconnectReason::InboundOverflow => "inbound backlog",
        }
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(reason: CloseReason) -> Self {
        match reason {
            CloseReason::TransportClose => DisconnectReason::TransportClose,
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::ForcedClose => DisconnectReason::ForcedClose,
            CloseReason::ServerShutdown => DisconnectReason::ServerShutdown,
            CloseReason::BufferFull => DisconnectReason::BufferFull,
            _ => DisconnectReason::TransportError,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
