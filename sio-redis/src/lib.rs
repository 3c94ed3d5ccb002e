//! A Redis adapter for sio: rooms and broadcasts that span several server
//! processes ("nodes"), wire-compatible with the npm
//! `@socket.io/redis-adapter` 8 (pub/sub) used by Node Socket.IO 4 servers.
//!
//! ```no_run
//! use sio_redis::{RedisAdapter, RedisAdapterConfig};
//! use sio_server::consumer::App;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let redis = RedisAdapter::connect(RedisAdapterConfig::new("redis://127.0.0.1:6379")).await?;
//! let app = App::builder().adapter(redis.factory()).build()?;
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! # What spans the cluster
//!
//! - Broadcasts (rooms, exceptions, namespaces, `volatile`) reach the
//!   matching sockets of every node exactly once each; `local` stays on the
//!   emitting node.
//! - `fetch_sockets` (ids, rooms, handshake, shared data), `sockets_join`,
//!   `sockets_leave`, `disconnect_sockets`, server-to-server events (with
//!   or without answers) and broadcasts with acknowledgements collected from
//!   every node.
//!
//! # Wire format
//!
//! The npm adapter's, so that sio and Node nodes on one Redis serve one
//! cluster: broadcasts on `<prefix>#<namespace>#[<room>#]` as msgpack
//! `[uid, packet, opts]`; requests on `<prefix>-request#<namespace>#` and
//! responses on `<prefix>-response#<namespace>#` as JSON (msgpack for
//! broadcasts with acknowledgements, and whenever binary is carried);
//! `PUBSUB NUMSUB` on the request channel counts the nodes.
//!
//! # When Redis goes away
//!
//! Local traffic keeps flowing: publishing never waits (messages for other
//! nodes go through a bounded queue and are dropped, and counted in the
//! logs, while Redis is unreachable), and cluster requests fail with
//! [`ClusterError::Unavailable`](sio_server::socketio::ClusterError). The
//! adapter reconnects with a growing delay and subscribes to every channel
//! again, and cross-node traffic resumes. Nothing from the network panics:
//! a malformed message is logged and ignored.

mod channels;
mod config;
mod link;
mod message;
mod msgpack;
mod namespace;

use std::sync::Arc;

pub use config::{KEY_PREFIX_VAR, REDIS_URL_VAR, RedisAdapterConfig};
use sio_server::socketio::Adapter;
use thiserror::Error;

use crate::link::Link;
use crate::namespace::NamespaceAdapter;

/// The decoders of messages from other nodes, for the fuzz targets in the
/// repository's `fuzz/` crate. Not part of the API: hidden from the docs,
/// and may change in any release.
#[doc(hidden)]
pub mod __fuzz {
    use bytes::Bytes;
    use sio_core::Value;
    use sio_server::socketio::{BroadcastOptions, Room};

    pub use crate::message::MessageError;
    use crate::message::{self, RequestType};
    pub use crate::msgpack::MsgpackError;

    /// Decodes exactly one msgpack value (the codec of broadcasts).
    pub fn msgpack_decode(input: &[u8]) -> Result<Value, MsgpackError> {
        crate::msgpack::decode(input)
    }

    /// Encodes `value` as msgpack.
    pub fn msgpack_encode(value: &Value) -> Vec<u8> {
        crate::msgpack::encode(value)
    }

    /// Decodes a request or response: JSON when it starts with `{`, msgpack
    /// otherwise.
    pub fn message_decode(payload: &[u8]) -> Result<Value, MessageError> {
        message::decode(payload)
    }

    /// Encodes a request or response as a node publishes it (JSON, or
    /// msgpack when it carries binary).
    pub fn message_encode(message: &Value) -> Bytes {
        message::encode(message)
    }

    /// What a node takes from a broadcast `[uid, packet, opts]`: the uid,
    /// the namespace, the event name, its arguments and the selection.
    #[derive(Debug)]
    pub struct Broadcast {
        /// The publishing node's uid, when it is a string.
        pub uid: Option<String>,
        /// The namespace (`/` when the packet names none).
        pub namespace: String,
        /// The event name.
        pub name: String,
        /// The event's arguments.
        pub args: Vec<Value>,
        /// The rooms, exceptions and flags.
        pub options: BroadcastOptions,
    }

