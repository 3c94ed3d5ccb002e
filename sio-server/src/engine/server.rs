//! [`EngineServer`]: the session table and the request router.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError, RwLock};

use http::{Method, Request, Response, header};
use hyper::body::Body as HttpBody;
use sio_core::engine::OpenPacket;
use tokio::sync::Notify;
use tracing::Instrument as _;

use super::admission::{Admission, Gate};
use super::outbox::{OutQueue, OutboundCounters, Outbox};
use super::query::EngineQuery;
use super::response::{self, Body};
use super::session::Session;
use super::{CloseReason, EngineError, EngineHandler, Handshake, SessionHandle, Sid, TransportKind};
use super::{heartbeat, polling, websocket};
use crate::config::EngineConfig;

/// How long a shutdown waits for a polling client to collect its `close`
/// packet.
const SHUTDOWN_DRAIN: std::time::Duration = std::time::Duration::from_secs(1);

/// An Engine.IO server: answers requests to the endpoint and keeps the
/// sessions, handing their messages to `H`.
///
/// Serve it with [`crate::serve`], or call [`EngineServer::handle`] from
/// any hyper-compatible stack.
pub struct EngineServer<H: EngineHandler> {
    config: EngineConfig,
    handler: H,
    sessions: RwLock<HashMap<Sid, Arc<Session<H>>>>,
    session_removed: Notify,
    gate: Gate,
    outbound: Arc<OutboundCounters>,
}

/// Figures about an Engine.IO server's sessions and their outbound queues,
/// read with [`EngineServer::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EngineStats {
    /// Sessions open now.
    pub sessions: usize,
    /// Long-poll GETs waiting for something to send now.
    pub polls_pending: usize,
    /// Bytes queued for clients now, over every session (a broadcast
    /// frame shared by many sessions counts once in each).
    pub buffered_bytes: usize,
    /// Volatile packets dropped because their client's queue was full,
    /// since the server started.
    pub volatile_dropped: u64,
    /// Sessions closed because their client did not read fast enough
    /// (`outbound buffer full`), since the server started.
    pub slow_disconnects: u64,
    /// Packets refused to their sender under
    /// [`OutboundPolicy::Wait`](super::OutboundPolicy::Wait), since the
    /// server started.
    pub refused_full: u64,
}

impl<H: EngineHandler> std::fmt::Debug for EngineServer<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineServer")
            .field("config", &self.config)
            .field("sessions", &self.session_count())
            .finish_non_exhaustive()
    }
}

