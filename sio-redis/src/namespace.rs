//! The adapter of one namespace: rooms in memory, everything else through
//! Redis in the npm adapter's format.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;

use bytes::Bytes;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use sio_core::Value;
use sio_core::socketio::Packet;
use sio_server::socketio::adapter::{
    AdapterFuture, LocalNamespace, RemoteAckEvent, RemoteAcks, RemoteOperation, ServerAckResponses,
};
use sio_server::socketio::{
    Adapter, BroadcastOptions, ClusterError, InMemoryAdapter, Room, ServerAck, ServerEvent, SocketDetails, SocketId,
};
use tokio::sync::mpsc;

use crate::channels::Channels;
use crate::link::{Link, Route};
use crate::message::{self, RequestType, object, text};

/// Where the responses to one of this node's requests go.
enum Pending {
    /// Raw responses, read by the future that made the request.
    Responses(mpsc::UnboundedSender<Value>),
    /// Reports of a broadcast with acknowledgements.
    Acks(mpsc::UnboundedSender<RemoteAckEvent>),
}

/// One namespace's adapter on this node.
pub(crate) struct NamespaceAdapter {
    me: Weak<NamespaceAdapter>,
    path: String,
    /// This node's id in the namespace's messages (Node: `uid`).
    uid: String,
    /// `uid` encoded as msgpack, as a broadcast starts with it.
    uid_prefix: Vec<u8>,
    channels: Channels,
    rooms: InMemoryAdapter,
    local: OnceLock<LocalNamespace>,
    link: Arc<Link>,
    pending: Mutex<HashMap<String, Pending>>,
}

