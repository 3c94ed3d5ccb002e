//! [`BroadcastOperator`]: emits and bulk operations on a selection of
//! sockets.

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Serialize;
use sio_core::socketio::Packet;
use sio_core::{Str, Value};

use super::adapter::cluster::handshake_details;
use super::adapter::{
    BroadcastOptions, HandshakeDetails, RemoteAckEvent, RemoteAcks, RemoteOperation, ServerAckResponses, SocketDetails,
};
use super::emit::{IntoArgs, check_event_name, encode};
use super::namespace::{BroadcastAcks, Namespace};
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
    /// acknowledgement, on every node, until all answered or the timeout
    /// passed. What arrived by then is returned either way; the
    /// [`AckResponses`] says who did not answer.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<AckResponses, EmitError> {
        check_event_name(event)?;
        let namespace = self.target()?;
        let args = vec![sio_core::value::to_value(data)?];
        let timeout = self.timeout.unwrap_or(self.server.config().ack_timeout);
        let remote = if self.options.local {
            None
        } else {
            let packet = Packet::event(self.namespace.clone(), event, args.clone(), None);
            namespace.adapter.broadcast_with_ack(&packet, &self.options, timeout)
        };
        let local = namespace.send_with_ack(event, args, &self.options);
        Ok(AckCollector::new(local, remote).collect(timeout).await)
    }

    /// The sockets of this node that match, as handles.
    pub fn sockets(&self) -> Result<Vec<Socket>, EmitError> {
        Ok(self.target()?.matching(&self.options))
    }

    /// The matching sockets of every node (of this one only when
    /// [`local`](Self::local)): this node's first, then the others' as
    /// they answered. With a cluster adapter, fails when a node does not
    /// answer within the adapter's request timeout, or the cluster cannot
    /// be reached.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, EmitError> {
        let namespace = self.target()?;
        let mut sockets: Vec<RemoteSocket> = namespace
            .matching(&self.options)
            .into_iter()
            .map(RemoteSocket::local)
            .collect();
        if !self.options.local {
            let remote = namespace.adapter.fetch_remote(&self.options).await?;
            let operator = BroadcastOperator::new(self.server.clone(), self.namespace.clone());
            sockets.extend(
                remote
                    .into_iter()
                    .map(|details| RemoteSocket::remote(details, &operator)),
            );
        }
        Ok(sockets)
    }

    /// Makes every matching socket join `rooms`, on every node.
    pub fn sockets_join<R: Into<Room>>(&self, rooms: impl IntoIterator<Item = R>) -> Result<(), EmitError> {
        self.operate(RemoteOperation::Join(rooms.into_iter().map(Into::into).collect()))
    }

    /// Makes every matching socket leave `rooms`, on every node.
    pub fn sockets_leave<R: Into<Room>>(&self, rooms: impl IntoIterator<Item = R>) -> Result<(), EmitError> {
        self.operate(RemoteOperation::Leave(rooms.into_iter().map(Into::into).collect()))
    }

    /// Disconnects every matching socket from the namespace, on every
    /// node; with `close`, closes their whole connections.
    pub fn disconnect_sockets(&self, close: bool) -> Result<(), EmitError> {
        self.operate(RemoteOperation::Disconnect { close })
    }

    /// Applies `operation` here at once, and queues it for the other nodes.
    fn operate(&self, operation: RemoteOperation) -> Result<(), EmitError> {
        let namespace = self.target()?;
        namespace.apply(&operation, &self.options);
        if !self.options.local {
            namespace.adapter.publish_operation(&operation, &self.options);
        }
        Ok(())
    }

    /// Emits a server-to-server event with one argument to this namespace
    /// on every other node (the Node server's `serverSideEmit`), where the
    /// handler registered with [`Server::on_server_event`] receives it.
    /// Rooms and exceptions do not apply. Nothing happens on a single node.
    pub fn server_side_emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.server_side_emit_args(event, vec![sio_core::value::to_value(data)?])
    }

    /// [`server_side_emit`](Self::server_side_emit) with several arguments.
    pub fn server_side_emit_args(&self, event: &str, args: impl IntoArgs) -> Result<(), EmitError> {
        check_event_name(event)?;
        let args = args.into_args()?;
        self.target()?.adapter.server_side_emit(event, &args);
        Ok(())
    }

    /// Emits a server-to-server event and collects one answer per other
    /// node, until all answered or the timeout ([`timeout`](Self::timeout),
    /// else the server's `ack_timeout`) passed; the result says how many
    /// were expected.
    pub async fn server_side_emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<ServerAckResponses, EmitError> {
        check_event_name(event)?;
        let args = vec![sio_core::value::to_value(data)?];
        let timeout = self.timeout.unwrap_or(self.server.config().ack_timeout);
        let responses = self
            .target()?
            .adapter
            .server_side_emit_with_ack(event, &args, timeout)
            .await?;
        Ok(responses)
    }
}

