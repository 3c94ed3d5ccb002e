//! [`App`]: the registered consumers, served; its builder and errors.

use std::future::Future;
use std::sync::Arc;

use thiserror::Error;
use tokio::net::{TcpListener, ToSocketAddrs};

use super::registry::{Consumer, ConsumerRegistration, registered};
use super::{SharedState, SioService, StateError};
use crate::config::{ConfigError, EngineConfig, EngineConfigBuilder};
use crate::socketio::{Adapter, BuildError, Server, SocketIo, SocketIoConfig};

/// Why the server could not start. Each variant says what to change.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StartError {
    /// Two consumers declare the same namespace.
    #[error("namespace {namespace:?} has two consumers, {first} and {second}: keep one, or change a namespace")]
    DuplicateNamespace {
        /// The namespace.
        namespace: &'static str,
        /// One consumer type (the first in name order).
        first: &'static str,
        /// The other consumer type.
        second: &'static str,
    },
    /// A namespace that does not start with `/`.
    #[error("consumer {consumer} declares namespace {namespace:?}, which must start with '/'")]
    InvalidNamespace {
        /// The namespace.
        namespace: &'static str,
        /// The consumer type.
        consumer: &'static str,
    },
    /// A consumer needs a state the server was not given.
    #[error(transparent)]
    State(#[from] StateError),
    /// The configuration (or a `SIO_*` environment variable) is invalid.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The Socket.IO layer refused the namespaces.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// Building panicked (an adapter factory, say), on the first request
    /// of a service built lazily.
    #[error("building the server panicked: {0}")]
    Panicked(String),
}

