//! sio cluster nodes for the Redis tests: each one a real server on its own
//! port with its own Redis adapter, serving `/` and `/chat` with the event
//! protocol that `tests/js/cluster_server.mjs` implements for Node, so the
//! clients run the same steps against either kind of node.
//!
//! Client events (each answers its ack): `whoami`, `join`, `leave`,
//! `set_data`, `broadcast`, `broadcast_ack`, `fetch`, `remote_join`,
//! `remote_leave`, `remote_disconnect`, `fetched_emit`, `server_emit`,
//! `server_emit_ack`. Server-to-server events: `hello` (re-emitted to the
//! node's own clients as `server_event`) and `ping_nodes` (answered with
//! the node's name).

#![allow(dead_code)]

pub mod handler;
/// Binary in the drivers' JSON, as the interop tests write it.
#[path = "../interop_support/report.rs"]
pub mod report;
pub mod steps;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sio::server::config::Cors;
use sio::server::socketio::{ServerEvent, SocketIo};
use sio::{EngineConfig, SocketIoConfig};
use sio_redis::{RedisAdapter, RedisAdapterConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use handler::ClusterHandler;

/// The namespaces every node serves.
pub const NAMESPACES: [&str; 2] = ["/", "/chat"];

/// One sio node of a test cluster.
pub struct SioNode {
    pub name: String,
    pub io: SocketIo,
    pub redis: RedisAdapter,
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SioNode {
    /// Starts a node on a free port, joined to the cluster on `redis_url`
    /// (default key prefix), and waits until its subscriptions are up.
    pub async fn start(redis_url: &str, name: &str) -> SioNode {
        SioNode::start_with(RedisAdapterConfig::new(redis_url), name).await
    }

    /// [`start`](Self::start) with an explicit adapter configuration.
    pub async fn start_with(config: RedisAdapterConfig, name: &str) -> SioNode {
        let redis = RedisAdapter::connect(config)
            .await
            .unwrap_or_else(|error| panic!("node {name}: {error}"));
        let engine = EngineConfig::builder()
            .ping_interval(Duration::from_millis(1000))
            .ping_timeout(Duration::from_millis(2000))
            .cors(Cors::any())
            .build()
            .expect("valid engine settings");
        let mut config = SocketIoConfig::default();
        config.ack_timeout = Duration::from_secs(5);
        let mut builder = SocketIo::builder()
            .engine_config(engine)
            .config(config)
            .adapter(redis.factory());
        for namespace in NAMESPACES {
            let node: Arc<str> = name.into();
            builder = builder.namespace(namespace, move || Box::new(ClusterHandler::new(node.clone())));
        }
        let io = builder.build().expect("the cluster node builds");
        for namespace in NAMESPACES {
            register_server_events(&io, namespace, name);
        }
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let address = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel();
        let serving = io.clone();
        let task = tokio::spawn(async move {
            serving
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await
                .expect("the node served without error");
        });
        tokio::time::timeout(Duration::from_secs(10), redis.subscribed())
            .await
            .unwrap_or_else(|_| panic!("node {name}: Redis subscriptions not up within 10 s"));
        SioNode {
            name: name.to_owned(),
            io,
            redis,
            address,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The client URL of `namespace` on this node.
    pub fn url(&self, namespace: &str) -> String {
        let path = if namespace == "/" { "" } else { namespace };
        format!("http://{}{path}", self.address)
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Stops serving (clients see their connections close) and leaves the
    /// cluster.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), task).await;
        }
        self.redis.close();
    }
}

impl Drop for SioNode {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.redis.close();
    }
}

/// `hello`: re-emitted to this node's clients as `server_event`;
/// `ping_nodes`: the same, and answered with the node's name.
fn register_server_events(io: &SocketIo, namespace: &'static str, name: &str) {
    for event in ["hello", "ping_nodes"] {
        let server = io.server().clone();
        let node = name.to_owned();
        io.server()
            .on_server_event(namespace, event, move |event: ServerEvent| {
                let report = serde_json::json!({
                    "node": node,
                    "event": event.name,
                    "args": handler::to_json_all(&event.args),
                });
                let _ = server.of(namespace).local().emit("server_event", &report);
                if let Some(ack) = event.ack {
                    ack.send(&serde_json::json!({"node": node, "args": report["args"]}));
                }
            })
            .expect("the namespace exists");
    }
}
