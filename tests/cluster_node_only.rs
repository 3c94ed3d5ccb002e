//! The cluster test tools on their own, without any sio code: a real
//! `redis-server` (`support/redis.rs`), two npm `socket.io` nodes with
//! `@socket.io/redis-adapter` on it (`support/node_cluster.rs`), and npm
//! `socket.io-client` clients driven over stdin (`support/js_driver.rs`).
//! What passes here is the reference the sio nodes are held to.
//!
//! Needs redis-server, Node.js and `npm ci` in `tests/js`
//! (`./scripts/test.sh` provides them); a missing one fails the test.

#[path = "support/js_driver.rs"]
mod js_driver;
#[path = "support/node_cluster.rs"]
mod node_cluster;
#[path = "support/node_process.rs"]
mod node_process;
#[path = "support/redis.rs"]
mod redis_server;

use std::time::{Duration, Instant};

use js_driver::JsDriver;
use node_cluster::NodeClusterServer;
use redis_server::RedisServer;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(5);

/// A Redis, nodes A and B on it, and a driver with client `c1` on A and `c2`
/// on B (namespace `/`), both in `room1`.
struct Cluster {
    redis: RedisServer,
    a: NodeClusterServer,
    b: NodeClusterServer,
    driver: JsDriver,
    sid1: String,
    sid2: String,
}

impl Cluster {
    async fn start(c2_opts: Value) -> Cluster {
        let redis = RedisServer::start().await;
        let url = redis.url();
        let (a, b) = tokio::join!(
            NodeClusterServer::start(&url, "A", None),
            NodeClusterServer::start(&url, "B", None),
        );
        let driver = JsDriver::start().await;
        let sid1 = driver
            .connect("c1", &a.url("/"), json!({}))
            .await
            .expect("c1 connects to A");
        let sid2 = driver
            .connect("c2", &b.url("/"), c2_opts)
            .await
            .expect("c2 connects to B");
        for client in ["c1", "c2"] {
            let joined = driver.emit_ack(client, "join", vec![json!("room1")]).await;
            assert_eq!(joined, Ok(vec![json!(true)]), "{client} joins room1");
        }
        Cluster {
            redis,
            a,
            b,
            driver,
            sid1,
            sid2,
        }
    }

