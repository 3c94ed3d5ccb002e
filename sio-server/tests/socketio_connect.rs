//! CONNECT: namespaces, refusals, the connect timeout, what the connect
//! hook emits, socket ids, auth and the handshake.

mod socketio_support;

use std::time::{Duration, Instant};

use serde_json::json;
use sio_server::socketio::ConnectError;
use socketio_support::{QUIET, RawClient, Script, Setup, TestIo, Transport, both_transports, value, wait_until};

both_transports!(
    root_namespace_connect_is_answered_with_a_sid,
    custom_namespace_connects_with_or_without_trailing_comma,
    unknown_namespace_is_refused_and_the_session_stays_up,
    session_joining_no_namespace_is_closed_after_connect_timeout,
    session_with_a_namespace_outlives_connect_timeout,
    refused_connect_does_not_stop_the_connect_timeout,
    refusal_with_message_sends_connect_error_only,
    refusal_with_data_carries_message_and_data,
    connect_hook_emits_arrive_after_the_connect_reply,
    socket_ids_differ_from_engine_sid_and_between_namespaces,
    auth_reaches_the_connect_hook_and_the_socket,
    handshake_headers_query_and_address_are_visible_on_the_socket,
);

async fn root_namespace_connect_is_answered_with_a_sid(transport: Transport) {
    let io = TestIo::standard().await;
    let mut client = io.open(transport).await;
    client.send("0").await;
    let reply = client.recv().await;
    assert!(reply.text.starts_with("0{"), "CONNECT reply for /: {:?}", reply.text);
    let data = reply.data.clone().expect("CONNECT reply payload");
    let keys: Vec<&String> = data.as_object().expect("payload is an object").keys().collect();
    assert_eq!(keys, ["sid"], "CONNECT reply payload: {data}");
    let (socket, auth) = io.connected("/").await;
    assert_eq!(socket.id().as_str(), reply.connect_sid());
    assert_eq!(auth, None, "no auth was sent");
}

async fn custom_namespace_connects_with_or_without_trailing_comma(transport: Transport) {
    let io = TestIo::standard().await;
    for packet in ["0/custom", "0/custom,"] {
        let mut client = io.open(transport).await;
        client.send(packet).await;
        let reply = client.recv().await;
        assert!(
            reply.text.starts_with("0/custom,{"),
            "reply to {packet:?}: {:?}",
            reply.text
        );
        let socket = io.connected_id(&reply.connect_sid()).await;
        assert_eq!(socket.namespace(), "/custom", "after {packet:?}");
    }
}

