//! [`Server`] (the handle handlers use) and [`SocketIo`] (the thing that is
//! served), with their builder.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use serde::Serialize;
use sio_core::Str;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use super::adapter::{Adapter, InMemoryAdapter, LocalNamespace, ServerEvent};
use super::client::Client;
use super::config::SocketIoConfig;
use super::emit::IntoArgs;
use super::handler::SocketHandler;
use super::namespace::Namespace;
use super::{BroadcastOperator, EmitError, RemoteSocket, Room, Socket};
use crate::config::EngineConfig;
use crate::engine::{
    CloseReason, Delivery, EngineHandler, EngineServer, EngineStats, Handshake, Message, SessionHandle,
};

/// The server as handlers see it: emit to namespaces and rooms, act on
/// sockets. Cloning is cheap.
///
/// Without [`of`](Self::of) or [`BroadcastOperator::namespace`], operations
/// target the main namespace `/`. Unlike [`Socket::to`], nothing here
/// excludes a sender.
#[derive(Clone)]
pub struct Server {
    inner: Arc<ServerInner>,
}

struct ServerInner {
    namespaces: HashMap<Str, Arc<Namespace>>,
    config: SocketIoConfig,
    /// Socket tasks still running (connect hook to end of disconnect hook).
    live_sockets: AtomicUsize,
    socket_ended: Notify,
    /// [`Socket`]s in memory, whether their task runs or not: what a leak
    /// would make grow.
    socket_objects: AtomicUsize,
    /// The Engine.IO server underneath, for its figures (weak: it owns
    /// this server through its handler).
    engine: OnceLock<Weak<EngineServer<SocketIoHandler>>>,
}

/// Figures about the server's sockets, read with [`Server::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ServerStats {
    /// Sockets whose task runs: from the CONNECT to the end of the
    /// disconnect hook.
    pub sockets_running: usize,
    /// Sockets still in memory, running or not. Above `sockets_running`
    /// only while something (a handler's clone, a pending broadcast) still
    /// holds an ended socket; it returns to `sockets_running` when they let
    /// go.
    pub sockets_in_memory: usize,
    /// The Engine.IO sessions and their outbound queues: open sessions,
    /// bytes buffered for clients, volatile packets dropped, slow clients
    /// disconnected.
    pub engine: EngineStats,
}

/// Counts one running socket task while it lives.
pub(crate) struct LiveSocket(Server);

impl Drop for LiveSocket {
    fn drop(&mut self) {
        let inner = &self.0.inner;
        if inner.live_sockets.fetch_sub(1, Ordering::AcqRel) == 1 {
            inner.socket_ended.notify_waiters();
        }
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("namespaces", &self.namespaces())
            .finish_non_exhaustive()
    }
}

const ROOT: Str = Str::from_static("/");

/// How long a shutdown waits for sessions to close, then for hooks to run.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

impl Server {
    /// The Socket.IO settings.
    pub fn config(&self) -> &SocketIoConfig {
        &self.inner.config
    }

    /// The registered namespaces, sorted.
    pub fn namespaces(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.inner.namespaces.keys().map(|name| name.as_str()).collect();
        names.sort_unstable();
        names
    }

    pub(crate) fn namespace_state(&self, namespace: &str) -> Option<&Arc<Namespace>> {
        self.inner.namespaces.get(namespace)
    }

    /// Every socket of `namespace`, to narrow further.
    pub fn of(&self, namespace: impl AsRef<str>) -> BroadcastOperator {
        BroadcastOperator::new(self.clone(), ROOT).namespace(namespace)
    }

    /// The sockets of `/` in `room`.
    pub fn to(&self, room: impl Into<Room>) -> BroadcastOperator {
        self.of("/").to(room)
    }

    /// The sockets of `/` not in `room`.
    pub fn except(&self, room: impl Into<Room>) -> BroadcastOperator {
        self.of("/").except(room)
    }

    /// Only this node's sockets of `/` (matters with a cluster adapter).
    pub fn local(&self) -> BroadcastOperator {
        self.of("/").local()
    }

