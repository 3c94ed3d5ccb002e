//! Polling responses batch queued packets with `\x1e`, up to `maxPayload`
//! bytes per response, losing and reordering nothing.

mod support;

use sio_server::config::EngineConfig;
use support::TestServer;

/// A message of exactly `len` bytes on the wire (`4` included), numbered.
fn numbered(i: usize, len: usize) -> String {
    let head = format!("{i:04}:");
    format!("{head}{}", "x".repeat(len - 1 - head.len()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_packets_are_joined_by_record_separators() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    for text in ["a", "b", "c"] {
        server.send_text(&sid, text);
    }
    let response = server.http.poll(&sid).await;
    assert_eq!(response.text(), "4a\x1e4b\x1e4c");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_split_at_max_payload_without_loss() {
    let config = EngineConfig::builder().max_payload(10_000).build().expect("config");
    let server = TestServer::start(config).await;
    let (sid, _open) = server.handshake_polling().await;
    let sent: Vec<String> = (0..100).map(|i| numbered(i, 1000)).collect();
    for text in &sent {
        server.send_text(&sid, text);
    }
    let mut received = Vec::new();
    let mut responses = 0;
    while received.len() < sent.len() {
        let response = server.http.poll(&sid).await;
        assert_eq!(response.status, 200);
        assert!(
            response.body.len() <= 10_000,
            "a response of {} bytes exceeds maxPayload",
            response.body.len()
        );
        responses += 1;
        for packet in response.packets() {
            let text = packet
                .strip_prefix('4')
                .unwrap_or_else(|| panic!("not a message: {packet:.20}"));
            received.push(text.to_owned());
        }
        assert!(responses <= 100, "more responses than packets");
    }
    assert!(
        responses >= 11,
        "100 x 1000 bytes cannot fit in {responses} responses of 10 000 bytes"
    );
    assert_eq!(received.len(), sent.len());
    assert!(received == sent, "packets lost or reordered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packet_larger_than_max_payload_is_sent_alone() {
    let config = EngineConfig::builder().max_payload(1000).build().expect("config");
    let server = TestServer::start(config).await;
    let (sid, _open) = server.handshake_polling().await;
    let big = numbered(1, 3000);
    server.send_text(&sid, "small");
    server.send_text(&sid, &big);
    server.send_text(&sid, "after");
    let mut received = Vec::new();
    while received.len() < 3 {
        let response = server.http.poll(&sid).await;
        let packets = response.packets();
        if response.body.len() > 1000 {
            assert_eq!(packets.len(), 1, "an oversized packet must travel alone");
        }
        received.extend(packets);
    }
    assert_eq!(received, ["4small".to_owned(), format!("4{big}"), "4after".to_owned()]);
}
