//! What a cluster adapter exchanges with the other nodes, and the handle it
//! uses to act on this node's sockets when another node asks.
//!
//! The shapes follow the Node server's, so that an adapter can speak the
//! wire format of the npm adapters: [`SocketDetails`] is what
//! `fetchSockets()` returns for a remote socket, [`RemoteOperation`] the
//! bulk operations (`socketsJoin`, `socketsLeave`, `disconnectSockets`).

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sio_core::socketio::{Packet, PacketData};
use sio_core::{Str, Value};
use thiserror::Error;
use tokio::sync::mpsc;

use super::{BroadcastOptions, Room};
use crate::socketio::emit::encode;
use crate::socketio::namespace::{BroadcastAcks, Namespace};
use crate::socketio::{Socket, SocketId};

/// A bulk operation on the sockets a [`BroadcastOptions`] selects, to be
/// applied on every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteOperation {
    /// Make them join these rooms (`socketsJoin`).
    Join(Vec<Room>),
    /// Make them leave these rooms (`socketsLeave`).
    Leave(Vec<Room>),
    /// Disconnect them from the namespace; with `close`, close their
    /// connections (`disconnectSockets(close)`).
    Disconnect {
        /// Close the whole connection, not only the namespace.
        close: bool,
    },
}

/// Why a cluster-wide operation could not be completed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// Some nodes did not answer within the adapter's request timeout.
    #[error("{answered} of {expected} other nodes answered within {timeout:?}")]
    Timeout {
        /// The other nodes that were expected to answer.
        expected: usize,
        /// Those that did.
        answered: usize,
        /// How long the request waited.
        timeout: Duration,
    },
    /// The cluster backend (Redis, ...) could not be reached.
    #[error("cluster backend unavailable: {0}")]
    Unavailable(String),
}

/// The handshake of a socket as other nodes see it: the fields of the Node
/// server's `socket.handshake`, serializable.
///
/// Every field has a default, so details from another implementation that
/// omit some still deserialize.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HandshakeDetails {
    /// Request headers by lower-case name; a header sent several times is
    /// an array of strings.
    pub headers: BTreeMap<String, Value>,
    /// When the connection was opened, as text (`Date.toString()` in
    /// Node; RFC 3339 from sio).
    pub time: String,
    /// The client's address.
    pub address: String,
    /// Whether the request came from another origin.
    pub xdomain: bool,
    /// Whether the connection is encrypted.
    pub secure: bool,
    /// When the connection was opened, in milliseconds since the Unix
    /// epoch.
    pub issued: u64,
    /// The request URL (path and query).
    pub url: String,
    /// The query parameters.
    pub query: BTreeMap<String, Value>,
    /// The auth payload of the CONNECT packet (`{}` when there was none).
    pub auth: Value,
}

/// A socket as [`fetch_sockets`](crate::socketio::BroadcastOperator::fetch_sockets)
/// reports it from any node: the shape of the Node server's remote
/// sockets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocketDetails {
    /// The socket id.
    pub id: String,
    /// Its rooms, its own-id room included (first, from sio nodes).
    #[serde(default)]
    pub rooms: Vec<String>,
    /// Its handshake.
    #[serde(default)]
    pub handshake: HandshakeDetails,
    /// Its shared data ([`Socket::set_shared_data`]), `null` when none.
    #[serde(default)]
    pub data: Value,
}

impl SocketDetails {
    /// The details of a local socket.
    pub(crate) fn of(socket: &Socket) -> SocketDetails {
        SocketDetails {
            id: socket.id().to_string(),
            rooms: socket.rooms().iter().map(|room| room.to_string()).collect(),
            handshake: handshake_details(socket),
            data: socket.shared_data().unwrap_or(Value::Null),
        }
    }
}

