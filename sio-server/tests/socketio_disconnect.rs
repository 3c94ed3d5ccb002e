//! Leaving a namespace and losing a connection: every path reaches the
//! disconnect hook exactly once, with its reason, the socket's rooms still
//! readable inside the hook and gone after it.

mod socketio_support;

use std::time::{Duration, Instant};

use sio_server::socketio::{AckError, DisconnectReason, EmitError, Socket};
use socketio_support::{Hook, QUIET, Script, Setup, TestIo, Transport, both_transports, heartbeat, wait_until, within};

both_transports!(
    client_namespace_disconnect_leaves_only_that_namespace,
    server_socket_disconnect_sends_disconnect_and_keeps_the_session,
    transport_close_reaches_the_hook_once_with_rooms,
    ping_timeout_reaches_the_hook_once_with_rooms,
    server_shutdown_reaches_the_hook_once_with_rooms,
    parse_error_reaches_the_hook_once_with_rooms,
    close_connection_ends_every_namespace_with_forced_close,
);

/// Asserts the disconnect hook of `socket` ran once with `reason` while
/// the socket was still in `room`, and that the room forgot it after.
async fn assert_ended_once(io: &TestIo, socket: &Socket, reason: DisconnectReason, room: &str) {
    let id = socket.id().to_string();
    let (seen, rooms) = io.disconnected(&id).await;
    assert_eq!(seen, reason, "reason of {id}");
    assert_eq!(rooms, [id.as_str(), room], "rooms inside the hook of {id}");
    io.assert_no_disconnect(&id).await;
    let namespace = socket.namespace().to_owned();
    wait_until(&format!("{id} to leave {room}"), || {
        io.room_members(&namespace, room).is_empty()
    })
    .await;
    assert!(io.server().socket(&namespace, &id).is_none(), "{id} still registered");
    assert!(!socket.connected(), "{id} still connected");
}

