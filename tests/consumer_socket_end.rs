//! How a socket ends: events accepted before a disconnect still run, in
//! order, before the disconnect hook; nothing is queued into a socket that
//! is ending; and every way out frees the socket (an event holding an ack
//! holds its socket, so a queue left full would leak it).

mod consumer_support;

use std::time::Duration;

use consumer_support::{Log, TestServer, within};
use sio::core::Value;
use sio::core::socketio::{Packet, PacketData};
use sio::{Ack, App, DisconnectReason, Socket, consumer};

/// Refuses every connection, after a while (a database lookup).
struct RefusesSlowly;

impl RefusesSlowly {
    fn new(_: &Log) -> Self {
        RefusesSlowly
    }
}

#[consumer(namespace = "/refuses-slowly", new = RefusesSlowly::new)]
impl RefusesSlowly {
    async fn connect(&mut self, _socket: &Socket) -> bool {
        tokio::time::sleep(Duration::from_millis(50)).await;
        false
    }

    async fn event_ping(&mut self, _socket: &Socket, ack: Option<Ack>) {
        drop(ack);
    }
}

/// Logs every event and the disconnect; `leave` disconnects the socket
/// from the server side, and the hook then takes its time.
struct Ending {
    log: Log,
}

impl Ending {
    fn new(log: &Log) -> Self {
        Ending { log: log.clone() }
    }
}

#[consumer(namespace = "/ending", new = Ending::new)]
impl Ending {
    async fn event_work(&mut self, _socket: &Socket, n: i64, ack: Option<Ack>) {
        drop(ack);
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.log.push(format!("work {n}"));
    }

    async fn event_leave(&mut self, socket: &Socket) {
        socket.disconnect();
    }

    async fn disconnect(&mut self, _socket: &Socket, reason: DisconnectReason) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.log.push(format!("disconnect {reason}"));
    }
}

/// Asks its client for an ack inside the connect hook, and logs what that
/// gave.
struct AsksEarly {
    log: Log,
}

impl AsksEarly {
    fn new(log: &Log) -> Self {
        AsksEarly { log: log.clone() }
    }
}

#[consumer(namespace = "/asks-early", new = AsksEarly::new)]
impl AsksEarly {
    async fn connect(&mut self, socket: &Socket) -> bool {
        let answer = socket.emit_with_ack("hello", &1).await;
        self.log.push(format!("asked: {answer:?}"));
        true
    }
}

/// Waits until no socket is left in memory. Nothing announces a drop, so
/// this polls; the bound makes a leak fail the test.
async fn no_socket_left(server: &TestServer) {
    within("every socket to be freed", async {
        while server.app.server().stats().sockets_in_memory != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

fn work(n: i64) -> Vec<Value> {
    vec![Value::from(n)]
}

#[tokio::test]
async fn a_refused_connect_with_acked_events_queued_frees_its_socket() {
    let log = Log::default();
    let server = TestServer::start(App::builder().state(log.clone())).await;
    for _ in 0..3 {
        let mut client = server.client().await;
        client.send(&Packet::connect("/refuses-slowly".to_owned(), None)).await;
        // Sent while the connect hook runs: they wait in the socket's queue.
        for _ in 0..3 {
            client.emit_with_ack("/refuses-slowly", "ping", Vec::new()).await;
        }
        let refusal = client.recv_packet().await;
        assert!(
            matches!(refusal.data, PacketData::ConnectError(_)),
            "refused: {refusal:?}"
        );
        client.close().await;
    }
    no_socket_left(&server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn events_after_a_server_disconnect_are_refused_and_the_socket_is_freed() {
    let log = Log::default();
    let server = TestServer::start(App::builder().state(log.clone())).await;
    let mut client = server.client().await.joined("/ending").await;
    client.emit("/ending", "leave", Vec::new()).await;
    // While the (slow) disconnect hook runs: refused, not queued forever.
    for n in 0..3 {
        client.emit_with_ack("/ending", "work", work(n)).await;
    }
    let goodbye = client.recv_packet().await;
    assert_eq!(goodbye.data, PacketData::Disconnect, "the client is told: {goodbye:?}");
    log.wait_for("disconnect", 1).await;
    assert_eq!(
        log.matching("work"),
        Vec::<String>::new(),
        "nothing ran after the disconnect"
    );
    no_socket_left(&server).await;
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn events_sent_before_the_client_leaves_run_in_order_before_the_disconnect_hook() {
    let log = Log::default();
    let server = TestServer::start(App::builder().state(log.clone())).await;
    let mut client = server.client().await.joined("/ending").await;
    for n in 0..5 {
        client.emit_with_ack("/ending", "work", work(n)).await;
    }
    client.send(&Packet::disconnect("/ending".to_owned())).await;
    log.wait_for("disconnect", 1).await;
    assert_eq!(
        log.entries(),
        [
            "work 0",
            "work 1",
            "work 2",
            "work 3",
            "work 4",
            "disconnect client namespace disconnect"
        ]
    );
    no_socket_left(&server).await;
    client.close().await;
    server.shutdown().await;
}

/// The client cannot answer before its CONNECT reply, which the hook holds
/// back: refused at once with a clear error, instead of a 30 s wait that
/// delayed the reply by as much.
#[tokio::test]
async fn emit_with_ack_inside_the_connect_hook_fails_at_once() {
    let log = Log::default();
    let server = TestServer::start(App::builder().state(log.clone())).await;
    let started = std::time::Instant::now();
    let client = server.client().await.joined("/asks-early").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the CONNECT reply came at once ({:?})",
        started.elapsed()
    );
    assert_eq!(log.entries(), ["asked: Err(Connecting)"]);
    client.close().await;
    server.shutdown().await;
}
