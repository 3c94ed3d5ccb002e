//! A client that does not read is closed with `BufferFull` once its queue
//! holds `max_buffered_packets`: no silent drop, no unbounded memory.

mod support;

use sio_core::engine::Frame;
use sio_server::config::EngineConfig;
use sio_server::engine::CloseReason;
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
