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

mod memory;

pub use memory::InMemoryAdapter;

use sio_core::Str;
use sio_core::socketio::Packet;

use super::SocketId;

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
/// All methods are synchronous and quick: they may take a short lock, never
/// across an await. Cluster adapters send to other nodes from their own
/// tasks.
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

    /// Forwards a broadcast to the other nodes. Local delivery is done by
    /// the namespace; the in-memory adapter does nothing here.
    fn publish(&self, packet: &Packet, options: &BroadcastOptions) {
        let _ = (packet, options);
    }
}
