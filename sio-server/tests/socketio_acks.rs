//! Acknowledgements both ways: the client's acks answered by handlers, the
//! server's `emit_with_ack` answered, timing out, or cut by a disconnect.

mod socketio_support;

use std::time::{Duration, Instant};

use serde_json::json;
use sio_server::socketio::{AckError, Socket};
use socketio_support::{QUIET, Script, Setup, SioPacket, TestIo, Transport, both_transports, value, within};
use tokio::task::JoinHandle;

both_transports!(
    client_ack_is_answered_exactly_once,
    client_ack_on_a_custom_namespace_keeps_its_namespace,
    server_emit_with_ack_returns_the_answer,
    server_emit_with_ack_times_out_and_ignores_a_late_answer,
    server_emit_with_ack_fails_when_the_client_leaves,
    handler_awaits_an_ack_while_later_events_wait,
);

/// Emits `question` with an ack from a task, as a handler would.
fn ask(socket: &Socket, timeout: Duration) -> JoinHandle<Result<Vec<sio_core::Value>, AckError>> {
    let socket = socket.clone();
    tokio::spawn(async move {
        socket
            .emit_with_ack_timeout("question", &json!({"q": 1}), timeout)
            .await
    })
}

/// Reads the question and returns its ack id.
async fn question_ack_id(client: &mut socketio_support::RawClient, namespace_prefix: &str) -> u64 {
    let packet: SioPacket = client.expect_event("question").await;
    assert_eq!(packet.args(), vec![json!({"q": 1})], "{:?}", packet.text);
    let ack_id = packet
        .ack_id
        .unwrap_or_else(|| panic!("no ack id in {:?}", packet.text));
    assert!(
        packet.text.starts_with(&format!("2{namespace_prefix}{ack_id}[")),
        "{:?}",
        packet.text
    );
    ack_id
}

async fn client_ack_is_answered_exactly_once(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(transport, "/").await;
    client.send(r#"21["ack","a",2]"#).await;
    client.expect(r#"31["a",2]"#).await;
    let (args, with_ack) = io.event(socket.id().as_str(), "ack").await;
    assert_eq!(args, vec![value(json!("a")), value(json!(2))]);
    assert!(with_ack, "the handler saw the ack request");
    // No second answer: the next packet is the echo.
    client.send(r#"2["echo","after"]"#).await;
    client.expect(r#"2["echo","after"]"#).await;
    // The largest ack id that fits in 64 bits is answered with itself.
    client.send(r#"218446744073709551615["ack",1]"#).await;
    client.expect("318446744073709551615[1]").await;
}

async fn client_ack_on_a_custom_namespace_keeps_its_namespace(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, _root) = io.join(transport, "/").await;
    io.join_more(&mut client, "/custom").await;
    client.send(r#"2/custom,17["ack",{"x":1}]"#).await;
    client.expect(r#"3/custom,17[{"x":1}]"#).await;
}

async fn server_emit_with_ack_returns_the_answer(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    for (socket, prefix) in [(&root, ""), (&custom, "/custom,")] {
        let answer = ask(socket, Duration::from_secs(10));
        let ack_id = question_ack_id(&mut client, prefix).await;
        client
            .send(&format!(r#"3{prefix}{ack_id}["answer",1,{{"n":null}}]"#))
            .await;
        let result = within("the ack", answer).await.expect("task");
        assert_eq!(
            result,
            Ok(vec![value(json!("answer")), value(json!(1)), value(json!({"n": null}))]),
            "answer on {}",
            socket.namespace()
        );
    }
}

async fn server_emit_with_ack_times_out_and_ignores_a_late_answer(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(transport, "/").await;
    let started = Instant::now();
    let answer = ask(&socket, Duration::from_millis(200));
    let ack_id = question_ack_id(&mut client, "").await;
    let result = within("the ack timeout", answer).await.expect("task");
    assert_eq!(result, Err(AckError::Timeout));
    assert!(
        started.elapsed() >= Duration::from_millis(180),
        "timed out after {:?}",
        started.elapsed()
    );
    // A late answer is ignored and the session goes on.
    client.send(&format!(r#"3{ack_id}["late"]"#)).await;
    client.send(r#"3999999["unknown id"]"#).await;
    client.send(r#"2["echo","alive"]"#).await;
    client.expect(r#"2["echo","alive"]"#).await;
    io.assert_no_disconnect(socket.id().as_str()).await;
}

async fn server_emit_with_ack_fails_when_the_client_leaves(transport: Transport) {
    let io = TestIo::start(Setup::standard().config(|c| c.ack_timeout = Duration::from_secs(60))).await;
    let (mut client, socket) = io.join(transport, "/").await;
    let pending = {
        let socket = socket.clone();
        tokio::spawn(async move { socket.emit_with_ack("question", &json!({"q": 1})).await })
    };
    question_ack_id(&mut client, "").await;
    client.close_transport().await;
    let result = within("the ack to fail on disconnect", pending).await.expect("task");
    assert_eq!(result, Err(AckError::Disconnected));
}

async fn handler_awaits_an_ack_while_later_events_wait(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(transport, "/").await;
    client.send(r#"2["ask","question",{"q":1},10000]"#).await;
    let ack_id = question_ack_id(&mut client, "").await;
    // This event waits until the handler finished the ask.
    client.send(r#"2["echo","queued"]"#).await;
    client.assert_silent(QUIET).await;
    client.send(&format!(r#"3{ack_id}["yes"]"#)).await;
    client.expect(r#"2["asked",{"ok":["yes"]}]"#).await;
    client.expect(r#"2["echo","queued"]"#).await;
    assert_eq!(io.asked(socket.id().as_str()).await, Ok(vec![value(json!("yes"))]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_emit_with_ack_fails_when_the_namespace_is_left() {
    let io = TestIo::start(Setup::standard().config(|c| c.ack_timeout = Duration::from_secs(60))).await;
    let (mut client, root) = io.join(Transport::WebSocket, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    // The client leaves /custom while an ack is pending there.
    let pending = ask(&custom, Duration::from_secs(60));
    question_ack_id(&mut client, "/custom,").await;
    client.send("1/custom,").await;
    let result = within("the ack to fail on leaving", pending).await.expect("task");
    assert_eq!(result, Err(AckError::Disconnected));
    // The server disconnects / while an ack is pending there.
    let pending = ask(&root, Duration::from_secs(60));
    question_ack_id(&mut client, "").await;
    root.disconnect();
    let result = within("the ack to fail on server disconnect", pending)
        .await
        .expect("task");
    assert_eq!(result, Err(AckError::Disconnected));
    client.expect("1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_send_forms_keep_one_argument_one_argument() {
    let script = Script::standard()
        .on_event("ack_vec", |_, event, _| {
            Box::pin(async move {
                event.ack.expect("ack").send(&vec![1, 2]).expect("send");
            })
        })
        .on_event("ack_args", |_, event, _| {
            Box::pin(async move {
                event.ack.expect("ack").send_args((1, "a")).expect("send_args");
            })
        })
        .on_event("ack_none", |_, event, _| {
            Box::pin(async move {
                event.ack.expect("ack").send_args(()).expect("send_args");
            })
        });
    let io = TestIo::start(Setup::new().namespace("/", script)).await;
    let (mut client, _socket) = io.join(Transport::WebSocket, "/").await;
    client.send(r#"21["ack_vec"]"#).await;
    client.expect("31[[1,2]]").await;
    client.send(r#"22["ack_args"]"#).await;
    client.expect(r#"32[1,"a"]"#).await;
    client.send(r#"23["ack_none"]"#).await;
    client.expect("33[]").await;
}
