//! sio nodes sharing a real `redis-server` through `sio-redis`, with npm
//! `socket.io-client` clients on each node (driven by
//! `tests/js/cluster_driver.mjs`): broadcasts with rooms, exceptions,
//! namespaces and `local`; cluster-wide `fetch_sockets`, joins, leaves and
//! disconnects; server-to-server events; broadcasts with acknowledgements,
//! including a node that dies before answering; Redis restarting.
//!
//! Needs redis-server, Node.js and `npm ci` in `tests/js`
//! (`./scripts/test.sh` provides them); a missing one fails the test.

mod cluster_support;
#[path = "support/js_driver.rs"]
mod js_driver;
#[path = "support/node_process.rs"]
mod node_process;
#[path = "support/redis.rs"]
mod redis_server;

use std::time::{Duration, Instant};

use cluster_support::SioNode;
use cluster_support::steps::{WAIT, ask, poll_fetch};
use js_driver::JsDriver;
use redis_server::RedisServer;
use serde_json::{Value, json};

/// The `msg` payloads `client` got, after waiting for the `end` marker
/// broadcast to everyone: Redis keeps one publisher's order, so every
/// earlier message has arrived by then.
async fn messages_until_end(driver: &JsDriver, client: &str) -> Vec<Value> {
    driver
        .wait_event(client, "end", 1, WAIT)
        .await
        .unwrap_or_else(|error| panic!("{client} never got the end marker: {error}"));
    let received = driver.events(client, "msg").await;
    driver.clear(client).await;
    received.into_iter().map(|args| args[0].clone()).collect()
}

/// Broadcasts the `end` marker to every socket of `/` from `client`.
async fn end_marker(driver: &JsDriver, client: &str) {
    assert_eq!(
        ask(driver, client, "broadcast", json!({"event": "end"})).await,
        json!(true)
    );
}

/// Three nodes A, B, C; clients `a1` (A), `b1` (B), `c1` (C) on `/`, `b2`
/// on B in `/chat`. `a1` and `b1` in `red`, `b1` in `blue`.
struct Three {
    _redis: RedisServer,
    nodes: Vec<SioNode>,
    driver: JsDriver,
    ids: Vec<String>,
}

