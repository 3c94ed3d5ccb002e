//! The conformance server's namespaces: `/` and `/custom` each accept a
//! CONNECT and then emit `auth` with the client's auth object, or `{}`
//! without one, over WebSocket and polling.

mod conformance_support;

use conformance_support::{ConformanceServer, Transport, text_of};
use sio::core::socketio::PacketData;

/// (CONNECT packet sent, namespace, the `auth` packet expected after the
/// CONNECT reply).
const CASES: [(&str, &str, &str); 4] = [
    ("40", "/", r#"42["auth",{}]"#),
    (r#"40{"token":"123"}"#, "/", r#"42["auth",{"token":"123"}]"#),
    ("40/custom,", "/custom", r#"42/custom,["auth",{}]"#),
    (
        r#"40/custom,{"token":"\u00e9\ud83d\ude00","n":[1,{"x":null}]}"#,
        "/custom",
        r#"42/custom,["auth",{"token":"é😀","n":[1,{"x":null}]}]"#,
    ),
];

async fn auth_is_emitted_after_the_connect_reply(transport: Transport) {
    let server = ConformanceServer::start().await;
    for (connect, namespace, auth) in CASES {
        let mut wire = server.open(transport).await;
        wire.send_text(connect).await;
        // The reply comes first: the connect hook's emit is held back.
        let reply = wire.next_packet().await;
        assert_eq!(&*reply.namespace, namespace, "{connect}: {reply:?}");
        let PacketData::Connect(Some(payload)) = reply.data else {
            panic!("{connect}: expected the CONNECT reply, got {reply:?}");
        };
        let socket_id = payload.get("sid").and_then(|sid| sid.as_str()).expect("a sid");
        assert!(
            !socket_id.is_empty() && socket_id != wire.sid,
            "{connect}: socket id {socket_id:?}"
        );
        assert_eq!(text_of(&wire.next_message().await), auth, "{connect}");
    }
}

#[tokio::test]
async fn auth_is_emitted_after_the_connect_reply_over_websocket() {
    auth_is_emitted_after_the_connect_reply(Transport::WebSocket).await;
}

#[tokio::test]
async fn auth_is_emitted_after_the_connect_reply_over_polling() {
    auth_is_emitted_after_the_connect_reply(Transport::Polling).await;
}

async fn unknown_namespace_is_refused(transport: Transport) {
    let server = ConformanceServer::start().await;
    let mut wire = server.open(transport).await;
    wire.send_text("40/nowhere,").await;
    assert_eq!(
        text_of(&wire.next_message().await),
        r#"44/nowhere,{"message":"Invalid namespace"}"#
    );
}

#[tokio::test]
async fn unknown_namespace_is_refused_over_websocket() {
    unknown_namespace_is_refused(Transport::WebSocket).await;
}

#[tokio::test]
async fn unknown_namespace_is_refused_over_polling() {
    unknown_namespace_is_refused(Transport::Polling).await;
}
