//! A rolling deploy: the first server drains (new sessions refused, the
//! open ones closed a few at a time over `shutdown_drain`), the second one
//! takes its port, and every official client reconnects to it by itself.

mod consumer_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use consumer_support::{Log, within};
use serde_json::json;
use sio::{App, DisconnectReason, EngineConfig, ServeError, Socket, consumer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which server this is, and when the test started (to time the hooks).
#[derive(Clone)]
struct Deploy {
    generation: u32,
    log: Log,
    started: Arc<Instant>,
}

struct Drain {
    deploy: Deploy,
}

impl Drain {
    fn new(deploy: &Deploy) -> Self {
        Drain { deploy: deploy.clone() }
    }
}

#[consumer(namespace = "/drain", new = Drain::new)]
impl Drain {
    async fn connect(&mut self, socket: &Socket) {
        let generation = self.deploy.generation;
        self.deploy.log.push(format!("connect {generation}"));
        socket.emit("hello", &generation).expect("emit");
    }

    async fn event_greeted(&mut self, _socket: &Socket) {
        self.deploy.log.push(format!("greeted {}", self.deploy.generation));
    }

    async fn disconnect(&mut self, _socket: &Socket, reason: DisconnectReason) {
        let at = self.deploy.started.elapsed().as_millis();
        self.deploy
            .log
            .push(format!("disconnect {} {reason} {at}", self.deploy.generation));
    }
}

const CLIENTS: usize = 20;
const WINDOW: Duration = Duration::from_millis(1500);

fn app(generation: u32, log: &Log, started: &Arc<Instant>, drain: Duration) -> App {
    let deploy = Deploy {
        generation,
        log: log.clone(),
        started: started.clone(),
    };
    App::builder()
        .state(deploy)
        .consumer::<Drain>()
        .discover(false)
        .engine_config(EngineConfig::builder().shutdown_drain(drain).build().expect("config"))
        .build()
        .expect("app")
}

/// Serves `app` on `listener` until the returned sender fires.
fn serve(app: &App, listener: TcpListener) -> (oneshot::Sender<()>, JoinHandle<Result<(), ServeError>>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let app = app.clone();
    let serving = tokio::spawn(async move {
        app.serve_listener(listener, async {
            let _ = stopped.await;
        })
        .await
    });
    (stop, serving)
}

async fn rolling_deploy(transports: &str) {
    consumer_support::init_tracing();
    let log = Log::default();
    let started = Arc::new(Instant::now());
    let first = app(1, &log, &started, WINDOW);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop_first, serving_first) = serve(&first, listener);
    let clients = tokio::spawn({
        let url = format!("http://{addr}");
        let transports = transports.to_owned();
        async move {
            consumer_support::run_node_json(
                &["drain_clients.mjs", &url, &CLIENTS.to_string(), &transports],
                Duration::from_secs(60),
            )
            .await
        }
    });
    // Every client is connected and has heard from the first server.
    log.wait_for("greeted 1", CLIENTS).await;

    let drain_started = started.elapsed().as_millis();
    stop_first.send(()).expect("stop the first server");
    // The second server takes the port as soon as the first lets it go.
    let second = app(2, &log, &started, Duration::ZERO);
    let listener = within("the port to be free", async {
        loop {
            match TcpListener::bind(addr).await {
                Ok(listener) => return listener,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    })
    .await;
    let (stop_second, serving_second) = serve(&second, listener);

    let results = within("every client to reach the second server", clients)
        .await
        .expect("the client task");
    for (index, client) in results.as_array().expect("one entry per client").iter().enumerate() {
        assert_eq!(client["greetings"], json!([1, 2]), "client {index}: {client}");
        // A reason the client reconnects after: its transport ended (on
        // polling the server leaves out the close packet on purpose, so the
        // client's next request fails: `transport error`).
        let reasons = &client["reasons"];
        assert!(
            reasons == &json!(["transport close"]) || reasons == &json!(["transport error"]),
            "client {index}: one disconnect, by the transport: {client}"
        );
    }
    within("the first server to finish draining", serving_first)
        .await
        .expect("serving task")
        .expect("serve");

    let closes: Vec<u128> = log
        .matching("disconnect 1 server shutting down")
        .iter()
        .map(|entry| entry.rsplit(' ').next().and_then(|ms| ms.parse().ok()).expect("a time"))
        .collect();
    assert_eq!(closes.len(), CLIENTS, "every session of the first server was closed");
    let first_close = closes.iter().min().expect("closes") - drain_started;
    let last_close = closes.iter().max().expect("closes") - drain_started;
    let window = WINDOW.as_millis();
    assert!(
        last_close - first_close >= window / 2,
        "closes spread over the window: first at {first_close} ms, last at {last_close} ms"
    );
    assert!(
        last_close < window + 2000,
        "the drain ended in time: last close at {last_close} ms"
    );

    stop_second.send(()).expect("stop the second server");
    within("the second server to stop", serving_second)
        .await
        .expect("serving task")
        .expect("serve");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_server_lets_its_websocket_clients_go_gradually_to_the_next_one() {
    rolling_deploy("websocket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_server_lets_its_polling_clients_go_gradually_to_the_next_one() {
    rolling_deploy("polling").await;
}
