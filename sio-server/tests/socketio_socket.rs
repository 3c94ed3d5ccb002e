//! The `Socket` and `Server` handles: per-socket typed data, accessors,
//! lookups.

mod socketio_support;

use serde_json::json;
use sio_core::Value;
use sio_server::socketio::EmitError;
use socketio_support::{Script, Setup, TestIo, Transport};

#[derive(Debug, Clone, PartialEq)]
struct User(String);

#[derive(Debug, Clone, PartialEq)]
struct Visits(u32);

/// Stores a `User` from the auth on connect; `whoami` answers with it and
/// counts the calls in a `Visits`.
fn users() -> Script {
    Script::standard()
        .on_connect(|socket, auth| {
            let name = auth.and_then(|auth| auth.get("name")).and_then(Value::as_str);
            socket.insert_data(User(name.unwrap_or("anonymous").to_owned()));
            Ok(())
        })
        .on_event("whoami", |socket, event, _| {
            Box::pin(async move {
                let visits = socket.data::<Visits>().map_or(1, |Visits(n)| n + 1);
                socket.insert_data(Visits(visits));
                let name = socket.data::<User>().map(|User(name)| name);
                event.ack.expect("ack").send_args((name, visits)).expect("ack");
            })
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_socket_data_is_typed_and_separate() {
    let io = TestIo::start(Setup::new().namespace("/", users()).namespace("/custom", users())).await;
    let mut alice = io.open(Transport::WebSocket).await;
    alice.connect_packet("/", Some(&json!({"name": "alice"}))).await;
    let alice_custom = {
        alice.connect_packet("/custom", None).await;
        io.connected("/").await;
        io.connected("/custom").await.0
    };
    let (mut bob, bob_socket) = {
        let mut bob = io.open(Transport::Polling).await;
        bob.connect_packet("/", Some(&json!({"name": "bob"}))).await;
        let socket = io.connected("/").await.0;
        (bob, socket)
    };
    alice.send(r#"21["whoami"]"#).await;
    alice.expect(r#"31["alice",1]"#).await;
    alice.send(r#"22["whoami"]"#).await;
    alice.expect(r#"32["alice",2]"#).await;
    bob.send(r#"21["whoami"]"#).await;
    bob.expect(r#"31["bob",1]"#).await;
    // Data belongs to one namespace connection.
    alice.send(r#"2/custom,3["whoami"]"#).await;
    alice.expect(r#"3/custom,3["anonymous",1]"#).await;
    assert_eq!(alice_custom.data::<User>(), Some(User("anonymous".to_owned())));
    // From outside the handler: read, replace, remove.
    assert_eq!(bob_socket.data::<Visits>(), Some(Visits(1)));
    assert_eq!(bob_socket.insert_data(Visits(10)), Some(Visits(1)));
    assert_eq!(bob_socket.remove_data::<User>(), Some(User("bob".to_owned())));
    assert_eq!(bob_socket.data::<User>(), None);
    bob.send(r#"22["whoami"]"#).await;
    bob.expect("32[null,11]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_and_server_accessors_and_lookups() {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(Transport::WebSocket, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    assert_eq!(root.namespace(), "/");
    assert_eq!(custom.namespace(), "/custom");
    assert_eq!(io.server().namespaces(), ["/", "/custom"]);
    assert_eq!(root.server().namespaces(), ["/", "/custom"]);
    let found = io.server().socket("/", root.id().as_str()).expect("socket of /");
    assert_eq!(found.id(), root.id());
    assert!(
        io.server().socket("/custom", root.id().as_str()).is_none(),
        "a socket id belongs to one namespace"
    );
    assert!(io.server().socket("/nope", root.id().as_str()).is_none());
    // A socket found by id emits like the original.
    found.emit("found", &1).expect("emit");
    client.expect(r#"2["found",1]"#).await;
    // The server handle of a socket reaches the other namespace.
    root.server().of("/custom").emit("from_root", &2).expect("emit");
    client.expect(r#"2/custom,["from_root",2]"#).await;
    assert_eq!(
        io.server().of("/nope").emit("x", &1),
        Err(EmitError::UnknownNamespace("/nope".to_owned()))
    );
}
