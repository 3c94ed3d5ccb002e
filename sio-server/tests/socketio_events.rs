//! EVENT packets both ways: arguments, ordering, namespaces, and the emit
//! API (one argument is one argument, reserved names).

mod socketio_support;

use serde_json::json;
use sio_core::Value;
use sio_core::socketio::RESERVED_EVENTS;
use sio_server::socketio::{AckError, EmitError};
use socketio_support::{Outgoing, QUIET, TestIo, Transport, both_transports, value};

both_transports!(
    event_arguments_reach_the_handler_in_order,
    unicode_beyond_bmp_and_null_survive_both_ways,
    events_run_in_arrival_order,
    custom_namespace_events_reach_its_own_handler,
    packets_for_a_namespace_not_joined_are_ignored,
);

async fn event_arguments_reach_the_handler_in_order(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(transport, "/").await;
    client
        .send(r#"2["multi",1,"two",{"three":3,"list":[4,5]},[6],null,true,1.5,-7]"#)
        .await;
    let (args, with_ack) = io.event(socket.id().as_str(), "multi").await;
    assert_eq!(
        args,
        vec![
            value(json!(1)),
            value(json!("two")),
            value(json!({"three": 3, "list": [4, 5]})),
            value(json!([6])),
            Value::Null,
            Value::Bool(true),
            value(json!(1.5)),
            value(json!(-7)),
        ]
    );
    assert!(!with_ack, "no ack id was sent");
}

async fn unicode_beyond_bmp_and_null_survive_both_ways(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(transport, "/").await;
    let id = socket.id().as_str().to_owned();
    // Raw astral characters, an escaped surrogate pair, and null.
    client.send("2[\"echo\",\"😀 𝄞 é\",\"\\ud83d\\ude00\",null]").await;
    let (args, _) = io.event(&id, "echo").await;
    assert_eq!(args, vec![value(json!("😀 𝄞 é")), value(json!("😀")), Value::Null]);
    let echoed = client.expect_event("echo").await;
    assert_eq!(echoed.args(), vec![json!("😀 𝄞 é"), json!("😀"), json!(null)]);
    // An event name beyond the BMP.
    client.send(r#"2["🎉",{"emoji":"🦀"}]"#).await;
    let (args, _) = io.event(&id, "🎉").await;
    assert_eq!(args, vec![value(json!({"emoji": "🦀"}))]);
}

async fn events_run_in_arrival_order(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(transport, "/").await;
    let batch: Vec<Outgoing> = (0..20).map(|i| Outgoing::Packet(format!(r#"2["seq",{i}]"#))).collect();
    client.send_batch(&batch).await;
    for i in 0..20 {
        let (args, _) = io.event(socket.id().as_str(), "seq").await;
        assert_eq!(args, vec![value(json!(i))], "event {i} in arrival order");
    }
}

async fn custom_namespace_events_reach_its_own_handler(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    client.send(r#"2/custom,["echo","to custom"]"#).await;
    client.expect(r#"2/custom,["echo","to custom"]"#).await;
    let (args, _) = io.event(custom.id().as_str(), "echo").await;
    assert_eq!(args, vec![value(json!("to custom"))]);
    client.send(r#"2["echo","to root"]"#).await;
    client.expect(r#"2["echo","to root"]"#).await;
    let root_id = root.id().as_str().to_owned();
    let (args, _) = io.event(&root_id, "echo").await;
    assert_eq!(
        args,
        vec![value(json!("to root"))],
        "the root handler saw only its event"
    );
}

async fn packets_for_a_namespace_not_joined_are_ignored(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    client
        .send_batch(&[
            Outgoing::Packet(r#"2/custom,["echo","ignored"]"#.to_owned()),
            Outgoing::Packet(r#"2/custom,5["ack","ignored"]"#.to_owned()),
            Outgoing::Packet(r#"3/custom,0["ignored"]"#.to_owned()),
            Outgoing::Packet(r#"51-/custom,["echo",{"_placeholder":true,"num":0}]"#.to_owned()),
            Outgoing::Binary(vec![1, 2, 3]),
            Outgoing::Packet("1/custom,".to_owned()),
            Outgoing::Packet(r#"2["echo","root"]"#.to_owned()),
        ])
        .await;
    // The first reply is the root echo: nothing was answered for /custom.
    client.expect(r#"2["echo","root"]"#).await;
    io.assert_no_hook("a /custom hook", QUIET, |h| h.socket().namespace() == "/custom")
        .await;
    io.assert_no_disconnect(root.id().as_str()).await;

    // The other way round: a client of /custom only, talking to /.
    let (mut custom_only, custom) = io.join(transport, "/custom").await;
    custom_only.send(r#"2["echo","ignored"]"#).await;
    custom_only.send(r#"2/custom,["echo","custom"]"#).await;
    custom_only.expect(r#"2/custom,["echo","custom"]"#).await;
    io.assert_no_hook("a hook on / for the /custom-only client", QUIET, |h| {
        h.socket().namespace() == "/" && h.socket().session().sid().as_str() == custom_only.sid
    })
    .await;
    io.assert_no_disconnect(custom.id().as_str()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numeric_event_name_is_accepted() {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(Transport::WebSocket, "/").await;
    client.send(r#"2[42,"answer"]"#).await;
    let (args, _) = io.event(socket.id().as_str(), "42").await;
    assert_eq!(args, vec![value(json!("answer"))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_vec_is_one_array_argument() {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(Transport::WebSocket, "/").await;
    socket.emit("list", &vec![1, 2, 3]).expect("emit");
    client.expect(r#"2["list",[1,2,3]]"#).await;
    socket.emit("list", &Vec::<u8>::new()).expect("emit");
    client.expect(r#"2["list",[]]"#).await;
    socket.emit("slice", &["a", "b"][..]).expect("emit");
    client.expect(r#"2["slice",["a","b"]]"#).await;
    io.server().emit("list", &vec![4, 5]).expect("server emit");
    client.expect(r#"2["list",[4,5]]"#).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emit_args_sends_several_arguments() {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(Transport::WebSocket, "/").await;
    socket.emit_args("multi", (1, "a", true)).expect("emit_args");
    client.expect(r#"2["multi",1,"a",true]"#).await;
    socket.emit_args("none", ()).expect("emit_args");
    client.expect(r#"2["none"]"#).await;
    socket.emit_args("one_vec", (vec![1, 2],)).expect("emit_args");
    client.expect(r#"2["one_vec",[1,2]]"#).await;
    socket
        .emit_args("values", vec![Value::from(1), Value::from("x")])
        .expect("emit_args");
    client.expect(r#"2["values",1,"x"]"#).await;
    io.server().emit_args("multi", (1, 2)).expect("server emit_args");
    client.expect(r#"2["multi",1,2]"#).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_emits_the_message_event() {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(Transport::WebSocket, "/").await;
    socket.send(&"hi").expect("send");
    client.expect(r#"2["message","hi"]"#).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_event_names_are_refused_by_emit() {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(Transport::WebSocket, "/").await;
    socket.join("room");
    for name in RESERVED_EVENTS {
        let reserved = EmitError::ReservedEvent(name.to_owned());
        assert_eq!(socket.emit(name, &1), Err(reserved.clone()), "socket.emit({name:?})");
        assert_eq!(socket.emit_args(name, (1, 2)), Err(reserved.clone()));
        assert_eq!(
            socket
                .emit_with_ack_timeout(name, &1, std::time::Duration::from_millis(100))
                .await,
            Err(AckError::Emit(reserved.clone())),
            "socket.emit_with_ack({name:?})"
        );
        assert_eq!(
            io.server().emit(name, &1),
            Err(reserved.clone()),
            "server.emit({name:?})"
        );
        assert_eq!(io.server().emit_args(name, ()), Err(reserved.clone()));
        assert_eq!(socket.to("room").emit(name, &1), Err(reserved.clone()));
        assert_eq!(
            io.server().of("/").emit_with_ack(name, &1).await.err(),
            Some(reserved),
            "broadcast emit_with_ack({name:?})"
        );
    }
    // Nothing reached the client: the next packet is this one.
    socket.emit("ok", &1).expect("emit");
    client.expect(r#"2["ok",1]"#).await;
}