    /// Emits to every socket of `/`.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.of("/").emit(event, data)
    }

    /// Emits with several arguments to every socket of `/`.
    pub fn emit_args(&self, event: &str, args: impl IntoArgs) -> Result<(), EmitError> {
        self.of("/").emit_args(event, args)
    }

    /// The sockets of `/`.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, EmitError> {
        self.of("/").fetch_sockets().await
    }

    /// Figures about this node's sockets.
    pub fn stats(&self) -> ServerStats {
        ServerStats {
            sockets_running: self.inner.live_sockets.load(Ordering::Acquire),
            sockets_in_memory: self.inner.socket_objects.load(Ordering::Acquire),
            engine: self
                .inner
                .engine
                .get()
                .and_then(Weak::upgrade)
                .map(|engine| engine.stats())
                .unwrap_or_default(),
        }
    }

    pub(crate) fn socket_created(&self) {
        self.inner.socket_objects.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn socket_dropped(&self) {
        self.inner.socket_objects.fetch_sub(1, Ordering::AcqRel);
    }

    pub(crate) fn track_socket(&self) -> LiveSocket {
        self.inner.live_sockets.fetch_add(1, Ordering::AcqRel);
        LiveSocket(self.clone())
    }

    /// Resolves once no socket task runs any more: every accepted socket's
    /// disconnect hook has returned. Cancel safe.
    pub async fn sockets_finished(&self) {
        loop {
            let ended = self.inner.socket_ended.notified();
            if self.inner.live_sockets.load(Ordering::Acquire) == 0 {
                return;
            }
            ended.await;
        }
    }

    /// Registers `handler` for the server-to-server event `event` of
    /// `namespace`, sent by other nodes with
    /// [`BroadcastOperator::server_side_emit`] (or Node's
    /// `io.serverSideEmit`). A later registration for the same name
    /// replaces it. The handler runs on the adapter's task: keep it short,
    /// or spawn.
    pub fn on_server_event<F>(&self, namespace: &str, event: impl Into<String>, handler: F) -> Result<(), EmitError>
    where
        F: Fn(ServerEvent) + Send + Sync + 'static,
    {
        let target = self
            .namespace_state(namespace)
            .ok_or_else(|| EmitError::UnknownNamespace(namespace.to_owned()))?;
        target.on_server_event(event.into(), Arc::new(handler));
        Ok(())
    }

    /// Emits a server-to-server event to `/` on every other node (see
    /// [`BroadcastOperator::server_side_emit`]).
    pub fn server_side_emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.of("/").server_side_emit(event, data)
    }

    /// The socket `id` of `namespace`, if it is connected to this node.
    pub fn socket(&self, namespace: &str, id: &str) -> Option<Socket> {
        self.namespace_state(namespace)?.socket(id)
    }
}

/// A namespace that cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BuildError {
    /// Two handlers for one namespace.
    #[error("namespace {0:?} is registered twice")]
    DuplicateNamespace(String),
    /// A namespace name that does not start with `/`.
    #[error("namespace {0:?} must start with '/'")]
    InvalidNamespace(String),
}

type AdapterFactory = Box<dyn Fn(&str) -> Arc<dyn Adapter> + Send + Sync>;

/// Builds a [`SocketIo`]: configuration, namespaces, adapter.
pub struct SocketIoBuilder {
    engine: EngineConfig,
    config: SocketIoConfig,
    namespaces: Vec<(String, super::handler::HandlerFactory)>,
    adapter: AdapterFactory,
}

impl std::fmt::Debug for SocketIoBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.namespaces.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("SocketIoBuilder")
            .field("engine", &self.engine)
            .field("config", &self.config)
            .field("namespaces", &names)
            .finish_non_exhaustive()
    }
}

impl Default for SocketIoBuilder {
    fn default() -> Self {
        SocketIoBuilder {
            engine: EngineConfig::default(),
            config: SocketIoConfig::default(),
            namespaces: Vec::new(),
            adapter: Box::new(|_| Arc::new(InMemoryAdapter::new())),
        }
    }
}

impl SocketIoBuilder {
    /// Sets the Engine.IO configuration.
    pub fn engine_config(mut self, config: EngineConfig) -> Self {
        self.engine = config;
        self
    }

    /// Sets the Socket.IO configuration.
    pub fn config(mut self, config: SocketIoConfig) -> Self {
        self.config = config;
        self
    }

    /// Registers `namespace`; `factory` creates the handler of each
    /// connection.
    pub fn namespace<F>(mut self, namespace: impl Into<String>, factory: F) -> Self
    where
        F: Fn() -> Box<dyn SocketHandler> + Send + Sync + 'static,
    {
        self.namespaces.push((namespace.into(), Box::new(factory)));
        self
    }

    /// Uses `factory` to create each namespace's adapter (the in-memory one
    /// by default).
    pub fn adapter<F>(mut self, factory: F) -> Self
    where
        F: Fn(&str) -> Arc<dyn Adapter> + Send + Sync + 'static,
    {
        self.adapter = Box::new(factory);
        self
    }

