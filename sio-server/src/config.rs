//! Server configuration: Engine.IO timings, limits, CORS and origins.
//!
//! [`EngineConfig::default`] gives the Socket.IO defaults (ping interval
//! 25 s, ping timeout 20 s, max payload 1 000 000 bytes).
//! [`EngineConfig::builder`] changes them, and
//! [`EngineConfigBuilder::from_env`] reads the environment first:
//!
//! | variable | setting | unit |
//! | --- | --- | --- |
//! | `SIO_PING_INTERVAL_MS` | [`ping_interval`](EngineConfigBuilder::ping_interval) | milliseconds |
//! | `SIO_PING_TIMEOUT_MS` | [`ping_timeout`](EngineConfigBuilder::ping_timeout) | milliseconds |
//! | `SIO_MAX_PAYLOAD_BYTES` | [`max_payload`](EngineConfigBuilder::max_payload) | bytes |
//! | `SIO_SHUTDOWN_DRAIN_MS` | [`shutdown_drain`](EngineConfigBuilder::shutdown_drain) | milliseconds |

pub use crate::engine::OutboundPolicy;
use std::time::Duration;

use thiserror::Error;

/// Which request origins are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AllowedOrigins {
    /// Any origin, and requests without an `Origin` header.
    #[default]
    Any,
    /// Only these origins (compared exactly, e.g. `https://example.com`).
    /// Requests without an `Origin` header (non-browser clients) are
    /// accepted.
    List(Vec<String>),
}

impl AllowedOrigins {
    /// Whether a request with this `Origin` header (if any) is allowed.
    pub fn allows(&self, origin: Option<&str>) -> bool {
        match (self, origin) {
            (AllowedOrigins::Any, _) | (_, None) => true,
            (AllowedOrigins::List(list), Some(origin)) => list.iter().any(|o| o == origin),
        }
    }
}

/// Cross-origin resource sharing for the polling transport.
///
/// When set, responses carry `Access-Control-Allow-Origin` for allowed
/// origins and `OPTIONS` preflight requests are answered with `204`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    /// Origins allowed to read responses. [`AllowedOrigins::Any`] answers
    /// `*` (or echoes the origin when `credentials` is set, as browsers
    /// require).
    pub origins: AllowedOrigins,
    /// Whether to send `Access-Control-Allow-Credentials: true`.
    pub credentials: bool,
}

impl Cors {
    /// CORS for any origin, without credentials (`origin: "*"` in the Node
    /// server).
    pub fn any() -> Self {
        Cors {
            origins: AllowedOrigins::Any,
            credentials: false,
        }
    }
}

/// The transports a server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transports {
    /// HTTP long-polling.
    pub polling: bool,
    /// WebSocket (fresh, or as an upgrade of a polling session).
    pub websocket: bool,
}

impl Default for Transports {
    fn default() -> Self {
        Transports {
            polling: true,
            websocket: true,
        }
    }
}

/// Engine.IO server configuration. Build one with [`EngineConfig::builder`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineConfig {
    /// The endpoint path; requests to any other path get 404.
    pub path: String,
    /// Time between two server pings; the first comes this long after the
    /// handshake.
    pub ping_interval: Duration,
    /// Time the server waits for a pong before closing the session.
    pub ping_timeout: Duration,
    /// The largest polling body or WebSocket message accepted, in bytes;
    /// also the most the server puts in one polling response when it has
    /// more than one packet to send.
    pub max_payload: usize,
    /// Packets a session may have queued for sending; what happens past
    /// it is [`outbound_policy`](Self::outbound_policy)'s choice (by
    /// default the session is closed,
    /// [`CloseReason::BufferFull`](crate::engine::CloseReason::BufferFull)).
    pub max_buffered_packets: usize,
    /// What a full outbound queue does (close the slow client, drop
    /// volatile packets first, or refuse the packet to its sender).
    pub outbound_policy: OutboundPolicy,
    /// Time a polling-to-WebSocket upgrade may take before the WebSocket is
    /// dropped (the polling session goes on).
    pub upgrade_timeout: Duration,
    /// Time a client has to send the headers of a request, and to send a
    /// polling body, before the connection is cut.
    pub request_timeout: Duration,
    /// Transports offered.
    pub transports: Transports,
    /// CORS for polling responses; `None` sends no CORS headers.
    pub cors: Option<Cors>,
    /// Origins allowed to open a WebSocket.
    pub websocket_origins: AllowedOrigins,
    /// The most sessions open at once; further handshakes get `503
    /// Service Unavailable` (`{"code":3,"message":"Server at capacity"}`),
    /// which the official clients treat as a failed attempt and retry with
    /// their backoff. `None` (the default): no limit.
    pub max_sessions: Option<usize>,
    /// The window over which shutdown closes the open sessions, spread
    /// evenly, so that their clients reconnect (to the next server) a few
    /// at a time rather than all at once. New sessions are refused from the
    /// start of it. Zero (the default): every session at once.
    pub shutdown_drain: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            path: "/socket.io/".to_owned(),
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            max_payload: 1_000_000,
            max_buffered_packets: 4096,
            outbound_policy: OutboundPolicy::Disconnect,
            upgrade_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            transports: Transports::default(),
            cors: None,
            websocket_origins: AllowedOrigins::Any,
            max_sessions: None,
            shutdown_drain: Duration::ZERO,
        }
    }
}

