//! A namespace: its handler factory, adapter and connected sockets.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use sio_core::Str;
use sio_core::engine::Frame;

use super::adapter::{Adapter, BroadcastOptions};
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
                let _ = socket.send_frames(frames.to_vec());
            }
        }
        targets
    }
}
