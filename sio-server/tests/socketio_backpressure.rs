//! Backpressure instead of disconnects: a client that sends faster than its
//! handler runs is slowed down (the server stops reading it), never
//! disconnected and never robbed of an event; a pause in reading longer
//! than the ping timeout costs the session nothing; only the opt-in
//! `max_inbound_backlog` disconnects, and the client is told.

mod socketio_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value as Json, json};
use sio_server::socketio::DisconnectReason;
use socketio_support::{Outgoing, Script, Setup, TestIo, Transport, both_transports, heartbeat, node, wait_until};

both_transports!(
    a_burst_to_a_slow_handler_is_handled_in_full_and_in_order,
    a_handler_slower_than_the_ping_timeout_costs_the_session_nothing,
    a_client_keeping_its_handler_behind_past_the_backlog_limit_is_disconnected_and_told,
);

/// The numbers the `item` events carried, in the order the handler ran.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<i64>>>);

impl Seen {
    fn push(&self, n: i64) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(n);
    }

    /// `{"count", "inOrder"}`: whether the handler saw 0, 1, 2, ... exactly.
    fn report(&self) -> Json {
        let seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let in_order = seen.iter().enumerate().all(|(k, n)| *n == k as i64);
        json!({"count": seen.len(), "inOrder": in_order})
    }
}

/// `item` records its number after `delay` (a database write); `report`
/// answers with what was seen.
fn slow_items(seen: &Seen, delay: Duration) -> Script {
    let items = seen.clone();
    let report = seen.clone();
    Script::standard()
        .on_event("item", move |_, event, _| {
            let seen = items.clone();
            Box::pin(async move {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let n = event.args.first().and_then(|n| n.as_i64()).unwrap_or(-1);
                seen.push(n);
            })
        })
        .on_event("report", move |_, event, _| {
            let report = report.report();
            Box::pin(async move {
                if let Some(ack) = event.ack {
                    let _ = ack.send(&report);
                }
            })
        })
}

/// The case that used to lose events: 3000 emitted at once (what the
/// client does when it flushes its buffer after a reconnect) to a handler
/// that awaits 1 ms each. The default queue holds 1024: the rest must wait
/// in the client's connection, not be dropped with it.
async fn a_burst_to_a_slow_handler_is_handled_in_full_and_in_order(transport: Transport) {
    let seen = Seen::default();
    let io = TestIo::start(Setup::new().namespace("/", slow_items(&seen, Duration::from_millis(1)))).await;
    let results = node::run_args("socketio_backpressure.mjs", &io.url(), transport, &["burst", "3000"]).await;
    assert_eq!(
        results["report"],
        json!({"count": 3000, "inOrder": true}),
        "every event reached the handler, in order: {results}"
    );
    assert_eq!(results["disconnects"], json!([]), "the client was never disconnected");
    assert_eq!(results["connected"], json!(true));
    let (socket, _) = io.connected("/").await;
    assert_eq!(
        io.disconnected(socket.id().as_str()).await.0,
        DisconnectReason::ClientNamespaceDisconnect,
        "the socket lived until the client left"
    );
}

/// 100 000 packets in one POST (800 kB of `42["x"]`, under `max_payload`):
/// accepted and handled, the session kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100k_packet_post_is_accepted_and_handled() {
    const PACKETS: usize = 100_000;
    let handled = Arc::new(AtomicUsize::new(0));
    let counter = handled.clone();
    let script = Script::standard().on_event("x", move |_, _, _| {
        counter.fetch_add(1, Ordering::Relaxed);
        Box::pin(std::future::ready(()))
    });
    let io = TestIo::start(Setup::new().namespace("/", script)).await;
    let (mut client, socket) = io.join(Transport::Polling, "/").await;
    let batch = vec![Outgoing::Packet("2[\"x\"]".to_owned()); PACKETS];
    // Answered `ok` once every packet is in the socket's queue: the
    // response, not a closed session, holds the client back.
    client.send_batch(&batch).await;
    assert_eq!(client.last_post(), Some(&(200, "ok".to_owned())));
    wait_until("every packet of the POST handled", || {
        handled.load(Ordering::Relaxed) == PACKETS
    })
    .await;
    assert!(socket.connected(), "the socket is still connected");
    client.send("2[\"echo\",\"still here\"]").await;
    assert_eq!(client.expect_event("echo").await.args(), vec![json!("still here")]);
    io.assert_no_disconnect(socket.id().as_str()).await;
}

/// Each event takes 1.2 s, four times the ping timeout, and the queue
/// holds two: the server stops reading the client (its pongs with it) for
/// seconds. Neither side may call that a ping timeout: the server does not
/// count unread pongs, and keeps pinging so the client's own timer holds.
async fn a_handler_slower_than_the_ping_timeout_costs_the_session_nothing(transport: Transport) {
    let seen = Seen::default();
    let setup = Setup::new()
        .namespace("/", slow_items(&seen, Duration::from_millis(1200)))
        .engine(heartbeat(200, 300))
        .config(|config| config.max_queued_events = 2);
    let io = TestIo::start(setup).await;
    let results = node::run_args("socketio_backpressure.mjs", &io.url(), transport, &["burst", "5"]).await;
    assert_eq!(results["report"], json!({"count": 5, "inOrder": true}), "{results}");
    assert_eq!(
        results["disconnects"],
        json!([]),
        "no ping timeout on the client's side"
    );
    let (socket, _) = io.connected("/").await;
    assert_eq!(
        io.disconnected(socket.id().as_str()).await.0,
        DisconnectReason::ClientNamespaceDisconnect,
        "the socket lived until the client left"
    );
}

/// `max_inbound_backlog` is for abuse: a handler that never catches up
/// (here, stuck for 2 s per event) with a client that keeps sending. The
/// client sees `io server disconnect`, not a bare transport close, and the
/// hook gets its own reason.
async fn a_client_keeping_its_handler_behind_past_the_backlog_limit_is_disconnected_and_told(transport: Transport) {
    let script = Script::standard().on_event("stuck", |_, _, _| Box::pin(tokio::time::sleep(Duration::from_secs(2))));
    let setup = Setup::new().namespace("/", script).config(|config| {
        config.max_queued_events = 4;
        config.max_inbound_backlog = Some(Duration::from_millis(300));
    });
    let io = TestIo::start(setup).await;
    let results = node::run_args("socketio_backpressure.mjs", &io.url(), transport, &["stall", "50"]).await;
    assert_eq!(results["reason"], json!("io server disconnect"), "{results}");
    assert_eq!(
        results["active"],
        json!(false),
        "the client does not reconnect by itself"
    );
    let (socket, _) = io.connected("/").await;
    let (reason, _) = io.disconnected(socket.id().as_str()).await;
    assert_eq!(reason, DisconnectReason::InboundOverflow);
}
