//! [`BroadcastOperator`]: emits and bulk operations on a selection of
//! sockets.

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;
use sio_core::socketio::Packet;
use sio_core::{Str, Value};
use tokio::sync::mpsc;

use super::adapter::BroadcastOptions;
use super::emit::{IntoArgs, check_event_name, encode};
use super::namespace::Namespace;
use super::{AckError, EmitError, Room, Server, Socket, SocketId};

/// A selection of sockets (a namespace, rooms, exceptions, flags) and what
/// to do with them. Built from [`Server::to`], [`Server::of`],
/// [`Socket::to`] and the like; each method returns a narrowed copy.
///
/// A broadcast is encoded once; every recipient gets the same bytes.
#[derive(Debug, Clone)]
pub struct BroadcastOperator {
    server: Server,
    namespace: Str,
    options: BroadcastOptions,
    timeout: Option<Duration>,
}

impl BroadcastOperator {
    pub(crate) fn new(server: Server, namespace: Str) -> Self {
        BroadcastOperator {
            server,
            namespace,
            options: BroadcastOptions::default(),
            timeout: None,
        }
    }

    /// Targets the sockets in `room` too (rooms add up).
    pub fn to(mut self, room: impl Into<Room>) -> Self {
        self.options.rooms.push(room.into());
        self
    }

    /// Alias of [`to`](Self::to).
    pub fn within(self, room: impl Into<Room>) -> Self {
        self.to(room)
    }

    /// Excludes the sockets in `room` (a socket id works as a room).
    pub fn except(mut self, room: impl Into<Room>) -> Self {
        self.options.except.push(room.into());
        self
    }

    /// Switches to another namespace (`/` by default from the server).
    pub fn namespace(mut self, namespace: impl AsRef<str>) -> Self {
        self.namespace = Str::from(namespace.as_ref().to_owned());
        self
    }

    /// Only the sockets of this node (matters with a cluster adapter).
    pub fn local(mut self) -> Self {
        self.options.local = true;
        self
    }

    /// The packet may be dropped for clients that are behind, instead of
    /// counting against their queue.
    pub fn volatile(mut self) -> Self {
        self.options.volatile = true;
        self
    }

