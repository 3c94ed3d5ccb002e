//! What a full outbound queue does, per `OutboundPolicy`: by default a
//! client that does not read is closed with `BufferFull` once its queue
//! holds `max_buffered_packets` (counted, logged); `DropVolatile` first
//! drops queued volatile packets; `Wait` refuses the packet to its sender
//! and keeps the session, and `send_group_when_ready` waits for room. No
//! silent drop, no unbounded memory.

mod support;

use sio_core::engine::Frame;
use sio_server::config::{EngineConfig, OutboundPolicy};
use sio_server::engine::CloseReason;
use sio_server::engine::SendError;
use support::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_client_that_never_reads_is_closed_with_buffer_full() {
    let config = EngineConfig::builder()
        .max_buffered_packets(16)
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    let (sid, _open) = server.handshake_polling().await;
    let handle = server.handle(&sid);
    let mut accepted = 0;
    for i in 0..100 {
        if handle
            .send(Frame::message_with(|out| out.push_str(&i.to_string())))
            .is_ok()
        {
            accepted += 1;
        }
    }
    assert!(
        accepted <= 16,
        "{accepted} of 100 packets queued with max_buffered_packets 16"
    );
    assert_eq!(server.closed(&sid).await, CloseReason::BufferFull);
    assert!(handle.is_closed());
    assert_eq!(server.engine.stats().slow_disconnects, 1, "counted once");
    assert!(
        handle.send(Frame::message_with(|out| out.push_str("late"))).is_err(),
        "send after BufferFull"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_client_that_never_reads_is_closed_with_buffer_full() {
    let config = EngineConfig::builder()
        .max_buffered_packets(16)
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    let (_ws, sid, _open) = server.handshake_websocket().await;
    let handle = server.handle(&sid);
    // 100 KB packets sharing one buffer: 64 MB in total, far more than the
    // socket buffers hold, while the test allocates 100 KB once.
    let big = Frame::message_with(|out| out.push_str(&"x".repeat(100_000)));
    let mut accepted = 0;
    for _ in 0..640 {
        if handle.send(big.clone()).is_err() {
            break;
        }
        accepted += 1;
        tokio::task::yield_now().await;
    }
    assert!(
        accepted < 640,
        "all 640 packets were queued for a client that reads nothing"
    );
    assert_eq!(server.closed(&sid).await, CloseReason::BufferFull);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_that_reads_in_time_is_not_closed() {
    let config = EngineConfig::builder()
        .max_buffered_packets(16)
        .build()
        .expect("config");
    let server = TestServer::start(config).await;
    let (sid, _open) = server.handshake_polling().await;
    let mut received = Vec::new();
    for round in 0..10 {
        for i in 0..10 {
            server.send_text(&sid, &(round * 10 + i).to_string());
        }
        while received.len() < (round + 1) * 10 {
            received.extend(server.http.poll_packets(&sid).await);
        }
    }
    let expected: Vec<String> = (0..100).map(|i| format!("4{i}")).collect();
    assert_eq!(received, expected);
    assert!(!server.handle(&sid).is_closed());
}

fn text(text: &str) -> Frame {
    Frame::message_with(|out| out.push_str(text))
}

fn policy(policy: OutboundPolicy) -> EngineConfig {
    EngineConfig::builder()
        .max_buffered_packets(8)
        .outbound_policy(policy)
        .build()
        .expect("config")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_volatile_policy_makes_room_by_dropping_the_oldest_volatile_packets() {
    let server = TestServer::start(policy(OutboundPolicy::DropVolatile)).await;
    let (sid, _open) = server.handshake_polling().await;
    let handle = server.handle(&sid);
    for i in 0..8 {
        assert!(handle.send_volatile(vec![text(&format!("v{i}"))]), "room for v{i}");
    }
    assert!(
        !handle.send_volatile(vec![text("v8")]),
        "a volatile packet never evicts another"
    );
    for i in 0..4 {
        handle
            .send(text(&format!("r{i}")))
            .expect("room made by dropping a volatile packet");
    }
    assert!(!handle.is_closed());
    assert_eq!(server.engine.stats().volatile_dropped, 5, "v8 refused, v0..v3 evicted");
    assert_eq!(
        server.http.poll_packets(&sid).await,
        ["4v4", "4v5", "4v6", "4v7", "4r0", "4r1", "4r2", "4r3"],
        "what was not dropped goes out in order"
    );
    for i in 0..8 {
        handle.send(text(&format!("s{i}"))).expect("room");
    }
    assert!(
        handle.send(text("one too many")).is_err(),
        "no volatile packet left to drop"
    );
    assert_eq!(server.closed(&sid).await, CloseReason::BufferFull);
    assert_eq!(server.engine.stats().slow_disconnects, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_policy_refuses_the_packet_to_its_sender_and_keeps_the_session() {
    let server = TestServer::start(policy(OutboundPolicy::Wait)).await;
    let (sid, _open) = server.handshake_polling().await;
    let handle = server.handle(&sid);
    for i in 0..8 {
        handle.offer_group(vec![text(&i.to_string())]).expect("room");
    }
    assert_eq!(handle.offer_group(vec![text("8")]), Err(SendError::BufferFull));
    assert!(!handle.is_closed(), "the session stays");
    let stats = server.engine.stats();
    assert_eq!((stats.refused_full, stats.slow_disconnects), (1, 0));
    assert_eq!(
        stats.buffered_bytes, 16,
        "eight frames `4n` of two bytes each are queued"
    );

    // A sender that waits for room instead: it goes in once the client reads.
    let waiting = tokio::spawn({
        let handle = handle.clone();
        async move { handle.send_group_when_ready(vec![text("8")]).await }
    });
    server
        .assert_stays_open(&sid, std::time::Duration::from_millis(100))
        .await;
    assert!(!waiting.is_finished(), "no room yet: the sender waits");
    let first = server.http.poll_packets(&sid).await;
    assert_eq!(first, (0..8).map(|i| format!("4{i}")).collect::<Vec<_>>());
    waiting.await.expect("task").expect("queued once there was room");
    assert_eq!(server.http.poll_packets(&sid).await, ["48"]);
}
