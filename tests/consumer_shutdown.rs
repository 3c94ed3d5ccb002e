//! Graceful shutdown: every connection is closed (the transport, so that
//! the official clients reconnect), the disconnect hooks run with `server
//! shutting down`, and serving returns only after them.

mod consumer_support;

use std::time::Duration;

use consumer_support::{Log, Received, TestServer};
use sio::{App, DisconnectReason, Socket, consumer};

struct Goodbye {
    log: Log,
}

impl Goodbye {
    fn new(log: &Log) -> Self {
        Goodbye { log: log.clone() }
    }
}

#[consumer(namespace = "/goodbye", new = Goodbye::new)]
impl Goodbye {
    async fn disconnect(&mut self, socket: &Socket, reason: DisconnectReason) {
        // A slow hook: serving must still wait for it.
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.log.push(format!("disconnect {} {reason}", socket.namespace()));
    }
}

#[tokio::test]
async fn shutdown_closes_every_connection_and_returns_after_the_disconnect_hooks() {
    let log = Log::default();
    let server = TestServer::start(App::builder().state(log.clone())).await;
    let mut first = server.client().await.joined("/goodbye").await;
    let mut second = server.client().await.joined("/goodbye").await;

    server.shutdown().await;
    assert_eq!(
        log.entries(),
        [
            "disconnect /goodbye server shutting down",
            "disconnect /goodbye server shutting down"
        ],
        "both hooks ran before serving returned"
    );
    for client in [&mut first, &mut second] {
        assert_eq!(
            client.recv().await,
            Received::Closed,
            "the transport closes, no packet before"
        );
    }
}
