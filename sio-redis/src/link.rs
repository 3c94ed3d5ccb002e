//! The node's connections to Redis, each kept alive by its own task:
//!
//! - the **publisher** drains a bounded queue into pipelined `PUBLISH`
//!   commands, so no caller ever waits for Redis;
//! - the **subscriber** holds the subscriptions of every namespace and
//!   hands each message to the namespace it is for; after a lost
//!   connection it reconnects and subscribes to everything again;
//! - **commands** (`PUBSUB NUMSUB`) go over a multiplexed connection made
//!   on demand and dropped when it fails.
//!
//! Redis being away never panics and never blocks local traffic: messages
//! for other nodes are dropped while it is (and counted in the logs), and
//! cluster requests fail with [`ClusterError::Unavailable`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use sio_server::socketio::ClusterError;
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;

use crate::RedisAdapterConfig;
use crate::namespace::NamespaceAdapter;

/// How often an idle subscription connection is checked with a `PING`.
const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(10);

/// One message to publish.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub channel: String,
    pub payload: Bytes,
}

/// Where incoming messages go: a namespace adapter, and which of its
/// channels it came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Broadcast,
    Request,
    Response,
}

/// The subscriptions of every namespace, by channel and by pattern.
#[derive(Default)]
struct Routes {
    channels: HashMap<String, (Weak<NamespaceAdapter>, Route)>,
    patterns: HashMap<String, Weak<NamespaceAdapter>>,
}

/// What the subscriber reports about itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SubscriberState {
    /// Whether the subscription connection is up.
    pub connected: bool,
    /// How many of the registered namespaces are subscribed on it.
    pub namespaces: usize,
}

/// Shared by the node's adapters and the tasks.
pub(crate) struct Link {
    pub config: RedisAdapterConfig,
    client: redis::Client,
    outgoing: mpsc::Sender<Outgoing>,
    dropped: AtomicU64,
    commands: Mutex<Option<MultiplexedConnection>>,
    routes: RwLock<Routes>,
    namespaces: Mutex<Vec<Weak<NamespaceAdapter>>>,
    subscribe: mpsc::UnboundedSender<()>,
    state: watch::Sender<SubscriberState>,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.close();
    }
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("key_prefix", &self.config.key_prefix)
            .field("state", &*self.state.borrow())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The receiving ends the tasks take over.
pub(crate) struct LinkTasks {
    outgoing: mpsc::Receiver<Outgoing>,
    subscribe: mpsc::UnboundedReceiver<()>,
}

impl Link {
    pub fn new(config: RedisAdapterConfig, client: redis::Client) -> (Arc<Link>, LinkTasks) {
        let (outgoing, outgoing_rx) = mpsc::channel(config.max_queued_messages);
        // Unbounded, yet it cannot grow: one wake-up per namespace
        // registered, carrying nothing (the subscriber reads the current
        // routes when it wakes).
        let (subscribe, subscribe_rx) = mpsc::unbounded_channel();
        let link = Arc::new(Link {
            config,
            client,
            outgoing,
            dropped: AtomicU64::new(0),
            commands: Mutex::new(None),
            routes: RwLock::default(),
            namespaces: Mutex::new(Vec::new()),
            subscribe,
            state: watch::channel(SubscriberState::default()).0,
            tasks: Mutex::new(Vec::new()),
        });
        let tasks = LinkTasks {
            outgoing: outgoing_rx,
            subscribe: subscribe_rx,
        };
        (link, tasks)
    }