/// The handshake of a local socket as other nodes see it.
pub(crate) fn handshake_details(socket: &Socket) -> HandshakeDetails {
    let handshake = socket.handshake();
    let mut headers = BTreeMap::new();
    for name in handshake.headers().keys() {
        let values: Vec<Value> = handshake
            .headers()
            .get_all(name)
            .iter()
            .map(|value| Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let value = match <[Value; 1]>::try_from(values) {
            Ok([one]) => one,
            Err(many) => Value::Array(many),
        };
        headers.insert(name.as_str().to_owned(), value);
    }
    let query = handshake
        .query_pairs()
        .map(|(key, value)| (key, Value::String(value)))
        .collect();
    let issued = handshake
        .issued_at()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or(0);
    let origin = handshake.headers().get(http::header::ORIGIN);
    let host = handshake.headers().get(http::header::HOST);
    let xdomain = origin.is_some_and(|origin| {
        let origin = origin.to_str().unwrap_or_default();
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        host.is_none_or(|host| host.to_str().unwrap_or_default() != origin_host)
    });
    HandshakeDetails {
        headers,
        time: rfc3339(handshake.issued_at()),
        address: handshake
            .remote_addr()
            .map(|address| address.ip().to_string())
            .unwrap_or_default(),
        xdomain,
        secure: handshake.uri().scheme_str() == Some("https"),
        issued,
        url: handshake
            .uri()
            .path_and_query()
            .map(|path| path.as_str().to_owned())
            .unwrap_or_default(),
        query,
        auth: socket
            .auth()
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default())),
    }
}

/// `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// What another node reports about a broadcast with acknowledgements (see
/// [`Adapter::broadcast_with_ack`](super::Adapter::broadcast_with_ack)).
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteAckEvent {
    /// How many other nodes will report, once the adapter knows.
    Nodes(usize),
    /// One node sent the packet to this many of its clients.
    ClientCount(usize),
    /// One remote client answered: its socket id when the node said it,
    /// and the answer's arguments.
    Answer(Option<SocketId>, Vec<Value>),
    /// The adapter cannot reach the other nodes: no more events will come.
    Unavailable(String),
}

/// The receiving end of a cluster broadcast with acknowledgements.
pub type RemoteAcks = mpsc::UnboundedReceiver<RemoteAckEvent>;

/// The answers to a server-to-server event with acknowledgements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerAckResponses {
    /// One answer per node that answered, in arrival order.
    pub answers: Vec<Value>,
    /// The other nodes that were expected to answer.
    pub expected: usize,
}

impl ServerAckResponses {
    /// Whether every other node answered.
    pub fn is_complete(&self) -> bool {
        self.answers.len() >= self.expected
    }
}

/// A server-to-server event, received from another node (Node's
/// `io.serverSideEmit`).
pub struct ServerEvent {
    /// The event name.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Value>,
    /// Present when the emitting node waits for an answer.
    pub ack: Option<ServerAck>,
}

impl std::fmt::Debug for ServerEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerEvent")
            .field("name", &self.name)
            .field("args", &self.args)
            .field("ack", &self.ack.is_some())
            .finish()
    }
}

/// The answer to a [`ServerEvent`]: one value, sent back to the emitting
/// node. Consumed by [`send`](Self::send).
pub struct ServerAck {
    reply: Box<dyn FnOnce(Value) + Send>,
}

impl std::fmt::Debug for ServerAck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerAck")
    }
}

impl ServerAck {
    /// An answer that calls `reply` with the value (for adapters).
    pub fn new(reply: impl FnOnce(Value) + Send + 'static) -> Self {
        ServerAck { reply: Box::new(reply) }
    }

    /// Answers with `data` (a value that does not serialize answers with
    /// its error message).
    pub fn send<T: Serialize + ?Sized>(self, data: &T) {
        let value = sio_core::value::to_value(data).unwrap_or_else(|error| Value::String(error.to_string()));
        (self.reply)(value);
    }
}

/// A handler of server-to-server events, registered with
/// [`Server::on_server_event`](crate::socketio::Server::on_server_event).
pub type ServerEventHandler = Arc<dyn Fn(ServerEvent) + Send + Sync>;

/// This node's sockets of one namespace, as a cluster adapter acts on them
/// for other nodes. Given to [`Adapter::bind`](super::Adapter::bind);
/// cheap to clone, and inert once the server is gone.
#[derive(Clone)]
pub struct LocalNamespace {
    namespace: Weak<Namespace>,
    ack_timeout: Duration,
}

