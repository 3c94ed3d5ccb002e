//! [`Script`]: what a namespace's handler does, and the [`Hook`] records it
//! sends for every call so that tests can await them.
//!
//! # Standard events
//!
//! [`Script::standard`] accepts every connection and answers these events
//! (an event it does not know is only recorded; if it asked for an ack, the
//! ack is dropped unanswered):
//!
//! | event            | arguments                     | does                                                        |
//! |------------------|-------------------------------|-------------------------------------------------------------|
//! | `echo`           | any                           | `emit_args("echo", args)` to the sender                     |
//! | `ack`            | any                           | answers the ack with the same arguments                     |
//! | `join`           | room names                    | joins them, acks with `rooms()` if asked                    |
//! | `leave`          | room names                    | leaves them, acks with `rooms()` if asked                   |
//! | `leave_all`      |                               | `leave_all()`, acks with `rooms()` if asked                 |
//! | `to_room`        | room, payload                 | `socket.to(room).emit("room", payload)`                     |
//! | `server_to_room` | room, payload                 | `server.of(ns).to(room).emit("room", payload)`              |
//! | `except_room`    | room, payload                 | `server.of(ns).except(room).emit("room", payload)`          |
//! | `to_rooms`       | [rooms], payload              | `server.of(ns).to(r1).to(r2)...emit("room", payload)`       |
//! | `broadcast`      | payload                       | `socket.broadcast().emit("room", payload)`                  |
//! | `fence`          | any                           | `server.of(ns).emit_args("fence", args)` (orders delivery)  |
//! | `ask`            | event, payload, timeout ms    | `emit_with_ack_timeout`, records [`Hook::Asked`], emits `asked` with `{"ok":[..]}` or `{"err":"timeout"/"disconnected"}` |
//! | `ask_all`        | event, payload, timeout ms    | `server.of(ns).timeout(..).emit_with_ack`, records [`Hook::AskedAll`], emits `asked_all` with `{"answers":n,"missing":m}` |
//! | `binary_please`  |                               | emits `binary` with `{"data":<01 02 03>,"nested":{"more":[<ff>]}}` |
//! | `disconnect_me`  |                               | `socket.disconnect()`                                       |
//! | `close_me`       |                               | `socket.close_connection()`                                 |

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value as Json;
use sio_core::Value;
use sio_server::socketio::{
    AckError, AckResponses, BoxFuture, ConnectError, DisconnectReason, Event, Socket, SocketHandler,
};
use tokio::sync::mpsc;

/// One call of a scripted handler, as the tests see it.
#[derive(Debug)]
pub enum Hook {
    /// The connect hook ran (`accepted`: whether it accepted).
    Connect {
        /// The socket.
        socket: Socket,
        /// The auth payload it received.
        auth: Option<Value>,
        /// Whether the script accepted the connection.
        accepted: bool,
    },
    /// An event reached the handler.
    Event {
        /// The socket.
        socket: Socket,
        /// The event name.
        name: String,
        /// Its arguments.
        args: Vec<Value>,
        /// Whether the client asked for an ack.
        with_ack: bool,
    },
    /// The disconnect hook ran.
    Disconnect {
        /// The socket.
        socket: Socket,
        /// Its reason.
        reason: DisconnectReason,
        /// `socket.rooms()` inside the hook.
        rooms: Vec<String>,
    },
    /// The `ask` standard event finished its `emit_with_ack_timeout`.
    Asked {
        /// The socket.
        socket: Socket,
        /// What it returned.
        result: Result<Vec<Value>, AckError>,
    },
    /// The `ask_all` standard event finished its broadcast with acks.
    AskedAll {
        /// The socket that asked.
        socket: Socket,
        /// What the broadcast returned.
        responses: AckResponses,
    },
}

impl Hook {
    /// The socket the record is about.
    pub fn socket(&self) -> &Socket {
        match self {
            Hook::Connect { socket, .. }
            | Hook::Event { socket, .. }
            | Hook::Disconnect { socket, .. }
            | Hook::Asked { socket, .. }
            | Hook::AskedAll { socket, .. } => socket,
        }
    }

    /// The socket id the record is about.
    pub fn id(&self) -> &str {
        self.socket().id().as_str()
    }
}

/// Sends [`Hook`] records to the test.
#[derive(Debug, Clone)]
pub struct Recorder(pub(crate) mpsc::UnboundedSender<Hook>);

impl Recorder {
    /// Records `hook` (ignored once the test stopped listening).
    pub fn record(&self, hook: Hook) {
        let _ = self.0.send(hook);
    }
}

/// The connect behaviour of a script.
pub type ConnectFn = Arc<dyn Fn(&Socket, Option<&Value>) -> Result<(), ConnectError> + Send + Sync>;

