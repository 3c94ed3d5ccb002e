//! A namespace: its handler factory, adapter and connected sockets.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use sio_core::engine::Frame;
use sio_core::socketio::Packet;
use sio_core::{Str, Value};
use tokio::sync::mpsc;

use super::adapter::{Adapter, BroadcastOptions, RemoteOperation, Room, ServerEvent, ServerEventHandler};
use super::emit::encode;
use super::handler::{HandlerFactory, SocketHandler};
use super::{Socket, SocketId};

pub(crate) struct Namespace {
    pub path: Str,
    factory: HandlerFactory,
    pub adapter: Arc<dyn Adapter>,
    sockets: RwLock<HashMap<SocketId, Socket>>,
    /// Ack ids are unique per namespace, so one encoded broadcast can carry
    /// the same id to every recipient.
    ack_ids: AtomicU64,
    server_events: RwLock<HashMap<String, ServerEventHandler>>,
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Namespace {
    pub fn new(path: Str, factory: HandlerFactory, adapter: Arc<dyn Adapter>) -> Self {
        Namespace {
            path,
            factory,
            adapter,
            sockets: RwLock::default(),
            ack_ids: AtomicU64::new(0),
            server_events: RwLock::default(),
        }
    }

    pub fn new_handler(&self) -> Box<dyn SocketHandler> {
        (self.factory)()
    }

    pub fn next_ack_id(&self) -> u64 {
        self.ack_ids.fetch_add(1, Ordering::Relaxed)
    }

    pub fn insert(&self, socket: &Socket) {
        self.adapter.add_socket(socket.id());
        self.sockets
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(socket.id().clone(), socket.clone());
    }

    pub fn remove(&self, socket: &SocketId) {
        self.sockets
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(socket);
        self.adapter.del_all(socket);
    }

    /// Adds `socket` to `rooms` if it is still registered here. A join can
    /// race the socket's end (a task holding a clone, a remote join, a bulk
    /// operation): checked before and after, so that whichever order the
    /// join and [`remove`](Self::remove) take, no ghost stays in the room
    /// index.
    pub fn join(&self, socket: &SocketId, rooms: &[Room]) {
        if !self.is_registered(socket) {
            tracing::trace!(%socket, "join of a socket that has left the namespace, ignored");
            return;
        }
        self.adapter.add_all(socket, rooms);
        if !self.is_registered(socket) {
            self.adapter.del_all(socket);
        }
    }

    fn is_registered(&self, socket: &SocketId) -> bool {
        self.sockets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(socket)
    }

    pub fn socket(&self, id: &str) -> Option<Socket> {
        self.sockets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// The local sockets matching `options`.
    pub fn matching(&self, options: &BroadcastOptions) -> Vec<Socket> {
        let ids = self.adapter.local_sockets(options);
        let sockets = self.sockets.read().unwrap_or_else(PoisonError::into_inner);
        ids.iter().filter_map(|id| sockets.get(id).cloned()).collect()
    }

    /// Every room with a local member, the sockets' own-id rooms included.
    pub fn all_rooms(&self) -> Vec<Room> {
        let mut rooms = self.adapter.rooms();
        let sockets = self.sockets.read().unwrap_or_else(PoisonError::into_inner);
        rooms.extend(sockets.keys().map(|id| Room::from(id.to_string())));
        rooms
    }

    /// Sends already encoded frames to the local sockets matching
    /// `options`; returns the sockets reached.
    pub fn deliver(&self, frames: &[Frame], options: &BroadcastOptions) -> Vec<Socket> {
        let targets = self.matching(options);
        for socket in &targets {
            if options.volatile {
                socket.send_volatile(frames.to_vec());
            } else {
                // A failure closed that one client (slow) or it is gone;
                // the broadcast goes on for the others.
                let _ = socket.send_broadcast_frames(frames.to_vec());
            }
        }
        targets
    }

    /// Sends `event` with a fresh ack id to the local sockets matching
    /// `options` and collects their answers.
    pub fn send_with_ack(&self, event: &str, args: Vec<Value>, options: &BroadcastOptions) -> BroadcastAcks {
        let ack_id = self.next_ack_id();
        let frames = encode(&Packet::event(self.path.clone(), event, args, Some(ack_id)));
        // Unbounded, yet it cannot grow past the recipients: each one's ack
        // entry is removed by its first answer (or its disconnect), so at
        // most one message per target is ever sent.
        let (sender, answers) = mpsc::unbounded_channel();
        let targets = self.matching(options);
        for socket in &targets {
            socket.acks().expect_broadcast(ack_id, sender.clone());
        }
        drop(sender);
        let mut reached = Vec::with_capacity(targets.len());
        for socket in targets {
            if socket.send_broadcast_frames(frames.clone()).is_ok() {
                reached.push(socket);
            } else {
                socket.acks().forget(ack_id);
            }
        }
        BroadcastAcks {
            ack_id,
            reached,
            answers,
        }
    }

    /// Applies a bulk operation to the local sockets matching `options`.
    pub fn apply(&self, operation: &RemoteOperation, options: &BroadcastOptions) {
        for socket in self.matching(options) {
            match operation {
                RemoteOperation::Join(rooms) => socket.join_all(rooms.iter().cloned()),
                RemoteOperation::Leave(rooms) => {
                    for room in rooms {
                        socket.leave(room.clone());
                    }
                }
                RemoteOperation::Disconnect { close: true } => socket.close_connection(),
                RemoteOperation::Disconnect { close: false } => socket.disconnect(),
            }
        }
    }

    pub fn on_server_event(&self, name: String, handler: ServerEventHandler) {
        self.server_events
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name, handler);
    }

    /// Runs the handler registered for the event's name, if any.
    pub fn server_event(&self, event: ServerEvent) -> bool {
        let handler = self
            .server_events
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&event.name)
            .cloned();
        match handler {
            Some(handler) => {
                handler(event);
                true
            }
            None => {
                tracing::debug!(namespace = %self.path, event = %event.name, "server-side event with no handler, dropped");
                false
            }
        }
    }
}

/// A broadcast with acknowledgements on this node: the sockets it reached
/// and their answers. Dropping it forgets the ack id on every socket.
#[derive(Debug)]
pub(crate) struct BroadcastAcks {
    ack_id: u64,
    reached: Vec<Socket>,
    answers: mpsc::UnboundedReceiver<(SocketId, Vec<Value>)>,
}

impl BroadcastAcks {
    pub fn reached(&self) -> &[Socket] {
        &self.reached
    }

    /// The next answer; `None` once no socket can answer any more.
    pub async fn next(&mut self) -> Option<(SocketId, Vec<Value>)> {
        self.answers.recv().await
    }
}

impl Drop for BroadcastAcks {
    fn drop(&mut self) {
        for socket in &self.reached {
            socket.acks().forget(self.ack_id);
        }
    }
}