impl std::fmt::Debug for LocalNamespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalNamespace")
            .field("path", &self.path())
            .finish_non_exhaustive()
    }
}

/// The sockets a broadcast with acknowledgements reached on this node, and
/// their answers as they come. Dropping it forgets the pending
/// acknowledgements.
#[derive(Debug)]
pub struct LocalAcks {
    acks: BroadcastAcks,
}

impl LocalAcks {
    /// How many sockets the packet was sent to.
    pub fn recipients(&self) -> usize {
        self.acks.reached().len()
    }

    /// The next answer: the socket and its arguments. `None` once every
    /// recipient answered or disconnected.
    pub async fn next(&mut self) -> Option<(SocketId, Vec<Value>)> {
        self.acks.next().await
    }
}

impl LocalNamespace {
    pub(crate) fn new(namespace: &Arc<Namespace>, ack_timeout: Duration) -> Self {
        LocalNamespace {
            namespace: Arc::downgrade(namespace),
            ack_timeout,
        }
    }

    fn get(&self) -> Option<Arc<Namespace>> {
        self.namespace.upgrade()
    }

    /// The namespace's name (`/chat`), while the server lives.
    pub fn path(&self) -> Option<Str> {
        self.get().map(|namespace| namespace.path.clone())
    }

    /// The server's default acknowledgement timeout.
    pub fn ack_timeout(&self) -> Duration {
        self.ack_timeout
    }

    /// Whether some local socket is in `room` (a socket id counts as its
    /// own room): lets an adapter skip broadcasts for rooms it has not.
    pub fn has_room(&self, room: &str) -> bool {
        self.get().is_some_and(|namespace| namespace.adapter.has_room(room))
    }

    /// Every room with a local member, socket-id rooms included.
    pub fn rooms(&self) -> Vec<Room> {
        self.get().map(|namespace| namespace.all_rooms()).unwrap_or_default()
    }

    /// The ids of the local sockets matching `options`.
    pub fn socket_ids(&self, options: &BroadcastOptions) -> Vec<SocketId> {
        self.get()
            .map(|namespace| namespace.adapter.local_sockets(options))
            .unwrap_or_default()
    }

    /// Sends an event packet from another node to the local sockets
    /// matching `options`; returns how many it was sent to. Packets of
    /// other types are ignored.
    pub fn broadcast(&self, packet: &Packet, options: &BroadcastOptions) -> usize {
        let Some(namespace) = self.get() else {
            return 0;
        };
        if !matches!(packet.data, PacketData::Event { ack_id: None, .. }) {
            tracing::debug!(namespace = %namespace.path, "ignoring a non-event packet from another node");
            return 0;
        }
        namespace.deliver(&encode(packet), options).len()
    }

    /// Sends `event` to the local sockets matching `options` with a fresh
    /// acknowledgement id, for a broadcast with acknowledgements that
    /// another node started.
    pub fn broadcast_with_ack(&self, event: &str, args: Vec<Value>, options: &BroadcastOptions) -> Option<LocalAcks> {
        let namespace = self.get()?;
        Some(LocalAcks {
            acks: namespace.send_with_ack(event, args, options),
        })
    }

    /// The details of the local sockets matching `options`.
    pub fn fetch(&self, options: &BroadcastOptions) -> Vec<SocketDetails> {
        self.get()
            .map(|namespace| namespace.matching(options).iter().map(SocketDetails::of).collect())
            .unwrap_or_default()
    }

    /// Applies a bulk operation to the local sockets matching `options`.
    pub fn apply(&self, operation: &RemoteOperation, options: &BroadcastOptions) {
        if let Some(namespace) = self.get() {
            namespace.apply(operation, options);
        }
    }

    /// Hands a server-to-server event to the handler registered for its
    /// name; returns whether there was one. An event nobody handles is
    /// dropped (its ack, if any, is never answered, as in Node).
    pub fn server_event(&self, event: ServerEvent) -> bool {
        self.get().is_some_and(|namespace| namespace.server_event(event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_millis(951_782_400_123);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.123Z");
        let later = UNIX_EPOCH + Duration::from_secs(1_796_083_199);
        assert_eq!(rfc3339(later), "2026-11-30T23:59:59.000Z");
    }
}
