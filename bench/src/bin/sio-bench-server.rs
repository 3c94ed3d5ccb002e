//! `sio-bench-server`: the sio side of the benchmarks, with the same
//! handlers as `bench/node/server.js`:
//!
//! - namespace `/`; every client may connect;
//! - `echo`: acknowledges with the arguments it received;
//! - `broadcast`: emits `broadcast` with the same arguments to every other
//!   socket of the namespace;
//! - `slow` (`burst` scenario): one number `n`; awaits 1 ms (a simulated
//!   database write), then counts the event as handled. An `n` that is not
//!   the previous one plus 1 (the first is 0) counts as out of order;
//! - `report` (`burst`): acknowledges with
//!   `{"handled": H, "out_of_order": O}` for this socket. sio runs one
//!   socket's events one at a time, in order, so when `report` runs every
//!   `slow` event sent before it has been handled;
//! - `join` (`churn`): joins the room named by its argument, acknowledges
//!   with no argument.
//!
//! ```text
//! sio-bench-server [--port 3101] [--host 127.0.0.1] [--current-thread] [--raw-handler]
//!                  [--redis-url redis://127.0.0.1:6379] [--stats-port 3201]
//!                  [--ping-interval-ms 25000] [--ping-timeout-ms 20000]
//!                  [--upgrade-timeout-ms 10000] [--connect-timeout-ms 45000]
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
//! `--stats-port P` also listens on 127.0.0.1:P for plain HTTP: any request
//! there is answered with one JSON object,
//! `{"sessions": S, "sockets": N, "sockets_in_memory": M, "rss": bytes}`:
//! the Engine.IO sessions open, the sockets running and the sockets in
//! memory ([`sio::ServerStats`]), and the process's resident memory (the
//! `churn` scenario waits on these to return to zero).
//!
//! Engine.IO settings are the defaults (pingInterval 25 s, pingTimeout 20 s,
//! maxPayload 1 MB, both transports, upgrade timeout 10 s, connect timeout
//! 45 s) unless the `--*-ms` options change them (the `churn` scenario
//! shortens them so that abandoned sessions expire within seconds). SIGTERM
//! or SIGINT stops it; when it
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
use std::time::Duration;

