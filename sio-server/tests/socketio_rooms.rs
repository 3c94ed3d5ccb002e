//! Rooms: join, leave, leave_all, rooms(), the own-id room, per-namespace
//! rooms, and the bulk operations on a selection.

mod socketio_support;

use serde_json::json;
use sio_server::socketio::DisconnectReason;
use socketio_support::{RawClient, TestIo, Transport, fence, until_fence, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_leave_and_leave_all_show_in_rooms() {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(Transport::WebSocket, "/").await;
    let id = socket.id().to_string();
    client.send(r#"21["join","b","a"]"#).await;
    client.expect(&format!(r#"31[["{id}","a","b"]]"#)).await;
    client.send(r#"22["join","a"]"#).await;
    client.expect(&format!(r#"32[["{id}","a","b"]]"#)).await;
    client.send(r#"23["leave","a"]"#).await;
    client.expect(&format!(r#"33[["{id}","b"]]"#)).await;
    assert_eq!(io.room_members("/", "a"), Vec::<String>::new());
    assert_eq!(io.room_members("/", "b"), vec![id.clone()]);
    socket.join_all(["c", "d"]);
    assert_eq!(socket.rooms(), [id.as_str(), "b", "c", "d"]);
    client.send(r#"24["leave_all"]"#).await;
    client.expect(&format!(r#"34[["{id}"]]"#)).await;
    for room in ["b", "c", "d"] {
        assert!(io.room_members("/", room).is_empty(), "room {room} after leave_all");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_belong_to_one_namespace() {
    let io = TestIo::standard().await;
    let (mut client, root) = io.join(Transport::WebSocket, "/").await;
    let custom = io.join_more(&mut client, "/custom").await;
    root.join("shared_name");
    assert_eq!(io.room_members("/", "shared_name"), vec![root.id().to_string()]);
    assert!(io.room_members("/custom", "shared_name").is_empty());
    custom.join("shared_name");
    assert_eq!(io.room_members("/custom", "shared_name"), vec![custom.id().to_string()]);
    io.server()
        .of("/custom")
        .to("shared_name")
        .emit("custom_room", &1)
        .expect("emit");
    client.expect(r#"2/custom,["custom_room",1]"#).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_id_room_targets_that_socket_only() {
    let io = TestIo::standard().await;
    let (a, socket_a) = io.join(Transport::WebSocket, "/").await;
    let (b, _) = io.join(Transport::Polling, "/").await;
    io.server()
        .to(socket_a.id().to_string())
        .emit("direct", &"to a")
        .expect("emit");
    fence(&io);
    let seen = until_fence(&mut [a, b]).await;
    assert_eq!(seen, [vec![r#"2["direct","to a"]"#.to_owned()], vec![]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_join_and_sockets_leave_act_on_a_selection() {
    let io = TestIo::standard().await;
    let mut ids = Vec::new();
    let mut clients = Vec::new();
    for room in ["r1", "r1", "other"] {
        let (client, socket) = io.join(Transport::WebSocket, "/").await;
        socket.join(room);
        ids.push(socket.id().to_string());
        clients.push(client);
    }
    let mut in_r1 = vec![ids[0].clone(), ids[1].clone()];
    in_r1.sort();
    io.server().to("r1").sockets_join(["r2", "r3"]).expect("sockets_join");
    assert_eq!(io.room_members("/", "r2"), in_r1);
    assert_eq!(io.room_members("/", "r3"), in_r1);
    io.server()
        .of("/")
        .except("r1")
        .sockets_join(["r3"])
        .expect("sockets_join");
    assert_eq!(io.room_members("/", "r3").len(), 3);
    io.server().of("/").sockets_leave(["r1", "r3"]).expect("sockets_leave");
    assert!(io.room_members("/", "r1").is_empty());
    assert!(io.room_members("/", "r3").is_empty());
    assert_eq!(io.room_members("/", "r2"), in_r1, "r2 untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_sockets_lists_ids_and_rooms_and_acts_on_them() {
    let io = TestIo::standard().await;
    let (mut a, socket_a) = io.join(Transport::WebSocket, "/").await;
    let (b, socket_b) = io.join(Transport::Polling, "/").await;
    socket_a.join("x");
    let mut fetched = io.server().fetch_sockets().await.expect("fetch_sockets");
    fetched.sort_by_key(|remote| remote.id().to_string());
    let mut expected = vec![
        (
            socket_a.id().to_string(),
            vec![socket_a.id().to_string(), "x".to_owned()],
        ),
        (socket_b.id().to_string(), vec![socket_b.id().to_string()]),
    ];
    expected.sort();
    let listed: Vec<(String, Vec<String>)> = fetched
        .iter()
        .map(|remote| {
            (
                remote.id().to_string(),
                remote.rooms().iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    assert_eq!(listed, expected);
    let in_x = io.server().to("x").fetch_sockets().await.expect("fetch_sockets");
    assert_eq!(in_x.len(), 1);
    in_x[0].emit("fetched", &json!({"hello": 1})).expect("emit");
    a.expect(r#"2["fetched",{"hello":1}]"#).await;
    in_x[0].join("y");
    assert_eq!(io.room_members("/", "y"), vec![socket_a.id().to_string()]);
    in_x[0].disconnect();
    a.expect("1").await;
    assert_eq!(
        io.disconnected(socket_a.id().as_str()).await.0,
        DisconnectReason::ServerNamespaceDisconnect
    );
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_sockets_leaves_the_namespace_or_closes_the_connection() {
    let io = TestIo::standard().await;
    let mut members = Vec::new();
    for _ in 0..2 {
        let (mut client, root) = io.join(Transport::WebSocket, "/").await;
        let custom = io.join_more(&mut client, "/custom").await;
        root.join("leaving");
        members.push((client, root, custom));
    }
    let (mut outsider, outsider_socket) = io.join(Transport::Polling, "/").await;

    // Without close: the members leave `/`, their sessions stay up.
    io.server()
        .to("leaving")
        .disconnect_sockets(false)
        .expect("disconnect_sockets");
    for (client, root, custom) in &mut members {
        client.expect("1").await;
        let (reason, rooms) = io.disconnected(root.id().as_str()).await;
        assert_eq!(reason, DisconnectReason::ServerNamespaceDisconnect);
        assert!(rooms.contains(&"leaving".to_owned()), "rooms in the hook: {rooms:?}");
        client.send(r#"2/custom,["echo","still up"]"#).await;
        client.expect(r#"2/custom,["echo","still up"]"#).await;
        io.assert_no_disconnect(custom.id().as_str()).await;
    }
    wait_until("the room to empty", || io.room_members("/", "leaving").is_empty()).await;
    io.assert_no_disconnect(outsider_socket.id().as_str()).await;

    // With close: every namespace of the member connections ends.
    let (first, _, custom) = &mut members[0];
    custom.join("closing");
    io.server()
        .of("/custom")
        .to("closing")
        .disconnect_sockets(true)
        .expect("disconnect_sockets");
    first.closed().await;
    let (reason, _) = io.disconnected(custom.id().as_str()).await;
    assert_eq!(reason, DisconnectReason::ForcedClose);
    let (second, _, second_custom) = &mut members[1];
    second.send(r#"2/custom,["echo","second up"]"#).await;
    second.expect(r#"2/custom,["echo","second up"]"#).await;
    io.assert_no_disconnect(second_custom.id().as_str()).await;
    outsider.send(r#"2["echo","outsider up"]"#).await;
    outsider.expect(r#"2["echo","outsider up"]"#).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_broadcast_reaches_a_polling_member() {
    let io = TestIo::standard().await;
    let (mut client, socket) = io.join(Transport::Polling, "/").await;
    client.send(r#"21["join","p"]"#).await;
    client.expect(&format!(r#"31[["{}","p"]]"#, socket.id())).await;
    let (mut other, _) = RawClient::connected(io.addr, Transport::WebSocket, "/").await;
    other.send(r#"2["to_room","p","from ws"]"#).await;
    client.expect(r#"2["room","from ws"]"#).await;
}
