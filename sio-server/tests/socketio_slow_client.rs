//! Clients that read slowly, at the Socket.IO level: a broadcast never
//! waits for one client (a recipient that does not read is disconnected,
//! whatever the policy, and the others are spared), while a handler
//! streaming to one client with `emit_paced` paces itself to the client's
//! reading instead of failing.

mod socketio_support;

use std::time::Duration;

use serde_json::json;
use sio_server::config::{EngineConfig, OutboundPolicy};
use sio_server::socketio::DisconnectReason;
use socketio_support::{Setup, TestIo, Transport, both_transports};

both_transports!(emit_paced_streams_to_a_slow_reader_without_loss_or_disconnect);

fn small_queue(policy: OutboundPolicy) -> EngineConfig {
    EngineConfig::builder()
        .max_buffered_packets(16)
        .outbound_policy(policy)
        .build()
        .expect("config")
}

/// 2000 events to a client whose queue holds 16, read by a client that
/// dawdles: every one arrives, in order, and nobody is disconnected.
async fn emit_paced_streams_to_a_slow_reader_without_loss_or_disconnect(transport: Transport) {
    const EVENTS: u64 = 2000;
    let io = TestIo::start(Setup::standard().engine(small_queue(OutboundPolicy::Disconnect))).await;
    let (mut client, socket) = io.join(transport, "/").await;
    let streaming = tokio::spawn({
        let socket = socket.clone();
        async move {
            for n in 0..EVENTS {
                socket.emit_paced("n", &n).await.expect("paced emit");
            }
            socket.emit_paced("done", &()).await.expect("paced emit");
        }
    });
    let mut received = Vec::new();
    loop {
        let packet = match client.recv_within(Duration::from_secs(10)).await {
            Some(Some(packet)) => packet,
            other => panic!(
                "after {} events: {other:?}, session close reason {:?}",
                received.len(),
                socket.session().close_reason()
            ),
        };
        if packet.event_name() == "done" {
            break;
        }
        received.push(packet.args()[0].as_u64().expect("a number"));
        if received.len() % 100 == 0 {
            // A reader slower than the writer.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    streaming.await.expect("the streaming task");
    assert_eq!(received, (0..EVENTS).collect::<Vec<_>>(), "every event, in order");
    assert!(socket.connected());
    assert_eq!(io.server().stats().engine.slow_disconnects, 0);
}

/// Whatever the policy, a broadcast does not wait for a client that does
/// not read: that one is disconnected (`outbound buffer full`, counted),
/// the reading one gets every message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_disconnects_a_recipient_that_does_not_read_and_spares_the_others() {
    for policy in [OutboundPolicy::Disconnect, OutboundPolicy::Wait] {
        let io = TestIo::start(Setup::standard().engine(small_queue(policy))).await;
        let (_stalled, stalled_socket) = io.join(Transport::Polling, "/").await;
        let (mut reader, _) = io.join(Transport::Polling, "/").await;
        let mut received = Vec::new();
        for round in 0..4 {
            for n in round * 10..(round + 1) * 10 {
                io.server().emit("news", &n).expect("broadcast");
            }
            while received.len() < (round + 1) * 10 {
                received.push(reader.expect_event("news").await.args()[0].clone());
            }
        }
        assert_eq!(received, (0..40).map(|n| json!(n)).collect::<Vec<_>>(), "{policy:?}");
        assert_eq!(
            io.disconnected(stalled_socket.id().as_str()).await.0,
            DisconnectReason::BufferFull,
            "{policy:?}"
        );
        assert_eq!(io.server().stats().engine.slow_disconnects, 1, "{policy:?}");
    }
}