    /// `c1` asks its node for `event` with `opts` and returns the one ack argument.
    async fn ask(&self, event: &str, opts: Value) -> Value {
        let mut acked = self
            .driver
            .emit_ack("c1", event, vec![opts])
            .await
            .unwrap_or_else(|error| panic!("{event}: {error}"));
        assert_eq!(acked.len(), 1, "{event} acks with one argument: {acked:?}");
        acked.remove(0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_cluster_broadcasts_fetches_and_acks_across_nodes() {
    let cluster = Cluster::start(json!({})).await;
    let driver = &cluster.driver;
    assert_eq!(
        cluster.redis.publish_count("socket.io-request#/#").await,
        2,
        "both nodes listen on the request channel of /"
    );
    assert_eq!(
        cluster.ask("whoami", json!(null)).await,
        json!({"node": "A", "id": cluster.sid1})
    );

    // c3 is in room1 too, but of /chat on B: nothing of / reaches it.
    driver
        .connect("c3", &cluster.b.url("/chat"), json!({"transports": ["websocket"]}))
        .await
        .expect("c3 connects to /chat on B");
    assert_eq!(
        driver.emit_ack("c3", "join", vec![json!("room1")]).await,
        Ok(vec![json!(true)])
    );

    // A room broadcast from A reaches the sender on A and c2 on B, binary included.
    let args = json!(["hi", {"$bin": "00ff10"}]);
    assert_eq!(
        cluster
            .ask("broadcast", json!({"rooms": ["room1"], "args": args}))
            .await,
        json!(true)
    );
    for client in ["c1", "c2"] {
        let got = driver.wait_event(client, "msg", 1, WAIT).await;
        assert_eq!(got, Ok(vec![args.clone()]), "{client} gets the room broadcast");
    }

    let chat = json!({"rooms": ["room1"], "args": ["in chat"]});
    assert_eq!(
        driver.emit_ack("c3", "broadcast", vec![chat]).await,
        Ok(vec![json!(true)])
    );
    assert_eq!(
        driver.wait_event("c3", "msg", 1, WAIT).await,
        Ok(vec![json!(["in chat"])]),
        "c3 gets its /chat broadcast and nothing of /"
    );

    // fetchSockets sees both nodes' sockets, with their rooms, data and handshake.
    let set = driver.emit_ack("c2", "set_data", vec![json!({"n": 2})]).await;
    assert_eq!(set, Ok(vec![json!(true)]));
    let fetched = cluster.ask("fetch", json!({"rooms": ["room1"]})).await;
    let ids: Vec<&str> = fetched
        .as_array()
        .unwrap_or_else(|| panic!("fetch answers sockets: {fetched}"))
        .iter()
        .filter_map(|socket| socket["id"].as_str())
        .collect();
    let mut expected = vec![cluster.sid1.as_str(), cluster.sid2.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected, "fetch: {fetched}");
    let remote = fetched
        .as_array()
        .and_then(|sockets| sockets.iter().find(|socket| socket["id"] == json!(cluster.sid2)))
        .expect("c2 among the fetched sockets");
    assert_eq!(remote["data"], json!({"n": 2}));
    let mut rooms = vec![cluster.sid2.clone(), "room1".to_owned()];
    rooms.sort();
    assert_eq!(remote["rooms"], json!(rooms));
    assert_eq!(
        remote["handshake"]["headers_host"],
        json!(format!("127.0.0.1:{}", cluster.b.port()))
    );

    // A broadcast with acks collects both clients' answers.
    let acked = cluster
        .ask(
            "broadcast_ack",
            json!({"rooms": ["room1"], "args": [7], "timeout": 3000}),
        )
        .await;
    assert_eq!(acked["timedOut"], json!(false), "{acked}");
    let mut answers: Vec<Value> = acked["answers"].as_array().cloned().unwrap_or_default();
    answers.sort_by_key(|answer| answer["client"].as_str().map(str::to_owned));
    assert_eq!(
        answers,
        vec![
            json!({"client": "c1", "args": [7]}),
            json!({"client": "c2", "args": [7]}),
        ]
    );

    // A client that never answers: the broadcast times out with the answers it got.
    driver.configure("c2", false, 0).await;
    let partial = cluster
        .ask(
            "broadcast_ack",
            json!({"rooms": ["room1"], "args": [8], "timeout": 500}),
        )
        .await;
    assert_eq!(
        partial,
        json!({"timedOut": true, "answers": [{"client": "c1", "args": [8]}]})
    );
    driver.configure("c2", true, 0).await;

    // serverSideEmit with an ack: only the other node answers (a node does
    // not receive its own server-side events).
    let pinged = cluster
        .ask("server_emit_ack", json!({"event": "ping_nodes", "args": ["x"]}))
        .await;
    assert_eq!(
        pinged,
        json!({"timedOut": false, "answers": [{"node": "B", "args": ["x"]}]})
    );
    let shown = driver.wait_event("c2", "server_event", 1, WAIT).await;
    assert_eq!(
        shown,
        Ok(vec![json!([{"node": "B", "event": "ping_nodes", "args": ["x"]}])])
    );
    assert_eq!(driver.events("c1", "server_event").await, Vec::<Value>::new());

    // RemoteSocket.emit reaches a socket of the other node.
    let found = cluster
        .ask(
            "fetched_emit",
            json!({"id": cluster.sid2, "event": "msg", "args": ["direct"]}),
        )
        .await;
    assert_eq!(found, json!(true));
    let direct = driver.wait_event("c2", "msg", 2, WAIT).await;
    assert_eq!(direct.map(|all| all[1].clone()), Ok(json!(["direct"])));

    // disconnectSockets across nodes, aimed at c2's own room.
    assert_eq!(
        cluster.ask("remote_disconnect", json!({"rooms": [cluster.sid2]})).await,
        json!(true)
    );
    assert_eq!(
        driver.wait_disconnect("c2", WAIT).await,
        Ok("io server disconnect".to_owned())
    );
    assert_eq!(
        cluster.ask("fetch", json!({})).await.as_array().map(Vec::len),
        Some(1),
        "only c1 is left"
    );

    let mut cluster = cluster;
    cluster.driver.shutdown().await;
    cluster.a.stop().await;
    cluster.b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_cluster_recovers_from_redis_and_node_restarts() {
    // c2 rejoins room1 by itself when it reconnects, and quickly.
    let c2_opts = json!({"auth": {"rooms": ["room1"]}, "reconnectionDelay": 100, "reconnectionDelayMax": 200});
    let mut cluster = Cluster::start(c2_opts).await;

    // While Redis is down a broadcast still reaches the local sockets.
    cluster.redis.kill().await;
    cluster.driver.clear("c1").await;
    assert_eq!(
        cluster
            .ask("broadcast", json!({"rooms": ["room1"], "args": ["alone"]}))
            .await,
        json!(true)
    );
    let local = cluster.driver.wait_event("c1", "msg", 1, WAIT).await;
    assert_eq!(local, Ok(vec![json!(["alone"])]));

    // Once Redis is back, node-redis reconnects and resubscribes by itself.
    cluster.redis.restart().await;
    cross_node_broadcast_works(&cluster, "after the Redis restart").await;

    // Node B dies: c2 sees its connection drop, and reconnects when B is back.
    cluster.b.kill().await;
    assert_eq!(
        cluster.driver.wait_disconnect("c2", WAIT).await,
        Ok("transport close".to_owned())
    );
    cluster.b.restart().await;
    let sid = cluster
        .driver
        .wait_reconnect("c2", Duration::from_secs(10))
        .await
        .expect("c2 reconnects to the restarted B");
    assert_ne!(sid, cluster.sid2, "a new socket");
    cross_node_broadcast_works(&cluster, "after B restarted").await;

    cluster.driver.shutdown().await;
    cluster.a.stop().await;
    cluster.b.stop().await;
}

/// Broadcasts from c1 to room1 until c2 (on B) receives one; fails after 15 s.
async fn cross_node_broadcast_works(cluster: &Cluster, when: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    cluster.driver.clear("c2").await;
    for attempt in 0u32.. {
        let sent = cluster
            .ask("broadcast", json!({"rooms": ["room1"], "args": ["again", attempt]}))
            .await;
        assert_eq!(sent, json!(true));
        if cluster
            .driver
            .wait_event("c2", "msg", 1, Duration::from_millis(300))
            .await
            .is_ok()
        {
            eprintln!("{when}: a broadcast crossed nodes at attempt {}", attempt + 1);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{when}: no broadcast from A reached c2 on B within 15 s ({} attempts); Redis log:\n{}",
            attempt + 1,
            cluster.redis.log_text()
        );
    }
}