use sio::{Ack, App, DisconnectReason, RawArgs, Socket, consumer};
use sio_core::Value;
use sio_redis::{RedisAdapter, RedisAdapterConfig};
use sio_server::config::EngineConfig;
use sio_server::socketio::{BoxFuture, ConnectError, Event, SocketHandler, SocketIo, SocketIoConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sockets ended, by reason.
static REASONS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

fn count_disconnect(reason: DisconnectReason) {
    let mut reasons = REASONS.lock().unwrap_or_else(PoisonError::into_inner);
    *reasons.entry(reason.to_string()).or_default() += 1;
}

/// How long the `slow` handler awaits: a simulated database write.
const SLOW_HANDLER: Duration = Duration::from_millis(1);

/// What the `slow` events of one socket did (the `burst` scenario).
#[derive(Debug, Default)]
struct BurstState {
    /// The `n` expected next.
    next: u64,
    /// Events handled (after their 1 ms).
    handled: u64,
    /// Events whose `n` was not the one expected.
    out_of_order: u64,
}

impl BurstState {
    /// Handles one `slow` event: checks its place, awaits 1 ms, counts it.
    async fn slow(&mut self, n: u64) {
        if n != self.next {
            self.out_of_order += 1;
        }
        self.next = n.saturating_add(1);
        tokio::time::sleep(SLOW_HANDLER).await;
        self.handled += 1;
    }

    /// The acknowledgement of `report`.
    fn report(&self) -> serde_json::Value {
        serde_json::json!({ "handled": self.handled, "out_of_order": self.out_of_order })
    }
}

/// The bench handlers, as an application writes them. One instance per
/// socket.
#[derive(Default)]
struct Bench {
    burst: BurstState,
}

#[consumer(namespace = "/")]
impl Bench {
    async fn disconnect(&mut self, _socket: &Socket, reason: DisconnectReason) {
        count_disconnect(reason);
    }

    async fn event_slow(&mut self, _socket: &Socket, n: u64) {
        self.burst.slow(n).await;
    }

    async fn event_report(&mut self, _socket: &Socket) -> serde_json::Value {
        self.burst.report()
    }

    async fn event_join(&mut self, socket: &Socket, room: String) {
        socket.join(room);
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
#[derive(Default)]
struct RawBench {
    burst: BurstState,
}

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
                "slow" => {
                    if let Some(n) = event.args.first().and_then(Value::as_u64) {
                        self.burst.slow(n).await;
                    }
                }
                "report" => {
                    if let Some(ack) = event.ack {
                        let _ = ack.send(&self.burst.report());
                    }
                }
                "join" => {
                    if let Some(room) = event.args.first().and_then(Value::as_str) {
                        socket.join(room.to_owned());
                    }
                    if let Some(ack) = event.ack {
                        let _ = ack.send_values(Vec::new());
                    }
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

/// The command line.
struct Options {
    address: SocketAddr,
    raw: bool,
    redis_url: Option<String>,
    stats_port: Option<u16>,
    engine: EngineConfig,
    socket_io: SocketIoConfig,
}

/// `--name MS` as a duration, if given.
fn millis(args: &[String], name: &str) -> Result<Option<Duration>, Box<dyn std::error::Error>> {
    match option(args, name) {
        None => Ok(None),
        Some(ms) => {
            let ms: u64 = ms.parse().map_err(|_| format!("{name}: cannot parse {ms:?}"))?;
            if ms == 0 {
                return Err(format!("{name} must be positive").into());
            }
            Ok(Some(Duration::from_millis(ms)))
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!(
            "sio-bench-server [--port 3101] [--host 127.0.0.1] [--current-thread] [--raw-handler] [--redis-url URL]\n\
             \x20                [--stats-port PORT] [--ping-interval-ms MS] [--ping-timeout-ms MS]\n\
             \x20                [--upgrade-timeout-ms MS] [--connect-timeout-ms MS]"
        );
        return Ok(());
    }
    let port: u16 = option(&args, "--port").map_or(Ok(3101), |port| port.parse())?;
    let host: IpAddr = option(&args, "--host").map_or(Ok(IpAddr::from([127, 0, 0, 1])), |host| host.parse())?;
    let stats_port: Option<u16> = option(&args, "--stats-port").map(|port| port.parse()).transpose()?;
    // The defaults, not the SIO_* environment variables, unless an option
    // says otherwise.
    let mut engine = EngineConfig::builder();
    if let Some(interval) = millis(&args, "--ping-interval-ms")? {
        engine = engine.ping_interval(interval);
    }
    if let Some(timeout) = millis(&args, "--ping-timeout-ms")? {
        engine = engine.ping_timeout(timeout);
    }
    if let Some(timeout) = millis(&args, "--upgrade-timeout-ms")? {
        engine = engine.upgrade_timeout(timeout);
    }
    let mut socket_io = SocketIoConfig::default();
    if let Some(timeout) = millis(&args, "--connect-timeout-ms")? {
        socket_io.connect_timeout = timeout;
    }
    let options = Options {
        address: SocketAddr::new(host, port),
        raw: args.iter().any(|arg| arg == "--raw-handler"),
        redis_url: option(&args, "--redis-url"),
        stats_port,
        engine: engine.build()?,
        socket_io,
    };
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
    runtime.block_on(serve(options))
}

/// How long the Redis adapter may take to subscribe at startup.
const SUBSCRIBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

async fn serve(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let Options {
        address,
        raw,
        redis_url,
        stats_port,
        engine,
        socket_io,
    } = options;
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
    // The namespaces' adapters are made when the server is built; with Redis,
    // their subscriptions must be up before anyone connects.
    let serving: Serving = if raw {
        let mut builder = SocketIo::builder()
            .engine_config(engine)
            .config(socket_io)
            .namespace("/", || Box::<RawBench>::default());
        if let Some(redis) = &redis {
            builder = builder.adapter(redis.factory());
        }
        Serving::Raw(builder.build()?)
    } else {
        let mut builder = App::builder().engine_config(engine).config(socket_io);
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
    if let Some(port) = stats_port {
        let io = match &serving {
            Serving::Raw(io) => io.clone(),
            Serving::App(app) => app.socket_io().clone(),
        };
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(IpAddr::from([127, 0, 0, 1]), port)).await?;
        tokio::spawn(serve_stats(listener, io));
    }
    let listener = tokio::net::TcpListener::bind(address).await?;
    eprintln!(
        "sio-bench-server ({}) listening on {address}, pid {}, {adapter}{}",
        if raw { "raw SocketHandler" } else { "#[consumer]" },
        std::process::id(),
        stats_port.map_or_else(String::new, |port| format!(", stats on 127.0.0.1:{port}"))
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

/// The figures of `/stats`, as one JSON object.
fn stats_json(io: &SocketIo) -> String {
    let stats = io.server().stats();
    let rss = std::fs::read_to_string("/proc/self/status").ok().and_then(|status| {
        status.lines().find_map(|line| {
            let kb = line.strip_prefix("VmRSS:")?.trim().trim_end_matches("kB").trim();
            kb.parse::<u64>().ok().map(|kb| kb * 1024)
        })
    });
    serde_json::json!({
        "sessions": io.engine().session_count(),
        "sockets": stats.sockets_running,
        "sockets_in_memory": stats.sockets_in_memory,
        "rss": rss,
    })
    .to_string()
}

/// Answers every HTTP request on `listener` with [`stats_json`], one
/// request per connection.
async fn serve_stats(listener: tokio::net::TcpListener, io: SocketIo) {
    // Bounded by the process: the server exits when it is stopped.
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            // Out of descriptors, most likely: try again a little later.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let io = io.clone();
        tokio::spawn(async move {
            // Read up to the end of the request headers (or 4 kB, or 2 s).
            let mut request = Vec::with_capacity(512);
            let mut buffer = [0u8; 512];
            let read_headers = async {
                while !request.windows(4).any(|window| window == b"\r\n\r\n") && request.len() < 4096 {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(2), read_headers).await;
            let body = stats_json(&io);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

/// The server built, before it listens.
enum Serving {
    /// The handlers on the runtime's trait (`--raw-handler`).
    Raw(SocketIo),
    /// The `#[consumer]` app.
    App(App),
}
