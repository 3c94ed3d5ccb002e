//! Event handlers of a `#[consumer]` over real sockets: typed arguments,
//! acknowledgements, invalid payloads, per-connection instances, order.

mod consumer_support;

use std::time::Duration;

use bytes::Bytes;
use consumer_support::{Client, Log, TestServer, capture_warnings, json, within};
use serde::Deserialize;
use serde_json::json;
use sio::core::Value;
use sio::{Ack, App, RawArgs, Socket, consumer};

const NS: &str = "/events";

#[derive(Deserialize)]
struct Message {
    text: String,
}

#[derive(Deserialize)]
struct Upload {
    name: String,
    data: Bytes,
}

struct Events {
    log: Log,
    count: u32,
}

impl Events {
    fn new(log: &Log) -> Self {
        Events {
            log: log.clone(),
            count: 0,
        }
    }
}

#[consumer(namespace = "/events", new = Self::new)]
impl Events {
    async fn event_message(&mut self, _socket: &Socket, payload: Message) -> String {
        self.log.push(format!("message {}", payload.text));
        payload.text.to_uppercase()
    }

    async fn event_numbers(
        &mut self,
        _socket: &Socket,
        a: i64,
        b: f64,
        s: String,
        maybe: Option<u8>,
    ) -> serde_json::Value {
        json!([a, b, s, maybe])
    }

    async fn event_binary(&mut self, _socket: &Socket, data: Bytes, upload: Upload) -> (usize, String, Vec<u8>) {
        (data.len(), upload.name, upload.data.to_vec())
    }

    async fn event_rest(&mut self, _socket: &Socket, first: String, rest: RawArgs) -> serde_json::Value {
        let rest: Vec<serde_json::Value> = rest
            .into_iter()
            .map(|value| serde_json::Value::try_from(value).expect("JSON"))
            .collect();
        json!({ "first": first, "rest": rest })
    }

    async fn event_silent(&mut self, _socket: &Socket, x: i32) {
        self.log.push(format!("silent {x}"));
    }

    async fn event_manual(&mut self, _socket: &Socket, x: i32, ack: Option<Ack>) {
        self.log.push(format!("manual {x} {}", ack.is_some()));
        if let Some(ack) = ack {
            ack.send_args((x, x + 1)).expect("ack sent");
        }
    }

    async fn event_strict(&mut self, _socket: &Socket, ack: Ack) {
        self.log.push("strict");
        ack.send(&"strict").expect("ack sent");
    }

    #[event("count-me")]
    async fn count(&mut self, _socket: &Socket) -> u32 {
        self.count += 1;
        self.count
    }

    async fn event_slow(&mut self, _socket: &Socket, id: u32, millis: u64) {
        self.log.push(format!("slow start {id}"));
        tokio::time::sleep(Duration::from_millis(millis)).await;
        self.log.push(format!("slow end {id}"));
    }

    async fn event_ask(&mut self, socket: &Socket) -> Vec<Value> {
        socket
            .emit_with_ack("question", &"?")
            .await
            .expect("the client answers")
    }

    async fn event_panic(&mut self, _socket: &Socket) {
        panic!("this handler panics");
    }

    fn helper(&self) -> u32 {
        self.count
    }
}

async fn start() -> (TestServer, Log) {
    let log = Log::default();
    let server = TestServer::start(App::builder().state(log.clone())).await;
    (server, log)
}

async fn client(server: &TestServer) -> Client {
    server.client().await.joined(NS).await
}

