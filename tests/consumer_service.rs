//! The endpoint as a tower `Service` inside an axum `Router`: a page and
//! `/socket.io/` side by side, WebSocket upgrades included, and the server
//! built on the first request.

mod consumer_support;

use std::time::Duration;

use consumer_support::{Client, within};
use sio::core::Value;
use sio::{App, EngineConfig, Socket, consumer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct Mounted;

#[consumer(namespace = "/mounted")]
impl Mounted {
    async fn connect(&mut self, socket: &Socket) {
        socket.emit("system_message", &"Welcome!").expect("emit");
    }

    async fn event_echo(&mut self, _socket: &Socket, text: String) -> String {
        text
    }
}

/// The official client against the mounted service: connect (polling, then
/// the upgrade to WebSocket), the connect hook's emit, acks before and after
/// the upgrade, and an invalid payload. Prints one JSON line.
const NODE_CLIENT: &str = r#"
import { io } from "socket.io-client";
const socket = io(process.argv[1] + "/mounted", { reconnection: false });
const welcome = await new Promise((resolve, reject) => {
    socket.on("system_message", resolve);
    socket.on("connect_error", reject);
});
const first = await socket.timeout(5000).emitWithAck("echo", "first");
const engine = socket.io.engine;
if (engine.transport.name !== "websocket") {
    await new Promise((resolve) => engine.once("upgrade", resolve));
}
const second = await socket.timeout(5000).emitWithAck("echo", "after upgrade");
const invalid = await socket.timeout(5000).emitWithAck("echo", { not: "a string" });
console.log(JSON.stringify({ welcome, first, second, invalid, transport: engine.transport.name }));
socket.disconnect();
"#;

/// Serves `router` on a free port; returns the address.
async fn serve(router: axum::Router) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// One raw HTTP/1.1 GET; returns the whole response.
async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    within("the HTTP response", stream.read_to_string(&mut response))
        .await
        .expect("read");
    response
}

#[tokio::test]
async fn an_axum_router_serves_a_page_and_the_socket_io_endpoint_side_by_side() {
    consumer_support::init_tracing();
    // A short ping timeout: the polling session opened below is never
    // polled again, and shutdown waits that long for it.
    let config = EngineConfig::builder()
        .ping_timeout(Duration::from_millis(200))
        .build()
        .expect("valid config");
    let service = App::builder().engine_config(config).into_service();
    let router = axum::Router::new()
        .route("/", axum::routing::get(|| async { "the page" }))
        .route_service("/socket.io/", service.clone());
    let addr = serve(router).await;

    assert!(get(addr, "/").await.ends_with("the page"));
    let handshake = get(addr, "/socket.io/?EIO=4&transport=polling").await;
    assert!(handshake.starts_with("HTTP/1.1 200"), "{handshake}");
    assert!(handshake.contains("0{\"sid\":"), "{handshake}");

    let mut client = Client::connect(addr).await.joined("/mounted").await;
    let answer = client.call("/mounted", "echo", vec![Value::from("through axum")]).await;
    assert_eq!(answer, vec![Value::from("through axum")]);

    let app = service.app().expect("built on the first request");
    assert!(app.server().namespaces().contains(&"/mounted"));
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_client_talks_to_consumers_mounted_in_axum() {
    consumer_support::init_tracing();
    let service = App::builder().engine_config(EngineConfig::default()).into_service();
    let addr = serve(axum::Router::new().route_service("/socket.io/", service.clone())).await;
    let url = format!("http://{addr}");
    let stdout = consumer_support::run_node(
        &["--input-type=module", "-e", NODE_CLIENT, &url],
        Duration::from_secs(30),
    )
    .await;
    let results: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|error| panic!("results {stdout:?}: {error}"));
    assert_eq!(
        results,
        serde_json::json!({
            "welcome": "Welcome!",
            "first": "first",
            "second": "after upgrade",
            "invalid": {
                "error": "invalid payload",
                "message": "argument 1: invalid type: map, expected a string"
            },
            "transport": "websocket"
        })
    );
    service.shutdown().await;
}

/// Shutdown as users compose it in axum: with `shutdown_on`, a pending
/// long-poll is answered as soon as the signal comes, so the host's
/// graceful shutdown (which waits for in-flight requests) returns promptly
/// instead of after the next ping (25 s by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_shuts_down_promptly_with_a_long_poll_pending() {
    consumer_support::init_tracing();
    let app = App::builder()
        .engine_config(EngineConfig::default())
        .build()
        .expect("app");
    let router = axum::Router::new().route_service("/socket.io/", app.service());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (signal, signalled) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn({
        let shutdown = app.shutdown_on(async {
            let _ = signalled.await;
        });
        async move { axum::serve(listener, router).with_graceful_shutdown(shutdown).await }
    });

    let handshake = get(addr, "/socket.io/?EIO=4&transport=polling").await;
    let sid = handshake
        .split("\"sid\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a sid in the handshake")
        .to_owned();
    let poll = tokio::spawn(async move { get(addr, &format!("/socket.io/?EIO=4&transport=polling&sid={sid}")).await });
    let engine = app.socket_io().engine().clone();
    within("the long-poll to be pending", async {
        while engine.stats().polls_pending != 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;

    let started = std::time::Instant::now();
    signal.send(()).expect("signal");
    within("axum to return", serving)
        .await
        .expect("the serving task")
        .expect("axum::serve");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "axum returned {:?} after the signal",
        started.elapsed()
    );
    let answer = within("the long-poll's answer", poll).await.expect("the poll task");
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the pending GET was answered: {answer}"
    );
    app.shutdown().await;
}

/// A panic while the service builds its server (here in the adapter
/// factory) is a start error for good: the next requests are answered 500
/// too, instead of by a default server built without the configuration.
#[tokio::test]
async fn a_panic_while_building_lazily_is_a_start_error_for_every_request() {
    consumer_support::init_tracing();
    let service = App::builder()
        .engine_config(EngineConfig::default())
        .adapter(|_| panic!("no adapter today"))
        .into_service();
    let addr = serve(axum::Router::new().route_service("/socket.io/", service.clone())).await;
    for attempt in 0..2 {
        let response = get(addr, "/socket.io/?EIO=4&transport=polling").await;
        assert!(response.starts_with("HTTP/1.1 500"), "request {attempt}: {response}");
    }
    match service.app() {
        Err(sio::StartError::Panicked(message)) => assert_eq!(message, "no adapter today"),
        other => panic!("expected the panic as the start error, got {other:?}"),
    }
}