    /// Checks the namespaces and builds the server.
    pub fn build(self) -> Result<SocketIo, BuildError> {
        let mut namespaces = HashMap::new();
        for (name, factory) in self.namespaces {
            if !name.starts_with('/') {
                return Err(BuildError::InvalidNamespace(name));
            }
            let path = Str::from(name.clone());
            let adapter = (self.adapter)(&name);
            if namespaces
                .insert(path.clone(), Arc::new(Namespace::new(path, factory, adapter)))
                .is_some()
            {
                return Err(BuildError::DuplicateNamespace(name));
            }
        }
        if namespaces.is_empty() {
            tracing::warn!("no namespace registered: every CONNECT will be refused");
        }
        for namespace in namespaces.values() {
            namespace
                .adapter
                .bind(LocalNamespace::new(namespace, self.config.ack_timeout));
        }
        let server = Server {
            inner: Arc::new(ServerInner {
                namespaces,
                config: self.config,
                live_sockets: AtomicUsize::new(0),
                socket_ended: Notify::new(),
                socket_objects: AtomicUsize::new(0),
                engine: OnceLock::new(),
            }),
        };
        let engine = EngineServer::new(self.engine, SocketIoHandler { server: server.clone() });
        let _ = server.inner.engine.set(Arc::downgrade(&engine));
        Ok(SocketIo { server, engine })
    }
}

/// A Socket.IO server ready to serve: the [`Server`] handle and the
/// Engine.IO server underneath.
#[derive(Debug, Clone)]
pub struct SocketIo {
    server: Server,
    engine: Arc<EngineServer<SocketIoHandler>>,
}

impl SocketIo {
    /// A builder with the default configuration and no namespace.
    pub fn builder() -> SocketIoBuilder {
        SocketIoBuilder::default()
    }

    /// The handle to emit and act on sockets from outside handlers.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The Engine.IO server, to answer requests from another HTTP stack
    /// ([`EngineServer::handle`]).
    pub fn engine(&self) -> &Arc<EngineServer<SocketIoHandler>> {
        &self.engine
    }

    /// Serves on `listener` until `shutdown` resolves, then shuts down as
    /// [`shutdown`](Self::shutdown) does.
    pub async fn serve(&self, listener: TcpListener, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        crate::serve(listener, Arc::clone(&self.engine), shutdown).await?;
        self.hooks_finished().await;
        Ok(())
    }

    /// Closes every connection and returns once the disconnect hooks ran
    /// (reason `server shutting down`), waiting at most 10 seconds for
    /// each of the two. Clients see their transport close, not a
    /// namespace DISCONNECT, so the official clients reconnect to the next
    /// server. For a server mounted in another HTTP stack; [`serve`](Self::serve)
    /// does it by itself.
    pub async fn shutdown(&self) {
        let grace = SHUTDOWN_GRACE + self.engine.config().shutdown_drain;
        if tokio::time::timeout(grace, self.engine.shutdown()).await.is_err() {
            tracing::warn!("sessions still closing after the grace period");
        }
        self.hooks_finished().await;
    }

    /// For a server mounted in another HTTP stack: give this to the host's
    /// graceful shutdown. When `signal` resolves, sio starts closing its
    /// sessions at once, answering pending long-polls and closing
    /// WebSockets (which the host would otherwise wait on until the next
    /// ping, up to `ping_interval`), and this resolves, so the host's
    /// shutdown proceeds. Call [`shutdown`](Self::shutdown) once the host
    /// has returned, to wait for the disconnect hooks.
    pub fn shutdown_on<F>(&self, signal: F) -> impl Future<Output = ()> + Send + 'static
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let io = self.clone();
        async move {
            signal.await;
            tracing::info!("shutting down: closing every session");
            let engine = Arc::clone(&io.engine);
            tokio::spawn(async move { engine.shutdown().await });
        }
    }

    async fn hooks_finished(&self) {
        if tokio::time::timeout(SHUTDOWN_GRACE, self.server.sockets_finished())
            .await
            .is_err()
        {
            tracing::warn!("disconnect hooks still running after the grace period");
        }
    }

    /// Binds `address` and serves (see [`serve`](Self::serve)).
    pub async fn bind(&self, address: SocketAddr, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        self.serve(TcpListener::bind(address).await?, shutdown).await
    }
}

/// The Socket.IO layer as an Engine.IO handler.
#[derive(Debug)]
pub struct SocketIoHandler {
    server: Server,
}

impl EngineHandler for SocketIoHandler {
    type Session = Arc<Client>;

    fn on_open(&self, session: &SessionHandle, _: &Handshake) -> Arc<Client> {
        Client::new(self.server.clone(), session.clone())
    }

    fn on_message(&self, _: &SessionHandle, client: &Arc<Client>, message: Message) -> Delivery {
        client.receive(message)
    }

    fn on_close(&self, _: &SessionHandle, client: &Arc<Client>, reason: CloseReason) {
        client.close(reason);
    }
}