#[tokio::test]
async fn typed_arguments_reach_the_handler_and_the_return_value_answers_the_ack() {
    let (server, log) = start().await;
    let mut client = client(&server).await;
    let answer = client.call(NS, "message", vec![json(r#"{"text":"hi"}"#)]).await;
    assert_eq!(answer, vec![Value::from("HI")]);
    assert_eq!(log.entries(), ["message hi"]);

    let answer = client
        .call(NS, "numbers", vec![Value::from(-1), Value::from(2.5), Value::from("s")])
        .await;
    assert_eq!(answer, vec![json(r#"[-1,2.5,"s",null]"#)], "an omitted Option is None");
    let answer = client
        .call(
            NS,
            "numbers",
            vec![Value::from(1), Value::from(2), Value::from("s"), Value::from(7)],
        )
        .await;
    assert_eq!(answer, vec![json(r#"[1,2.0,"s",7]"#)]);
}

#[tokio::test]
async fn bytes_arguments_and_fields_come_from_binary_attachments() {
    let (server, _log) = start().await;
    let mut client = client(&server).await;
    let upload = Value::from_iter([
        ("name", Value::from("a.bin")),
        ("data", Value::Binary(Bytes::from_static(b"\x07\x08\x09"))),
    ]);
    let answer = client
        .call(
            NS,
            "binary",
            vec![Value::Binary(Bytes::from_static(b"\x01\x02")), upload],
        )
        .await;
    assert_eq!(answer, vec![json(r#"[2,"a.bin",[7,8,9]]"#)]);
}

#[tokio::test]
async fn raw_args_take_every_remaining_argument() {
    let (server, _log) = start().await;
    let mut client = client(&server).await;
    let answer = client
        .call(NS, "rest", vec![Value::from("a"), Value::from(1), json(r#"{"x":2}"#)])
        .await;
    assert_eq!(answer, vec![json(r#"{"first":"a","rest":[1,{"x":2}]}"#)]);
    let answer = client.call(NS, "rest", vec![Value::from("only")]).await;
    assert_eq!(answer, vec![json(r#"{"first":"only","rest":[]}"#)]);
}

#[tokio::test]
async fn extra_arguments_are_ignored() {
    let (server, log) = start().await;
    let mut client = client(&server).await;
    let answer = client
        .call(
            NS,
            "message",
            vec![
                json(r#"{"text":"hi","extra":true}"#),
                Value::from(1),
                Value::from("two"),
            ],
        )
        .await;
    assert_eq!(answer, vec![Value::from("HI")]);
    assert_eq!(log.entries(), ["message hi"]);
}

#[tokio::test]
async fn invalid_payload_skips_the_handler_warns_answers_one_error_ack_and_keeps_the_connection() {
    // A current-thread runtime: the consumer's task logs on this thread.
    let (captured, _guard) = capture_warnings();

    let (server, log) = start().await;
    let mut client = client(&server).await;

    let answer = client.call(NS, "message", vec![json(r#"{"txt":1}"#)]).await;
    assert_eq!(
        answer,
        vec![json(
            r#"{"error":"invalid payload","message":"argument 1: missing field `text`"}"#
        )]
    );
    let answer = client.call(NS, "numbers", vec![Value::from(1), Value::from("x")]).await;
    let message = answer[0].get("message").and_then(Value::as_str).expect("a message");
    assert!(
        message.starts_with("argument 2: invalid type: string \"x\""),
        "{message}"
    );
    let answer = client.call(NS, "numbers", vec![]).await;
    assert_eq!(
        answer,
        vec![json(r#"{"error":"invalid payload","message":"missing argument 1"}"#)]
    );
    // Without an ack request: nothing is sent back.
    client.emit(NS, "message", vec![Value::from(5)]).await;
    client.expect_silence(Duration::from_millis(100)).await;

    // The handler never ran, and the connection still works.
    assert_eq!(log.entries(), Vec::<String>::new());
    let answer = client.call(NS, "message", vec![json(r#"{"text":"ok"}"#)]).await;
    assert_eq!(answer, vec![Value::from("OK")]);

    let warnings = captured.text();
    assert!(
        warnings.contains("invalid event payload")
            && warnings.contains("namespace=\"/events\"")
            && warnings.contains("event=\"message\"")
            && warnings.contains("missing field `text`"),
        "{warnings}"
    );
}

#[tokio::test]
async fn a_handler_without_ack_and_return_value_answers_an_empty_ack_after_running() {
    let (server, log) = start().await;
    let mut client = client(&server).await;
    let answer = client.call(NS, "silent", vec![Value::from(4)]).await;
    assert_eq!(answer, Vec::<Value>::new());
    assert_eq!(log.entries(), ["silent 4"], "the handler ran before the ack was sent");
}

#[tokio::test]
async fn the_ack_parameter_answers_with_what_the_handler_sends() {
    let (server, log) = start().await;
    let mut client = client(&server).await;
    let answer = client.call(NS, "manual", vec![Value::from(3)]).await;
    assert_eq!(answer, vec![Value::from(3), Value::from(4)]);
    client.emit(NS, "manual", vec![Value::from(5)]).await;
    log.wait_for("manual 5", 1).await;
    assert_eq!(log.entries(), ["manual 3 true", "manual 5 false"]);
}

#[tokio::test]
async fn a_required_ack_rejects_events_without_one() {
    let (server, log) = start().await;
    let mut client = client(&server).await;
    client.emit(NS, "strict", vec![]).await;
    client.expect_silence(Duration::from_millis(100)).await;
    assert_eq!(log.entries(), Vec::<String>::new(), "the handler was not called");
    let answer = client.call(NS, "strict", vec![]).await;
    assert_eq!(answer, vec![Value::from("strict")]);
}

#[tokio::test]
async fn each_connection_has_its_own_consumer_instance() {
    let (server, _log) = start().await;
    let mut first = client(&server).await;
    let mut second = client(&server).await;
    assert_eq!(first.call(NS, "count-me", vec![]).await, vec![Value::from(1)]);
    assert_eq!(first.call(NS, "count-me", vec![]).await, vec![Value::from(2)]);
    assert_eq!(second.call(NS, "count-me", vec![]).await, vec![Value::from(1)]);
    assert_eq!(first.call(NS, "count-me", vec![]).await, vec![Value::from(3)]);
}

#[tokio::test]
async fn events_of_one_socket_run_one_at_a_time_in_arrival_order() {
    let (server, log) = start().await;
    let mut client = client(&server).await;
    for (id, millis) in [(1, 40), (2, 0), (3, 20), (4, 0)] {
        client
            .emit(NS, "slow", vec![Value::from(id), Value::from(millis)])
            .await;
    }
    log.wait_for("slow end 4", 1).await;
    assert_eq!(
        log.entries(),
        [
            "slow start 1",
            "slow end 1",
            "slow start 2",
            "slow end 2",
            "slow start 3",
            "slow end 3",
            "slow start 4",
            "slow end 4"
        ]
    );
}

#[tokio::test]
async fn an_ack_from_the_client_reaches_a_handler_awaiting_it() {
    let (server, _log) = start().await;
    let mut client = client(&server).await;
    let asked = client.emit_with_ack(NS, "ask", vec![]).await;
    let (args, question_ack) = client.event("question").await;
    assert_eq!(args, vec![Value::from("?")]);
    let question_ack = question_ack.expect("the server asked for an ack");
    client
        .send(&sio::core::socketio::Packet::ack(
            NS,
            vec![Value::from(42)],
            question_ack,
        ))
        .await;
    assert_eq!(within("the answer to ask", client.ack(asked)).await, vec![json("[42]")]);
}

#[tokio::test]
async fn events_without_a_handler_are_ignored_and_not_answered() {
    let (server, _log) = start().await;
    let mut client = client(&server).await;
    client.emit_with_ack(NS, "nobody-handles-this", vec![]).await;
    client.expect_silence(Duration::from_millis(100)).await;
    assert_eq!(client.call(NS, "count-me", vec![]).await, vec![Value::from(1)]);
}

#[tokio::test]
async fn a_panicking_handler_still_answers_the_ack_and_the_connection_stays() {
    let (server, _log) = start().await;
    let mut client = client(&server).await;
    assert_eq!(client.call(NS, "panic", vec![]).await, Vec::<Value>::new());
    assert_eq!(client.call(NS, "count-me", vec![]).await, vec![Value::from(1)]);
}

#[test]
fn other_methods_are_left_alone() {
    let events = Events::new(&Log::default());
    assert_eq!(events.helper(), 0);
}
