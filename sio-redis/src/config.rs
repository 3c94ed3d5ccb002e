//! [`RedisAdapterConfig`]: where Redis is and how the adapter talks to it.

use std::time::Duration;

use crate::RedisAdapterError;

/// The environment variable read by [`RedisAdapterConfig::from_env`] for the
/// Redis URL.
pub const REDIS_URL_VAR: &str = "SIO_REDIS_URL";

/// The environment variable read by [`RedisAdapterConfig::from_env`] for the
/// key prefix.
pub const KEY_PREFIX_VAR: &str = "SIO_REDIS_KEY_PREFIX";

/// Settings of the Redis adapter. The defaults match the npm
/// `@socket.io/redis-adapter`, so that sio and Node nodes configured with
/// their defaults share one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisAdapterConfig {
    /// The Redis URL (`redis://[user:password@]host:port[/db]`).
    pub url: String,
    /// The prefix of every channel name (`socket.io`, Node's `key`
    /// option). Nodes with different prefixes do not see each other.
    pub key_prefix: String,
    /// How long cluster requests (`fetch_sockets`, server-side emits with
    /// acknowledgements) wait for the other nodes (5 s, Node's
    /// `requestsTimeout`).
    pub requests_timeout: Duration,
    /// Answer requests on the requester's own response channel instead of
    /// the shared one (Node's `publishOnSpecificResponseChannel`; off).
    pub publish_on_specific_response_channel: bool,
    /// Messages for other nodes waiting to be published (65 536). While
    /// Redis is unreachable the queue fills; past this bound messages are
    /// dropped and counted in the logs, so local traffic never waits.
    pub max_queued_messages: usize,
    /// How long connecting to Redis may take before the attempt is given
    /// up (2 s).
    pub connect_timeout: Duration,
    /// The first wait before reconnecting after Redis went away; it doubles
    /// up to [`max_reconnect_delay`](Self::max_reconnect_delay) (50 ms).
    pub min_reconnect_delay: Duration,
    /// The longest wait between reconnection attempts (2 s).
    pub max_reconnect_delay: Duration,
}

impl Default for RedisAdapterConfig {
    fn default() -> Self {
        RedisAdapterConfig {
            url: "redis://127.0.0.1:6379".to_owned(),
            key_prefix: "socket.io".to_owned(),
            requests_timeout: Duration::from_secs(5),
            publish_on_specific_response_channel: false,
            max_queued_messages: 65_536,
            connect_timeout: Duration::from_secs(2),
            min_reconnect_delay: Duration::from_millis(50),
            max_reconnect_delay: Duration::from_secs(2),
        }
    }
}

impl RedisAdapterConfig {
    /// The defaults with `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisAdapterConfig {
            url: url.into(),
            ..RedisAdapterConfig::default()
        }
    }

    /// The defaults, with the URL from `SIO_REDIS_URL` (required) and the
    /// key prefix from `SIO_REDIS_KEY_PREFIX` (optional).
    pub fn from_env() -> Result<Self, RedisAdapterError> {
        let url = std::env::var(REDIS_URL_VAR).map_err(|_| RedisAdapterError::MissingUrl)?;
        let mut config = RedisAdapterConfig::new(url);
        if let Ok(prefix) = std::env::var(KEY_PREFIX_VAR) {
            config.key_prefix = prefix;
        }
        Ok(config)
    }

    /// Sets the key prefix.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Sets the request timeout.
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.requests_timeout = timeout;
        self
    }

    /// Sets whether responses go to the requester's own channel.
    pub fn publish_on_specific_response_channel(mut self, specific: bool) -> Self {
        self.publish_on_specific_response_channel = specific;
        self
    }

    /// Sets the bound of the outgoing queue.
    pub fn max_queued_messages(mut self, max: usize) -> Self {
        self.max_queued_messages = max.max(1);
        self
    }
}