impl Three {
    async fn start() -> Three {
        let redis = RedisServer::start().await;
        let url = redis.url();
        let nodes = vec![
            SioNode::start(&url, "A").await,
            SioNode::start(&url, "B").await,
            SioNode::start(&url, "C").await,
        ];
        let driver = JsDriver::start().await;
        let mut ids = Vec::new();
        for (client, node, namespace) in [("a1", 0, "/"), ("b1", 1, "/"), ("c1", 2, "/"), ("b2", 1, "/chat")] {
            let id = driver
                .connect(
                    client,
                    &nodes[node].url(namespace),
                    json!({"transports": ["websocket"]}),
                )
                .await
                .unwrap_or_else(|error| panic!("{client} connects: {error}"));
            ids.push(id);
        }
        for (client, room) in [("a1", "red"), ("b1", "red"), ("b1", "blue")] {
            assert_eq!(ask(&driver, client, "join", json!(room)).await, json!(true));
        }
        Three {
            _redis: redis,
            nodes,
            driver,
            ids,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_reach_every_matching_socket_on_every_node_exactly_once() {
    let three = Three::start().await;
    let driver = &three.driver;
    let cases = [
        (json!({"rooms": ["red"], "args": ["to red"]}), vec!["a1", "b1"]),
        (json!({"args": ["to all"]}), vec!["a1", "b1", "c1"]),
        (json!({"except": ["red"], "args": ["not red"]}), vec!["c1"]),
        (
            json!({"rooms": ["red", "blue"], "args": ["red or blue"]}),
            vec!["a1", "b1"],
        ),
        (
            json!({"rooms": ["red"], "except": ["blue"], "args": ["red not blue"]}),
            vec!["a1"],
        ),
        (json!({"local": true, "args": ["local"]}), vec!["c1"]),
        (
            json!({"rooms": [three.ids[1].clone()], "args": ["to b1 by id"]}),
            vec!["b1"],
        ),
    ];
    for (options, expected) in cases {
        assert_eq!(ask(driver, "c1", "broadcast", options.clone()).await, json!(true));
        end_marker(driver, "c1").await;
        let payload = options["args"][0].clone();
        for client in ["a1", "b1", "c1"] {
            let got = messages_until_end(driver, client).await;
            let want: Vec<Value> = if expected.contains(&client) {
                vec![payload.clone()]
            } else {
                vec![]
            };
            assert_eq!(got, want, "{client} for {options}");
        }
        assert!(
            driver.events("b2", "msg").await.is_empty(),
            "/chat got a broadcast to / ({options})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_sockets_and_bulk_operations_span_the_cluster() {
    let three = Three::start().await;
    let driver = &three.driver;
    assert_eq!(
        ask(driver, "b1", "set_data", json!({"user": "bea", "n": 7})).await,
        json!(true)
    );

    let all = ask(driver, "a1", "fetch", json!({})).await;
    let mut ids: Vec<String> = three.ids[..3].to_vec();
    ids.sort();
    let fetched: Vec<&str> = all
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(fetched, ids.iter().map(String::as_str).collect::<Vec<_>>(), "{all}");
    let b1 = all
        .as_array()
        .and_then(|list| list.iter().find(|s| s["id"] == json!(three.ids[1])))
        .expect("b1 is fetched");
    assert_eq!(b1["data"], json!({"user": "bea", "n": 7}));
    let mut b1_rooms = vec![three.ids[1].clone(), "blue".to_owned(), "red".to_owned()];
    b1_rooms.sort();
    assert_eq!(b1["rooms"], json!(b1_rooms));
    assert_eq!(b1["local"], json!(false));
    assert_eq!(b1["handshake"]["address"], json!("127.0.0.1"));
    assert!(
        b1["handshake"]["url"]
            .as_str()
            .is_some_and(|url| url.starts_with("/socket.io/")),
        "{b1}"
    );

    let red = ask(driver, "c1", "fetch", json!({"rooms": ["red"], "except": ["blue"]})).await;
    assert_eq!(red.as_array().map(Vec::len), Some(1), "{red}");
    assert_eq!(red[0]["id"], json!(three.ids[0]));

    // Every socket of `/` not in red joins green, on every node.
    assert_eq!(
        ask(driver, "a1", "remote_join", json!({"except": ["red"], "room": "green"})).await,
        json!(true)
    );
    let green = ask(driver, "b1", "fetch", json!({"rooms": ["green"]})).await;
    assert_eq!(green.as_array().map(Vec::len), Some(1), "{green}");
    assert_eq!(green[0]["id"], json!(three.ids[2]));

    assert_eq!(
        ask(driver, "c1", "remote_leave", json!({"rooms": ["red"], "room": "red"})).await,
        json!(true)
    );
    let red = poll_fetch(driver, "c1", json!({"rooms": ["red"]}), 0).await;
    assert_eq!(red, json!([]));

    // A fetched remote socket can be emitted to: the emit crosses nodes.
    let emitted = ask(
        driver,
        "a1",
        "fetched_emit",
        json!({"id": three.ids[2], "event": "msg", "args": ["direct"]}),
    )
    .await;
    assert_eq!(emitted, json!(true));
    let got = driver
        .wait_event("c1", "msg", 1, WAIT)
        .await
        .expect("c1 gets the direct emit");
    assert_eq!(got, vec![json!(["direct"])]);

    // Disconnect everyone in blue (b1 on node B) from node C.
    assert_eq!(
        ask(driver, "c1", "remote_disconnect", json!({"rooms": ["blue"]})).await,
        json!(true)
    );
    let reason = driver.wait_disconnect("b1", WAIT).await.expect("b1 is disconnected");
    assert_eq!(reason, "io server disconnect");
    assert!(three.nodes.len() == 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_acks_and_server_side_events_come_back_from_every_node() {
    let three = Three::start().await;
    let driver = &three.driver;
    let acks = ask(driver, "a1", "broadcast_ack", json!({"args": ["q"], "timeout": 3000})).await;
    assert_eq!(acks["timedOut"], json!(false), "{acks}");
    let mut from: Vec<String> = acks["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|answer| answer["client"].as_str().unwrap_or("?").to_owned())
        .collect();
    from.sort();
    assert_eq!(from, vec!["a1", "b1", "c1"], "{acks}");

    let pinged = ask(
        driver,
        "b1",
        "server_emit_ack",
        json!({"args": ["hi"], "timeout": 3000}),
    )
    .await;
    assert_eq!(pinged["timedOut"], json!(false), "{pinged}");
    let mut nodes: Vec<String> = pinged["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|answer| answer["node"].as_str().unwrap_or("?").to_owned())
        .collect();
    nodes.sort();
    assert_eq!(nodes, vec!["A", "C"], "{pinged}");

    // ping_nodes was re-emitted on A and C too: start afresh.
    for client in ["a1", "b1", "c1"] {
        driver.clear(client).await;
    }
    assert_eq!(
        ask(
            driver,
            "a1",
            "server_emit",
            json!({"event": "hello", "args": [1, "two"]})
        )
        .await,
        json!(true)
    );
    for client in ["b1", "c1"] {
        let got = driver
            .wait_event(client, "server_event", 1, WAIT)
            .await
            .expect("server event");
        assert_eq!(got[0][0]["event"], json!("hello"));
        assert_eq!(got[0][0]["args"], json!([1, "two"]));
    }
    // The emitting node does not get its own event: a later one from B
    // reaches A, and nothing came before it.
    assert_eq!(
        ask(
            driver,
            "b1",
            "server_emit",
            json!({"event": "hello", "args": ["from B"]})
        )
        .await,
        json!(true)
    );
    let got = driver
        .wait_event("a1", "server_event", 1, WAIT)
        .await
        .expect("A gets B's event");
    assert_eq!(got[0][0]["args"], json!(["from B"]), "A got its own event first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_dies_mid_broadcast_with_acks_ends_the_call_at_the_timeout() {
    let mut three = Three::start().await;
    let driver = &three.driver;
    driver.configure("c1", true, 60_000).await;
    let started = Instant::now();
    let asking = {
        let node = three.nodes[0].io.server().clone();
        tokio::spawn(async move {
            node.of("/")
                .timeout(Duration::from_millis(2500))
                .emit_with_ack("ask", &"anyone")
                .await
        })
    };
    driver.wait_event("c1", "ask", 1, WAIT).await.expect("c1 was asked");
    three.nodes[2].stop().await;
    let responses = asking.await.expect("task").expect("emit_with_ack");
    assert!(
        started.elapsed() >= Duration::from_millis(2400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(responses.answers.len(), 2, "a1 and b1 answered: {responses:?}");
    // Node C reports its client count right after sending to c1; the stop
    // may come before or after that report left: c1 is then a missing
    // answer, or C a node that never reported. Never both, never neither.
    assert_eq!(
        responses.remote_missing + responses.unresponsive_nodes,
        1,
        "c1 never answered: {responses:?}"
    );
    assert!(!responses.is_complete());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarting_leaves_local_traffic_alone_and_cross_node_traffic_resumes() {
    let mut redis = RedisServer::start().await;
    let url = redis.url();
    let a = SioNode::start(&url, "A").await;
    let b = SioNode::start(&url, "B").await;
    let driver = JsDriver::start().await;
    for (client, node) in [("a1", &a), ("a2", &a), ("b1", &b)] {
        driver
            .connect(client, &node.url("/"), json!({"transports": ["websocket"]}))
            .await
            .unwrap_or_else(|error| panic!("{client}: {error}"));
    }
    redis.kill().await;

    // Local broadcasts and acks keep working while Redis is down.
    assert_eq!(
        ask(&driver, "a1", "broadcast", json!({"args": ["while down"]})).await,
        json!(true)
    );
    let got = driver
        .wait_event("a2", "msg", 1, WAIT)
        .await
        .expect("a2 gets a local broadcast");
    assert_eq!(got, vec![json!(["while down"])]);
    let fetched = ask(&driver, "a1", "fetch", json!({})).await;
    assert!(
        fetched["error"].as_str().is_some_and(|e| e.contains("unavailable")),
        "{fetched}"
    );
    let local = ask(&driver, "a1", "fetch", json!({"local": true})).await;
    assert_eq!(local.as_array().map(Vec::len), Some(2), "{local}");

    redis.restart().await;
    tokio::time::timeout(Duration::from_secs(10), async {
        a.redis.subscribed().await;
        b.redis.subscribed().await;
    })
    .await
    .expect("both nodes subscribe again after Redis restarted");
    // The publisher reconnects on its first message after the restart;
    // retry until a cross-node broadcast lands.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert_eq!(
            ask(&driver, "a1", "broadcast", json!({"args": ["after"]})).await,
            json!(true)
        );
        if driver
            .wait_event("b1", "msg", 1, Duration::from_millis(300))
            .await
            .is_ok()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no cross-node broadcast after Redis came back"
        );
    }
    let fetched = ask(&driver, "b1", "fetch", json!({})).await;
    assert_eq!(fetched.as_array().map(Vec::len), Some(3), "{fetched}");
}

/// Garbage on every channel of a namespace: each message is logged and
/// ignored, the subscriber keeps running, and nothing reaches a client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_from_redis_are_ignored_and_never_reach_a_client() {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let a = SioNode::start(&url, "A").await;
    let b = SioNode::start(&url, "B").await;
    let driver = JsDriver::start().await;
    for (client, node) in [("a1", &a), ("b1", &b)] {
        driver
            .connect(client, &node.url("/"), json!({"transports": ["websocket"]}))
            .await
            .unwrap_or_else(|error| panic!("{client}: {error}"));
    }
    assert_eq!(ask(&driver, "b1", "join", json!("room1")).await, json!(true));
    let nested_arrays = vec![0x91u8; 100_000];
    let huge_claim = [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01];
    // msgpack [uid, {type: 2, data: 7}, {}]: an event whose data is no array.
    let bad_packet = [
        0x93, 0xa1, b'x', 0x82, 0xa4, b't', b'y', b'p', b'e', 0x02, 0xa4, b'd', b'a', b't', b'a', 0x07, 0x80,
    ];
    // msgpack [uid, {type: 1}, {}]: a DISCONNECT packet, not an event.
    let disconnect_packet = [0x93, 0xa1, b'x', 0x81, 0xa4, b't', b'y', b'p', b'e', 0x01, 0x80];
    let cases: Vec<(&str, &[u8])> = vec![
        ("socket.io#/#", b"not msgpack at all"),
        ("socket.io#/#", &nested_arrays),
        ("socket.io#/#", &huge_claim),
        ("socket.io#/#", &bad_packet),
        ("socket.io#/#", &disconnect_packet),
        ("socket.io#/#room1#", &[0xc1]),
        ("socket.io-request#/#", b"{not json"),
        ("socket.io-request#/#", br#"{"type": 99, "uid": "x"}"#),
        (
            "socket.io-request#/#",
            br#"{"type": 5, "uid": "x", "requestId": "r", "opts": "no object"}"#,
        ),
        ("socket.io-request#/#", br#"{"type": 7, "uid": "x", "requestId": "r"}"#),
        ("socket.io-request#/#", br#"{"type": 6, "uid": "x", "data": 12}"#),
        ("socket.io-request#/#", br#"[1, 2, 3]"#),
        (
            "socket.io-response#/#",
            br#"{"requestId": "nobody asked", "sockets": []}"#,
        ),
        ("socket.io-response#/#", &nested_arrays),
    ];
    for (channel, payload) in cases {
        let reply = redis.command_bytes(&[b"PUBLISH", channel.as_bytes(), payload]).await;
        assert!(
            reply.starts_with(b":"),
            "PUBLISH answered {:?}",
            String::from_utf8_lossy(&reply)
        );
    }
    // Both nodes still serve the cluster: a broadcast and a fetch cross.
    assert_eq!(
        ask(
            &driver,
            "a1",
            "broadcast",
            json!({"rooms": ["room1"], "args": ["still here"]})
        )
        .await,
        json!(true)
    );
    let got = driver
        .wait_event("b1", "msg", 1, WAIT)
        .await
        .expect("b1 gets the broadcast");
    assert_eq!(
        got,
        vec![json!(["still here"])],
        "nothing malformed was delivered before it"
    );
    let fetched = ask(&driver, "b1", "fetch", json!({})).await;
    assert_eq!(fetched.as_array().map(Vec::len), Some(2), "{fetched}");
    assert!(driver.events("a1", "msg").await.is_empty());
}

/// Nodes with different key prefixes are separate clusters on one Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_prefixes_separate_clusters_on_one_redis() {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let config = |prefix: &str| sio_redis::RedisAdapterConfig::new(url.clone()).key_prefix(prefix);
    let a = SioNode::start_with(config("blue"), "A").await;
    let b = SioNode::start_with(config("blue"), "B").await;
    let c = SioNode::start_with(config("green"), "C").await;
    assert_eq!(redis.publish_count("blue-request#/#").await, 2);
    assert_eq!(redis.publish_count("green-request#/#").await, 1);
    assert_eq!(redis.publish_count("socket.io-request#/#").await, 0);
    let driver = JsDriver::start().await;
    for (client, node) in [("a1", &a), ("b1", &b), ("c1", &c)] {
        driver
            .connect(client, &node.url("/"), json!({"transports": ["websocket"]}))
            .await
            .unwrap_or_else(|error| panic!("{client}: {error}"));
    }
    assert_eq!(
        ask(&driver, "a1", "broadcast", json!({"args": ["blue only"]})).await,
        json!(true)
    );
    driver
        .wait_event("b1", "msg", 1, WAIT)
        .await
        .expect("b1 shares the prefix");
    let fetched = ask(&driver, "c1", "fetch", json!({})).await;
    assert_eq!(
        fetched.as_array().map(Vec::len),
        Some(1),
        "C sees only itself: {fetched}"
    );
    assert!(driver.events("c1", "msg").await.is_empty(), "C is in another cluster");
}