impl std::fmt::Debug for NamespaceAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisNamespaceAdapter")
            .field("namespace", &self.path)
            .field("uid", &self.uid)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn random_id(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl NamespaceAdapter {
    pub fn new(link: Arc<Link>, path: &str) -> Arc<NamespaceAdapter> {
        let uid = random_id(10);
        let channels = Channels::new(&link.config.key_prefix, path, &uid);
        let uid_prefix = crate::msgpack::encode(&Value::String(uid.clone()));
        Arc::new_cyclic(|me| NamespaceAdapter {
            me: me.clone(),
            path: path.to_owned(),
            uid_prefix,
            uid,
            channels,
            rooms: InMemoryAdapter::new(),
            local: OnceLock::new(),
            link,
            pending: Mutex::new(HashMap::new()),
        })
    }

    pub fn channels(&self) -> &Channels {
        &self.channels
    }

    fn local(&self) -> Option<&LocalNamespace> {
        self.local.get()
    }

    /// Registers a request; the entry goes when the returned guard drops.
    fn expect(&self, pending: Pending) -> PendingGuard {
        let request_id = random_id(16);
        lock(&self.pending).insert(request_id.clone(), pending);
        PendingGuard {
            adapter: self.me.clone(),
            request_id,
        }
    }

    /// The other nodes serving this namespace.
    async fn other_nodes(&self) -> Result<usize, ClusterError> {
        let subscribers = self.link.subscribers(&self.channels.request).await?;
        let own = usize::from(self.link.is_subscribed());
        Ok(subscribers.saturating_sub(own))
    }

    fn publish_request(&self, request: &Value) {
        self.link
            .publish(self.channels.request.clone(), message::encode(request));
    }

    fn publish_response(&self, requester: &str, response: Bytes) {
        let channel = self
            .channels
            .response_for(requester, self.link.config.publish_on_specific_response_channel);
        self.link.publish(channel, response);
    }

    /// A message from the subscriber task.
    pub fn on_message(&self, route: Route, channel: &str, payload: &[u8]) {
        let Some(local) = self.local() else {
            return;
        };
        let outcome = match route {
            Route::Broadcast => self.on_broadcast(local, channel, payload),
            Route::Request => self.on_request(local, payload),
            Route::Response => self.on_response(payload),
        };
        if let Err(error) = outcome {
            tracing::warn!(namespace = %self.path, channel, %error, "ignoring a message from Redis");
        }
    }

    fn on_broadcast(&self, local: &LocalNamespace, channel: &str, payload: &[u8]) -> Result<(), message::MessageError> {
        if let Some(room) = self.channels.room_of(channel)
            && !room.is_empty()
            && !local.has_room(room)
        {
            return Ok(());
        }
        // Redis hands every broadcast back to its publisher too: a node's
        // own start with the same bytes, `[uid, ...` as msgpack, and are
        // dropped without decoding the packet.
        if payload
            .strip_prefix(&[0x93][..])
            .is_some_and(|rest| rest.starts_with(&self.uid_prefix))
        {
            return Ok(());
        }
        let Value::Array(parts) = message::decode(payload)? else {
            return Err(message::MessageError::Shape("a broadcast is not an array"));
        };
        let mut parts = parts.into_iter();
        let (Some(uid), Some(packet), options) = (parts.next(), parts.next(), parts.next()) else {
            return Err(message::MessageError::Shape("a broadcast has fewer than two parts"));
        };
        if uid.as_str() == Some(self.uid.as_str()) {
            return Ok(());
        }
        let (namespace, name, args) = message::event_of_packet(packet)?;
        if namespace != self.path {
            return Ok(());
        }
        let (options, _) = message::options_of(options.as_ref());
        local.broadcast(&Packet::event(self.path.clone(), name, args, None), &options);
        Ok(())
    }

    fn on_request(&self, local: &LocalNamespace, payload: &[u8]) -> Result<(), message::MessageError> {
        let request = message::decode(payload)?;
        let requester = text(&request, "uid").unwrap_or_default().to_owned();
        if requester == self.uid {
            return Ok(());
        }
        let kind = request
            .get("type")
            .and_then(RequestType::from_value)
            .ok_or(message::MessageError::Shape("a request has no known type"))?;
        let request_id = request.get("requestId").cloned();
        let (options, timeout) = message::options_of(request.get("opts"));
        let respond = |fields: Vec<(&str, Value)>| {
            let mut response = sio_core::value::Map::new();
            if let Some(id) = &request_id {
                response.insert("requestId".to_owned(), id.clone());
            }
            response.extend(fields.into_iter().map(|(key, value)| (key.to_owned(), value)));
            self.publish_response(&requester, message::encode(&Value::Object(response)));
        };
        match kind {
            RequestType::Sockets => {
                let selection = BroadcastOptions {
                    rooms: request.get("rooms").map(message::rooms_of).unwrap_or_default(),
                    ..BroadcastOptions::default()
                };
                let ids = local
                    .socket_ids(&selection)
                    .into_iter()
                    .map(|id| Value::String(id.to_string()))
                    .collect();
                respond(vec![("sockets", Value::Array(ids))]);
            }
            RequestType::AllRooms => {
                let rooms = local
                    .rooms()
                    .into_iter()
                    .map(|room| Value::String(room.to_string()))
                    .collect();
                respond(vec![("rooms", Value::Array(rooms))]);
            }
            RequestType::RemoteJoin | RequestType::RemoteLeave | RequestType::RemoteDisconnect => {
                let operation = match kind {
                    RequestType::RemoteJoin => RemoteOperation::Join(operation_rooms(&request, "rooms", "room")),
                    RequestType::RemoteLeave => RemoteOperation::Leave(operation_rooms(&request, "rooms", "room")),
                    _ => RemoteOperation::Disconnect {
                        close: request.get("close").and_then(Value::as_bool).unwrap_or(false),
                    },
                };
                if request.get("opts").is_some() {
                    local.apply(&operation, &options);
                } else if let Some(sid) = text(&request, "sid") {
                    // The older form: one socket by id, answered when found.
                    if local
                        .socket_ids(&BroadcastOptions::default())
                        .iter()
                        .any(|id| id.as_str() == sid)
                    {
                        let one = BroadcastOptions {
                            rooms: vec![Room::from(sid.to_owned())],
                            ..BroadcastOptions::default()
                        };
                        local.apply(&operation, &one);
                        respond(Vec::new());
                    }
                }
            }
            RequestType::RemoteFetch => {
                let sockets = local
                    .fetch(&options)
                    .iter()
                    .filter_map(|details| sio_core::value::to_value(details).ok())
                    .collect();
                respond(vec![("sockets", Value::Array(sockets))]);
            }
            RequestType::ServerSideEmit => self.on_server_side_emit(local, request),
            RequestType::Broadcast => self.on_broadcast_request(local, request, requester, timeout)?,
            RequestType::BroadcastClientCount | RequestType::BroadcastAck => {}
        }
        Ok(())
    }

    fn on_server_side_emit(&self, local: &LocalNamespace, request: Value) {
        let request_id = request.get("requestId").cloned();
        let Value::Object(mut fields) = request else {
            return;
        };
        let Some(Value::Array(mut data)) = fields.swap_remove("data") else {
            tracing::warn!(namespace = %self.path, "a server-side emit without data, ignored");
            return;
        };
        if data.is_empty() {
            return;
        }
        let name = match data.remove(0) {
            Value::String(name) => name,
            other => other.as_str().unwrap_or_default().to_owned(),
        };
        let ack = request_id.map(|request_id| {
            let link = self.link.clone();
            let channel = self.channels.response.clone();
            ServerAck::new(move |value| {
                let response = object([
                    ("type", RequestType::ServerSideEmit.value()),
                    ("requestId", request_id),
                    ("data", value),
                ]);
                link.publish(channel, message::encode(&response));
            })
        });
        local.server_event(ServerEvent { name, args: data, ack });
    }

    fn on_broadcast_request(
        &self,
        local: &LocalNamespace,
        mut request: Value,
        requester: String,
        timeout: Option<u64>,
    ) -> Result<(), message::MessageError> {
        let request_id = request
            .get("requestId")
            .cloned()
            .ok_or(message::MessageError::Shape("a broadcast request has no requestId"))?;
        let (options, _) = message::options_of(request.get("opts"));
        let packet = match &mut request {
            Value::Object(fields) => fields.swap_remove("packet"),
            _ => None,
        }
        .ok_or(message::MessageError::Shape("a broadcast request has no packet"))?;
        let (namespace, name, args) = message::event_of_packet(packet)?;
        if namespace != self.path {
            return Ok(());
        }
        let Some(mut acks) = local.broadcast_with_ack(&name, args, &options) else {
            return Ok(());
        };
        let wait = timeout.map_or(local.ack_timeout(), Duration::from_millis);
        let count = object([
            ("type", RequestType::BroadcastClientCount.value()),
            ("requestId", request_id.clone()),
            ("clientCount", Value::from(acks.recipients() as u64)),
        ]);
        self.publish_response(&requester, message::encode(&count));
        let me = self.me.clone();
        tokio::spawn(async move {
            let deadline = tokio::time::sleep(wait);
            tokio::pin!(deadline);
            loop {
                let answer = tokio::select! {
                    answer = acks.next() => answer,
                    () = &mut deadline => None,
                };
                let (Some((socket, args)), Some(adapter)) = (answer, me.upgrade()) else {
                    return;
                };
                let response = object([
                    ("type", RequestType::BroadcastAck.value()),
                    ("requestId", request_id.clone()),
                    ("packet", args.first().cloned().unwrap_or(Value::Null)),
                    ("sid", Value::String(socket.to_string())),
                    ("args", Value::Array(args)),
                ]);
                adapter.publish_response(&requester, message::encode_msgpack(&response));
            }
        });
        Ok(())
    }

    fn on_response(&self, payload: &[u8]) -> Result<(), message::MessageError> {
        let response = message::decode(payload)?;
        let Some(request_id) = text(&response, "requestId") else {
            return Ok(());
        };
        let pending = lock(&self.pending);
        match pending.get(request_id) {
            Some(Pending::Responses(sender)) => {
                let _ = sender.send(response);
            }
            Some(Pending::Acks(sender)) => {
                let event = match response.get("type").and_then(RequestType::from_value) {
                    Some(RequestType::BroadcastClientCount) => {
                        let count = response.get("clientCount").and_then(Value::as_u64).unwrap_or(0);
                        RemoteAckEvent::ClientCount(usize::try_from(count).unwrap_or(usize::MAX))
                    }
                    Some(RequestType::BroadcastAck) => {
                        let socket = text(&response, "sid").map(SocketId::from);
                        let args = match response.get("args") {
                            Some(Value::Array(args)) => args.clone(),
                            _ => vec![response.get("packet").cloned().unwrap_or(Value::Null)],
                        };
                        RemoteAckEvent::Answer(socket, args)
                    }
                    _ => return Ok(()),
                };
                let _ = sender.send(event);
            }
            None => {}
        }
        Ok(())
    }

    /// Sends `request` (completed with uid, requestId and type) and
    /// collects one response per other node, until all answered or the
    /// request timeout passed.
    async fn ask_every_node(
        &self,
        kind: RequestType,
        fields: Vec<(&'static str, Value)>,
        timeout: Duration,
    ) -> Result<Gathered, ClusterError> {
        let expected = self.other_nodes().await?;
        if expected == 0 {
            return Ok(Gathered::default());
        }
        let (sender, mut responses) = mpsc::unbounded_channel();
        let guard = self.expect(Pending::Responses(sender));
        let mut request = sio_core::value::Map::new();
        request.insert("uid".to_owned(), Value::String(self.uid.clone()));
        request.insert("requestId".to_owned(), Value::String(guard.request_id.clone()));
        request.insert("type".to_owned(), kind.value());
        request.extend(fields.into_iter().map(|(key, value)| (key.to_owned(), value)));
        self.publish_request(&Value::Object(request));
        let mut gathered = Gathered {
            expected,
            responses: Vec::with_capacity(expected),
        };
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        while gathered.responses.len() < expected {
            tokio::select! {
                response = responses.recv() => match response {
                    Some(response) => gathered.responses.push(response),
                    None => break,
                },
                () = &mut deadline => break,
            }
        }
        drop(guard);
        Ok(gathered)
    }
}

/// The responses a request gathered.
#[derive(Debug, Default)]
struct Gathered {
    expected: usize,
    responses: Vec<Value>,
}

/// The rooms of a join or leave request: the `rooms` array, or the single
/// `room` of the older form.
fn operation_rooms(request: &Value, many: &str, one: &str) -> Vec<Room> {
    match request.get(many) {
        Some(rooms) => message::rooms_of(rooms),
        None => request
            .get(one)
            .map(|room| message::rooms_of(&Value::Array(vec![room.clone()])))
            .unwrap_or_default(),
    }
}

/// Removes a request's entry when the request is over.
struct PendingGuard {
    adapter: Weak<NamespaceAdapter>,
    request_id: String,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        if let Some(adapter) = self.adapter.upgrade() {
            lock(&adapter.pending).remove(&self.request_id);
        }
    }
}

impl Adapter for NamespaceAdapter {
    fn add_socket(&self, socket: &SocketId) {
        self.rooms.add_socket(socket);
    }

    fn add_all(&self, socket: &SocketId, rooms: &[Room]) {
        self.rooms.add_all(socket, rooms);
    }

    fn del(&self, socket: &SocketId, room: &Room) {
        self.rooms.del(socket, room);
    }

    fn del_all(&self, socket: &SocketId) {
        self.rooms.del_all(socket);
    }

    fn socket_rooms(&self, socket: &SocketId) -> Vec<Room> {
        self.rooms.socket_rooms(socket)
    }

    fn local_sockets(&self, options: &BroadcastOptions) -> Vec<SocketId> {
        self.rooms.local_sockets(options)
    }

    fn rooms(&self) -> Vec<Room> {
        self.rooms.rooms()
    }

    fn has_room(&self, room: &str) -> bool {
        self.rooms.has_room(room)
    }

    fn bind(&self, namespace: LocalNamespace) {
        if self.local.set(namespace).is_err() {
            tracing::warn!(namespace = %self.path, "the Redis adapter was bound twice; keeping the first namespace");
        }
    }

    fn publish(&self, packet: &Packet, options: &BroadcastOptions) {
        let Some(packet) = message::packet_value(packet) else {
            return;
        };
        let message = Value::Array(vec![
            Value::String(self.uid.clone()),
            packet,
            message::options_value(options, None),
        ]);
        self.link.publish(
            self.channels.broadcast_to(&options.rooms),
            message::encode_msgpack(&message),
        );
    }

    fn publish_operation(&self, operation: &RemoteOperation, options: &BroadcastOptions) {
        let (kind, extra) = match operation {
            RemoteOperation::Join(rooms) => (RequestType::RemoteJoin, ("rooms", message::rooms_value(rooms))),
            RemoteOperation::Leave(rooms) => (RequestType::RemoteLeave, ("rooms", message::rooms_value(rooms))),
            RemoteOperation::Disconnect { close } => (RequestType::RemoteDisconnect, ("close", Value::Bool(*close))),
        };
        let request = object([
            ("uid", Value::String(self.uid.clone())),
            ("type", kind.value()),
            ("opts", message::selection_value(options)),
            extra,
        ]);
        self.publish_request(&request);
    }

    fn fetch_remote(&self, options: &BroadcastOptions) -> AdapterFuture<Result<Vec<SocketDetails>, ClusterError>> {
        let me = self.me.clone();
        let selection = message::selection_value(options);
        Box::pin(async move {
            let Some(adapter) = me.upgrade() else {
                return Ok(Vec::new());
            };
            let timeout = adapter.link.config.requests_timeout;
            let gathered = adapter
                .ask_every_node(RequestType::RemoteFetch, vec![("opts", selection)], timeout)
                .await?;
            if gathered.responses.len() < gathered.expected {
                return Err(ClusterError::Timeout {
                    expected: gathered.expected,
                    answered: gathered.responses.len(),
                    timeout,
                });
            }
            let mut sockets = Vec::new();
            for response in gathered.responses {
                let Some(Value::Array(items)) = response.get("sockets").cloned() else {
                    continue;
                };
                for item in items {
                    match sio_core::value::from_value::<SocketDetails>(item) {
                        Ok(details) => sockets.push(details),
                        Err(error) => {
                            tracing::warn!(namespace = %adapter.path, %error, "a fetched socket from another node is malformed")
                        }
                    }
                }
            }
            Ok(sockets)
        })
    }

    fn broadcast_with_ack(&self, packet: &Packet, options: &BroadcastOptions, timeout: Duration) -> Option<RemoteAcks> {
        let packet = message::packet_value(packet)?;
        let (sender, events) = mpsc::unbounded_channel();
        let guard = self.expect(Pending::Acks(sender.clone()));
        let request = object([
            ("uid", Value::String(self.uid.clone())),
            ("requestId", Value::String(guard.request_id.clone())),
            ("type", RequestType::Broadcast.value()),
            ("packet", packet),
            ("opts", message::options_value(options, Some(millis(timeout)))),
        ]);
        self.link
            .publish(self.channels.request.clone(), message::encode_msgpack(&request));
        let me = self.me.clone();
        tokio::spawn(async move {
            let Some(adapter) = me.upgrade() else {
                return;
            };
            let nodes = tokio::time::timeout(timeout, adapter.other_nodes()).await;
            drop(adapter);
            let event = match nodes {
                Ok(Ok(nodes)) => RemoteAckEvent::Nodes(nodes),
                Ok(Err(error)) => RemoteAckEvent::Unavailable(error.to_string()),
                Err(_) => RemoteAckEvent::Unavailable("Redis did not say how many nodes there are".to_owned()),
            };
            let _ = sender.send(event);
            drop(sender);
            // Answers are taken until the broadcast's own timeout; then the
            // entry goes and the collector sees the channel close.
            tokio::time::sleep(timeout).await;
            drop(guard);
        });
        Some(events)
    }

    fn server_side_emit(&self, event: &str, args: &[Value]) {
        let request = object([
            ("uid", Value::String(self.uid.clone())),
            ("type", RequestType::ServerSideEmit.value()),
            ("data", message::event_data(event, args)),
        ]);
        self.publish_request(&request);
    }

    fn server_side_emit_with_ack(
        &self,
        event: &str,
        args: &[Value],
        timeout: Duration,
    ) -> AdapterFuture<Result<ServerAckResponses, ClusterError>> {
        let me = self.me.clone();
        let data = message::event_data(event, args);
        Box::pin(async move {
            let Some(adapter) = me.upgrade() else {
                return Ok(ServerAckResponses::default());
            };
            let gathered = adapter
                .ask_every_node(RequestType::ServerSideEmit, vec![("data", data)], timeout)
                .await?;
            Ok(ServerAckResponses {
                answers: gathered
                    .responses
                    .into_iter()
                    .map(|response| response.get("data").cloned().unwrap_or(Value::Null))
                    .collect(),
                expected: gathered.expected,
            })
        })
    }
}