    fn connection_config(&self) -> AsyncConnectionConfig {
        AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.config.connect_timeout))
            .set_response_timeout(Some(self.config.requests_timeout))
    }

    /// Connects the command connection and checks that Redis answers.
    pub async fn check(&self) -> Result<(), redis::RedisError> {
        let mut connection = self
            .client
            .get_multiplexed_async_connection_with_config(&self.connection_config())
            .await?;
        redis::cmd("PING").query_async::<String>(&mut connection).await?;
        *lock(&self.commands) = Some(connection);
        Ok(())
    }

    /// Ends the tasks; messages queued or published later are dropped.
    pub fn close(&self) {
        for task in lock(&self.tasks).drain(..) {
            task.abort();
        }
        *lock(&self.commands) = None;
        self.state.send_replace(SubscriberState::default());
    }

    /// Queues a message for the other nodes; never waits. A full queue
    /// (Redis away for long) drops it.
    pub fn publish(&self, channel: String, payload: Bytes) {
        if self.outgoing.try_send(Outgoing { channel, payload }).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(
                    dropped,
                    "the queue of messages for other nodes is full (is Redis reachable?); dropping"
                );
            }
        }
    }

    /// How many nodes subscribe to `channel` (this one included). A
    /// connection that went stale (Redis restarted) is replaced once.
    pub async fn subscribers(&self, channel: &str) -> Result<usize, ClusterError> {
        let mut last_error = None;
        for _ in 0..2 {
            let mut connection = self.command_connection().await?;
            let reply: Result<(String, usize), _> = redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg(channel)
                .query_async(&mut connection)
                .await;
            match reply {
                Ok((_, count)) => return Ok(count),
                Err(error) => {
                    *lock(&self.commands) = None;
                    last_error = Some(error);
                }
            }
        }
        Err(ClusterError::Unavailable(
            last_error.map_or_else(|| "no reply".to_owned(), |error| error.to_string()),
        ))
    }

    async fn command_connection(&self) -> Result<MultiplexedConnection, ClusterError> {
        if let Some(connection) = lock(&self.commands).clone() {
            return Ok(connection);
        }
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&self.connection_config())
            .await
            .map_err(|error| ClusterError::Unavailable(error.to_string()))?;
        *lock(&self.commands) = Some(connection.clone());
        Ok(connection)
    }

    /// Routes the channels of `adapter` to it and has the subscriber
    /// subscribe to them.
    pub fn register(&self, adapter: &Arc<NamespaceAdapter>) {
        let channels = adapter.channels();
        {
            let mut routes = self.routes.write().unwrap_or_else(PoisonError::into_inner);
            let weak = Arc::downgrade(adapter);
            routes.patterns.insert(channels.broadcast_pattern.clone(), weak.clone());
            routes
                .channels
                .insert(channels.request.clone(), (weak.clone(), Route::Request));
            routes
                .channels
                .insert(channels.response.clone(), (weak.clone(), Route::Response));
            routes
                .channels
                .insert(channels.own_response.clone(), (weak, Route::Response));
        }
        lock(&self.namespaces).push(Arc::downgrade(adapter));
        let _ = self.subscribe.send(());
    }

    /// Resolves once the subscription connection is up with every
    /// registered namespace subscribed.
    pub async fn subscribed(&self) {
        let mut state = self.state.subscribe();
        let _ = state.wait_for(|state| self.covers(state)).await;
    }

    /// Whether the subscription connection is up with everything
    /// subscribed.
    pub fn is_subscribed(&self) -> bool {
        self.covers(&self.state.borrow())
    }

    /// Whether `state` is a connection with every registered namespace
    /// subscribed.
    fn covers(&self, state: &SubscriberState) -> bool {
        state.connected && state.namespaces >= lock(&self.namespaces).len()
    }

    fn dispatch(&self, message: &redis::Msg) {
        let payload = message.get_payload_bytes();
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        let (adapter, route) = if message.from_pattern() {
            let pattern: Option<String> = message.get_pattern().ok();
            match pattern.and_then(|pattern| routes.patterns.get(&pattern).cloned()) {
                Some(adapter) => (adapter, Route::Broadcast),
                None => return,
            }
        } else {
            match routes.channels.get(message.get_channel_name()) {
                Some((adapter, route)) => (adapter.clone(), *route),
                None => return,
            }
        };
        drop(routes);
        if let Some(adapter) = adapter.upgrade() {
            adapter.on_message(route, message.get_channel_name(), payload);
        }
    }
}

/// Starts the publisher and subscriber tasks; they end when the link is
/// dropped or closed.
pub(crate) fn spawn(link: &Arc<Link>, tasks: LinkTasks) {
    let publisher = tokio::spawn(run_publisher(Arc::downgrade(link), tasks.outgoing));
    let subscriber = tokio::spawn(run_subscriber(Arc::downgrade(link), tasks.subscribe));
    lock(&link.tasks).extend([publisher.abort_handle(), subscriber.abort_handle()]);
}

/// Doubling delays between reconnection attempts.
struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    fn new(config: &RedisAdapterConfig) -> Self {
        Backoff {
            min: config.min_reconnect_delay,
            max: config.max_reconnect_delay.max(config.min_reconnect_delay),
            next: config.min_reconnect_delay,
        }
    }

    fn reset(&mut self) {
        self.next = self.min;
    }

    fn step(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }
}

async fn run_publisher(link: Weak<Link>, mut outgoing: mpsc::Receiver<Outgoing>) {
    const BATCH: usize = 512;
    let mut batch = Vec::with_capacity(BATCH);
    let mut connection: Option<MultiplexedConnection> = None;
    let mut retry_after: Option<Instant> = None;
    let mut backoff = None;
    let mut lost = 0u64;
    while outgoing.recv_many(&mut batch, BATCH).await > 0 {
        let Some(link) = link.upgrade() else {
            return;
        };
        let backoff = backoff.get_or_insert_with(|| Backoff::new(&link.config));
        if connection.is_none() && retry_after.is_none_or(|after| Instant::now() >= after) {
            match link
                .client
                .get_multiplexed_async_connection_with_config(&link.connection_config())
                .await
            {
                Ok(fresh) => {
                    if lost > 0 {
                        tracing::info!(lost, "publishing to Redis again");
                        lost = 0;
                    }
                    connection = Some(fresh);
                    retry_after = None;
                    backoff.reset();
                }
                Err(error) => {
                    if lost == 0 {
                        tracing::warn!(%error, "cannot connect to Redis to publish; messages for other nodes are dropped until it is back");
                    }
                    retry_after = Some(Instant::now() + backoff.step());
                }
            }
        }
        let Some(active) = connection.as_mut() else {
            lost += batch.len() as u64;
            batch.clear();
            continue;
        };
        let mut pipe = redis::pipe();
        for message in batch.drain(..) {
            pipe.cmd("PUBLISH")
                .arg(message.channel)
                .arg(message.payload.as_ref())
                .ignore();
        }
        if let Err(error) = pipe.query_async::<()>(active).await {
            tracing::warn!(%error, "publishing to Redis failed; reconnecting");
            connection = None;
            lost += 1;
        }
    }
}

