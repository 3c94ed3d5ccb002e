//! The connect and disconnect hooks of a `#[consumer]`: typed auth, the
//! return value deciding, CONNECT_ERROR with message and data, and the
//! disconnect reason.

mod consumer_support;

use consumer_support::{Log, TestServer, json};
use serde::Deserialize;
use sio::core::Value;
use sio::core::socketio::Packet;
use sio::{App, ConnectError, DisconnectReason, Socket, consumer};

#[derive(Deserialize)]
struct Token {
    token: String,
}

/// `connect` returning `bool`, with an optional typed auth.
#[derive(Default)]
struct Guarded;

#[consumer(namespace = "/guarded")]
impl Guarded {
    async fn connect(&mut self, _socket: &Socket, auth: Option<Token>) -> bool {
        auth.is_some_and(|auth| auth.token == "secret")
    }
}

/// `connect` returning `Result`, refusing with data.
#[derive(Default)]
struct Banned;

#[consumer(namespace = "/banned")]
impl Banned {
    async fn connect(&mut self, _socket: &Socket, auth: serde_json::Value) -> Result<(), ConnectError> {
        if auth["name"] == "mallory" {
            Err(ConnectError::new("banned").with_data(&serde_json::json!({"reason": "spam"})))
        } else {
            Ok(())
        }
    }
}

/// A required typed auth, and hooks that log.
struct Lobby {
    log: Log,
}

impl Lobby {
    fn new(log: &Log) -> Self {
        Lobby { log: log.clone() }
    }
}

#[consumer(namespace = "/lobby", new = Lobby::new)]
impl Lobby {
    async fn connect(&mut self, socket: &Socket, auth: Token) {
        self.log.push(format!("connect {}", auth.token));
        socket.join("lobby");
        socket.emit("system_message", &"Welcome!").expect("emit");
    }

    async fn disconnect(&mut self, _socket: &Socket, reason: DisconnectReason) {
        self.log.push(format!("disconnect {reason}"));
    }

    async fn event_rooms(&mut self, socket: &Socket) -> Vec<String> {
        socket
            .rooms()
            .into_iter()
            .skip(1)
            .map(|room| room.to_string())
            .collect()
    }
}

/// No hook at all: every connection is accepted.
#[derive(Default)]
struct Bare;

#[consumer]
impl Bare {}

async fn start() -> (TestServer, Log) {
    let log = Log::default();
    let server = TestServer::start(App::builder().state(log.clone())).await;
    (server, log)
}

#[tokio::test]
async fn connect_returning_false_refuses_with_a_connect_error() {
    let (server, _log) = start().await;
    let mut client = server.client().await;
    let refusal = client.join("/guarded", None).await.expect_err("refused");
    assert_eq!(refusal, json(r#"{"message":"connection refused"}"#));
    let refusal = client
        .join("/guarded", Some(json(r#"{"token":"wrong"}"#)))
        .await
        .expect_err("refused");
    assert_eq!(refusal, json(r#"{"message":"connection refused"}"#));
    let reply = client
        .join("/guarded", Some(json(r#"{"token":"secret"}"#)))
        .await
        .expect("accepted");
    assert!(reply.get("sid").is_some(), "{reply:?}");
}

#[tokio::test]
async fn connect_returning_err_refuses_with_message_and_data() {
    let (server, _log) = start().await;
    let mut client = server.client().await;
    let refusal = client
        .join("/banned", Some(json(r#"{"name":"mallory"}"#)))
        .await
        .expect_err("refused");
    assert_eq!(refusal, json(r#"{"message":"banned","data":{"reason":"spam"}}"#));
    client
        .join("/banned", Some(json(r#"{"name":"alice"}"#)))
        .await
        .expect("accepted");
}

#[tokio::test]
async fn auth_that_does_not_deserialize_refuses_the_connection_with_a_clear_message() {
    let (server, log) = start().await;
    let mut client = server.client().await;
    for auth in [None, Some(json(r#"{"token":5}"#))] {
        let refusal = client.join("/lobby", auth).await.expect_err("refused");
        let message = refusal.get("message").and_then(Value::as_str).expect("a message");
        assert!(message.starts_with("invalid auth payload: "), "{message}");
    }
    assert_eq!(log.entries(), Vec::<String>::new(), "the hook was not called");
}

#[tokio::test]
async fn connect_joins_rooms_and_emits_after_the_connect_reply() {
    let (server, log) = start().await;
    let mut client = server.client().await;
    client
        .join("/lobby", Some(json(r#"{"token":"t1"}"#)))
        .await
        .expect("accepted");
    let (args, _) = client.event("system_message").await;
    assert_eq!(args, vec![Value::from("Welcome!")]);
    assert_eq!(client.call("/lobby", "rooms", vec![]).await, vec![json(r#"["lobby"]"#)]);
    assert_eq!(log.entries(), ["connect t1"]);
}

#[tokio::test]
async fn disconnect_runs_once_with_the_reason() {
    let (server, log) = start().await;
    let mut client = server.client().await;
    client
        .join("/lobby", Some(json(r#"{"token":"t2"}"#)))
        .await
        .expect("accepted");
    client.send(&Packet::disconnect("/lobby")).await;
    log.wait_for("disconnect", 1).await;

    let mut other = server.client().await;
    other
        .join("/lobby", Some(json(r#"{"token":"t3"}"#)))
        .await
        .expect("accepted");
    other.close().await;
    let disconnects = log.wait_for("disconnect", 2).await;
    assert_eq!(
        disconnects,
        ["disconnect client namespace disconnect", "disconnect transport close"]
    );
}

#[tokio::test]
async fn a_consumer_without_hooks_accepts_every_connection_on_the_root_namespace() {
    let (server, _log) = start().await;
    let mut client = server.client().await;
    let reply = client.join("/", None).await.expect("accepted");
    assert!(reply.get("sid").is_some());
    let unknown = client.join("/nobody", None).await.expect_err("no consumer there");
    assert_eq!(unknown, json(r#"{"message":"Invalid namespace"}"#));
}