/// Gathers the answers of a broadcast with acknowledgements: this node's
/// sockets by id, the other nodes' through the adapter's reports.
struct AckCollector {
    local: BroadcastAcks,
    local_open: bool,
    pending: HashSet<SocketId>,
    remote: Option<RemoteAcks>,
    nodes: Option<usize>,
    reported_nodes: usize,
    remote_recipients: usize,
    remote_answers: usize,
    cluster_error: Option<String>,
    responses: AckResponses,
}

impl AckCollector {
    fn new(local: BroadcastAcks, remote: Option<RemoteAcks>) -> Self {
        let pending: HashSet<SocketId> = local.reached().iter().map(|socket| socket.id().clone()).collect();
        AckCollector {
            local,
            local_open: true,
            pending,
            remote,
            nodes: None,
            reported_nodes: 0,
            remote_recipients: 0,
            remote_answers: 0,
            cluster_error: None,
            responses: AckResponses::default(),
        }
    }

    fn local_done(&self) -> bool {
        !self.local_open || self.pending.is_empty()
    }

    fn remote_done(&self) -> bool {
        match (&self.remote, self.nodes) {
            (None, _) => true,
            (Some(_), Some(nodes)) => self.reported_nodes >= nodes && self.remote_answers >= self.remote_recipients,
            (Some(_), None) => false,
        }
    }

    fn on_remote(&mut self, event: Option<RemoteAckEvent>) {
        match event {
            Some(RemoteAckEvent::Nodes(nodes)) => self.nodes = Some(nodes),
            Some(RemoteAckEvent::ClientCount(count)) => {
                self.reported_nodes += 1;
                self.remote_recipients += count;
            }
            Some(RemoteAckEvent::Answer(socket, args)) => {
                self.remote_answers += 1;
                self.responses.answers.push((socket, args));
            }
            Some(RemoteAckEvent::Unavailable(why)) => {
                self.cluster_error = Some(why);
                self.remote = None;
            }
            None => self.remote = None,
        }
    }

    async fn collect(mut self, timeout: Duration) -> AckResponses {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        while !(self.local_done() && self.remote_done()) {
            let local_waiting = !self.local_done();
            tokio::select! {
                answer = self.local.next(), if local_waiting => match answer {
                    Some((id, args)) => {
                        if self.pending.remove(&id) {
                            self.responses.answers.push((Some(id), args));
                        }
                    }
                    None => self.local_open = false,
                },
                event = recv(&mut self.remote), if self.remote.is_some() => self.on_remote(event),
                () = &mut deadline => break,
            }
        }
        let mut responses = std::mem::take(&mut self.responses);
        responses.missing = self
            .local
            .reached()
            .iter()
            .filter(|socket| self.pending.contains(socket.id()))
            .map(|socket| {
                let why = if socket.connected() {
                    AckError::Timeout
                } else {
                    AckError::Disconnected
                };
                (socket.id().clone(), why)
            })
            .collect();
        responses.remote_missing = self.remote_recipients.saturating_sub(self.remote_answers);
        responses.unresponsive_nodes = self.nodes.map_or(0, |nodes| nodes.saturating_sub(self.reported_nodes));
        responses.cluster_error = self.cluster_error.take().or_else(|| {
            (self.remote.is_some() && self.nodes.is_none())
                .then(|| "the cluster adapter did not say how many nodes to wait for".to_owned())
        });
        responses
    }
}

