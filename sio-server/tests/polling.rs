//! HTTP long-polling: the long-poll wake-up, POST bodies, binary records,
//! and the requests that close a session (overlapping GETs or POSTs, an
//! oversized body, a malformed packet, a `1`).

mod support;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use sio_core::engine::Frame;
use sio_server::config::EngineConfig;
use sio_server::engine::{CloseReason, Message};
use support::http::{encode_request, read_response};
use support::{Http, TestServer, within};
use tokio::io::AsyncWriteExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_poll_returns_as_soon_as_a_packet_is_queued() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    // Nothing is queued: the GET must wait (the ping interval is 25 s).
    let get = server.pending_poll(&sid, Duration::from_millis(300)).await;
    server.send_text(&sid, "wake up");
    let response = within("the pending GET to return", get).await.expect("GET task");
    assert_eq!(response.status, 200);
    assert_eq!(response.packets(), ["4wake up"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_replies_ok() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let response = server.http.post_packets(&sid, "4hello").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posted_message_reaches_the_handler_and_the_echo_comes_back() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    server.http.post_ok(&sid, "4hello").await;
    assert_eq!(server.text_message(&sid).await, "hello");
    assert_eq!(server.http.poll_packets(&sid).await, ["4hello"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_reach_the_handler_in_order() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    for i in 0..20 {
        server.http.post_ok(&sid, &format!("4m{i}")).await;
    }
    for i in 0..20 {
        assert_eq!(server.text_message(&sid).await, format!("m{i}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_packets_in_one_post_arrive_in_order() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    server.http.post_ok(&sid, "4one\x1e4two\x1e4three\x1e4").await;
    for expected in ["one", "two", "three", ""] {
        assert_eq!(server.text_message(&sid).await, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_records_are_decoded_from_base64() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let data: Vec<u8> = (0..=255).collect();
    let body = format!("4before\x1eb{}\x1e4after", BASE64.encode(&data));
    server.http.post_ok(&sid, &body).await;
    assert_eq!(server.text_message(&sid).await, "before");
    assert_eq!(server.message(&sid).await, Message::Binary(Bytes::from(data.clone())));
    assert_eq!(server.text_message(&sid).await, "after");
    // The echoes come back in one body, the binary one as `b` + base64.
    let mut packets = Vec::new();
    while packets.len() < 3 {
        packets.extend(server.http.poll_packets(&sid).await);
    }
    assert_eq!(
        packets,
        [
            "4before".to_owned(),
            format!("b{}", BASE64.encode(&data)),
            "4after".to_owned()
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_binary_is_sent_as_a_base64_record() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    server
        .send(&sid, Frame::Binary(Bytes::from_static(&[1, 2, 3, 250])))
        .expect("send binary");
    assert_eq!(
        server.http.poll_packets(&sid).await,
        [format!("b{}", BASE64.encode([1, 2, 3, 250]))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_get_closes_session() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let http = server.http;
    let first_sid = sid.clone();
    let mut first = tokio::spawn(async move { http.poll(&first_sid).await });
    let early = tokio::time::timeout(Duration::from_millis(300), &mut first).await;
    assert!(early.is_err(), "GET returned with nothing queued: {early:?}");
    let second = server.http.poll(&sid).await;
    let first = within("the first GET to end once the session closes", first)
        .await
        .expect("GET task");
    // Whichever of the two the server saw second gets the 400.
    assert!(
        first.status == 400 || second.status == 400,
        "overlapping GETs: first {} {:?}, second {} {:?}",
        first.status,
        first.text(),
        second.status,
        second.text()
    );
    assert_eq!(server.closed(&sid).await, CloseReason::TransportError);
    server
        .http
        .poll(&sid)
        .await
        .assert_engine_error("GET after the session closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_post_closes_session() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    // The first POST announces 10 bytes and sends 5: it stays open.
    let mut first = server.http.connect().await;
    let mut head = encode_request("POST", &Http::polling_url(&sid), &[("Content-Type", "text/plain")], b"");
    head.truncate(head.len() - "Content-Length: 0\r\n\r\n".len());
    head.extend_from_slice(b"Content-Length: 10\r\n\r\n4firs");
    first.write_all(&head).await.expect("write the first POST");
    let early = tokio::time::timeout(Duration::from_millis(300), read_response(&mut first)).await;
    assert!(
        early.is_err(),
        "the server answered a POST whose body is incomplete: {early:?}"
    );

    let second = server.http.post_packets(&sid, "4second").await;
    let _ = first.write_all(b"t\x1e4xx").await;
    let first = within("the first POST's response", read_response(&mut first)).await;
    let first_status = first.as_ref().map(|r| r.status).ok();
    assert!(
        !(first_status == Some(200) && second.status == 200),
        "two overlapping POSTs on one sid both succeeded"
    );
    assert_eq!(second.status, 400, "the overlapping POST: {:?}", second.text());
    assert_eq!(server.closed(&sid).await, CloseReason::TransportError);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_over_max_payload_is_413_and_closes_session() {
    let config = EngineConfig::builder().max_payload(1000).build().expect("config");
    let server = TestServer::start(config).await;
    let (sid, _open) = server.handshake_polling().await;
    let body = format!("4{}", "a".repeat(1500));
    let response = server.http.post_packets(&sid, &body).await;
    assert_eq!(response.status, 413, "{:?}", response.text());
    server.closed(&sid).await;
    server
        .http
        .poll(&sid)
        .await
        .assert_engine_error("GET after an oversized POST");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_at_max_payload_is_accepted() {
    let config = EngineConfig::builder().max_payload(1000).build().expect("config");
    let server = TestServer::start(config).await;
    let (sid, _open) = server.handshake_polling().await;
    let body = format!("4{}", "a".repeat(999));
    server.http.post_ok(&sid, &body).await;
    assert_eq!(server.text_message(&sid).await.len(), 999);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_post_closes_session_with_parse_error() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let response = server.http.post_packets(&sid, "4fine\x1e9nonsense").await;
    assert_eq!(response.status, 400, "{:?}", response.text());
    assert_eq!(server.closed(&sid).await, CloseReason::ParseError);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_base64_record_closes_session_with_parse_error() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let response = server.http.post_packets(&sid, "b!!not base64!!").await;
    assert_eq!(response.status, 400, "{:?}", response.text());
    assert_eq!(server.closed(&sid).await, CloseReason::ParseError);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_packet_closes_session_with_transport_close() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let response = server.http.post_packets(&sid, "1").await;
    assert_eq!(response.status, 200, "{:?}", response.text());
    assert_eq!(server.closed(&sid).await, CloseReason::TransportClose);
    server
        .http
        .poll(&sid)
        .await
        .assert_engine_error("GET after the client closed");
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_packet_ends_a_pending_get() {
    let server = TestServer::start_default().await;
    let (sid, _open) = server.handshake_polling().await;
    let get = server.pending_poll(&sid, Duration::from_millis(300)).await;
    server.http.post_packets(&sid, "1").await;
    let response = within("the pending GET to end after a close", get)
        .await
        .expect("GET task");
    assert!(
        matches!(response.status, 200 | 400),
        "pending GET after close: {}",
        response.status
    );
    assert_eq!(server.closed(&sid).await, CloseReason::TransportClose);
}
