//! A request whose headers or body never finish is cut off after
//! `request_timeout`: it holds no connection forever.

mod support;

use std::time::{Duration, Instant};

use sio_server::config::EngineConfig;
use support::http::{encode_request, read_to_close};
use support::{Http, TestServer, within};
use tokio::io::AsyncWriteExt;

async fn start() -> TestServer {
    let config = EngineConfig::builder()
        .request_timeout(Duration::from_millis(500))
        .build()
        .expect("config");
    TestServer::start(config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_headers_are_cut_off() {
    let server = start().await;
    let mut stream = server.http.connect().await;
    let started = Instant::now();
    stream
        .write_all(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .expect("write partial headers");
    let reply = within("the server to cut the connection", read_to_close(&mut stream)).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300),
        "cut after {elapsed:?}, before the 500 ms timeout"
    );
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
        "reply to unfinished headers: {reply:?}"
    );
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_post_body_is_cut_off() {
    let server = start().await;
    let (sid, _open) = server.handshake_polling().await;
    let mut stream = server.http.connect().await;
    let mut head = encode_request("POST", &Http::polling_url(&sid), &[("Content-Type", "text/plain")], b"");
    head.truncate(head.len() - "Content-Length: 0\r\n\r\n".len());
    head.extend_from_slice(b"Content-Length: 100\r\n\r\n4only part of it");
    let started = Instant::now();
    stream.write_all(&head).await.expect("write partial POST");
    let reply = within("the server to cut the connection", read_to_close(&mut stream)).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300),
        "cut after {elapsed:?}, before the 500 ms timeout"
    );
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        !reply.starts_with("HTTP/1.1 200"),
        "an unfinished body was accepted: {reply:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_poll_is_not_cut_by_the_request_timeout() {
    let server = start().await;
    let (sid, _open) = server.handshake_polling().await;
    let http = server.http;
    let poll_sid = sid.clone();
    let mut get = tokio::spawn(async move { http.poll(&poll_sid).await });
    // Waiting longer than request_timeout must not end the long-poll.
    let early = tokio::time::timeout(Duration::from_millis(1000), &mut get).await;
    assert!(early.is_err(), "the long-poll ended after request_timeout: {early:?}");
    server.send_text(&sid, "late");
    let response = within("the long-poll", get).await.expect("GET task");
    assert_eq!(response.packets(), ["4late"]);
}
