//! The scenarios, and what they share: connecting many clients, the result
//! record.

mod burst;
mod churn;
mod connect;
mod echo;
mod fanout;
mod idle;
mod polling;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::args::Args;
use crate::proc_stat::CpuUse;
use crate::ws::{self, Error, Ws};

/// What every scenario needs from the command line.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server (loopback); the first of `servers`.
    pub addr: SocketAddr,
    /// Every server of the run (`--ports`; only `fanout` takes more than
    /// one), never empty.
    pub servers: Vec<SocketAddr>,
    /// The Engine.IO path.
    pub path: String,
    /// The first server's pid, for `/proc` readings.
    pub server_pid: Option<String>,
    /// Every server pid given (`--server-pid 12,34`), for their CPU use.
    pub server_pids: Vec<String>,
    /// The Redis server's pid (`--redis-pid`), for its CPU use.
    pub redis_pid: Option<String>,
    /// How many connections are opened at once while setting up.
    pub connect_concurrency: usize,
}

/// Runs the scenario named on the command line; returns the JSON result
/// line.
pub async fn run(args: Args) -> Result<String, Error> {
    let servers = args.addresses()?;
    if servers.len() > 1 && !matches!(args.scenario.as_str(), "fanout" | "wait") {
        return Err(format!(
            "--ports: {} takes one server (only fanout spreads over several)",
            args.scenario
        )
        .into());
    }
    let server_pids = args.list("server-pid");
    let target = Target {
        addr: servers[0],
        servers,
        path: args.path(),
        server_pid: server_pids.first().cloned(),
        server_pids,
        redis_pid: args.list("redis-pid").into_iter().next(),
        connect_concurrency: args.get("connect-concurrency", 64usize)?.clamp(1, 1024),
    };
    let started = Instant::now();
    let outcome = match args.scenario.as_str() {
        "echo" => echo::run(&args, &target).await?,
        "fanout" => fanout::run(&args, &target).await?,
        "idle" => idle::run(&args, &target).await?,
        "connect" => connect::run(&args, &target).await?,
        "polling" => polling::run(&args, &target).await?,
        "burst" => burst::run(&args, &target).await?,
        "churn" => churn::run(&args, &target).await?,
        "wait" => {
            let timeout = args.seconds("timeout", 20.0)?;
            for &addr in &target.servers {
                wait(&Target { addr, ..target.clone() }, timeout).await?;
            }
            return Ok(json!({ "scenario": "wait", "ok": true }).to_string());
        }
        other => return Err(format!("unknown scenario {other:?} (try `sio-bench help`)").into()),
    };
    let mut options: Vec<(&String, &String)> = args.options().iter().collect();
    options.sort();
    let options: serde_json::Map<String, Value> = options
        .into_iter()
        .filter(|(name, _)| !matches!(name.as_str(), "label" | "round" | "server-pid" | "redis-pid" | "name"))
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    let mut record = json!({
        "scenario": args.string("name", &args.scenario),
        "label": args.string("label", &target.addr.to_string()),
        "round": args.get("round", 0u32)?,
        "options": options,
        "params": outcome.params,
        "metrics": outcome.metrics,
        "latency": outcome.latency,
        "errors": outcome.errors,
        "generator_cpu_pct": outcome.cpu.generator_pct,
        "server_cpu_pct": outcome.cpu.server_pct,
        "wall_s": started.elapsed().as_secs_f64(),
    });
    // Only when they were asked for, so that single-server records stay as
    // they were.
    if target.server_pids.len() > 1 {
        record["servers_cpu_pct"] = json!(outcome.cpu.servers_pct);
    }
    if target.redis_pid.is_some() {
        record["redis_cpu_pct"] = json!(outcome.cpu.redis_pct);
    }
    if let Some(series) = outcome.series {
        record["series"] = series;
    }
    Ok(record.to_string())
}

/// What a scenario reports.
#[derive(Debug)]
pub struct Outcome {
    /// The sizes it ran with.
    pub params: Value,
    /// The figures (throughput, counts, memory).
    pub metrics: Value,
    /// The latency summary ([`crate::stats::Latency::summary`]).
    pub latency: Value,
    /// Failures, disconnects and their reasons.
    pub errors: Value,
    /// CPU use during the measured interval.
    pub cpu: CpuUse,
    /// Series over time, kept in the record as they are (no medians):
    /// `churn`'s RSS curve.
    pub series: Option<Value>,
}

/// Connections that could not be set up, with the first reasons.
#[derive(Debug, Default)]
pub struct Failures {
    /// How many.
    pub count: u64,
    /// The first few messages.
    pub samples: Vec<String>,
}

impl Failures {
    /// Counts one failure.
    pub fn add(&mut self, error: impl std::fmt::Display) {
        self.count += 1;
        if self.samples.len() < 5 {
            self.samples.push(error.to_string());
        }
    }

    /// As JSON.
    pub fn to_json(&self) -> Value {
        json!({ "count": self.count, "samples": self.samples })
    }
}

/// Opens `n` WebSockets joined to `/`, `connect_concurrency` at a time.
pub async fn connect_many(target: &Target, n: usize) -> (Vec<Ws>, Failures) {
    let (clients, failures) = connect_spread(target, n).await;
    (clients.into_iter().map(|(_, ws)| ws).collect(), failures)
}

/// Opens `n` WebSockets joined to `/`, `connect_concurrency` at a time,
/// spread round-robin over the target's servers: client `i` goes to server
/// `i % servers`. Each comes with the index of its server.
pub async fn connect_spread(target: &Target, n: usize) -> (Vec<(usize, Ws)>, Failures) {
    let mut failures = Failures::default();
    let mut clients = Vec::with_capacity(n);
    let started = Instant::now();
    let servers = &target.servers;
    let mut attempts = futures_util::stream::iter(0..n)
        .map(|i| {
            let server = i % servers.len();
            async move { (server, ws::connect(servers[server], &target.path).await) }
        })
        .buffer_unordered(target.connect_concurrency);
    while let Some((server, result)) = attempts.next().await {
        match result {
            Ok(ws) => clients.push((server, ws)),
            Err(error) => failures.add(error),
        }
    }
    eprintln!(
        "  connected {} of {n} clients in {:.1} s ({} failed){}",
        clients.len(),
        started.elapsed().as_secs_f64(),
        failures.count,
        if servers.len() > 1 {
            format!(", round-robin over {} servers", servers.len())
        } else {
            String::new()
        }
    );
    (clients, failures)
}

/// Waits until the server answers a polling handshake.
async fn wait(target: &Target, timeout: Duration) -> Result<(), Error> {
    let deadline = Instant::now() + timeout;
    let request = format!("{}?EIO=4&transport=polling", target.path);
    let mut last_error = String::new();
    while Instant::now() < deadline {
        match crate::http::HttpConn::connect(target.addr).await {
            Ok(mut conn) => match conn.get(&request).await {
                Ok((200, body)) if body.starts_with(b"0{") => {
                    // Close the probe's session, so it holds no memory.
                    let open: serde_json::Value = serde_json::from_slice(&body[1..])?;
                    if let Some(sid) = open["sid"].as_str() {
                        let _ = conn.post(&format!("{request}&sid={sid}"), b"1").await;
                    }
                    return Ok(());
                }
                Ok((status, _)) => last_error = format!("HTTP {status}"),
                Err(error) => last_error = error.to_string(),
            },
            Err(error) => last_error = error.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("server at {} not ready after {timeout:?}: {last_error}", target.addr).into())
}