async fn run_subscriber(link: Weak<Link>, mut subscribe: mpsc::UnboundedReceiver<()>) {
    let mut backoff = None;
    let mut failures = 0u64;
    loop {
        let Some(strong) = link.upgrade() else {
            return;
        };
        let backoff = backoff.get_or_insert_with(|| Backoff::new(&strong.config));
        let connected = strong.client.get_async_pubsub().await;
        drop(strong);
        match connected {
            Ok(pubsub) => {
                backoff.reset();
                if failures > 0 {
                    tracing::info!(
                        after_failures = failures,
                        "reconnected to Redis; restoring subscriptions"
                    );
                }
                failures = 0;
                if !serve_subscriptions(&link, pubsub, &mut subscribe).await {
                    return;
                }
                tracing::warn!("lost the Redis subscription connection; reconnecting");
            }
            Err(error) => {
                failures += 1;
                if failures == 1 || failures.is_power_of_two() {
                    tracing::warn!(%error, failures, "cannot connect to Redis to subscribe; retrying");
                }
            }
        }
        if let Some(strong) = link.upgrade() {
            strong.state.send_replace(SubscriberState::default());
        }
        tokio::time::sleep(backoff.step()).await;
    }
}

/// Subscribes every namespace on `pubsub` and dispatches its messages until
/// the connection is lost (returns `true`) or the link is gone (`false`).
async fn serve_subscriptions(
    link: &Weak<Link>,
    pubsub: redis::aio::PubSub,
    subscribe: &mut mpsc::UnboundedReceiver<()>,
) -> bool {
    let (mut sink, mut stream) = pubsub.split();
    let mut subscribed: Vec<Weak<NamespaceAdapter>> = Vec::new();
    match subscribe_pending(link, &mut sink, &mut subscribed).await {
        Some(true) => {}
        Some(false) => return true,
        None => return false,
    }
    let mut health = tokio::time::interval(HEALTH_CHECK_EVERY);
    health.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    health.reset();
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(message) => match link.upgrade() {
                    Some(strong) => strong.dispatch(&message),
                    None => return false,
                },
                None => return true,
            },
            more = subscribe.recv() => {
                if more.is_none() {
                    return false;
                }
                match subscribe_pending(link, &mut sink, &mut subscribed).await {
                    Some(true) => {}
                    Some(false) => return true,
                    None => return false,
                }
            }
            _ = health.tick() => {
                // A Redis that vanished without closing the connection
                // (host gone, network cut) would otherwise leave the
                // subscription silent forever.
                let Some(timeout) = link.upgrade().map(|strong| strong.config.requests_timeout) else {
                    return false;
                };
                match tokio::time::timeout(timeout, sink.ping::<redis::Value>()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => {
                        tracing::warn!(%error, "the Redis subscription connection failed its health check");
                        return true;
                    }
                    Err(_) => {
                        tracing::warn!(?timeout, "Redis did not answer the subscription health check");
                        return true;
                    }
                }
            }
        }
    }
}

/// Subscribes the namespaces registered since the last call. `Some(true)`
/// when done, `Some(false)` when Redis failed, `None` when the link is gone.
async fn subscribe_pending(
    link: &Weak<Link>,
    sink: &mut redis::aio::PubSubSink,
    subscribed: &mut Vec<Weak<NamespaceAdapter>>,
) -> Option<bool> {
    let pending: Vec<Arc<NamespaceAdapter>> = lock(&link.upgrade()?.namespaces)
        .iter()
        .filter(|adapter| !subscribed.iter().any(|done| done.ptr_eq(adapter)))
        .filter_map(Weak::upgrade)
        .collect();
    for adapter in pending {
        let channels = adapter.channels();
        let result = async {
            sink.psubscribe(&channels.broadcast_pattern).await?;
            sink.subscribe(&[&channels.request, &channels.response, &channels.own_response])
                .await
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(%error, "subscribing on Redis failed");
            return Some(false);
        }
        subscribed.push(Arc::downgrade(&adapter));
    }
    link.upgrade()?.state.send_replace(SubscriberState {
        connected: true,
        namespaces: subscribed.len(),
    });
    Some(true)
}
