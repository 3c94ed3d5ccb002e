//! [`Socket`]: one client connected to one namespace.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use serde::Serialize;
use sio_core::engine::Frame;
use sio_core::socketio::Packet;
use sio_core::{Str, Value};
use tokio::sync::Notify;

use super::ack::PendingAcks;
use super::emit::{IntoArgs, check_event_name, encode, event_frames};
use super::event_queue::{EventQueue, Refused};
use super::handler::Event;
use super::namespace::Namespace;
use super::{AckError, BroadcastOperator, DisconnectReason, EmitError, Room, Server, SocketId};
use crate::engine::{CloseReason, Handshake, SendError, SessionHandle};

tokio::task_local! {
    /// The socket whose connect hook the current task is running.
    static CONNECT_HOOK_OF: usize;
}

const CONNECTING: u8 = 0;
const CONNECTED: u8 = 1;
const DISCONNECTED: u8 = 2;

/// One client connected to one namespace: what handlers receive.
///
/// Cloning is cheap (a reference count). A clone kept after the disconnect
/// is harmless: emits fail with [`EmitError::Disconnected`].
///
/// Frames emitted while the connect hook runs are held back and sent right
/// after the CONNECT reply, so they never overtake it.
#[derive(Clone)]
pub struct Socket {
    inner: Arc<SocketInner>,
}

struct SocketInner {
    id: SocketId,
    namespace: Arc<Namespace>,
    server: Server,
    engine: SessionHandle,
    auth: Option<Value>,
    state: AtomicU8,
    held_back: Mutex<Vec<Vec<Frame>>>,
    /// `disconnect()` came while connecting: a DISCONNECT follows the reply.
    goodbye_owed: AtomicBool,
    disconnect_reason: OnceLock<DisconnectReason>,
    disconnected: Notify,
    acks: PendingAcks,
    events: EventQueue,
    data: Mutex<http::Extensions>,
}

