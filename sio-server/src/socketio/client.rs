//! One Socket.IO client per Engine.IO session: decodes packets and routes
//! them to the sockets of the namespaces it joined.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use sio_core::Str;
use sio_core::socketio::{Decoder, Packet, PacketData};
use tokio::task::AbortHandle;

use super::emit::encode;
use super::event_queue::Refused;
use super::handler::Event;
use super::{Ack, DisconnectReason, Server, Socket, backpressure, lifecycle};
use crate::engine::{Backpressure, CloseReason, Delivery, Message, SessionHandle};

/// What a socket's task tells its client: accepted, or gone. Only a weak
/// reference: the socket names itself, and the task keeps this for the
/// socket's whole life.
pub(crate) struct ClientLink {
    client: Weak<Client>,
}

impl ClientLink {
    /// The connect hook accepted: the session has joined a namespace, so
    /// the connect timeout no longer applies.
    pub fn accepted(&self) {
        if let Some(client) = self.client.upgrade() {
            client.stop_connect_timer();
        }
    }

    /// `socket` is done (refused, or disconnected; its disconnect hook may
    /// still be running): the client forgets it, so a new CONNECT to the
    /// namespace starts afresh.
    pub fn ended(&self, socket: &Socket) {
        if let Some(client) = self.client.upgrade() {
            let mut joined = lock(&client.joined);
            let namespace = socket.namespace_str();
            if joined.get(namespace).is_some_and(|j| j.socket.id() == socket.id()) {
                joined.remove(namespace);
            }
        }
    }
}

/// A namespace connection as the client router sees it.
struct Joined {
    socket: Socket,
}

/// The Socket.IO state of one Engine.IO session: its packet decoder and
/// the namespaces it joined. Opaque; the engine keeps it per session.
pub struct Client {
    server: Server,
    engine: SessionHandle,
    decoder: Mutex<Decoder>,
    joined: Mutex<HashMap<Str, Joined>>,
    connect_timer: Mutex<Option<AbortHandle>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("sid", self.engine.sid())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Client {
    pub(crate) fn new(server: Server, engine: SessionHandle) -> Arc<Self> {
        let decoder = Decoder::new(server.config().decoder_limits());
        let client = Arc::new(Client {
            server,
            engine,
            decoder: Mutex::new(decoder),
            joined: Mutex::default(),
            connect_timer: Mutex::default(),
        });
        // A session that joins no namespace in time is closed, so abandoned
        // handshakes hold no memory.
        let timeout = client.server.config().connect_timeout;
        let engine = client.engine.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            tracing::debug!(sid = %engine.sid(), "no namespace joined within the connect timeout");
            engine.close(CloseReason::ForcedClose);
        });
        *lock(&client.connect_timer) = Some(timer.abort_handle());
        client
    }

    /// A message from the Engine.IO session.
    pub(crate) fn receive(self: &Arc<Self>, message: Message) -> Delivery {
        let decoded = {
            let mut decoder = lock(&self.decoder);
            match message {
                Message::Text(text) => decoder.decode_text(text),
                Message::Binary(data) => decoder.decode_binary(data),
            }
        };
        match decoded {
            Ok(Some(packet)) => return self.route(packet),
            Ok(None) => {}
            Err(error) => {
                tracing::debug!(sid = %self.engine.sid(), %error, "invalid Socket.IO packet, closing the session");
                self.engine.close(CloseReason::ParseError);
            }
        }
        Delivery::Accepted
    }

    fn route(self: &Arc<Self>, packet: Packet) -> Delivery {
        let namespace = packet.namespace;
        match packet.data {
            PacketData::Connect(auth) => self.connect(namespace, auth),
            PacketData::Disconnect => {
                if let Some(joined) = lock(&self.joined).remove(&namespace) {
                    joined.socket.close(DisconnectReason::ClientNamespaceDisconnect);
                }
            }
            PacketData::Event { name, args, ack_id } => {
                let socket = {
                    let joined = lock(&self.joined);
                    let Some(joined) = joined.get(&namespace) else {
                        tracing::trace!(%namespace, "event for a namespace not joined, ignored");
                        return Delivery::Accepted;
                    };
                    joined.socket.clone()
                };
                let ack = ack_id.map(|id| Ack::new(socket.clone(), id));
                match socket.queue_event(Box::new(Event { name, args, ack })) {
                    Ok(()) => {}
                    Err(Refused::Full(event)) => {
                        return Delivery::Wait(Backpressure::new(backpressure::queue_when_room(socket, event)));
                    }
                    Err(Refused::Closed(event)) => {
                        tracing::debug!(socket = %socket.id(), event = %event.name, "event for a disconnected socket, dropped");
                    }
                }
            }
            PacketData::Ack { args, ack_id } => {
                if let Some(joined) = lock(&self.joined).get(&namespace) {
                    joined.socket.acks().resolve(joined.socket.id(), ack_id, args);
                }
            }
            PacketData::ConnectError(_) => {
                tracing::debug!(sid = %self.engine.sid(), "CONNECT_ERROR from a client, ignored");
            }
        }
        Delivery::Accepted
    }

    fn connect(self: &Arc<Self>, namespace: Str, auth: Option<sio_core::Value>) {
        let Some(state) = self.server.namespace_state(&namespace) else {
            tracing::debug!(%namespace, "CONNECT to an unknown namespace");
            let refusal = Packet::connect_error(namespace, "Invalid namespace", None);
            let _ = self.engine.send_group(encode(&refusal));
            return;
        };
        // The server's own copy of the name: the decoded one is a slice of
        // the received frame, and keeping it would keep the frame's whole
        // read buffer alive for as long as the socket lives.
        let namespace = state.path.clone();
        let mut joined = lock(&self.joined);
        if joined.contains_key(&namespace) {
            tracing::debug!(%namespace, "second CONNECT to a joined namespace, ignored");
            return;
        }
        let socket = Socket::new(state.clone(), self.server.clone(), self.engine.clone(), auth);
        joined.insert(namespace.clone(), Joined { socket: socket.clone() });
        drop(joined);
        let handler = state.new_handler();
        let link = ClientLink {
            client: Arc::downgrade(self),
        };
        tokio::spawn(lifecycle::run(socket, handler, link));
    }

    fn stop_connect_timer(&self) {
        if let Some(timer) = lock(&self.connect_timer).take() {
            timer.abort();
        }
    }

    /// The Engine.IO session ended: every socket disconnects with its
    /// reason.
    pub(crate) fn close(&self, reason: CloseReason) {
        self.stop_connect_timer();
        let joined: Vec<Joined> = lock(&self.joined).drain().map(|(_, joined)| joined).collect();
        for joined in joined {
            joined.socket.close(DisconnectReason::from(reason));
        }
    }
}