/// Why [`App::serve`] stopped with an error.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The server could not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The address could not be bound.
    #[error("could not listen on {address}: {source}")]
    Bind {
        /// The address, as given.
        address: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving failed: {0}")]
    Io(#[from] std::io::Error),
    /// The cluster adapter could not start (Redis unreachable, ...).
    #[error("the cluster adapter could not start: {0}")]
    Adapter(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<ServeError> for std::io::Error {
    /// Lets `sio::serve(..).await?` work in a `main` returning
    /// `std::io::Result<()>`.
    fn from(error: ServeError) -> Self {
        match error {
            ServeError::Io(error) => error,
            other => {
                let kind = match &other {
                    ServeError::Bind { source, .. } => source.kind(),
                    _ => std::io::ErrorKind::Other,
                };
                std::io::Error::new(kind, other)
            }
        }
    }
}

type AdapterFactory = Box<dyn Fn(&str) -> Arc<dyn Adapter> + Send + Sync>;

/// Builds an [`App`]: state, configuration, and which consumers.
///
/// By default every consumer registered at link time is served
/// ([`registered`](super::registered)), and the Engine.IO configuration is
/// read from the `SIO_*` environment variables
/// ([`EngineConfigBuilder::from_env`]).
pub struct AppBuilder {
    engine: Option<EngineConfig>,
    config: SocketIoConfig,
    state: SharedState,
    explicit: Vec<ConsumerRegistration>,
    discover: bool,
    adapter: Option<AdapterFactory>,
}

impl std::fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppBuilder")
            .field("engine", &self.engine)
            .field("config", &self.config)
            .field("state", &self.state)
            .field("explicit", &self.explicit)
            .field("discover", &self.discover)
            .finish_non_exhaustive()
    }
}

impl Default for AppBuilder {
    fn default() -> Self {
        AppBuilder {
            engine: None,
            config: SocketIoConfig::default(),
            state: SharedState::none(),
            explicit: Vec::new(),
            discover: true,
            adapter: None,
        }
    }
}

impl AppBuilder {
    /// Gives the application state (a database pool, a configuration):
    /// consumers declared with `#[consumer(new = Type::new)]` receive it as
    /// `&S`. A later call replaces the state.
    pub fn state<S: Send + Sync + 'static>(mut self, state: S) -> Self {
        self.state = SharedState::new(state);
        self
    }

    /// Sets the Engine.IO configuration; the `SIO_*` environment variables
    /// are then not read (start from [`EngineConfigBuilder::from_env`] to
    /// keep them).
    pub fn engine_config(mut self, config: EngineConfig) -> Self {
        self.engine = Some(config);
        self
    }

    /// Sets the Socket.IO configuration.
    pub fn config(mut self, config: SocketIoConfig) -> Self {
        self.config = config;
        self
    }

    /// Uses `factory` to create each namespace's adapter (the in-memory one
    /// by default).
    pub fn adapter<F>(mut self, factory: F) -> Self
    where
        F: Fn(&str) -> Arc<dyn Adapter> + Send + Sync + 'static,
    {
        self.adapter = Some(Box::new(factory));
        self
    }

    /// Registers consumer `C` explicitly, in addition to the link-time
    /// registrations (a consumer found both ways is served once). This also
    /// keeps a library crate holding `C` linked.
    pub fn consumer<C: Consumer>(mut self) -> Self {
        self.explicit.push(C::REGISTRATION);
        self
    }

    /// Whether the consumers registered at link time are served (default
    /// `true`). With `false`, only [`consumer`](Self::consumer)s are.
    pub fn discover(mut self, discover: bool) -> Self {
        self.discover = discover;
        self
    }

    /// The consumers this builder will serve, sorted by namespace then
    /// type name, each once.
    pub fn consumers(&self) -> Vec<ConsumerRegistration> {
        let mut all: Vec<ConsumerRegistration> = if self.discover {
            registered().into_iter().copied().collect()
        } else {
            Vec::new()
        };
        all.extend(self.explicit.iter().copied());
        all.sort_by_key(|registration| (registration.namespace(), registration.type_name()));
        all.dedup_by_key(|registration| (registration.namespace(), registration.type_name()));
        all
    }

    /// Checks the consumers and the state, and builds the server.
    ///
    /// Fails if two consumers declare one namespace (naming both), if a
    /// consumer needs a state the server was not given, or if the
    /// configuration is invalid. No consumer at all is only a warning.
    pub fn build(self) -> Result<App, StartError> {
        let consumers = self.consumers();
        for pair in consumers.windows(2) {
            if pair[0].namespace() == pair[1].namespace() {
                return Err(StartError::DuplicateNamespace {
                    namespace: pair[0].namespace(),
                    first: pair[0].type_name(),
                    second: pair[1].type_name(),
                });
            }
        }
        if consumers.is_empty() {
            tracing::warn!(
                "no #[consumer] is registered: every CONNECT will be refused. Consumers in a library crate are \
                 linked only if the binary names the crate: add `use my_consumers as _;`"
            );
        }
        let engine = match self.engine {
            Some(config) => config,
            None => EngineConfigBuilder::from_env()?.build()?,
        };
        let mut builder = SocketIo::builder().engine_config(engine).config(self.config);
        if let Some(adapter) = self.adapter {
            builder = builder.adapter(adapter);
        }
        for registration in &consumers {
            if !registration.namespace().starts_with('/') {
                return Err(StartError::InvalidNamespace {
                    namespace: registration.namespace(),
                    consumer: registration.type_name(),
                });
            }
            let factory = registration.factory(&self.state)?;
            builder = builder.namespace(registration.namespace(), factory);
            tracing::debug!(
                namespace = registration.namespace(),
                consumer = registration.type_name(),
                "consumer registered"
            );
        }
        Ok(App {
            io: builder.build()?,
            consumers: consumers.into(),
        })
    }

    /// Builds the server and serves it on `address` until Ctrl-C or
    /// SIGTERM (see [`App::serve`]).
    pub async fn serve(self, address: impl ToSocketAddrs + std::fmt::Debug) -> Result<(), ServeError> {
        self.build()?.serve(address).await
    }

    /// Builds the server and serves it on `listener` until `shutdown`
    /// resolves (see [`App::serve_listener`]).
    pub async fn serve_listener(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), ServeError> {
        self.build()?.serve_listener(listener, shutdown).await
    }

    /// A tower `Service` that builds the server on its first request (see
    /// [`SioService`]). Use [`App::service`] to see startup errors before
    /// serving.
    pub fn into_service(self) -> SioService {
        SioService::lazy(self)
    }
}