async fn client_namespace_disconnect_leaves_only_that_namespace(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    custom.join("custom_room");
    client.send("1/custom,").await;
    assert_ended_once(&io, &custom, DisconnectReason::ClientNamespaceDisconnect, "custom_room").await;
    // `/` and the session go on; /custom is not joined any more.
    client.send(r#"2/custom,["echo","ignored"]"#).await;
    client.send(r#"2["echo","root"]"#).await;
    client.expect(r#"2["echo","root"]"#).await;
    io.assert_no_disconnect(root.id().as_str()).await;
    // Joining again gives a new socket.
    let again = io.join_more(&mut client, "/custom").await;
    assert_ne!(again.id(), custom.id());
    // Leaving `/` keeps /custom.
    root.join("root_room");
    client.send("1").await;
    assert_ended_once(&io, &root, DisconnectReason::ClientNamespaceDisconnect, "root_room").await;
    client.send(r#"2/custom,["echo","custom"]"#).await;
    client.expect(r#"2/custom,["echo","custom"]"#).await;
}

async fn server_socket_disconnect_sends_disconnect_and_keeps_the_session(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    custom.join("custom_room");
    custom.disconnect();
    client.expect("1/custom,").await;
    assert_ended_once(&io, &custom, DisconnectReason::ServerNamespaceDisconnect, "custom_room").await;
    custom.disconnect();
    client.send(r#"2["echo","root"]"#).await;
    client.expect(r#"2["echo","root"]"#).await;
    // From a handler, on `/`.
    root.join("root_room");
    client.send(r#"2["disconnect_me"]"#).await;
    client.expect("1").await;
    assert_ended_once(&io, &root, DisconnectReason::ServerNamespaceDisconnect, "root_room").await;
    client.assert_silent(QUIET).await;
    // The session is still up.
    io.join_more(&mut client, "/").await;
}

async fn transport_close_reaches_the_hook_once_with_rooms(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    root.join("root_room");
    custom.join("custom_room");
    client.close_transport().await;
    assert_ended_once(&io, &root, DisconnectReason::TransportClose, "root_room").await;
    assert_ended_once(&io, &custom, DisconnectReason::TransportClose, "custom_room").await;
}

async fn ping_timeout_reaches_the_hook_once_with_rooms(transport: Transport) {
    // The silent client times out about 1.2 s after its handshake.
    let io = TestIo::start(Setup::standard().engine(heartbeat(200, 1000))).await;
    let (mut alive, _) = io.join(transport, "/").await;
    let (mut silent, socket) = io.join(transport, "/").await;
    silent.stop_answering_pings();
    socket.join("room");
    // The client that reads, and so answers pings, stays.
    alive.assert_silent(Duration::from_millis(2000)).await;
    assert!(alive.pings_seen() >= 2, "pings seen: {}", alive.pings_seen());
    alive.send(r#"2["echo","alive"]"#).await;
    alive.expect(r#"2["echo","alive"]"#).await;
    assert_ended_once(&io, &socket, DisconnectReason::PingTimeout, "room").await;
    drop(silent);
}

async fn server_shutdown_reaches_the_hook_once_with_rooms(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    root.join("root_room");
    custom.join("custom_room");
    // On polling, have a GET in flight: the server accepts no request once
    // it shuts down.
    client.assert_silent(QUIET).await;
    io.shutdown().await;
    assert_ended_once(&io, &root, DisconnectReason::ServerShutdown, "root_room").await;
    assert_ended_once(&io, &custom, DisconnectReason::ServerShutdown, "custom_room").await;
    // Like Node's `io.close()`: the transport closes, no namespace
    // DISCONNECT, so that the official clients reconnect.
    let before: Vec<String> = client.closed().await.into_iter().map(|p| p.text).collect();
    assert!(before.is_empty(), "packets before the close: {before:?}");
}

/// `SocketIo::serve` documents that it returns once the disconnect hooks
/// ran: a program that exits after it loses no hook. The hooks here take
/// 300 ms, as one that saves state might.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_returns_after_the_disconnect_hooks_ran() {
    let slow = || Script::standard().slow_disconnect(Duration::from_millis(300));
    let io = TestIo::start(Setup::new().namespace("/", slow()).namespace("/custom", slow())).await;
    let mut sockets = Vec::new();
    for transport in [Transport::WebSocket, Transport::Polling] {
        let (mut client, root) = io.join(transport, "/").await;
        let custom = io.join_more(&mut client, "/custom").await;
        root.join("room");
        custom.join("room");
        sockets.extend([root, custom]);
        // A GET in flight on polling; the clients read on, so their
        // connections close promptly.
        client.assert_silent(QUIET).await;
        tokio::spawn(async move { client.closed().await });
    }
    io.shutdown().await;
    let mut not_run = Vec::new();
    for socket in &sockets {
        let id = socket.id().to_string();
        if !io
            .recorded_now(|h| matches!(h, Hook::Disconnect { .. }) && h.id() == id)
            .await
        {
            not_run.push(id);
        }
    }
    let left_in_rooms = [io.room_members("/", "room"), io.room_members("/custom", "room")].concat();
    assert!(
        not_run.is_empty() && left_in_rooms.is_empty(),
        "serve returned before the disconnect hooks of {not_run:?} ran; still in rooms: {left_in_rooms:?}"
    );
}

/// A polling client with no GET in flight cannot collect its close packet
/// once the listener is closed: shutting down must not wait for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_an_idle_polling_client_returns_promptly() {
    let io = TestIo::standard().await;
    let (_client, socket) = io.join(Transport::Polling, "/").await;
    let started = Instant::now();
    io.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "serve took {:?} to return",
        started.elapsed()
    );
    assert_eq!(
        io.disconnected(socket.id().as_str()).await.0,
        DisconnectReason::ServerShutdown
    );
}

async fn parse_error_reaches_the_hook_once_with_rooms(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    root.join("root_room");
    custom.join("custom_room");
    client.send("2[]").await;
    client.closed().await;
    assert_ended_once(&io, &root, DisconnectReason::ParseError, "root_room").await;
    assert_ended_once(&io, &custom, DisconnectReason::ParseError, "custom_room").await;
}

async fn close_connection_ends_every_namespace_with_forced_close(transport: Transport) {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(transport, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    root.join("root_room");
    custom.join("custom_room");
    client.send(r#"2/custom,["close_me"]"#).await;
    client.closed().await;
    assert_ended_once(&io, &root, DisconnectReason::ForcedClose, "root_room").await;
    assert_ended_once(&io, &custom, DisconnectReason::ForcedClose, "custom_room").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_polling_gets_reach_the_hook_as_transport_error() {
    let io = TestIo::standard().await;
    let (client, socket) = io.join(Transport::Polling, "/").await;
    socket.join("room");
    let http = socketio_support::http::Http::new(io.addr);
    let sid = client.sid.clone();
    let first = tokio::spawn(async move { http.poll(&sid).await });
    // The first GET is pending (nothing queued); a second one overlaps.
    let engine = io.io.engine().clone();
    wait_until("the first GET to be pending", || engine.stats().polls_pending == 1).await;
    let second = http.poll(&client.sid).await;
    assert_eq!(second.status, 400, "overlapping GET: {:?}", second.text());
    let first = within("the first GET to end", first).await.expect("task");
    assert_eq!(first.packets().last().map(String::as_str), Some("1"));
    assert_ended_once(&io, &socket, DisconnectReason::TransportError, "room").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disconnected_socket_refuses_emits_and_is_forgotten() {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(Transport::WebSocket, "/").await;
    let id = socket.id().to_string();
    assert!(io.server().socket("/", &id).is_some(), "registered while connected");
    assert!(socket.connected());
    socket.disconnect();
    client.expect("1").await;
    io.disconnected(&id).await;
    assert_eq!(socket.emit("late", &1), Err(EmitError::Disconnected));
    let ack = socket.emit_with_ack_timeout("late", &1, Duration::from_secs(5)).await;
    assert!(
        matches!(
            ack,
            Err(AckError::Disconnected | AckError::Emit(EmitError::Disconnected))
        ),
        "emit_with_ack after disconnect: {ack:?}"
    );
    wait_until("the socket to be forgotten", || io.server().socket("/", &id).is_none()).await;
    client.assert_silent(QUIET).await;
}
