//! `sio-bench-server`: the sio side of the benchmarks, with the same
//! handlers as `bench/node/server.js`:
//!
//! - namespace `/`; every client may connect;
//! - `echo`: acknowledges with the arguments it received;
//! - `broadcast`: emits `broadcast` with the same arguments to every other
//!   socket of the namespace.
//!
//! ```text
//! sio-bench-server [--port 3101] [--host 127.0.0.1] [--current-thread] [--raw-handler]
//!                  [--redis-url redis://127.0.0.1:6379]
//! ```
//!
//! The handlers are a `#[consumer]`, as an application writes them;
//! `--raw-handler` serves the same handlers written directly against the
//! runtime's `SocketHandler` trait instead, to measure what the consumer
//! glue costs.
//!
//! `--redis-url URL` puts the namespaces on `sio-redis`'s adapter instead of
//! the in-memory one, so that several bench servers on one Redis form a
//! cluster (the `cluster` scenario of `bench/run.sh`): the server connects
//! to Redis, waits until the adapter's subscriptions are up, and only then
//! listens. The adapter in use is logged on stderr.
//!
//! Engine.IO settings are the defaults (pingInterval 25 s, pingTimeout 20 s,
//! maxPayload 1 MB, both transports). SIGTERM or SIGINT stops it; when it
//! gets one it prints on stderr how many sockets ended for each reason (a
//! client disconnected for `outbound buffer full` shows there).
//!
//! Runtime: a multi-thread tokio runtime with one worker per core the
//! process may run on (one under `taskset -c 0`), which is what
//! `#[tokio::main]` gives an application; `--current-thread` uses tokio's
//! current-thread runtime instead.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};

use sio::{Ack, App, DisconnectReason, RawArgs, Socket, consumer};
use sio_core::Value;
use sio_redis::{RedisAdapter, RedisAdapterConfig};
use sio_server::config::EngineConfig;
use sio_server::socketio::{BoxFuture, ConnectError, Event, SocketHandler, SocketIo, SocketIoConfig};

/// Sockets ended, by reason.
static REASONS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

fn count_disconnect(reason: DisconnectReason) {
    let mut reasons = REASONS.lock().unwrap_or_else(PoisonError::into_inner);
    *reasons.entry(reason.to_string()).or_default() += 1;
}

/// The bench handlers, as an application writes them.
#[derive(Default)]
struct Bench;

#[consumer(namespace = "/")]
impl Bench {
    async fn disconnect(&mut self, _socket: &Socket, reason: DisconnectReason) {
        count_disconnect(reason);
    }

    async fn event_echo(&mut self, _socket: &Socket, args: RawArgs, ack: Option<Ack>) {
        if let Some(ack) = ack {
            let _ = ack.send_values(args.into_vec());
        }
    }

    async fn event_broadcast(&mut self, socket: &Socket, args: RawArgs) {
        let _ = socket.broadcast().emit_args("broadcast", args.into_vec());
    }
}

/// The same handlers on the runtime's trait, without the consumer glue.
struct RawBench;

impl SocketHandler for RawBench {
    fn connect<'a>(&'a mut self, _: &'a Socket, _: Option<Value>) -> BoxFuture<'a, Result<(), ConnectError>> {
        Box::pin(async { Ok(()) })
    }

    fn event<'a>(&'a mut self, socket: &'a Socket, event: Event) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            match event.name.as_str() {
                "echo" => {
                    if let Some(ack) = event.ack {
                        let _ = ack.send_values(event.args);
                    }
                }
                "broadcast" => {
                    let _ = socket.broadcast().emit_args("broadcast", event.args);
                }
                _ => {}
            }
        })
    }

    fn disconnect<'a>(&'a mut self, _: &'a Socket, reason: DisconnectReason) -> BoxFuture<'a, ()> {
        Box::pin(async move { count_disconnect(reason) })
    }
}

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|arg| arg == name)
        .and_then(|index| args.get(index + 1))
        .cloned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!(
            "sio-bench-server [--port 3101] [--host 127.0.0.1] [--current-thread] [--raw-handler] [--redis-url URL]"
        );
        return Ok(());
    }
    let port: u16 = option(&args, "--port").map_or(Ok(3101), |port| port.parse())?;
    let host: IpAddr = option(&args, "--host").map_or(Ok(IpAddr::from([127, 0, 0, 1])), |host| host.parse())?;
    let raw = args.iter().any(|arg| arg == "--raw-handler");
    let redis_url = option(&args, "--redis-url");
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn,sio_server=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = if args.iter().any(|arg| arg == "--current-thread") {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    } else {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()?
    };
    runtime.block_on(serve(SocketAddr::new(host, port), raw, redis_url))
}

/// How long the Redis adapter may take to subscribe at startup.
const SUBSCRIBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

async fn serve(address: SocketAddr, raw: bool, redis_url: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let redis = match redis_url {
        Some(url) => Some(RedisAdapter::connect(RedisAdapterConfig::new(url)).await?),
        None => None,
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let shutdown = async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        // Before the shutdown disconnects everyone.
        let reasons = REASONS.lock().unwrap_or_else(PoisonError::into_inner);
        eprintln!("sio-bench-server: sockets ended by reason: {reasons:?}");
    };
    // The defaults, not the SIO_* environment variables.
    let engine = EngineConfig::builder().build()?;
    // The namespaces' adapters are made when the server is built; with Redis,
    // their subscriptions must be up before anyone connects.
    let serving: Serving = if raw {
        let mut builder = SocketIo::builder()
            .engine_config(engine)
            .config(SocketIoConfig::default())
            .namespace("/", || Box::new(RawBench));
        if let Some(redis) = &redis {
            builder = builder.adapter(redis.factory());
        }
        Serving::Raw(builder.build()?)
    } else {
        let mut builder = App::builder().engine_config(engine).config(SocketIoConfig::default());
        if let Some(redis) = &redis {
            builder = builder.adapter(redis.factory());
        }
        Serving::App(builder.build()?)
    };
    let adapter = match &redis {
        Some(redis) => {
            tokio::time::timeout(SUBSCRIBE_TIMEOUT, redis.subscribed())
                .await
                .map_err(|_| format!("the Redis adapter did not subscribe within {SUBSCRIBE_TIMEOUT:?}"))?;
            format!("sio-redis adapter on {}", redis.config().url)
        }
        None => "in-memory adapter".to_owned(),
    };
    let listener = tokio::net::TcpListener::bind(address).await?;
    eprintln!(
        "sio-bench-server ({}) listening on {address}, pid {}, {adapter}",
        if raw { "raw SocketHandler" } else { "#[consumer]" },
        std::process::id()
    );
    match serving {
        Serving::Raw(io) => io.serve(listener, shutdown).await?,
        Serving::App(app) => app.serve_listener(listener, shutdown).await?,
    }
    if let Some(redis) = redis {
        redis.close();
    }
    Ok(())
}

/// The server built, before it listens.
enum Serving {
    /// The handlers on the runtime's trait (`--raw-handler`).
    Raw(SocketIo),
    /// The `#[consumer]` app.
    App(App),
}