impl Drop for SocketInner {
    fn drop(&mut self) {
        self.server.socket_dropped();
    }
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.inner.id)
            .field("namespace", &self.inner.namespace.path)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Socket {
    pub(crate) fn new(namespace: Arc<Namespace>, server: Server, engine: SessionHandle, auth: Option<Value>) -> Self {
        server.socket_created();
        Socket {
            inner: Arc::new(SocketInner {
                id: SocketId::generate(),
                namespace,
                server,
                engine,
                auth,
                state: AtomicU8::new(CONNECTING),
                held_back: Mutex::new(Vec::new()),
                goodbye_owed: AtomicBool::new(false),
                disconnect_reason: OnceLock::new(),
                disconnected: Notify::new(),
                acks: PendingAcks::default(),
                events: EventQueue::default(),
                data: Mutex::new(http::Extensions::new()),
            }),
        }
    }

    /// The socket id: random, distinct from the Engine.IO session id, and
    /// different for each namespace the client joins.
    pub fn id(&self) -> &SocketId {
        &self.inner.id
    }

    /// The namespace this socket is connected to (`/chat`).
    pub fn namespace(&self) -> &str {
        &self.inner.namespace.path
    }

    pub(crate) fn namespace_str(&self) -> &Str {
        &self.inner.namespace.path
    }

    pub(crate) fn namespace_state(&self) -> &Arc<Namespace> {
        &self.inner.namespace
    }

    /// The server, to emit to rooms and namespaces.
    pub fn server(&self) -> &Server {
        &self.inner.server
    }

    /// The HTTP request that opened the connection: headers, query, remote
    /// address.
    pub fn handshake(&self) -> &Handshake {
        self.inner.engine.handshake()
    }

    /// The auth payload the client sent with its CONNECT, if any.
    pub fn auth(&self) -> Option<&Value> {
        self.inner.auth.as_ref()
    }

    /// The Engine.IO session carrying this socket.
    pub fn session(&self) -> &SessionHandle {
        &self.inner.engine
    }

    /// Whether the socket is still connected (or connecting).
    pub fn connected(&self) -> bool {
        self.inner.state.load(Ordering::Acquire) != DISCONNECTED
    }

    /// Emits `event` with one argument. A `Vec` or slice is one array
    /// argument; use [`emit_args`](Self::emit_args) for several.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        check_event_name(event)?;
        let args = vec![sio_core::value::to_value(data)?];
        self.send_frames(event_frames(self.namespace_str(), event, args, None))
    }

    /// Emits `event` with several arguments: `()`, a tuple, or a
    /// `Vec<Value>` (see [`IntoArgs`]).
    pub fn emit_args(&self, event: &str, args: impl IntoArgs) -> Result<(), EmitError> {
        check_event_name(event)?;
        self.send_frames(event_frames(self.namespace_str(), event, args.into_args()?, None))
    }

    /// Emits `event` with one argument, waiting while the client's
    /// outbound queue is full instead of failing or disconnecting it: a
    /// handler streaming to one client paces itself to what the client
    /// reads (like a bounded channel's `send().await`). Fails only when the
    /// socket is disconnected (or the data does not serialize).
    pub async fn emit_paced<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        check_event_name(event)?;
        let args = vec![sio_core::value::to_value(data)?];
        self.send_frames_paced(event_frames(self.namespace_str(), event, args, None))
            .await
    }

    /// [`emit_paced`](Self::emit_paced) with several arguments (see
    /// [`emit_args`](Self::emit_args)).
    pub async fn emit_args_paced(&self, event: &str, args: impl IntoArgs) -> Result<(), EmitError> {
        check_event_name(event)?;
        self.send_frames_paced(event_frames(self.namespace_str(), event, args.into_args()?, None))
            .await
    }

    /// Emits the `message` event (the client's `socket.on("message")`).
    pub fn send<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), EmitError> {
        self.emit("message", data)
    }

    /// Emits `event` with one argument and waits for the client's
    /// acknowledgement, at most the server's `ack_timeout`.
    pub async fn emit_with_ack<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<Vec<Value>, AckError> {
        let timeout = self.inner.server.config().ack_timeout;
        self.emit_with_ack_timeout(event, data, timeout).await
    }

    /// Like [`emit_with_ack`](Self::emit_with_ack) with an explicit timeout.
    pub async fn emit_with_ack_timeout<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
        timeout: Duration,
    ) -> Result<Vec<Value>, AckError> {
        check_event_name(event)?;
        if self.in_own_connect_hook() {
            return Err(AckError::Connecting);
        }
        let args = vec![sio_core::value::to_value(data).map_err(EmitError::from)?];
        let ack_id = self.inner.namespace.next_ack_id();
        let answer = self.inner.acks.expect_single(ack_id);
        // Removes the entry on every way out: answer, timeout, error, drop.
        let _forget = ForgetAck { socket: self, ack_id };
        self.send_frames(event_frames(self.namespace_str(), event, args, Some(ack_id)))?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(args)) => Ok(args),
            Ok(Err(_)) => Err(AckError::Disconnected),
            Err(_) => Err(AckError::Timeout),
        }
    }

    /// Joins `room`. Joining twice is harmless; a socket that has left its
    /// namespace (after its disconnect hook) joins nothing.
    pub fn join(&self, room: impl Into<Room>) {
        self.inner.namespace.join(self.id(), &[room.into()]);
    }

    /// Joins every room of `rooms` (see [`join`](Self::join)).
    pub fn join_all<R: Into<Room>>(&self, rooms: impl IntoIterator<Item = R>) {
        let rooms: Vec<Room> = rooms.into_iter().map(Into::into).collect();
        self.inner.namespace.join(self.id(), &rooms);
    }

    /// Leaves `room`.
    pub fn leave(&self, room: impl Into<Room>) {
        self.inner.namespace.adapter.del(self.id(), &room.into());
    }

    /// Leaves every room.
    pub fn leave_all(&self) {
        let rooms = self.inner.namespace.adapter.socket_rooms(self.id());
        for room in rooms {
            self.inner.namespace.adapter.del(self.id(), &room);
        }
    }

    /// The rooms the socket is in, sorted. Like the Node server, every
    /// socket is also in the room named by its own id, which is listed
    /// first.
    pub fn rooms(&self) -> Vec<Room> {
        let mut rooms = self.inner.namespace.adapter.socket_rooms(self.id());
        rooms.sort();
        rooms.insert(0, Room::from(self.id().to_string()));
        rooms
    }

    /// A broadcast to `room` in this namespace that excludes this socket.
    pub fn to(&self, room: impl Into<Room>) -> BroadcastOperator {
        self.broadcast().to(room)
    }

    /// A broadcast to every other socket of this namespace; narrow it with
    /// [`BroadcastOperator::to`] and [`BroadcastOperator::except`].
    pub fn broadcast(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.inner.server.clone(), self.namespace_str().clone())
            .except(Room::from(self.id().to_string()))
    }

    /// Disconnects the socket from its namespace: the client gets a
    /// DISCONNECT packet, the disconnect hook runs with
    /// [`DisconnectReason::ServerNamespaceDisconnect`]. The Engine.IO
    /// connection stays open for the client's other namespaces.
    pub fn disconnect(&self) {
        self.disconnect_with(DisconnectReason::ServerNamespaceDisconnect);
    }

    /// [`disconnect`](Self::disconnect), with the reason the hook sees.
    ///
    /// While connecting, the DISCONNECT cannot go out before the CONNECT
    /// reply: it is owed, and the socket's task sends it right after the
    /// reply (see [`take_owed_goodbye`](Self::take_owed_goodbye)). Checked
    /// under the lock that `confirm` and `release` hold, so a disconnect
    /// racing them is never lost.
    pub(crate) fn disconnect_with(&self, reason: DisconnectReason) {
        let held_back = lock(&self.inner.held_back);
        match self.inner.state.load(Ordering::Acquire) {
            CONNECTED => {
                drop(held_back);
                self.send_goodbye();
            }
            CONNECTING => {
                self.inner.goodbye_owed.store(true, Ordering::Release);
                drop(held_back);
            }
            _ => return,
        }
        self.close(reason);
    }

    /// Whether a DISCONNECT is owed to the client (the server disconnected
    /// the socket before its CONNECT reply was released); clears it.
    pub(crate) fn take_owed_goodbye(&self) -> bool {
        self.inner.goodbye_owed.swap(false, Ordering::AcqRel)
    }

    /// Sends the DISCONNECT packet, straight to the session.
    pub(crate) fn send_goodbye(&self) {
        let goodbye = Packet::disconnect(self.namespace_str().clone());
        let _ = self.inner.engine.send_group(encode(&goodbye));
    }

    /// Closes the whole connection (every namespace of this client).
    pub fn close_connection(&self) {
        self.inner.engine.close(CloseReason::ForcedClose);
    }

    /// Stores a value of type `T` on the socket, replacing the previous
    /// one of that type.
    pub fn insert_data<T: Clone + Send + Sync + 'static>(&self, value: T) -> Option<T> {
        lock(&self.inner.data).insert(value)
    }

    /// A copy of the value of type `T` stored on the socket.
    pub fn data<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        lock(&self.inner.data).get::<T>().cloned()
    }

    /// Removes and returns the value of type `T` stored on the socket.
    pub fn remove_data<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        lock(&self.inner.data).remove::<T>()
    }

    /// Sets the socket's shared data: the value `fetch_sockets` reports for
    /// it on every node of a cluster (the Node server's `socket.data`).
    /// Unlike [`insert_data`](Self::insert_data), it must serialize, and a
    /// snapshot travels to whoever fetches the socket.
    pub fn set_shared_data<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), EmitError> {
        let value = sio_core::value::to_value(data)?;
        lock(&self.inner.data).insert(SharedData(value));
        Ok(())
    }

    /// The socket's shared data, if set.
    pub fn shared_data(&self) -> Option<Value> {
        lock(&self.inner.data).get::<SharedData>().map(|data| data.0.clone())
    }

    /// Queues frames emitted to this socket alone, held back while
    /// connecting. Under `OutboundPolicy::Wait` a full queue refuses them
    /// and the socket stays.
    pub(crate) fn send_frames(&self, frames: Vec<Frame>) -> Result<(), EmitError> {
        self.queue_frames(frames, SessionHandle::offer_group)
    }

    /// Queues frames of a broadcast, which does not wait for one client:
    /// a full queue closes the session whatever the policy.
    pub(crate) fn send_broadcast_frames(&self, frames: Vec<Frame>) -> Result<(), EmitError> {
        self.queue_frames(frames, SessionHandle::send_group)
    }

    fn queue_frames(
        &self,
        frames: Vec<Frame>,
        send: fn(&SessionHandle, Vec<Frame>) -> Result<(), SendError>,
    ) -> Result<(), EmitError> {
        match self.inner.state.load(Ordering::Acquire) {
            CONNECTED => send(&self.inner.engine, frames).map_err(send_error),
            DISCONNECTED => Err(EmitError::Disconnected),
            _ => {
                let mut held_back = lock(&self.inner.held_back);
                // Re-read under the lock: `confirm` flips the state while
                // holding it.
                match self.inner.state.load(Ordering::Acquire) {
                    CONNECTING => {
                        held_back.push(frames);
                        Ok(())
                    }
                    CONNECTED => send(&self.inner.engine, frames).map_err(send_error),
                    _ => Err(EmitError::Disconnected),
                }
            }
        }
    }

    /// Queues frames, waiting for room in the client's outbound queue;
    /// held back while connecting (and released paced after the CONNECT
    /// reply).
    async fn send_frames_paced(&self, frames: Vec<Frame>) -> Result<(), EmitError> {
        if self.inner.state.load(Ordering::Acquire) != CONNECTED {
            return self.send_frames(frames);
        }
        self.inner
            .engine
            .send_group_when_ready(frames)
            .await
            .map_err(send_error)
    }

    /// Sends frames that may be dropped when the client is behind.
    pub(crate) fn send_volatile(&self, frames: Vec<Frame>) {
        if self.inner.state.load(Ordering::Acquire) == CONNECTED {
            self.inner.engine.send_volatile(frames);
        }
    }

    /// Sends the CONNECT reply; frames emitted meanwhile stay held back
    /// until [`release`](Self::release). Returns whether any are.
    pub(crate) fn confirm(&self) -> Result<bool, EmitError> {
        let held_back = lock(&self.inner.held_back);
        if self.inner.state.load(Ordering::Acquire) == DISCONNECTED {
            // The client left (or the session closed) during the hook.
            return Err(EmitError::Disconnected);
        }
        let reply = Packet::connect(self.namespace_str().clone(), Some(self.connect_payload()));
        self.inner.engine.send_group(encode(&reply)).map_err(send_error)?;
        Ok(!held_back.is_empty())
    }

    /// Sends the held-back frames and lets later ones through directly.
    ///
    /// They were accepted (their emits returned `Ok`), so they are sent
    /// paced, waiting for room in the client's queue rather than
    /// overflowing it. Frames held back meanwhile follow; the state flips
    /// to connected under the lock once none is left, so nothing emitted
    /// later can overtake them.
    pub(crate) async fn release(&self) -> Result<(), EmitError> {
        loop {
            let batch = {
                let mut held_back = lock(&self.inner.held_back);
                if held_back.is_empty() {
                    let _ =
                        self.inner
                            .state
                            .compare_exchange(CONNECTING, CONNECTED, Ordering::AcqRel, Ordering::Acquire);
                    return Ok(());
                }
                if self.inner.state.load(Ordering::Acquire) == DISCONNECTED {
                    return Err(EmitError::Disconnected);
                }
                std::mem::take(&mut *held_back)
            };
            for frames in batch {
                self.inner
                    .engine
                    .send_group_when_ready(frames)
                    .await
                    .map_err(send_error)?;
            }
        }
    }

    /// The connect hook accepted, but the server disconnected the socket
    /// while it ran (`disconnect()` inside the hook, `disconnect_sockets`):
    /// the client gets its CONNECT reply, then the DISCONNECT (as when a
    /// Node connection handler disconnects) rather than no answer at all.
    pub(crate) fn confirm_disconnected(&self) {
        let reply = Packet::connect(self.namespace_str().clone(), Some(self.connect_payload()));
        let _ = self.inner.engine.send_group(encode(&reply));
        self.send_goodbye();
    }

    fn connect_payload(&self) -> Value {
        let mut payload = sio_core::value::Map::new();
        payload.insert("sid".to_owned(), Value::String(self.id().to_string()));
        Value::Object(payload)
    }

    /// Runs `hook` (the connect hook) marked as this socket's, so that
    /// [`in_own_connect_hook`](Self::in_own_connect_hook) can tell. Tasks
    /// the hook spawns are not marked.
    pub(crate) async fn connect_hook<F: Future>(&self, hook: F) -> F::Output {
        CONNECT_HOOK_OF.scope(self.key(), hook).await
    }

    /// Whether this runs inside this socket's own connect hook, which holds
    /// back the CONNECT reply: waiting there for the client would wait for
    /// the hook itself.
    fn in_own_connect_hook(&self) -> bool {
        self.inner.state.load(Ordering::Acquire) == CONNECTING
            && CONNECT_HOOK_OF.try_with(|key| *key == self.key()).unwrap_or(false)
    }

    /// The socket's identity as a number (its allocation's address).
    fn key(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    /// Marks the socket disconnected; the first reason wins. Returns
    /// whether this call did it.
    pub(crate) fn close(&self, reason: DisconnectReason) -> bool {
        if self.inner.disconnect_reason.set(reason).is_err() {
            return false;
        }
        self.inner.state.store(DISCONNECTED, Ordering::Release);
        lock(&self.inner.held_back).clear();
        self.inner.events.close();
        self.inner.acks.clear();
        self.inner.disconnected.notify_waiters();
        true
    }

    /// Resolves once the socket is disconnected. Cancel safe.
    pub(crate) async fn disconnected(&self) -> DisconnectReason {
        loop {
            let notified = self.inner.disconnected.notified();
            if let Some(reason) = self.inner.disconnect_reason.get() {
                return *reason;
            }
            notified.await;
        }
    }

    pub(crate) fn acks(&self) -> &PendingAcks {
        &self.inner.acks
    }

    /// Queues an event from the client for the socket's handler, unless
    /// `max_queued_events` are already waiting or the socket is
    /// disconnected.
    pub(crate) fn queue_event(&self, event: Box<Event>) -> Result<(), Refused> {
        let limit = self.inner.server.config().max_queued_events;
        self.inner.events.push(event, limit)
    }

    /// Queues an event, waiting for room; gives it back if the socket
    /// disconnects first.
    pub(crate) async fn queue_event_when_room(&self, event: Box<Event>) -> Result<(), Box<Event>> {
        let limit = self.inner.server.config().max_queued_events;
        self.inner.events.push_when_room(event, limit).await
    }

    /// Since when the socket's handler has been behind its client (see
    /// `max_inbound_backlog`).
    pub(crate) fn backlog_since(&self) -> Option<tokio::time::Instant> {
        self.inner.events.backlog_since()
    }

    /// The next event from the client, waiting for one. Cancel safe.
    pub(crate) async fn next_event(&self) -> Box<Event> {
        self.inner.events.next().await
    }

    /// The next event already queued, if any.
    pub(crate) fn try_next_event(&self) -> Option<Box<Event>> {
        self.inner.events.try_next()
    }

    /// Drops the events still queued, and with them the acks that hold
    /// this socket. Every way a socket ends goes through here.
    pub(crate) fn clear_events(&self) -> usize {
        self.inner.events.clear()
    }
}

/// The value of [`Socket::set_shared_data`], kept among the typed data.
#[derive(Clone)]
struct SharedData(Value);

fn send_error(error: SendError) -> EmitError {
    match error {
        SendError::Closed => EmitError::Disconnected,
        SendError::BufferFull => EmitError::BufferFull,
    }
}

struct ForgetAck<'a> {
    socket: &'a Socket,
    ack_id: u64,
}

impl Drop for ForgetAck<'_> {
    fn drop(&mut self) {
        self.socket.inner.acks.forget(self.ack_id);
    }
}
