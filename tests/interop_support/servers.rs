//! The servers of one interop run: the main one (restartable on its port)
//! and a small-payload one (for bursts and oversized messages).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sio::server::config::Cors;
use sio::{App, EngineConfig};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::consumers::{Custom, Main, Private, ServerState, Shared};
use crate::consumer_support::within;

/// `max_payload` of the main server: 1 MiB of binary travels as about
/// 1.4 MB of base64 over polling, so 2 MB leaves room for it.
pub const MAIN_MAX_PAYLOAD: usize = 2_000_000;

/// `max_payload` of the small server: 500 burst events need dozens of
/// polling responses, and a 3000-byte message is too large.
pub const SMALL_MAX_PAYLOAD: usize = 2000;

/// Pings every second (answered by the clients throughout a run), two
/// seconds to answer.
fn engine_config(max_payload: usize) -> EngineConfig {
    EngineConfig::builder()
        .ping_interval(Duration::from_millis(1000))
        .ping_timeout(Duration::from_millis(2000))
        .max_payload(max_payload)
        .cors(Cors::any())
        .build()
        .expect("valid interop settings")
}

fn app(generation: u64, shared: &Arc<Shared>, max_payload: usize) -> App {
    App::builder()
        .discover(false)
        .consumer::<Main>()
        .consumer::<Custom>()
        .consumer::<Private>()
        .state(ServerState {
            generation,
            shared: shared.clone(),
        })
        .engine_config(engine_config(max_payload))
        .build()
        .expect("the interop app builds")
}

/// One server on a listener until `stop` resolves; returns once it shut
/// down gracefully.
async fn serve(app: App, listener: TcpListener, stop: oneshot::Receiver<()>) {
    app.serve_listener(listener, async {
        let _ = stop.await;
    })
    .await
    .expect("the interop server ran without error");
}

/// Binds `addr` again after a restart (the port was just released).
async fn rebind(addr: SocketAddr) -> TcpListener {
    within("binding the port again", async {
        loop {
            match TcpListener::bind(addr).await {
                Ok(listener) => return listener,
                Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(error) => panic!("cannot bind {addr} again: {error}"),
            }
        }
    })
    .await
}

/// Serves generation after generation on one port: each `restart` event
/// shuts the current server down gracefully and starts the next one.
/// Returns the last generation when `stop` resolves.
async fn supervise(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut restarts: mpsc::UnboundedReceiver<()>,
    mut stop: oneshot::Receiver<()>,
) -> u64 {
    let addr = listener.local_addr().expect("local address");
    let mut listener = Some(listener);
    let mut generation = 1;
    loop {
        let listener = match listener.take() {
            Some(listener) => listener,
            None => rebind(addr).await,
        };
        let (shutdown, stopped) = oneshot::channel();
        let serving = tokio::spawn(serve(app(generation, &shared, MAIN_MAX_PAYLOAD), listener, stopped));
        let restart = tokio::select! {
            _ = restarts.recv() => true,
            _ = &mut stop => false,
        };
        if !restart {
            // The clients are gone; a polling session would wait for its
            // next GET until the shutdown's hook deadline, so no grace.
            serving.abort();
            return generation;
        }
        let _ = shutdown.send(());
        within("the restarted server to shut down", serving)
            .await
            .expect("the serving task did not panic");
        generation += 1;
    }
}

/// The main and the small server of one run.
#[derive(Debug)]
pub struct InteropServers {
    /// The main server (`max_payload` [`MAIN_MAX_PAYLOAD`], restartable).
    pub main: SocketAddr,
    /// The small-payload server ([`SMALL_MAX_PAYLOAD`]).
    pub small: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    supervisor: JoinHandle<u64>,
    small_server: JoinHandle<()>,
}

impl InteropServers {
    /// Starts both on free ports of 127.0.0.1.
    pub async fn start() -> InteropServers {
        crate::consumer_support::init_tracing();
        let (restart, restarts) = mpsc::unbounded_channel();
        let shared = Shared::new(restart);
        let main = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let small = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let (main_addr, small_addr) = (
            main.local_addr().expect("address"),
            small.local_addr().expect("address"),
        );
        let (stop, stopped) = oneshot::channel();
        let supervisor = tokio::spawn(supervise(main, shared.clone(), restarts, stopped));
        let small_app = app(1, &shared, SMALL_MAX_PAYLOAD);
        let small_server = tokio::spawn(async move {
            let _ = small_app.serve_listener(small, std::future::pending()).await;
        });
        InteropServers {
            main: main_addr,
            small: small_addr,
            stop: Some(stop),
            supervisor,
            small_server,
        }
    }

    /// `http://` URL of the main server.
    pub fn main_url(&self) -> String {
        format!("http://{}", self.main)
    }

    /// `http://` URL of the small server.
    pub fn small_url(&self) -> String {
        format!("http://{}", self.small)
    }

    /// Stops both; returns how many generations the main server served.
    pub async fn stop(mut self) -> u64 {
        self.small_server.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        within("the interop servers to stop", &mut self.supervisor)
            .await
            .expect("the supervisor did not panic")
    }
}

impl Drop for InteropServers {
    fn drop(&mut self) {
        self.supervisor.abort();
        self.small_server.abort();
    }
}