async fn unknown_namespace_is_refused_and_the_session_stays_up(transport: Transport) {
    let io = TestIo::standard().await;
    let mut client = io.open(transport).await;
    client.send("0/nope,").await;
    client.expect(r#"4/nope,{"message":"Invalid namespace"}"#).await;
    client.send("0/nope").await;
    client.expect(r#"4/nope,{"message":"Invalid namespace"}"#).await;
    // The session is still usable.
    let id = client.connect("/").await;
    io.connected_id(&id).await;
}

async fn session_joining_no_namespace_is_closed_after_connect_timeout(transport: Transport) {
    let io = TestIo::start(Setup::standard().config(|c| c.connect_timeout = Duration::from_millis(500))).await;
    let started = Instant::now();
    let mut client = io.open(transport).await;
    let before = client.closed().await;
    assert!(before.is_empty(), "packets before the close: {before:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "closed after {:?}, before the connect timeout",
        started.elapsed()
    );
}

async fn session_with_a_namespace_outlives_connect_timeout(transport: Transport) {
    let io = TestIo::start(Setup::standard().config(|c| c.connect_timeout = Duration::from_millis(300))).await;
    let (mut client, socket) = io.join(transport, "/").await;
    client.assert_silent(Duration::from_millis(900)).await;
    client.send(r#"2["echo","still here"]"#).await;
    client.expect(r#"2["echo","still here"]"#).await;
    io.assert_no_disconnect(socket.id().as_str()).await;
}

/// Node clears the connect timer only when a namespace connection
/// succeeds: a session whose only CONNECT was refused has joined nothing.
async fn refused_connect_does_not_stop_the_connect_timeout(transport: Transport) {
    let setup = Setup::new()
        .namespace("/", Script::standard().refuse("go away"))
        .config(|c| c.connect_timeout = Duration::from_millis(500));
    let io = TestIo::start(setup).await;
    let mut client = io.open(transport).await;
    client.send("0").await;
    client.expect(r#"4{"message":"go away"}"#).await;
    let after = client.closed().await;
    assert!(after.is_empty(), "packets after the refusal: {after:?}");
}

async fn refusal_with_message_sends_connect_error_only(transport: Transport) {
    let refusing = Script::standard().on_connect(|socket, _| {
        socket.emit("before_refusal", &1).expect("emit while connecting");
        socket.join("refused_room");
        Err(ConnectError::new("not allowed"))
    });
    let io = TestIo::start(Setup::standard().namespace("/refusing", refusing)).await;
    let mut client = io.open(transport).await;
    client.send("0/refusing,").await;
    client.expect(r#"4/refusing,{"message":"not allowed"}"#).await;
    // What the hook emitted before refusing never leaves.
    client.assert_silent(QUIET).await;
    let (socket, _) = io.connected("/refusing").await;
    io.assert_no_disconnect(socket.id().as_str()).await;
    wait_until("the refused socket to leave its room", || {
        io.room_members("/refusing", "refused_room").is_empty()
    })
    .await;
    assert!(
        io.server().socket("/refusing", socket.id().as_str()).is_none(),
        "a refused socket is not registered"
    );
    // The session itself stays up.
    let id = client.connect("/").await;
    io.connected_id(&id).await;
}

async fn refusal_with_data_carries_message_and_data(transport: Transport) {
    let refusing = Script::standard().refuse_with_data("not authorized", json!({"code": 4001, "retry": false}));
    let io = TestIo::start(Setup::new().namespace("/", refusing)).await;
    let mut client = io.open(transport).await;
    let reply = client.connect_packet("/", Some(&json!({"token": "wrong"}))).await;
    assert_eq!((reply.kind, reply.namespace.as_str()), (4, "/"), "{:?}", reply.text);
    assert_eq!(
        reply.data,
        Some(json!({"message": "not authorized", "data": {"code": 4001, "retry": false}})),
        "{:?}",
        reply.text
    );
}

async fn connect_hook_emits_arrive_after_the_connect_reply(transport: Transport) {
    let welcoming = || {
        Script::standard().on_connect(|socket, _| {
            socket.emit("welcome", &1).expect("emit");
            socket.emit_args("welcome", (2, "two")).expect("emit_args");
            socket.join("lobby");
            let namespace = socket.namespace().to_owned();
            socket
                .server()
                .of(&namespace)
                .to("lobby")
                .emit("lobby", &"hi")
                .expect("broadcast");
            Ok(())
        })
    };
    let io = TestIo::start(
        Setup::new()
            .namespace("/", welcoming())
            .namespace("/custom", welcoming()),
    )
    .await;
    let mut client = io.open(transport).await;
    for (namespace, prefix) in [("/", ""), ("/custom", "/custom,")] {
        let reply = client.connect_packet(namespace, None).await;
        assert!(
            reply.text.starts_with(&format!("0{prefix}{{\"sid\"")),
            "first packet after CONNECT {namespace}: {:?}",
            reply.text
        );
        client.expect(&format!(r#"2{prefix}["welcome",1]"#)).await;
        client.expect(&format!(r#"2{prefix}["welcome",2,"two"]"#)).await;
        client.expect(&format!(r#"2{prefix}["lobby","hi"]"#)).await;
    }
}

async fn socket_ids_differ_from_engine_sid_and_between_namespaces(transport: Transport) {
    let io = TestIo::standard().await;
    let mut client = io.open(transport).await;
    let root = client.connect("/").await;
    let custom = client.connect("/custom").await;
    let (mut other, other_root) = RawClient::connected(io.addr, transport, "/").await;
    let ids = [&client.sid, &root, &custom, &other.sid, &other_root];
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            assert_ne!(a, b, "ids must all differ: {ids:?}");
        }
    }
    let root_socket = io.connected_id(&root).await;
    let custom_socket = io.connected_id(&custom).await;
    assert_eq!(root_socket.session().sid().as_str(), client.sid);
    assert_eq!(custom_socket.session().sid().as_str(), client.sid);
    other.close_transport().await;
}

async fn auth_reaches_the_connect_hook_and_the_socket(transport: Transport) {
    let io = TestIo::standard().await;
    let mut client = io.open(transport).await;
    for (namespace, auth) in [
        ("/", json!({"token": "abc", "n": 1, "nested": {"deep": [true, null]}})),
        ("/custom", json!({"token": "x"})),
    ] {
        let reply = client.connect_packet(namespace, Some(&auth)).await;
        assert_eq!(reply.kind, 0, "{:?}", reply.text);
        let (socket, seen) = io.connected(namespace).await;
        assert_eq!(socket.id().as_str(), reply.connect_sid());
        assert_eq!(seen, Some(value(auth.clone())), "auth in the hook of {namespace}");
        assert_eq!(socket.auth(), Some(&value(auth)), "socket.auth() on {namespace}");
    }
}

async fn handshake_headers_query_and_address_are_visible_on_the_socket(transport: Transport) {
    let io = TestIo::standard().await;
    let mut client = RawClient::open_with(
        io.addr,
        transport,
        "token=abc&room=lobby",
        &[("x-test-header", "hello")],
    )
    .await;
    let id = client.connect("/").await;
    let socket = io.connected_id(&id).await;
    let handshake = socket.handshake();
    assert_eq!(
        handshake.headers().get("x-test-header").map(|v| v.as_bytes()),
        Some(&b"hello"[..]),
        "headers: {:?}",
        handshake.headers()
    );
    assert_eq!(handshake.query("token").as_deref(), Some("abc"));
    assert_eq!(handshake.query("room").as_deref(), Some("lobby"));
    assert_eq!(handshake.query("transport").as_deref(), Some(transport.name()));
    assert!(
        handshake.uri().path().starts_with("/socket.io/"),
        "uri {}",
        handshake.uri()
    );
    let remote = handshake.remote_addr().expect("remote address");
    assert!(remote.ip().is_loopback(), "remote address {remote}");
}