impl EngineConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> EngineConfigBuilder {
        EngineConfigBuilder {
            config: EngineConfig::default(),
        }
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// An environment variable holds something that is not a positive
    /// integer.
    #[error("environment variable {name} must be a positive integer, got {value:?}")]
    InvalidEnv {
        /// The variable.
        name: &'static str,
        /// What it held.
        value: String,
    },
    /// A setting is out of its valid range.
    #[error("invalid setting {name}: {reason}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Builds an [`EngineConfig`]; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct EngineConfigBuilder {
    config: EngineConfig,
}

fn env_u64(name: &'static str) -> Result<Option<u64>, ConfigError> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(ConfigError::InvalidEnv { name, value }),
        },
    }
}

impl EngineConfigBuilder {
    /// A builder starting from the defaults overridden by the `SIO_*`
    /// environment variables that are set.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut builder = EngineConfig::builder();
        if let Some(ms) = env_u64("SIO_PING_INTERVAL_MS")? {
            builder = builder.ping_interval(Duration::from_millis(ms));
        }
        if let Some(ms) = env_u64("SIO_PING_TIMEOUT_MS")? {
            builder = builder.ping_timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = env_u64("SIO_SHUTDOWN_DRAIN_MS")? {
            builder = builder.shutdown_drain(Duration::from_millis(ms));
        }
        if let Some(bytes) = env_u64("SIO_MAX_PAYLOAD_BYTES")? {
            let bytes = usize::try_from(bytes).map_err(|_| ConfigError::InvalidEnv {
                name: "SIO_MAX_PAYLOAD_BYTES",
                value: bytes.to_string(),
            })?;
            builder = builder.max_payload(bytes);
        }
        Ok(builder)
    }

    /// Sets [`EngineConfig::path`]; a missing leading or trailing `/` is
    /// added.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        let mut path = path.into();
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        if !path.ends_with('/') {
            path.push('/');
        }
        self.config.path = path;
        self
    }

    /// Sets [`EngineConfig::ping_interval`].
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.config.ping_interval = interval;
        self
    }

    /// Sets [`EngineConfig::ping_timeout`].
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.config.ping_timeout = timeout;
        self
    }

    /// Sets [`EngineConfig::max_payload`].
    pub fn max_payload(mut self, bytes: usize) -> Self {
        self.config.max_payload = bytes;
        self
    }

    /// Sets [`EngineConfig::max_buffered_packets`].
    pub fn max_buffered_packets(mut self, packets: usize) -> Self {
        self.config.max_buffered_packets = packets;
        self
    }

    /// Sets [`EngineConfig::outbound_policy`].
    pub fn outbound_policy(mut self, policy: OutboundPolicy) -> Self {
        self.config.outbound_policy = policy;
        self
    }

    /// Sets [`EngineConfig::shutdown_drain`].
    pub fn shutdown_drain(mut self, window: Duration) -> Self {
        self.config.shutdown_drain = window;
        self
    }

    /// Sets [`EngineConfig::max_sessions`].
    pub fn max_sessions(mut self, sessions: usize) -> Self {
        self.config.max_sessions = Some(sessions);
        self
    }

    /// Sets [`EngineConfig::upgrade_timeout`].
    pub fn upgrade_timeout(mut self, timeout: Duration) -> Self {
        self.config.upgrade_timeout = timeout;
        self
    }

    /// Sets [`EngineConfig::request_timeout`].
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    /// Sets [`EngineConfig::transports`].
    pub fn transports(mut self, transports: Transports) -> Self {
        self.config.transports = transports;
        self
    }

    /// Sets [`EngineConfig::cors`].
    pub fn cors(mut self, cors: Cors) -> Self {
        self.config.cors = Some(cors);
        self
    }

    /// Sets [`EngineConfig::websocket_origins`].
    pub fn websocket_origins(mut self, origins: AllowedOrigins) -> Self {
        self.config.websocket_origins = origins;
        self
    }

    /// Checks the settings and returns the configuration.
    pub fn build(self) -> Result<EngineConfig, ConfigError> {
        let c = &self.config;
        let zero = |name, d: Duration| {
            if d.is_zero() {
                Err(ConfigError::Invalid {
                    name,
                    reason: "must be greater than zero",
                })
            } else {
                Ok(())
            }
        };
        zero("ping_interval", c.ping_interval)?;
        zero("ping_timeout", c.ping_timeout)?;
        zero("upgrade_timeout", c.upgrade_timeout)?;
        zero("request_timeout", c.request_timeout)?;
        if c.max_payload == 0 {
            return Err(ConfigError::Invalid {
                name: "max_payload",
                reason: "must be greater than zero",
            });
        }
        if c.max_buffered_packets == 0 {
            return Err(ConfigError::Invalid {
                name: "max_buffered_packets",
                reason: "must be greater than zero",
            });
        }
        if !c.transports.polling && !c.transports.websocket {
            return Err(ConfigError::Invalid {
                name: "transports",
                reason: "at least one transport must be enabled",
            });
        }
        Ok(self.config)
    }
}