    /// Decodes a broadcast message as a node's subscriber does.
    pub fn broadcast(payload: &[u8]) -> Result<Broadcast, MessageError> {
        let Value::Array(parts) = message::decode(payload)? else {
            return Err(MessageError::Shape("a broadcast is not an array"));
        };
        let mut parts = parts.into_iter();
        let (Some(uid), Some(packet), options) = (parts.next(), parts.next(), parts.next()) else {
            return Err(MessageError::Shape("a broadcast has fewer than two parts"));
        };
        let (namespace, name, args) = message::event_of_packet(packet)?;
        let (options, _) = message::options_of(options.as_ref());
        Ok(Broadcast {
            uid: uid.as_str().map(str::to_owned),
            namespace,
            name,
            args,
            options,
        })
    }

    /// What a node reads from a request or response object: its type (when
    /// known), the selection and timeout of `opts`, and `rooms`.
    pub fn request_fields(request: &Value) -> (Option<u64>, BroadcastOptions, Option<u64>, Vec<Room>) {
        let kind = request
            .get("type")
            .and_then(RequestType::from_value)
            .map(|kind| kind as u64);
        let (options, timeout) = message::options_of(request.get("opts"));
        let rooms = request.get("rooms").map(message::rooms_of).unwrap_or_default();
        (kind, options, timeout, rooms)
    }
}

/// Why the adapter could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RedisAdapterError {
    /// `SIO_REDIS_URL` is not set.
    #[error("SIO_REDIS_URL is not set; set it to the Redis URL (redis://host:port)")]
    MissingUrl,
    /// The URL does not parse.
    #[error("invalid Redis URL {url:?}: {source}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        source: redis::RedisError,
    },
    /// Redis could not be reached at startup.
    #[error("cannot connect to Redis at {url}: {source}")]
    Connect {
        /// The URL given.
        url: String,
        /// The connection error.
        source: redis::RedisError,
    },
}

/// A node's connection to the cluster: one per process, shared by every
/// namespace. Cloning is cheap.
///
/// Hand [`factory`](Self::factory) to the app or server builder; each
/// namespace then gets its own adapter on the shared connections. The
/// connections live as long as the adapters (the server) or a clone of
/// this value does.
#[derive(Debug, Clone)]
pub struct RedisAdapter {
    link: Arc<Link>,
}

impl RedisAdapter {
    /// Connects to Redis (checking that it answers) and starts the
    /// publishing and subscribing tasks. Must run inside a tokio runtime.
    pub async fn connect(config: RedisAdapterConfig) -> Result<RedisAdapter, RedisAdapterError> {
        let client = redis::Client::open(config.url.as_str()).map_err(|source| RedisAdapterError::InvalidUrl {
            url: config.url.clone(),
            source,
        })?;
        let url = config.url.clone();
        let (link, tasks) = Link::new(config, client);
        link.check()
            .await
            .map_err(|source| RedisAdapterError::Connect { url, source })?;
        link::spawn(&link, tasks);
        Ok(RedisAdapter { link })
    }

    /// [`connect`](Self::connect) with [`RedisAdapterConfig::from_env`].
    pub async fn from_env() -> Result<RedisAdapter, RedisAdapterError> {
        RedisAdapter::connect(RedisAdapterConfig::from_env()?).await
    }

    /// The adapter of `namespace` on this node.
    pub fn adapter(&self, namespace: &str) -> Arc<dyn Adapter> {
        let adapter = NamespaceAdapter::new(self.link.clone(), namespace);
        self.link.register(&adapter);
        adapter
    }

    /// A factory for `App::builder().adapter(..)` or
    /// `SocketIo::builder().adapter(..)`.
    pub fn factory(&self) -> impl Fn(&str) -> Arc<dyn Adapter> + Send + Sync + 'static {
        let redis = self.clone();
        move |namespace| redis.adapter(namespace)
    }

    /// Resolves once every namespace's channels are subscribed (after
    /// startup, or after Redis came back). Until then, broadcasts from
    /// other nodes may be missed.
    pub async fn subscribed(&self) {
        self.link.subscribed().await;
    }

    /// Whether the subscriptions are up.
    pub fn is_subscribed(&self) -> bool {
        self.link.is_subscribed()
    }

    /// The configuration.
    pub fn config(&self) -> &RedisAdapterConfig {
        &self.link.config
    }

    /// Stops talking to Redis: the tasks end, later messages for other
    /// nodes are dropped. Local rooms and broadcasts keep working.
    pub fn close(&self) {
        self.link.close();
    }
}
