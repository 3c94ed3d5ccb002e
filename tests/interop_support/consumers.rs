//! The consumers every interop client talks to: one set, with the handlers
//! the scenarios of `tests/js/interop_scenarios.mjs` and
//! `tests/python/interop_client.py` need.
//!
//! - `/` ([`Main`]): greets with `hello`, echoes, answers acks, asks the
//!   client, rooms and broadcasts, disconnects, bursts, restarts.
//! - `/custom` ([`Custom`]): greets, echoes, `whoami`.
//! - `/private` ([`Private`]): refuses any auth but `{"token":"letmein"}`
//!   with a message and data.
//!
//! Every connected socket first gets `hello` with three arguments: its
//! namespace, the auth the server received (`null` when none), and the
//! server's generation (1, then 2 after a restart).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use sio::{Ack, AckError, ConnectError, DisconnectReason, RawArgs, Socket, Value, consumer};
use tokio::sync::{Notify, mpsc};

use super::report::{is_pattern, pattern};

/// What outlives one server instance: disconnect reasons, and the way to
/// ask the harness for a restart.
#[derive(Debug)]
pub struct Shared {
    reasons: Mutex<HashMap<String, String>>,
    changed: Notify,
    restart: mpsc::UnboundedSender<()>,
}

impl Shared {
    /// A new record; `restart` receives one `()` per `restart` event.
    pub fn new(restart: mpsc::UnboundedSender<()>) -> Arc<Shared> {
        Arc::new(Shared {
            reasons: Mutex::new(HashMap::new()),
            changed: Notify::new(),
            restart,
        })
    }

    fn record(&self, socket: &Socket, reason: DisconnectReason) {
        self.reasons
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(socket.id().to_string(), reason.as_str().to_owned());
        self.changed.notify_waiters();
    }

    /// The reason the server saw for socket `id`, once its disconnect hook
    /// ran (at most 5 s of waiting).
    async fn reason(&self, id: &str) -> Option<String> {
        let wait = async {
            loop {
                let changed = self.changed.notified();
                if let Some(reason) = self.reasons.lock().unwrap_or_else(PoisonError::into_inner).get(id) {
                    return reason.clone();
                }
                changed.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), wait).await.ok()
    }
}

/// The application state of one server instance.
#[derive(Debug, Clone)]
pub struct ServerState {
    /// 1 for the first instance, 2 after a restart, ...
    pub generation: u64,
    /// What instances share.
    pub shared: Arc<Shared>,
}

/// The padding of burst events, so that 500 of them span many polling
/// responses under a small `max_payload`.
pub const BURST_PADDING: &str = "0123456789abcdefghijklmnopqrstuvwxyz";

/// The three `server-args` emits: no argument, one, several.
pub fn server_args() -> Vec<Vec<Value>> {
    vec![
        Vec::new(),
        vec![Value::from("one \u{1F600}")],
        vec![
            Value::from(1),
            Value::from(-2.5),
            Value::from("\u{1D11E} music"),
            Value::Null,
            Value::from(json!({"nested": {"deep": [1, {"x": null}]}, "list": [true, false]})),
            Value::Array(Vec::new()),
            Value::from(9_007_199_254_740_991_u64),
        ],
    ]
}

/// The arguments of the `server-binary` emit: one attachment, several,
/// nested in objects and arrays.
pub fn server_binary() -> Vec<Value> {
    vec![
        Value::Binary(Bytes::from_static(&[1, 2, 3])),
        [
            (
                "inner",
                [("data", Value::Binary(Bytes::from_static(&[255, 0])))]
                    .into_iter()
                    .collect(),
            ),
            (
                "list",
                Value::Array(vec![Value::Binary(Bytes::from_static(&[9])), Value::from("text")]),
            ),
        ]
        .into_iter()
        .collect(),
        Value::from("after"),
    ]
}

fn hello(socket: &Socket, auth: Option<Value>, generation: u64) {
    let _ = socket.emit_args("hello", (socket.namespace(), auth, generation));
}

