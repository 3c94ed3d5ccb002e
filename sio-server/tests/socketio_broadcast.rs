//! Broadcasts: who gets them (rooms, exceptions, the sender, namespaces),
//! once each, and broadcasts that collect acknowledgements.
//!
//! Who did not get a broadcast is proven with a fence: an event emitted to
//! everyone afterwards; each socket receives packets in emit order.

mod socketio_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use sio_core::socketio::Packet;
use sio_server::socketio::{AckError, Adapter, BroadcastOptions, InMemoryAdapter, Room, Socket, SocketId};
use socketio_support::{RawClient, Setup, TestIo, Transport, fence, until_fence, value, within};

/// Three clients of `/` on mixed transports, each in the given rooms.
async fn members(io: &TestIo, rooms: [&[&'static str]; 3]) -> (Vec<RawClient>, Vec<Socket>) {
    let transports = [Transport::WebSocket, Transport::Polling, Transport::WebSocket];
    let mut clients = Vec::new();
    let mut sockets = Vec::new();
    for (transport, rooms) in transports.into_iter().zip(rooms) {
        let (client, socket) = io.join(transport, "/").await;
        socket.join_all(rooms.iter().copied());
        clients.push(client);
        sockets.push(socket);
    }
    (clients, sockets)
}

fn room_packet(payload: &str) -> Vec<String> {
    vec![format!(r#"2["room","{payload}"]"#)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_to_room_includes_the_sender() {
    let io = TestIo::standard().await;
    let (mut clients, _) = members(&io, [&["r"], &["r"], &[]]).await;
    clients[0].send(r#"2["server_to_room","r","hi"]"#).await;
    clients[0].send(r#"2["fence"]"#).await;
    let seen = until_fence(&mut clients).await;
    assert_eq!(seen, [room_packet("hi"), room_packet("hi"), vec![]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_to_room_excludes_the_sender() {
    let io = TestIo::standard().await;
    let (mut clients, _) = members(&io, [&["r"], &["r"], &[]]).await;
    clients[0].send(r#"2["to_room","r","hi"]"#).await;
    clients[0].send(r#"2["fence"]"#).await;
    let seen = until_fence(&mut clients).await;
    assert_eq!(seen, [vec![], room_packet("hi"), vec![]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_broadcast_reaches_everyone_but_the_sender() {
    let io = TestIo::standard().await;
    let (mut clients, _) = members(&io, [&[], &[], &[]]).await;
    clients[1].send(r#"2["broadcast","all"]"#).await;
    clients[1].send(r#"2["fence"]"#).await;
    let seen = until_fence(&mut clients).await;
    assert_eq!(seen, [room_packet("all"), vec![], room_packet("all")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn except_excludes_a_room_or_a_socket() {
    let io = TestIo::standard().await;
    let (mut clients, sockets) = members(&io, [&["r"], &["r"], &[]]).await;
    clients[0].send(r#"2["except_room","r","not r"]"#).await;
    clients[0].send(r#"2["fence"]"#).await;
    let seen = until_fence(&mut clients).await;
    assert_eq!(seen, [vec![], vec![], room_packet("not r")]);

    io.server()
        .except(sockets[1].id().to_string())
        .emit("room", &"not b")
        .expect("emit");
    io.server()
        .to("r")
        .except(sockets[0].id().to_string())
        .emit("room", &"r but not a")
        .expect("emit");
    fence(&io);
    let seen = until_fence(&mut clients).await;
    assert_eq!(
        seen,
        [room_packet("not b"), room_packet("r but not a"), room_packet("not b")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_rooms_deliver_once_to_members_of_both() {
    let io = TestIo::standard().await;
    let (mut clients, _) = members(&io, [&["r1"], &["r1", "r2"], &["r3"]]).await;
    io.server().to("r1").to("r2").emit("room", &"once").expect("emit");
    io.server()
        .of("/")
        .within("r2")
        .within("r3")
        .emit("room", &"within")
        .expect("emit");
    fence(&io);
    let seen = until_fence(&mut clients).await;
    assert_eq!(
        seen,
        [
            room_packet("once"),
            vec![r#"2["room","once"]"#.to_owned(), r#"2["room","within"]"#.to_owned()],
            room_packet("within"),
        ]
    );
    // The same from a handler, with the sender in both rooms.
    clients[1].send(r#"2["to_rooms",["r1","r2","r1"],"handler"]"#).await;
    clients[1].send(r#"2["fence"]"#).await;
    let seen = until_fence(&mut clients).await;
    assert_eq!(seen, [room_packet("handler"), room_packet("handler"), vec![]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_stay_in_their_namespace() {
    let io = TestIo::standard().await;
    let (mut both, root) = io.join(Transport::WebSocket, "/").await;
    let custom = io.join_more(&mut both, "/custom").await;
    let (root_only, _) = io.join(Transport::Polling, "/").await;
    custom.join("r");
    io.server().of("/custom").emit("ns", &1).expect("emit");
    // `/` has no socket in "r": the /custom member is not reached from `/`.
    io.server().to("r").emit("ns", &2).expect("emit");
    io.server()
        .of("/")
        .namespace("/custom")
        .to("r")
        .emit("ns", &3)
        .expect("emit");
    fence(&io);
    let seen = until_fence(&mut [both, root_only]).await;
    assert_eq!(
        seen,
        [
            vec![r#"2/custom,["ns",1]"#.to_owned(), r#"2/custom,["ns",3]"#.to_owned()],
            vec![]
        ]
    );
    assert!(root.rooms().iter().all(|room| room != "r"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_and_volatile_broadcasts_reach_connected_clients() {
    let io = TestIo::standard().await;
    let (mut clients, _) = members(&io, [&["r"], &[], &[]]).await;
    io.server().local().emit("room", &"local").expect("emit");
    io.server().to("r").volatile().emit("room", &"volatile").expect("emit");
    fence(&io);
    let seen = until_fence(&mut clients).await;
    assert_eq!(
        seen,
        [
            vec![r#"2["room","local"]"#.to_owned(), r#"2["room","volatile"]"#.to_owned()],
            room_packet("local"),
            room_packet("local"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_with_ack_collects_answers_and_lists_the_missing() {
    let io = TestIo::standard().await;
    let (mut clients, sockets) = members(&io, [&["r"], &["r"], &["r"]]).await;
    let broadcast = {
        let operator = io.server().to("r").timeout(Duration::from_millis(500));
        tokio::spawn(async move { operator.emit_with_ack("question", &json!({"q": 1})).await })
    };
    let started = Instant::now();
    for (index, client) in clients.iter_mut().enumerate() {
        let question = client.expect_event("question").await;
        let ack_id = question.ack_id.expect("ack id");
        if index < 2 {
            client.send(&format!(r#"3{ack_id}["from {index}"]"#)).await;
        }
    }
    let responses = within("the broadcast acks", broadcast)
        .await
        .expect("task")
        .expect("emit_with_ack");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "returned after {:?}, before the timeout",
        started.elapsed()
    );
    let mut answers: Vec<(String, Vec<sio_core::Value>)> = responses
        .answers
        .iter()
        .map(|(id, args)| (id.as_ref().expect("a local socket's id").to_string(), args.clone()))
        .collect();
    answers.sort_by(|a, b| a.1.first().map(|v| v.as_str()).cmp(&b.1.first().map(|v| v.as_str())));
    assert_eq!(
        answers,
        vec![
            (sockets[0].id().to_string(), vec![value(json!("from 0"))]),
            (sockets[1].id().to_string(), vec![value(json!("from 1"))]),
        ]
    );
    let missing: Vec<(String, AckError)> = responses
        .missing
        .iter()
        .map(|(id, error)| (id.to_string(), error.clone()))
        .collect();
    assert_eq!(missing, vec![(sockets[2].id().to_string(), AckError::Timeout)]);
    assert!(!responses.is_complete());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_with_ack_returns_as_soon_as_everyone_answered() {
    let io = TestIo::standard().await;
    let (mut clients, _) = members(&io, [&[], &[], &[]]).await;
    // From a handler: the sender answers too, while its handler waits.
    clients[0].send(r#"2["ask_all","question",1,30000]"#).await;
    for client in clients.iter_mut() {
        let question = client.expect_event("question").await;
        let ack_id = question.ack_id.expect("ack id");
        client.send(&format!(r#"3{ack_id}["ok"]"#)).await;
    }
    clients[0].expect(r#"2["asked_all",{"answers":3,"missing":0}]"#).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_with_ack_counts_a_client_that_leaves_as_missing() {
    let io = TestIo::standard().await;
    let (mut clients, sockets) = members(&io, [&[], &[], &[]]).await;
    let broadcast = {
        let operator = io.server().of("/").timeout(Duration::from_secs(30));
        tokio::spawn(async move { operator.emit_with_ack("question", &1).await })
    };
    for (index, client) in clients.iter_mut().enumerate() {
        let question = client.expect_event("question").await;
        if index == 2 {
            client.close_transport().await;
        } else {
            let ack_id = question.ack_id.expect("ack id");
            client.send(&format!(r#"3{ack_id}["ok"]"#)).await;
        }
    }
    let responses = within("the broadcast acks after a client left", broadcast)
        .await
        .expect("task")
        .expect("emit_with_ack");
    assert_eq!(responses.answers.len(), 2, "{responses:?}");
    let missing: Vec<String> = responses.missing.iter().map(|(id, _)| id.to_string()).collect();
    assert_eq!(missing, vec![sockets[2].id().to_string()]);
}

/// An adapter that keeps rooms in memory and records what it is asked to
/// publish to other nodes, as a cluster adapter would send it.
struct RecordingAdapter {
    rooms: InMemoryAdapter,
    published: Arc<Mutex<Vec<(String, BroadcastOptions)>>>,
}

impl Adapter for RecordingAdapter {
    fn add_socket(&self, socket: &SocketId) {
        self.rooms.add_socket(socket);
    }

    fn add_all(&self, socket: &SocketId, rooms: &[Room]) {
        self.rooms.add_all(socket, rooms);
    }

    fn del(&self, socket: &SocketId, room: &Room) {
        self.rooms.del(socket, room);
    }

    fn del_all(&self, socket: &SocketId) {
        self.rooms.del_all(socket);
    }

    fn socket_rooms(&self, socket: &SocketId) -> Vec<Room> {
        self.rooms.socket_rooms(socket)
    }

    fn local_sockets(&self, options: &BroadcastOptions) -> Vec<SocketId> {
        self.rooms.local_sockets(options)
    }

    fn rooms(&self) -> Vec<Room> {
        self.rooms.rooms()
    }

    fn has_room(&self, room: &str) -> bool {
        self.rooms.has_room(room)
    }

    fn publish(&self, packet: &Packet, options: &BroadcastOptions) {
        let mut published = self.published.lock().expect("lock");
        published.push((packet.encode().text, options.clone()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_adapter_routes_rooms_and_gets_non_local_broadcasts() {
    let published: Arc<Mutex<Vec<(String, BroadcastOptions)>>> = Arc::default();
    let setup = {
        let published = published.clone();
        Setup::standard().adapter(move |_| {
            Arc::new(RecordingAdapter {
                rooms: InMemoryAdapter::new(),
                published: published.clone(),
            })
        })
    };
    let io = TestIo::start(setup).await;
    let (mut clients, sockets) = members(&io, [&["r"], &[], &[]]).await;
    io.server().emit("all", &1).expect("emit");
    io.server().local().emit("mine", &2).expect("emit");
    io.server().to("r").except("x").emit("room", &"r").expect("emit");
    fence(&io);
    let seen = until_fence(&mut clients).await;
    let local = [r#"2["all",1]"#.to_owned(), r#"2["mine",2]"#.to_owned()];
    assert_eq!(
        seen,
        [
            [&local[..], &[r#"2["room","r"]"#.to_owned()]].concat(),
            local.to_vec(),
            local.to_vec()
        ]
    );
    let recorded = published.lock().expect("lock").clone();
    let texts: Vec<&str> = recorded.iter().map(|(text, _)| text.as_str()).collect();
    assert_eq!(
        texts,
        [r#"2["all",1]"#, r#"2["room","r"]"#, r#"2["fence",0]"#],
        "local() is not published"
    );
    assert_eq!(recorded[1].1.rooms, [Room::from("r")]);
    assert_eq!(recorded[1].1.except, [Room::from("x")]);
    assert!(!recorded[1].1.local);
    // `socket.to` excludes the sender on the other nodes too.
    sockets[0].to("r").emit("room", &"from a").expect("emit");
    let recorded = published.lock().expect("lock").clone();
    let (text, options) = recorded.last().expect("published");
    assert_eq!(text, r#"2["room","from a"]"#);
    assert_eq!(options.rooms, [Room::from("r")]);
    assert!(
        options.except.contains(&Room::from(sockets[0].id().to_string())),
        "except {:?}",
        options.except
    );
}
