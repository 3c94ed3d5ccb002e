//! The npm `socket.io-client` (4.x) against the Socket.IO layer, over each
//! transport: each test serves a [`TestIo`], runs one
//! `tests/js/socketio_*.mjs` script (which checks the client's side and
//! fails on any mismatch), then checks what the server's hooks saw.

mod socketio_support;

use bytes::Bytes;
use serde_json::{Value as Json, json};
use sio_core::Value;
use sio_server::socketio::{AckError, ConnectError, DisconnectReason};
use socketio_support::{Script, Setup, TestIo, Transport, both_transports, node, value};

both_transports!(
    namespaces_share_one_connection,
    auth_is_accepted_or_refused_with_data,
    events_carry_several_arguments_and_binary_both_ways,
    acks_work_both_ways_with_timeouts,
    rooms_and_broadcasts_reach_the_right_clients,
    disconnect_reasons_match_on_both_sides,
);

fn id(results: &Json, pointer: &str) -> String {
    results
        .pointer(pointer)
        .and_then(Json::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {results}"))
        .to_owned()
}

async fn namespaces_share_one_connection(transport: Transport) {
    let io = TestIo::standard().await;
    let results = node::run("socketio_namespaces.mjs", &io.url(), transport).await;
    let root = io.connected_id(&id(&results, "/root")).await;
    let custom = io.connected_id(&id(&results, "/custom")).await;
    let engine = id(&results, "/engine");
    assert_eq!(root.session().sid().as_str(), engine, "/ on the client's session");
    assert_eq!(custom.session().sid().as_str(), engine, "/custom on the same session");
    assert_eq!(
        io.disconnected(custom.id().as_str()).await.0,
        DisconnectReason::ClientNamespaceDisconnect
    );
    assert_eq!(
        io.disconnected(root.id().as_str()).await.0,
        DisconnectReason::ClientNamespaceDisconnect
    );
}

async fn auth_is_accepted_or_refused_with_data(transport: Transport) {
    let guarded = Script::standard().on_connect(|socket, auth| {
        let token = auth.and_then(|auth| auth.get("token")).and_then(Value::as_str);
        if token != Some("secret") {
            return Err(ConnectError::new("not authorized").with_data(&json!({"code": 4001, "reason": "bad token"})));
        }
        socket.emit("welcome", &auth).expect("emit");
        Ok(())
    });
    let io = TestIo::start(Setup::new().namespace("/", guarded)).await;
    let results = node::run("socketio_auth.mjs", &io.url(), transport).await;
    let accepted = id(&results, "/accepted");
    let (mut seen, mut refused) = (None, None);
    for _ in 0..2 {
        match io
            .hook("a connect hook", |h| {
                matches!(h, socketio_support::Hook::Connect { .. })
            })
            .await
        {
            socketio_support::Hook::Connect {
                socket,
                auth,
                accepted: ok,
            } => {
                if ok {
                    assert_eq!(socket.id().as_str(), accepted);
                    seen = auth;
                } else {
                    refused = auth;
                }
            }
            other => unreachable!("{other:?}"),
        }
    }
    assert_eq!(seen, Some(value(json!({"token": "secret"}))));
    assert_eq!(refused, Some(value(json!({"token": "wrong"}))));
}

async fn events_carry_several_arguments_and_binary_both_ways(transport: Transport) {
    let io = TestIo::standard().await;
    let results = node::run("socketio_events.mjs", &io.url(), transport).await;
    let socket = id(&results, "/id");
    let (args, _) = io.event(&socket, "echo").await;
    assert_eq!(
        args,
        vec![
            value(json!(1)),
            value(json!("two")),
            value(json!({"three": 3})),
            value(json!([4, 5])),
            Value::Null,
            Value::Bool(true),
            value(json!("😀 𝄞")),
        ]
    );
    let (args, _) = io.event(&socket, "echo").await;
    let bytes = |data: &'static [u8]| Value::from(Bytes::from_static(data));
    assert_eq!(
        args,
        vec![
            bytes(&[1, 2, 3]),
            Value::from_iter([
                ("nested", Value::from_iter([("buf", bytes(&[4, 5]))])),
                ("list", Value::Array(vec![bytes(&[6])])),
            ]),
            value(json!("meta")),
        ]
    );
}

async fn acks_work_both_ways_with_timeouts(transport: Transport) {
    let io = TestIo::standard().await;
    let results = node::run("socketio_acks.mjs", &io.url(), transport).await;
    let socket = id(&results, "/id");
    let (_, with_ack) = io.event(&socket, "no_answer").await;
    assert!(with_ack, "the client asked for an ack");
    assert_eq!(
        io.asked(&socket).await,
        Ok(vec![value(json!("answer")), value(json!({"q": "question"}))])
    );
    assert_eq!(io.asked(&socket).await, Ok(vec![Value::from(Bytes::from_static(&[9]))]));
    assert_eq!(io.asked(&socket).await, Err(AckError::Timeout));
}

async fn rooms_and_broadcasts_reach_the_right_clients(transport: Transport) {
    let io = TestIo::standard().await;
    let results = node::run("socketio_rooms.mjs", &io.url(), transport).await;
    let responses = io.asked_all(&id(&results, "/a")).await;
    let mut answered: Vec<(String, Vec<Value>)> = responses
        .answers
        .iter()
        .map(|(socket, args)| (socket.as_ref().expect("a local socket's id").to_string(), args.clone()))
        .collect();
    answered.sort_by(|x, y| x.0.cmp(&y.0));
    let mut expected = vec![
        (id(&results, "/a"), vec![value(json!("a"))]),
        (id(&results, "/b"), vec![value(json!("b"))]),
    ];
    expected.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(answered, expected);
    let missing: Vec<String> = responses.missing.iter().map(|(socket, _)| socket.to_string()).collect();
    assert_eq!(missing, vec![id(&results, "/c")]);
}

async fn disconnect_reasons_match_on_both_sides(transport: Transport) {
    let io = TestIo::standard().await;
    let results = node::run("socketio_disconnect.mjs", &io.url(), transport).await;
    for (pointer, reason) in [
        ("/server/id", DisconnectReason::ServerNamespaceDisconnect),
        ("/client/id", DisconnectReason::ClientNamespaceDisconnect),
        ("/closed/id", DisconnectReason::ForcedClose),
        ("/namespace/custom", DisconnectReason::ClientNamespaceDisconnect),
        ("/namespace/root", DisconnectReason::ClientNamespaceDisconnect),
    ] {
        let socket = id(&results, pointer);
        assert_eq!(io.disconnected(&socket).await.0, reason, "{pointer}");
        io.assert_no_disconnect(&socket).await;
    }
}