/// The Socket.IO server of the registered consumers.
///
/// Build it with [`App::builder`], then [`serve`](Self::serve) it, or mount
/// its [`service`](Self::service) in another HTTP stack. Cloning is cheap.
///
/// # Graceful shutdown
///
/// When the shutdown signal comes, the server stops accepting connections,
/// closes every connection (the transport closes, so the official clients
/// reconnect, to the next server if there is one), runs each disconnect
/// hook with
/// [`DisconnectReason::ServerShutdown`](crate::socketio::DisconnectReason::ServerShutdown)
/// (`"server shutting down"`), waits for the hooks (at most 10 seconds),
/// and only then returns.
#[derive(Debug, Clone)]
pub struct App {
    io: SocketIo,
    consumers: Arc<[ConsumerRegistration]>,
}

impl App {
    /// A builder: every registered consumer, configuration from the
    /// environment, no state.
    pub fn builder() -> AppBuilder {
        AppBuilder::default()
    }

    /// The consumers served, sorted by namespace.
    pub fn consumers(&self) -> &[ConsumerRegistration] {
        &self.consumers
    }

    /// The handle to emit and act on sockets from outside the consumers.
    pub fn server(&self) -> &Server {
        self.io.server()
    }

    /// The Socket.IO server underneath.
    pub fn socket_io(&self) -> &SocketIo {
        &self.io
    }

    /// A tower `Service` answering the endpoint with this server.
    pub fn service(&self) -> SioService {
        SioService::ready(self.clone())
    }

    /// Serves on `address` until Ctrl-C or SIGTERM ([`shutdown_signal`](super::shutdown_signal)),
    /// then shuts down gracefully (see the [type docs](Self)).
    pub async fn serve(&self, address: impl ToSocketAddrs + std::fmt::Debug) -> Result<(), ServeError> {
        let listener = TcpListener::bind(&address).await.map_err(|source| ServeError::Bind {
            address: format!("{address:?}").trim_matches('"').to_owned(),
            source,
        })?;
        self.serve_listener(listener, super::shutdown_signal()).await
    }

    /// Serves on `listener` until `shutdown` resolves, then shuts down
    /// gracefully (see the [type docs](Self)).
    pub async fn serve_listener(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), ServeError> {
        self.io.serve(listener, shutdown).await?;
        Ok(())
    }

    /// For a server mounted in another HTTP stack (axum, ...): a future to
    /// hand to the host's graceful shutdown, which starts sio's shutdown as
    /// soon as `signal` resolves ([`SocketIo::shutdown_on`]). Without it the
    /// host waits on sio's pending long-polls before sio is told anything.
    /// Then call [`shutdown`](Self::shutdown) for the disconnect hooks:
    ///
    /// ```text
    /// axum::serve(listener, router)
    ///     .with_graceful_shutdown(sio.shutdown_on(sio::shutdown_signal()))
    ///     .await?;
    /// sio.shutdown().await;
    /// ```
    pub fn shutdown_on<F>(&self, signal: F) -> impl Future<Output = ()> + Send + 'static
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.io.shutdown_on(signal)
    }

    /// Closes every connection (reason `server shutting down`) and waits for
    /// the disconnect hooks ([`SocketIo::shutdown`]).
    /// For a server mounted as a [`service`](Self::service) in another HTTP
    /// stack; [`serve`](Self::serve) does it by itself.
    pub async fn shutdown(&self) {
        self.io.shutdown().await;
    }
}
