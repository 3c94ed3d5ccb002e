//! Different sockets run concurrently: one socket's handler may wait for
//! another socket's handler (a rendezvous) without deadlocking, on one
//! connection's two namespaces as on two connections.

mod consumer_support;

use std::sync::Arc;

use consumer_support::{TestServer, within};
use sio::core::Value;
use sio::{App, Socket, consumer};
use tokio::sync::Barrier;

/// Two handlers meet: each waits until the other has arrived.
struct Rendezvous {
    barrier: Arc<Barrier>,
}

impl Rendezvous {
    fn new(barrier: &Arc<Barrier>) -> Self {
        Rendezvous {
            barrier: barrier.clone(),
        }
    }
}

#[consumer(namespace = "/meet", new = Rendezvous::new)]
impl Rendezvous {
    async fn event_meet(&mut self, _socket: &Socket) -> &'static str {
        self.barrier.wait().await;
        "met"
    }
}

/// The same, on a second namespace, for one connection's two sockets.
struct OtherSide {
    barrier: Arc<Barrier>,
}

impl OtherSide {
    fn new(barrier: &Arc<Barrier>) -> Self {
        OtherSide {
            barrier: barrier.clone(),
        }
    }
}

#[consumer(namespace = "/meet-too", new = OtherSide::new)]
impl OtherSide {
    async fn event_meet(&mut self, _socket: &Socket) -> &'static str {
        self.barrier.wait().await;
        "met"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_of_two_connections_run_at_the_same_time() {
    let server = TestServer::start(App::builder().state(Arc::new(Barrier::new(2)))).await;
    let mut first = server.client().await.joined("/meet").await;
    let mut second = server.client().await.joined("/meet").await;
    let first_id = first.emit_with_ack("/meet", "meet", Vec::new()).await;
    let second_id = second.emit_with_ack("/meet", "meet", Vec::new()).await;
    // Run one at a time, the first handler would wait forever for the
    // second: both answer only if they run together.
    let (a, b) = within("both handlers to meet", async {
        tokio::join!(first.ack(first_id), second.ack(second_id))
    })
    .await;
    assert_eq!((a, b), (vec![Value::from("met")], vec![Value::from("met")]));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_of_one_connections_two_namespaces_run_at_the_same_time() {
    let server = TestServer::start(App::builder().state(Arc::new(Barrier::new(2)))).await;
    let mut client = server.client().await.joined("/meet").await.joined("/meet-too").await;
    let first = client.emit_with_ack("/meet", "meet", Vec::new()).await;
    let second = client.emit_with_ack("/meet-too", "meet", Vec::new()).await;
    let answers = within("both handlers to meet", async {
        let a = client.ack(first).await;
        let b = client.ack(second).await;
        (a, b)
    })
    .await;
    assert_eq!(answers, (vec![Value::from("met")], vec![Value::from("met")]));
    server.shutdown().await;
}