fn whoami(socket: &Socket, generation: u64) -> Json {
    json!({
        "sid": socket.session().sid().to_string(),
        "id": socket.id().to_string(),
        "namespace": socket.namespace(),
        "transport": socket.session().transport().as_str(),
        "generation": generation,
    })
}

fn echo(socket: &Socket, args: RawArgs, ack: Option<Ack>) {
    match ack {
        Some(ack) => {
            let _ = ack.send_values(args.into_vec());
        }
        None => {
            let _ = socket.emit_args("echo-back", args.into_vec());
        }
    }
}

/// The namespace `/`.
#[derive(Debug)]
pub struct Main {
    generation: u64,
    shared: Arc<Shared>,
    burst: Vec<i64>,
}

impl Main {
    fn new(state: &ServerState) -> Self {
        Main {
            generation: state.generation,
            shared: state.shared.clone(),
            burst: Vec::new(),
        }
    }
}

/// What `typed` deserializes its fourth argument into.
#[derive(Debug, Serialize, Deserialize)]
pub struct Nested {
    list: Vec<i32>,
    inner: Inner,
}

/// Part of [`Nested`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Inner {
    flag: bool,
    name: String,
}

/// What `broadcast` asks for.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastRequest {
    room: String,
    except: Option<String>,
    payload: Value,
    include_self: bool,
}

#[consumer(new = Main::new)]
impl Main {
    async fn connect(&mut self, socket: &Socket, auth: Option<Value>) {
        hello(socket, auth, self.generation);
    }

    async fn disconnect(&mut self, socket: &Socket, reason: DisconnectReason) {
        self.shared.record(socket, reason);
    }

    async fn event_echo(&mut self, socket: &Socket, args: RawArgs, ack: Option<Ack>) {
        echo(socket, args, ack);
    }

    async fn event_whoami(&mut self, socket: &Socket) -> Json {
        whoami(socket, self.generation)
    }

    #[event("server-args")]
    async fn server_args(&mut self, socket: &Socket) {
        for args in server_args() {
            let _ = socket.emit_args("server-args", args);
        }
    }

    #[event("server-binary")]
    async fn server_binary(&mut self, socket: &Socket) {
        let _ = socket.emit_args("server-binary", server_binary());
    }

    /// Typed arguments: what the server made of them.
    async fn event_typed(
        &mut self,
        _socket: &Socket,
        n: i64,
        x: f64,
        text: String,
        nested: Nested,
        nothing: Option<String>,
        data: Bytes,
    ) -> Json {
        json!({
            "n": n,
            "x": x,
            "text": text,
            "chars": text.chars().count(),
            "nested": nested,
            "nothingIsNone": nothing.is_none(),
            "bytes": data.iter().map(|byte| u32::from(*byte)).collect::<Vec<_>>(),
        })
    }

    /// The server's view of a large binary argument.
    async fn event_digest(&mut self, _socket: &Socket, data: Bytes) -> Json {
        json!({"len": data.len(), "pattern": is_pattern(&data)})
    }

    #[event("big-binary")]
    async fn big_binary(&mut self, _socket: &Socket, len: usize) -> Bytes {
        pattern(len)
    }

    /// Emits `event` with `arg` to the client and acks with `"answer"` and
    /// the client's answer, or `"timeout"`.
    async fn event_ask(&mut self, socket: &Socket, event: String, arg: Value, timeout_ms: u64, ack: Ack) {
        let answer = socket
            .emit_with_ack_timeout(&event, &arg, Duration::from_millis(timeout_ms))
            .await;
        let _ = match answer {
            Ok(args) => ack.send_values(vec![Value::from("answer"), Value::Array(args)]),
            Err(AckError::Timeout) => ack.send_values(vec![Value::from("timeout")]),
            Err(error) => ack.send_values(vec![Value::from("error"), Value::from(error.to_string())]),
        };
    }