async fn recv(remote: &mut Option<RemoteAcks>) -> Option<RemoteAckEvent> {
    match remote {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

/// The answers to a broadcast with acknowledgements.
#[derive(Debug, Default)]
pub struct AckResponses {
    /// Each answer in arrival order: the socket that sent it (`None` for a
    /// socket of a node that does not report ids, as the Node adapter
    /// does not) and its arguments (only the first one from such nodes).
    pub answers: Vec<(Option<SocketId>, Vec<Value>)>,
    /// The sockets of this node that did not answer in time (or
    /// disconnected first).
    pub missing: Vec<(SocketId, AckError)>,
    /// Recipients on other nodes that did not answer in time.
    pub remote_missing: usize,
    /// Other nodes that never said how many clients they sent the event to
    /// (gone, or too slow): their clients' answers are unaccounted for.
    pub unresponsive_nodes: usize,
    /// Why the other nodes could not be asked at all, if so.
    pub cluster_error: Option<String>,
}

impl AckResponses {
    /// Whether every recipient, on every node, answered.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
            && self.remote_missing == 0
            && self.unresponsive_nodes == 0
            && self.cluster_error.is_none()
    }
}

/// A socket found by [`BroadcastOperator::fetch_sockets`], on this node or
/// another.
#[derive(Debug, Clone)]
pub struct RemoteSocket {
    id: SocketId,
    rooms: Vec<Room>,
    data: Value,
    /// Filled when fetched from another node; built on first read for a
    /// local socket, since few callers look at it.
    handshake: OnceLock<HandshakeDetails>,
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    /// A socket of this node.
    Local(Socket),
    /// A socket of another node, reached through its own-id room.
    Remote(BroadcastOperator),
}

impl RemoteSocket {
    fn local(socket: Socket) -> Self {
        RemoteSocket {
            id: socket.id().clone(),
            rooms: socket.rooms(),
            data: socket.shared_data().unwrap_or(Value::Null),
            handshake: OnceLock::new(),
            target: Target::Local(socket),
        }
    }

    fn remote(details: SocketDetails, operator: &BroadcastOperator) -> Self {
        RemoteSocket {
            id: SocketId::from(details.id.as_str()),
            rooms: details.rooms.into_iter().map(Room::from).collect(),
            data: details.data,
            handshake: OnceLock::from(details.handshake),
            target: Target::Remote(operator.clone().to(details.id)),
        }
    }

    /// The socket id.
    pub fn id(&self) -> &SocketId {
        &self.id
    }

    /// Its rooms when it was fetched (its own-id room first).
    pub fn rooms(&self) -> &[Room] {
        &self.rooms
    }

    /// Its handshake, as every node reports it.
    pub fn handshake(&self) -> &HandshakeDetails {
        self.handshake.get_or_init(|| match &self.target {
            Target::Local(socket) => handshake_details(socket),
            // Always filled at creation.
            Target::Remote(_) => HandshakeDetails::default(),
        })
    }

    /// Its shared data ([`Socket::set_shared_data`]); `Null` when unset.
    pub fn shared_data(&self) -> &Value {
        &self.data
    }

    /// Its shared data as `T`.
    pub fn shared_data_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, sio_core::value::ValueError> {
        sio_core::value::from_value(self.data.clone())
    }

    /// The socket itself, when it is connected to this node.
    pub fn local_socket(&self) -> Option<&Socket> {
        match &self.target {
            Target::Local(socket) => Some(socket),
            Target::Remote(_) => None,
        }
    }

    /// Emits to this socket, wherever it is.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        match &self.target {
            Target::Local(socket) => socket.emit(event, data),
            Target::Remote(operator) => operator.emit(event, data),
        }
    }

    /// Emits to this socket and waits for its acknowledgement, at most the
    /// server's `ack_timeout`.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<Vec<Value>, AckError> {
        match &self.target {
            Target::Local(socket) => socket.emit_with_ack(event, data).await,
            Target::Remote(operator) => {
                let responses = operator.emit_with_ack(event, data).await?;
                match responses.answers.into_iter().next() {
                    Some((_, args)) => Ok(args),
                    None => Err(AckError::Timeout),
                }
            }
        }
    }

    /// Makes it join `room`.
    pub fn join(&self, room: impl Into<Room>) {
        match &self.target {
            Target::Local(socket) => socket.join(room),
            Target::Remote(operator) => {
                let _ = operator.sockets_join([room]);
            }
        }
    }

    /// Makes it leave `room`.
    pub fn leave(&self, room: impl Into<Room>) {
        match &self.target {
            Target::Local(socket) => socket.leave(room),
            Target::Remote(operator) => {
                let _ = operator.sockets_leave([room]);
            }
        }
    }

    /// Disconnects it from the namespace.
    pub fn disconnect(&self) {
        match &self.target {
            Target::Local(socket) => socket.disconnect(),
            Target::Remote(operator) => {
                let _ = operator.disconnect_sockets(false);
            }
        }
    }

    /// Closes its whole connection.
    pub fn close_connection(&self) {
        match &self.target {
            Target::Local(socket) => socket.close_connection(),
            Target::Remote(operator) => {
                let _ = operator.disconnect_sockets(true);
            }
        }
    }
}
