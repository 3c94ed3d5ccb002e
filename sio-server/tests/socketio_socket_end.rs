//! Where a socket's end races the client or the server's own code: each
//! case once left a client hanging or a ghost behind.

mod socketio_support;

use std::sync::Arc;
use std::time::Duration;

use sio_server::socketio::{Adapter, DisconnectReason, InMemoryAdapter, Room};
use socketio_support::{Script, Setup, TestIo, Transport, both_transports};

both_transports!(
    a_client_reconnecting_after_io_server_disconnect_gets_a_new_socket_at_once,
    disconnect_inside_the_connect_hook_sends_connect_then_disconnect,
    a_join_after_the_socket_left_leaves_no_ghost_in_the_rooms,
);

/// The documented client pattern: on `io server disconnect`, connect
/// again. The old socket's disconnect hook is slow (a database write); the
/// new CONNECT must not be taken for a duplicate of the old socket.
async fn a_client_reconnecting_after_io_server_disconnect_gets_a_new_socket_at_once(transport: Transport) {
    let script = Script::standard().slow_disconnect(Duration::from_millis(2000));
    let io = TestIo::start(Setup::new().namespace("/", script)).await;
    let (mut client, first) = io.join(transport, "/").await;
    client.send("2[\"disconnect_me\"]").await;
    client.expect("1").await;
    let reply = client.connect_packet("/", None).await;
    assert_eq!(reply.kind, 0, "a CONNECT reply, not silence: {:?}", reply.text);
    assert_ne!(reply.connect_sid(), first.id().as_str(), "a new socket");
    assert!(
        !io.recorded_now(|hook| matches!(hook, socketio_support::Hook::Disconnect { .. }))
            .await,
        "answered while the old socket's disconnect hook still runs"
    );
    assert_eq!(
        io.disconnected(first.id().as_str()).await.0,
        DisconnectReason::ServerNamespaceDisconnect
    );
}

/// `socket.disconnect()` inside the connect hook: the client gets its
/// CONNECT, then DISCONNECT (as from a Node connection handler), not
/// silence; and a session left with no namespace ends with the connect
/// timeout instead of living on pings.
async fn disconnect_inside_the_connect_hook_sends_connect_then_disconnect(transport: Transport) {
    let script = Script::standard().on_connect(|socket, _| {
        socket.disconnect();
        Ok(())
    });
    let setup = Setup::new()
        .namespace("/", script)
        .config(|config| config.connect_timeout = Duration::from_millis(500));
    let io = TestIo::start(setup).await;
    let mut client = io.open(transport).await;
    let reply = client.connect_packet("/", None).await;
    assert_eq!(reply.kind, 0, "CONNECT first: {:?}", reply.text);
    let id = reply.connect_sid();
    client.expect("1").await;
    assert_eq!(
        io.disconnected(&id).await.0,
        DisconnectReason::ServerNamespaceDisconnect
    );
    assert!(
        client.closed().await.is_empty(),
        "nothing more, then the connect timeout closes the session"
    );
}

/// A task holding a clone of the socket joins after the socket left:
/// nothing reaches the room index (which other nodes query, and which
/// broadcasts select from).
async fn a_join_after_the_socket_left_leaves_no_ghost_in_the_rooms(transport: Transport) {
    let adapter = Arc::new(InMemoryAdapter::new());
    let index = adapter.clone();
    let setup = Setup::standard().adapter(move |_| adapter.clone() as Arc<dyn Adapter>);
    let io = TestIo::start(setup).await;
    let (mut client, socket) = io.join(transport, "/").await;
    socket.join("before");
    assert!(index.has_room("before"));
    client.send_engine("41").await;
    io.disconnected(socket.id().as_str()).await;
    socketio_support::wait_until("the socket to leave its rooms", || !index.has_room("before")).await;
    socket.join("ghost");
    socket.join_all(["ghost-too"]);
    assert_eq!(
        index.socket_rooms(socket.id()),
        Vec::<Room>::new(),
        "no ghost in the index"
    );
    assert!(
        !index.has_room("ghost") && !index.has_room("ghost-too"),
        "no room was created"
    );
}