    /// Takes the ack and never answers: the client's timeout fires.
    #[event("never-acked")]
    async fn never_acked(&mut self, _socket: &Socket, _args: RawArgs, ack: Ack) {
        drop(ack);
    }

    async fn event_join(&mut self, socket: &Socket, room: String) -> Vec<String> {
        socket.join(room);
        rooms(socket)
    }

    async fn event_leave(&mut self, socket: &Socket, room: String) -> Vec<String> {
        socket.leave(room);
        rooms(socket)
    }

    async fn event_rooms(&mut self, socket: &Socket) -> Vec<String> {
        rooms(socket)
    }

    async fn event_broadcast(&mut self, socket: &Socket, request: BroadcastRequest) {
        let operator = if request.include_self {
            socket.server().of(socket.namespace()).to(request.room)
        } else {
            socket.to(request.room)
        };
        let operator = match request.except {
            Some(room) => operator.except(room),
            None => operator,
        };
        let _ = operator.emit("broadcasted", &request.payload);
    }

    async fn event_kick(&mut self, socket: &Socket) {
        socket.disconnect();
    }

    #[event("disconnect-reason")]
    async fn disconnect_reason(&mut self, _socket: &Socket, id: String) -> Option<String> {
        self.shared.reason(&id).await
    }

    async fn event_burst(&mut self, socket: &Socket, count: u32) {
        for i in 0..count {
            let _ = socket.emit_args("burst-item", (i, BURST_PADDING));
        }
        let _ = socket.emit("burst-done", &count);
    }

    #[event("burst-in")]
    async fn burst_in(&mut self, _socket: &Socket, i: i64) {
        self.burst.push(i);
    }

    #[event("burst-check")]
    async fn burst_check(&mut self, _socket: &Socket) -> Json {
        let in_order = self.burst.iter().enumerate().all(|(k, i)| *i == k as i64);
        json!({"count": self.burst.len(), "inOrder": in_order})
    }

    async fn event_restart(&mut self, _socket: &Socket) {
        let _ = self.shared.restart.send(());
    }
}

fn rooms(socket: &Socket) -> Vec<String> {
    socket.rooms().iter().map(|room| room.to_string()).collect()
}

/// The namespace `/custom`.
#[derive(Debug)]
pub struct Custom {
    generation: u64,
    shared: Arc<Shared>,
}

impl Custom {
    fn new(state: &ServerState) -> Self {
        Custom {
            generation: state.generation,
            shared: state.shared.clone(),
        }
    }
}

#[consumer(namespace = "/custom", new = Custom::new)]
impl Custom {
    async fn connect(&mut self, socket: &Socket, auth: Option<Value>) {
        hello(socket, auth, self.generation);
    }

    async fn disconnect(&mut self, socket: &Socket, reason: DisconnectReason) {
        self.shared.record(socket, reason);
    }

    async fn event_echo(&mut self, socket: &Socket, args: RawArgs, ack: Option<Ack>) {
        echo(socket, args, ack);
    }

    async fn event_whoami(&mut self, socket: &Socket) -> Json {
        whoami(socket, self.generation)
    }
}

/// The namespace `/private`: only `{"token":"letmein"}` gets in.
#[derive(Debug)]
pub struct Private {
    generation: u64,
}

impl Private {
    fn new(state: &ServerState) -> Self {
        Private {
            generation: state.generation,
        }
    }
}

#[consumer(namespace = "/private", new = Private::new)]
impl Private {
    async fn connect(&mut self, socket: &Socket, auth: Option<Json>) -> Result<(), ConnectError> {
        let token = auth.as_ref().and_then(|auth| auth.get("token")).and_then(Json::as_str);
        if token != Some("letmein") {
            return Err(ConnectError::new("not authorized").with_data(&json!({"reason": "bad token", "got": auth})));
        }
        hello(socket, auth.map(Value::from), self.generation);
        Ok(())
    }
}