    /// The time [`emit_with_ack`](Self::emit_with_ack) waits for answers
    /// (the server's `ack_timeout` by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    fn target(&self) -> Result<&std::sync::Arc<Namespace>, EmitError> {
        self.server
            .namespace_state(&self.namespace)
            .ok_or_else(|| EmitError::UnknownNamespace(self.namespace.to_string()))
    }

    /// Emits `event` with one argument to every selected socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.emit_values(event, vec![sio_core::value::to_value(data)?])
    }

    /// Emits `event` with several arguments (see [`IntoArgs`]).
    pub fn emit_args(&self, event: &str, args: impl IntoArgs) -> Result<(), EmitError> {
        self.emit_values(event, args.into_args()?)
    }

    fn emit_values(&self, event: &str, args: Vec<Value>) -> Result<(), EmitError> {
        check_event_name(event)?;
        let namespace = self.target()?;
        let packet = Packet::event(self.namespace.clone(), event, args, None);
        namespace.deliver(&encode(&packet), &self.options);
        if !self.options.local {
            namespace.adapter.publish(&packet, &self.options);
        }
        Ok(())
    }

    /// Emits `event` with one argument and collects every recipient's
    /// acknowledgement until all answered or the timeout passed.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<AckResponses, EmitError> {
        check_event_name(event)?;
        let namespace = self.target()?;
        let args = vec![sio_core::value::to_value(data)?];
        let ack_id = namespace.next_ack_id();
        let packet = Packet::event(self.namespace.clone(), event, args, Some(ack_id));
        let frames = encode(&packet);
        let (sender, mut answers) = mpsc::unbounded_channel();
        let targets = namespace.matching(&self.options);
        for socket in &targets {
            socket.acks().expect_broadcast(ack_id, sender.clone());
        }
        drop(sender);
        let mut pending: HashSet<SocketId> = HashSet::new();
        for socket in &targets {
            if socket.send_frames(frames.clone()).is_ok() {
                pending.insert(socket.id().clone());
            } else {
                socket.acks().forget(ack_id);
            }
        }
        let timeout = self.timeout.unwrap_or(self.server.config().ack_timeout);
        let mut responses = AckResponses {
            answers: Vec::new(),
            missing: Vec::new(),
        };
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        while !pending.is_empty() {
            tokio::select! {
                answer = answers.recv() => match answer {
                    Some((id, args)) => {
                        pending.remove(&id);
                        responses.answers.push((id, args));
                    }
                    None => break,
                },
                () = &mut deadline => break,
            }
        }
        for socket in &targets {
            socket.acks().forget(ack_id);
        }
        responses.missing = targets
            .iter()
            .filter(|socket| pending.contains(socket.id()))
            .map(|socket| {
                let why = if socket.connected() {
                    AckError::Timeout
                } else {
                    AckError::Disconnected
                };
                (socket.id().clone(), why)
            })
            .collect();
        Ok(responses)
    }

    /// The sockets of this node that match, as handles.
    pub fn sockets(&self) -> Result<Vec<Socket>, EmitError> {
        Ok(self.target()?.matching(&self.options))
    }

    /// The matching sockets (all nodes, with a cluster adapter): id, rooms
    /// and a handle to act on each.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, EmitError> {
        Ok(self
            .sockets()?
            .into_iter()
            .map(|socket| RemoteSocket {
                id: socket.id().clone(),
                rooms: socket.rooms(),
                socket,
            })
            .collect())
    }

    /// Makes every matching socket join `rooms`.
    pub fn sockets_join<R: Into<Room>>(&self, rooms: impl IntoIterator<Item = R>) -> Result<(), EmitError> {
        let rooms: Vec<Room> = rooms.into_iter().map(Into::into).collect();
        for socket in self.sockets()? {
            socket.join_all(rooms.iter().cloned());
        }
        Ok(())
    }

    /// Makes every matching socket leave `rooms`.
    pub fn sockets_leave<R: Into<Room>>(&self, rooms: impl IntoIterator<Item = R>) -> Result<(), EmitError> {
        let rooms: Vec<Room> = rooms.into_iter().map(Into::into).collect();
        for socket in self.sockets()? {
            for room in &rooms {
                socket.leave(room.clone());
            }
        }
        Ok(())
    }

    /// Disconnects every matching socket from the namespace; with `close`,
    /// closes their whole connections.
    pub fn disconnect_sockets(&self, close: bool) -> Result<(), EmitError> {
        for socket in self.sockets()? {
            if close {
                socket.close_connection();
            } else {
                socket.disconnect();
            }
        }
        Ok(())
    }
}

/// The answers to a broadcast with acknowledgements.
#[derive(Debug, Default)]
pub struct AckResponses {
    /// Each socket that answered, with its answer's arguments, in arrival
    /// order.
    pub answers: Vec<(SocketId, Vec<Value>)>,
    /// The sockets that did not answer in time (or disconnected first).
    pub missing: Vec<(SocketId, AckError)>,
}

impl AckResponses {
    /// Whether every recipient answered.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// A socket found by [`BroadcastOperator::fetch_sockets`].
#[derive(Debug, Clone)]
pub struct RemoteSocket {
    id: SocketId,
    rooms: Vec<Room>,
    socket: Socket,
}

impl RemoteSocket {
    /// The socket id.
    pub fn id(&self) -> &SocketId {
        &self.id
    }

    /// Its rooms when it was fetched (its own-id room first).
    pub fn rooms(&self) -> &[Room] {
        &self.rooms
    }

    /// Emits to this socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.socket.emit(event, data)
    }

    /// Makes it join `room`.
    pub fn join(&self, room: impl Into<Room>) {
        self.socket.join(room);
    }

    /// Makes it leave `room`.
    pub fn leave(&self, room: impl Into<Room>) {
        self.socket.leave(room);
    }

    /// Disconnects it from the namespace.
    pub fn disconnect(&self) {
        self.socket.disconnect();
    }
}
