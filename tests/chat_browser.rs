//! The chat example in headless Chromium: two pages chat through the real
//! example code (its consumer, page and routes), over WebSocket and over
//! HTTP long-polling.
//!
//! Needs Debian's chromium (`SIO_CHROMIUM` overrides `/usr/bin/chromium`),
//! `playwright-core` in `tests/js` and the browser client in
//! `examples/chat`; `./scripts/test.sh` installs all three. A missing one
//! fails the test.

mod consumer_support;

#[path = "../examples/chat/app.rs"]
mod app;

use std::time::Duration;

use sio::App;

async fn chat_in_two_pages(transport: &str) -> serde_json::Value {
    consumer_support::init_tracing();
    let chromium = std::env::var("SIO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (./scripts/test.sh does) or set SIO_CHROMIUM"
    );
    let client = app::browser_client(false).unwrap_or_else(|error| panic!("{error}"));
    let sio = App::builder()
        .discover(false)
        .consumer::<app::ChatConsumer>()
        .build()
        .expect("chat app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let router = app::router(&sio, client);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let stdout = consumer_support::run_node(&["chat_browser.mjs", &base, transport], Duration::from_secs(60)).await;
    // The pages are gone; no need for a graceful shutdown (a polling
    // session would wait for a next GET that never comes).
    server.abort();
    drop(sio);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|error| panic!("chat_browser.mjs printed {stdout:?}: {error}"))
}

fn chat_lines(page: &serde_json::Value) -> Vec<&str> {
    page.as_array()
        .expect("lines")
        .iter()
        .filter(|line| line["system"] == false)
        .map(|line| line["text"].as_str().expect("text"))
        .collect()
}

async fn both_pages_show_the_message_and_the_sender_gets_its_ack(transport: &str) {
    let seen = chat_in_two_pages(transport).await;
    assert_eq!(seen["transport"], transport);
    let alice = chat_lines(&seen["alice"]);
    let bob = chat_lines(&seen["bob"]);
    assert_eq!(alice.len(), 1, "alice's page: {alice:?}");
    assert!(alice[0].starts_with("hello from alice"), "alice's page: {alice:?}");
    assert_eq!(bob, alice, "bob's page shows what alice's shows");
    assert!(
        seen["ack"].as_str().expect("ack").contains(r#"{"status":"ok"}"#),
        "ack: {}",
        seen["ack"]
    );
    assert_eq!(seen["bobAcks"], "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pages_chat_over_websocket() {
    both_pages_show_the_message_and_the_sender_gets_its_ack("websocket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pages_chat_over_polling() {
    both_pages_show_the_message_and_the_sender_gets_its_ack("polling").await;
}