impl<H: EngineHandler> EngineServer<H> {
    /// A server with `config`, delivering sessions to `handler`.
    pub fn new(config: EngineConfig, handler: H) -> Arc<Self> {
        Arc::new(EngineServer {
            config,
            handler,
            sessions: RwLock::default(),
            session_removed: Notify::new(),
            gate: Gate::default(),
            outbound: Arc::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The handler sessions are delivered to.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The number of open sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.read().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Figures about the sessions and their outbound queues.
    pub fn stats(&self) -> EngineStats {
        let sessions = self.sessions.read().unwrap_or_else(PoisonError::into_inner);
        let counters = &self.outbound;
        EngineStats {
            sessions: sessions.len(),
            polls_pending: sessions.values().filter(|session| session.poll_pending()).count(),
            buffered_bytes: sessions.values().map(|session| session.handle.buffered_bytes()).sum(),
            volatile_dropped: counters.volatile_dropped.load(Ordering::Relaxed),
            slow_disconnects: counters.slow_disconnects.load(Ordering::Relaxed),
            refused_full: counters.refused_full.load(Ordering::Relaxed),
        }
    }

    /// The handle of session `sid`, if it is open.
    pub fn session(&self, sid: &str) -> Option<SessionHandle> {
        self.session_state(sid).map(|session| session.handle.clone())
    }

    pub(crate) fn session_state(&self, sid: &str) -> Option<Arc<Session<H>>> {
        self.sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(sid)
            .cloned()
    }

    /// Refuses new sessions from now on (handshakes get `503`), closes
    /// every session with [`CloseReason::ServerShutdown`] (spread over
    /// [`shutdown_drain`](EngineConfig::shutdown_drain), at once by
    /// default) and waits until each one's `on_close` has run. Bound it
    /// with a timeout of at least the drain window if the handler may be
    /// slow.
    pub async fn shutdown(&self) {
        self.gate.close();
        let sessions: Vec<_> = self
            .sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        let window = self.config.shutdown_drain;
        tracing::info!(
            sessions = sessions.len(),
            drain_ms = window.as_millis() as u64,
            "closing every session"
        );
        let started = tokio::time::Instant::now();
        let count = u32::try_from(sessions.len()).unwrap_or(u32::MAX);
        for (index, session) in (0..count).zip(&sessions) {
            if !window.is_zero() {
                // Evenly spread: the first at once, the last just before
                // the window ends.
                tokio::time::sleep_until(started + window / count * index).await;
            }
            session.handle.close(CloseReason::ServerShutdown);
        }
        loop {
            let removed = self.session_removed.notified();
            if self.session_count() == 0 {
                return;
            }
            removed.await;
        }
    }

    /// Answers one HTTP request. Requests outside the configured path get
    /// 404; everything else is answered as the Engine.IO protocol says.
    ///
    /// `remote_addr` is the peer address, when known; it is exposed in the
    /// session's [`Handshake`].
    pub async fn handle<B>(self: &Arc<Self>, request: Request<B>, remote_addr: Option<SocketAddr>) -> Response<Body>
    where
        B: HttpBody + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let path = request.uri().path();
        if path != self.config.path && path != self.config.path.trim_end_matches('/') {
            return response::status(http::StatusCode::NOT_FOUND, "Not Found");
        }
        let origin = request.headers().get(header::ORIGIN).cloned();
        if request.method() == Method::OPTIONS {
            if let Some(cors) = &self.config.cors {
                return response::preflight(cors, request.headers());
            }
        }
        let mut response = self
            .route(request, remote_addr)
            .await
            .unwrap_or_else(|error| response::error(&error));
        if let Some(cors) = &self.config.cors {
            if response.status() != http::StatusCode::SWITCHING_PROTOCOLS {
                response::apply_cors(response.headers_mut(), cors, origin.as_ref());
            }
        }
        response
    }

    async fn route<B>(
        self: &Arc<Self>,
        request: Request<B>,
        remote_addr: Option<SocketAddr>,
    ) -> Result<Response<Body>, EngineError>
    where
        B: HttpBody + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let query = EngineQuery::parse(request.uri().query(), self.config.transports)?;
        let wants_websocket = websocket::is_upgrade_request(request.headers());
        match (query.transport, query.sid.as_deref()) {
            (TransportKind::WebSocket, sid) => {
                if !wants_websocket || request.method() != Method::GET {
                    return Err(EngineError::BadRequest);
                }
                let handshake = self.handshake_of(&request, remote_addr, TransportKind::WebSocket);
                websocket::accept(self, request, sid, handshake)
            }
            (TransportKind::Polling, None) => {
                if request.method() != Method::GET {
                    return Err(EngineError::BadHandshakeMethod);
                }
                let admission = self.admit()?;
                let handshake = self.handshake_of(&request, remote_addr, TransportKind::Polling);
                Ok(polling::handshake(self, handshake, admission))
            }
            (TransportKind::Polling, Some(sid)) => {
                let session = self.session_state(sid).ok_or(EngineError::UnknownSid)?;
                if !session.reachable() {
                    // Closed and only waiting to be removed from the table.
                    return Err(EngineError::UnknownSid);
                }
                if session.handle.transport() != TransportKind::Polling {
                    return Err(EngineError::BadRequest);
                }
                match *request.method() {
                    Method::GET => polling::get(self, &session).await,
                    Method::POST => polling::post(self, &session, request.into_body()).await,
                    _ => Err(EngineError::BadRequest),
                }
            }
        }
    }

    fn handshake_of<B>(
        &self,
        request: &Request<B>,
        remote_addr: Option<SocketAddr>,
        transport: TransportKind,
    ) -> Handshake {
        Handshake::detached(request.headers(), request.uri(), remote_addr, transport)
    }

    /// A slot for a new session (see [`Gate`]).
    pub(crate) fn admit(&self) -> Result<Admission, EngineError> {
        self.gate.admit(self.config.max_sessions)
    }

    /// Creates a session, tells the handler, and starts its heartbeat.
    ///
    /// A session opened while shutdown began (its handshake was admitted
    /// just before) is closed at once, so that shutdown never leaves one
    /// behind: shutdown closes what it finds in the table, and this closes
    /// what arrives in it after.
    pub(crate) fn open_session(self: &Arc<Self>, handshake: Handshake, admission: Admission) -> Arc<Session<H>> {
        let sid = Sid::generate();
        let queue = OutQueue::new(
            self.config.max_buffered_packets,
            self.config.outbound_policy,
            Arc::clone(&self.outbound),
        );
        let transport = handshake.transport;
        let handle = SessionHandle::new(sid.clone(), Arc::clone(&queue), handshake);
        let state = self.handler.on_open(&handle, handle.handshake());
        let session = Arc::new(Session::new(handle, state, Outbox::new(queue), admission));
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(sid.clone(), Arc::clone(&session));
        tracing::debug!(%sid, transport = transport.as_str(), "session opened");
        let span = tracing::info_span!("session", %sid);
        tokio::spawn(heartbeat::run(Arc::clone(self), Arc::clone(&session)).instrument(span));
        if self.gate.is_closed() {
            tracing::debug!(%sid, "session opened as shutdown began, closing it");
            session.handle.close(CloseReason::ServerShutdown);
        }
        session
    }

    /// The open packet of `session`.
    pub(crate) fn open_packet(&self, session: &Session<H>, on_polling: bool) -> OpenPacket {
        let duration_ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        OpenPacket {
            sid: session.handle.sid().to_string(),
            upgrades: if on_polling && self.config.transports.websocket {
                vec!["websocket"]
            } else {
                vec![]
            },
            ping_interval: duration_ms(self.config.ping_interval),
            ping_timeout: duration_ms(self.config.ping_timeout),
            max_payload: self.config.max_payload as u64,
        }
    }

    /// Calls `on_close` (once) and removes the closed session.
    ///
    /// A polling session the server closed on purpose stays reachable until
    /// the client's next GET has collected the queued packets and the
    /// `close` packet, or for at most `ping_timeout` (a live client polls
    /// again within milliseconds), one second on shutdown. Any other
    /// session is removed before `on_close` runs.
    pub(crate) async fn finish(&self, session: &Session<H>, reason: CloseReason) {
        tracing::debug!(%reason, "session closed");
        let server_closed = matches!(reason, CloseReason::ForcedClose | CloseReason::ServerShutdown);
        let drain = server_closed && session.handle.transport() == TransportKind::Polling;
        if !drain {
            self.remove(session);
        }
        session.with_inbound(|| self.handler.on_close(&session.handle, &session.state, reason));
        if drain {
            // On shutdown the listener is already closed: only a GET already
            // under way, or one on a kept-alive connection, can still come.
            let grace = match reason {
                CloseReason::ServerShutdown => self.config.ping_timeout.min(SHUTDOWN_DRAIN),
                _ => self.config.ping_timeout,
            };
            let _ = tokio::time::timeout(grace, session.close_delivered()).await;
            self.remove(session);
        }
    }

    fn remove(&self, session: &Session<H>) {
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(session.handle.sid());
        self.session_removed.notify_waiters();
    }
}