/// The behaviour of one event: gets the socket, the event, and a recorder.
pub type EventFn = Arc<dyn Fn(Socket, Event, Recorder) -> BoxFuture<'static, ()> + Send + Sync>;

/// What a namespace's handler does; see the [module documentation](self).
#[derive(Clone)]
pub struct Script {
    connect: ConnectFn,
    events: HashMap<String, EventFn>,
    disconnect_delay: Duration,
}

impl Script {
    /// Accepts every connection and answers the standard events.
    pub fn standard() -> Script {
        let mut script = Script {
            connect: Arc::new(|_, _| Ok(())),
            events: HashMap::new(),
            disconnect_delay: Duration::ZERO,
        };
        for (name, event) in standard_events() {
            script.events.insert(name.to_owned(), event);
        }
        script
    }

    /// Replaces the connect behaviour.
    pub fn on_connect(
        mut self,
        connect: impl Fn(&Socket, Option<&Value>) -> Result<(), ConnectError> + Send + Sync + 'static,
    ) -> Script {
        self.connect = Arc::new(connect);
        self
    }

    /// Refuses every connection with `message`.
    pub fn refuse(self, message: &'static str) -> Script {
        self.on_connect(move |_, _| Err(ConnectError::new(message)))
    }

    /// Refuses every connection with `message` and `data`.
    pub fn refuse_with_data(self, message: &'static str, data: Json) -> Script {
        self.on_connect(move |_, _| Err(ConnectError::new(message).with_data(&data)))
    }

    /// Makes the disconnect hook take `delay` before it records (a slow
    /// hook, e.g. one that saves state).
    pub fn slow_disconnect(mut self, delay: Duration) -> Script {
        self.disconnect_delay = delay;
        self
    }

    /// Adds or replaces the behaviour of event `name`.
    pub fn on_event(
        mut self,
        name: &str,
        event: impl Fn(Socket, Event, Recorder) -> BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> Script {
        self.events.insert(name.to_owned(), Arc::new(event));
        self
    }

    pub(crate) fn handler(&self, recorder: Recorder) -> Box<dyn SocketHandler> {
        Box::new(ScriptedHandler {
            script: self.clone(),
            recorder,
        })
    }
}

struct ScriptedHandler {
    script: Script,
    recorder: Recorder,
}

impl SocketHandler for ScriptedHandler {
    fn connect<'a>(&'a mut self, socket: &'a Socket, auth: Option<Value>) -> BoxFuture<'a, Result<(), ConnectError>> {
        Box::pin(async move {
            let result = (self.script.connect)(socket, auth.as_ref());
            self.recorder.record(Hook::Connect {
                socket: socket.clone(),
                auth,
                accepted: result.is_ok(),
            });
            result
        })
    }

    fn event<'a>(&'a mut self, socket: &'a Socket, event: Event) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.recorder.record(Hook::Event {
                socket: socket.clone(),
                name: event.name.clone(),
                args: event.args.clone(),
                with_ack: event.ack.is_some(),
            });
            if let Some(behaviour) = self.script.events.get(&event.name).cloned() {
                behaviour(socket.clone(), event, self.recorder.clone()).await;
            }
        })
    }

    fn disconnect<'a>(&'a mut self, socket: &'a Socket, reason: DisconnectReason) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let rooms = socket.rooms().iter().map(ToString::to_string).collect();
            if !self.script.disconnect_delay.is_zero() {
                tokio::time::sleep(self.script.disconnect_delay).await;
            }
            self.recorder.record(Hook::Disconnect {
                socket: socket.clone(),
                reason,
                rooms,
            });
        })
    }
}

/// The rooms of `socket` as a value.
fn rooms_value(socket: &Socket) -> Value {
    socket
        .rooms()
        .iter()
        .map(|room| Value::from(room.to_string()))
        .collect()
}

