//! Adapters: who is in which room, and how broadcasts find their sockets.
//!
//! Every namespace has one [`Adapter`]. The embedded default,
//! [`InMemoryAdapter`], knows the sockets of this process only; a cluster
//! adapter (Redis) implements the same trait and also forwards broadcasts
//! to the other nodes. Handlers never see the adapter's type: `Socket`,
//! `Server` and `BroadcastOperator` hold it as `Arc<dyn Adapter>`.
//!
//! Rooms are plain names. Like the Node server, every socket can also be
//! addressed by a room named after its own id, without joining it
//! explicitly (`server.to(socket_id)`).

pub(crate) mod cluster;
mod memory;

pub use cluster::{
    ClusterError, HandshakeDetails, LocalAcks, LocalNamespace, RemoteAckEvent, RemoteAcks, RemoteOperation, ServerAck,
    ServerAckResponses, ServerEvent, ServerEventHandler, SocketDetails,
};
pub use memory::InMemoryAdapter;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sio_core::socketio::Packet;
use sio_core::{Str, Value};

use super::SocketId;

/// A boxed future returned by the cluster methods of [`Adapter`].
pub type AdapterFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A room name.
pub type Room = Str;

/// Which sockets a broadcast or a bulk operation is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// Sockets in any of these rooms; every socket of the namespace when
    /// empty.
    pub rooms: Vec<Room>,
    /// Minus the sockets in any of these rooms.
    pub except: Vec<Room>,
    /// Only the sockets of this node (for cluster adapters).
    pub local: bool,
    /// The packet may be dropped for a client that is behind.
    pub volatile: bool,
}

/// Rooms and broadcast routing for one namespace.
///
/// The room methods are synchronous and quick: they may take a short lock,
/// never across an await. The cluster methods have single-node defaults
/// (nothing to forward, nobody else to ask); a cluster adapter overrides
/// them and talks to the other nodes from its own tasks, so none of them
/// blocks the caller on the network: `publish` and `publish_operation`
/// queue, the others return futures.
pub trait Adapter: Send + Sync + 'static {
    /// Registers a connected socket (it is then matched by empty room
    /// selections and by its own id).
    fn add_socket(&self, socket: &SocketId);

    /// Adds `socket` to `rooms`.
    fn add_all(&self, socket: &SocketId, rooms: &[Room]);

    /// Removes `socket` from `room`.
    fn del(&self, socket: &SocketId, room: &Room);

    /// Forgets `socket` and removes it from every room.
    fn del_all(&self, socket: &SocketId);

    /// The rooms `socket` joined (its own-id room excluded).
    fn socket_rooms(&self, socket: &SocketId) -> Vec<Room>;

    /// The sockets of this node matching `options`.
    fn local_sockets(&self, options: &BroadcastOptions) -> Vec<SocketId>;

    /// Every room joined by some socket of this node (own-id rooms
    /// excluded).
    fn rooms(&self) -> Vec<Room>;

    /// Whether some socket of this node is in `room`, counting each
    /// socket's own-id room.
    fn has_room(&self, room: &str) -> bool;

    /// Called once, when the server is built, with the handle through which
    /// the adapter acts on this node's sockets for the other nodes.
    fn bind(&self, namespace: LocalNamespace) {
        let _ = namespace;
    }

    /// Forwards a broadcast to the other nodes. Local delivery is done by
    /// the namespace; the in-memory adapter does nothing here.
    fn publish(&self, packet: &Packet, options: &BroadcastOptions) {
        let _ = (packet, options);
    }

    /// Forwards a bulk operation to the other nodes (the namespace applies
    /// it locally).
    fn publish_operation(&self, operation: &RemoteOperation, options: &BroadcastOptions) {
        let _ = (operation, options);
    }

    /// The matching sockets of the other nodes.
    fn fetch_remote(&self, options: &BroadcastOptions) -> AdapterFuture<Result<Vec<SocketDetails>, ClusterError>> {
        let _ = options;
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    /// Sends an event packet (without ack id: each node picks its own) to
    /// the matching sockets of the other nodes and reports their answers;
    /// `None` when there are no other nodes. The answers stop coming after
    /// `timeout`.
    fn broadcast_with_ack(&self, packet: &Packet, options: &BroadcastOptions, timeout: Duration) -> Option<RemoteAcks> {
        let _ = (packet, options, timeout);
        None
    }

    /// Sends a server-to-server event to the other nodes.
    fn server_side_emit(&self, event: &str, args: &[Value]) {
        let _ = (event, args);
    }

    /// Sends a server-to-server event to the other nodes and collects one
    /// answer per node, until all answered or `timeout` passed.
    fn server_side_emit_with_ack(
        &self,
        event: &str,
        args: &[Value],
        timeout: Duration,
    ) -> AdapterFuture<Result<ServerAckResponses, ClusterError>> {
        let _ = (event, args, timeout);
        Box::pin(std::future::ready(Ok(ServerAckResponses::default())))
    }
}