fn room_names(args: &[Value]) -> Vec<String> {
    args.iter().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// `args[index]` as a string (empty when absent).
fn str_arg(args: &[Value], index: usize) -> String {
    args.get(index).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn arg(args: &[Value], index: usize) -> Value {
    args.get(index).cloned().unwrap_or_default()
}

fn timeout_arg(args: &[Value], index: usize) -> Duration {
    Duration::from_millis(args.get(index).and_then(Value::as_u64).unwrap_or(5_000))
}

fn ack_error_name(error: &AckError) -> &'static str {
    match error {
        AckError::Timeout => "timeout",
        AckError::Disconnected => "disconnected",
        _ => "other",
    }
}

/// Wraps a synchronous behaviour.
fn sync(run: fn(&Socket, Event)) -> EventFn {
    Arc::new(move |socket, event, _| {
        run(&socket, event);
        Box::pin(async {})
    })
}

fn standard_events() -> Vec<(&'static str, EventFn)> {
    vec![
        (
            "echo",
            sync(|socket, event| {
                let _ = socket.emit_args("echo", event.args);
            }),
        ),
        (
            "ack",
            sync(|_, event| {
                if let Some(ack) = event.ack {
                    ack.send_values(event.args).expect("ack answered");
                }
            }),
        ),
        (
            "join",
            sync(|socket, event| {
                socket.join_all(room_names(&event.args));
                if let Some(ack) = event.ack {
                    let _ = ack.send_values(vec![rooms_value(socket)]);
                }
            }),
        ),
        (
            "leave",
            sync(|socket, event| {
                for room in room_names(&event.args) {
                    socket.leave(room);
                }
                if let Some(ack) = event.ack {
                    let _ = ack.send_values(vec![rooms_value(socket)]);
                }
            }),
        ),
        (
            "leave_all",
            sync(|socket, event| {
                socket.leave_all();
                if let Some(ack) = event.ack {
                    let _ = ack.send_values(vec![rooms_value(socket)]);
                }
            }),
        ),
        (
            "to_room",
            sync(|socket, event| {
                let _ = socket.to(str_arg(&event.args, 0)).emit("room", &arg(&event.args, 1));
            }),
        ),
        (
            "server_to_room",
            sync(|socket, event| {
                let operator = socket.server().of(socket.namespace()).to(str_arg(&event.args, 0));
                let _ = operator.emit("room", &arg(&event.args, 1));
            }),
        ),
        (
            "except_room",
            sync(|socket, event| {
                let operator = socket.server().of(socket.namespace()).except(str_arg(&event.args, 0));
                let _ = operator.emit("room", &arg(&event.args, 1));
            }),
        ),
        (
            "to_rooms",
            sync(|socket, event| {
                let rooms = match event.args.first() {
                    Some(Value::Array(rooms)) => room_names(rooms),
                    _ => Vec::new(),
                };
                let mut operator = socket.server().of(socket.namespace());
                for room in rooms {
                    operator = operator.to(room);
                }
                let _ = operator.emit("room", &arg(&event.args, 1));
            }),
        ),
        (
            "broadcast",
            sync(|socket, event| {
                let _ = socket.broadcast().emit("room", &arg(&event.args, 0));
            }),
        ),
        (
            "fence",
            sync(|socket, event| {
                let _ = socket.server().of(socket.namespace()).emit_args("fence", event.args);
            }),
        ),
        ("ask", Arc::new(ask)),
        ("ask_all", Arc::new(ask_all)),
        (
            "binary_please",
            sync(|socket, _| {
                let payload = Value::from_iter([
                    ("data", Value::from(Bytes::from_static(&[1, 2, 3]))),
                    (
                        "nested",
                        Value::from_iter([("more", Value::Array(vec![Value::from(Bytes::from_static(&[255]))]))]),
                    ),
                ]);
                let _ = socket.emit("binary", &payload);
            }),
        ),
        (
            "disconnect_me",
            sync(|socket, _| {
                socket.disconnect();
            }),
        ),
        (
            "close_me",
            sync(|socket, _| {
                socket.close_connection();
            }),
        ),
    ]
}

fn ask(socket: Socket, event: Event, recorder: Recorder) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let name = str_arg(&event.args, 0);
        let payload = arg(&event.args, 1);
        let result = socket
            .emit_with_ack_timeout(&name, &payload, timeout_arg(&event.args, 2))
            .await;
        let outcome = match &result {
            Ok(args) => Value::from_iter([("ok", Value::Array(args.clone()))]),
            Err(error) => Value::from_iter([("err", Value::from(ack_error_name(error)))]),
        };
        recorder.record(Hook::Asked {
            socket: socket.clone(),
            result,
        });
        let _ = socket.emit("asked", &outcome);
    })
}

fn ask_all(socket: Socket, event: Event, recorder: Recorder) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let name = str_arg(&event.args, 0);
        let payload = arg(&event.args, 1);
        let operator = socket
            .server()
            .of(socket.namespace())
            .timeout(timeout_arg(&event.args, 2));
        let responses = operator
            .emit_with_ack(&name, &payload)
            .await
            .expect("broadcast with acks");
        let summary = Value::from_iter([
            ("answers", Value::from(responses.answers.len() as u64)),
            ("missing", Value::from(responses.missing.len() as u64)),
        ]);
        recorder.record(Hook::AskedAll {
            socket: socket.clone(),
            responses,
        });
        let _ = socket.emit("asked_all", &summary);
    })
}
