//! `churn`: a soak of sessions that come and go, most of them badly, to
//! show that the server forgets every one of them. Each cycle is one of
//! eight kinds, in turn:
//!
//! | kind | what the client does |
//! | --- | --- |
//! | `ws` (2 of 8) | WebSocket, joins `/`, joins a room of its own (`join` with ack), `echo` with ack, sends `41` and a close frame |
//! | `ws-reset` | the same, then drops the TCP connection with a reset: no close frame, no FIN |
//! | `ws-silent` | the same, then stops reading and answering while keeping the connection open (until the server has closed the session) |
//! | `polling` | polling session, joins `/`, `join` and `echo` in one POST, GETs until both acks, POSTs the close packet `1` |
//! | `polling-vanish` | the same without the close: the connections are dropped and the session is never polled again |
//! | `handshake` | the polling handshake GET, then nothing |
//! | `upgrade` | polling session joined to `/`, a WebSocket upgrade opened with `2probe` sent and `3probe` received, then both connections dropped (reset) without the upgrade's `5` |
//!
//! Every room is new (`r<cycle>`): a room left behind would show. The
//! server runs with short timeouts (`run.sh` starts it with ping interval
//! 1 s, ping timeout 1 s, upgrade timeout 1 s, connect timeout 2 s), so
//! what the clients abandon expires within seconds.
//!
//! The run: `--warmup` cycles, then wait until the server reports no
//! session and no socket (`--stats-port`: `{"sessions", "sockets",
//! "sockets_in_memory"}`), and read its RSS (`VmRSS` of `--server-pid`): the
//! baseline. Then `--batches` batches of `--cycles / --batches` cycles, each
//! followed by the same wait for zero and an RSS reading. RSS is also
//! sampled every 100 ms throughout (peak). Figures: cycles per second while
//! cycling, cycles failed (with sample reasons), the highest session and
//! socket counts seen, the time each wait for zero took, the counts at the
//! end (0 expected), and RSS after warm-up, at the end of the last batch
//! (before the timeouts), after the timeouts, and the growth between the
//! first and the last. The RSS after each batch and the curve go into the
//! record (`metrics.rss_after_batch`, `series.rss_curve`: one point every
//! 0.5 s).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::polling::open_session;
use super::{Failures, Outcome, Target};
use crate::args::Args;
use crate::http::HttpConn;
use crate::proc_stat::{CpuMeter, status_bytes};
use crate::ws::{self, Error, Ws};

/// The kinds of cycle, in the order they take turns.
const KINDS: [Kind; 8] = [
    Kind::Ws,
    Kind::WsReset,
    Kind::Polling,
    Kind::Handshake,
    Kind::Ws,
    Kind::WsSilent,
    Kind::PollingVanish,
    Kind::Upgrade,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ws,
    WsReset,
    WsSilent,
    Polling,
    PollingVanish,
    Handshake,
    Upgrade,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Ws => "ws",
            Kind::WsReset => "ws-reset",
            Kind::WsSilent => "ws-silent",
            Kind::Polling => "polling",
            Kind::PollingVanish => "polling-vanish",
            Kind::Handshake => "handshake",
            Kind::Upgrade => "upgrade",
        }
    }
}

/// How long one cycle may take.
const CYCLE_TIMEOUT: Duration = Duration::from_secs(15);

/// The server's counts, from its stats endpoint.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    sessions: u64,
    sockets: u64,
    /// sio only (Node has no such figure).
    sockets_in_memory: Option<u64>,
}

impl Counts {
    fn is_zero(&self) -> bool {
        self.sessions == 0 && self.sockets == 0 && self.sockets_in_memory.unwrap_or(0) == 0
    }
}

async fn counts(stats: std::net::SocketAddr) -> Result<Counts, Error> {
    let mut conn = HttpConn::connect(stats).await?;
    let (status, body) = tokio::time::timeout(Duration::from_secs(5), conn.get("/stats"))
        .await
        .map_err(|_| "stats request timed out")??;
    if status != 200 {
        return Err(format!("stats: HTTP {status}").into());
    }
    let value: Value = serde_json::from_slice(&body)?;
    Ok(Counts {
        sessions: value["sessions"].as_u64().ok_or("stats: no sessions")?,
        sockets: value["sockets"].as_u64().ok_or("stats: no sockets")?,
        sockets_in_memory: value["sockets_in_memory"].as_u64(),
    })
}

/// What the sampler saw.
#[derive(Debug, Default)]
struct Samples {
    /// (seconds since the start, RSS bytes), every 100 ms.
    rss: Vec<(f64, u64)>,
    peak_rss: u64,
    peak_sessions: u64,
    peak_sockets: u64,
}

pub async fn run(args: &Args, target: &Target) -> Result<Outcome, Error> {
    let cycles: u64 = args.get("cycles", 20_000u64)?;
    let batches: u64 = args.get("batches", 5u64)?.clamp(1, 100);
    let warmup: u64 = args.get("warmup", 1000u64)?;
    let concurrency: usize = args.get("concurrency", 32usize)?.clamp(1, 1024);
    let settle_timeout = args.seconds("settle-timeout", 30.0)?;
    let stats_port: u16 = args.get("stats-port", 0u16)?;
    if stats_port == 0 {
        return Err("churn needs --stats-port (the server's stats endpoint)".into());
    }
    let stats = std::net::SocketAddr::new(target.addr.ip(), stats_port);
    // `--kinds ws,handshake,...`: only these kinds (to see what one kind
    // does); all eight by default.
    let only = args.list("kinds");
    let rotation: Vec<Kind> = KINDS
        .iter()
        .copied()
        .filter(|kind| only.is_empty() || only.iter().any(|name| name == kind.name()))
        .collect();
    if rotation.is_empty() {
        return Err(format!("--kinds {only:?}: none of {:?}", KINDS.map(Kind::name)).into());
    }
    let pid = target
        .server_pid
        .clone()
        .ok_or("churn needs --server-pid to read the server's memory")?;
    let per_batch = cycles.div_ceil(batches);
    eprintln!(
        "churn: {warmup} warm-up cycles, then {batches} batches of {per_batch}, {concurrency} at a time, server pid {pid}"
    );
    let rss = || status_bytes(&pid, "VmRSS").ok_or_else(|| format!("cannot read VmRSS of pid {pid}"));
    let epoch = Instant::now();

    // The sampler: RSS every 100 ms, the counts every 250 ms.
    let samples = Rc::new(RefCell::new(Samples::default()));
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let sampler = {
        let samples = Rc::clone(&samples);
        let pid = pid.clone();
        tokio::task::spawn_local(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            let mut n = 0u64;
            // Bounded by the stop signal, which the scenario always sends.
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop_rx.changed() => break,
                }
                if let Some(rss) = status_bytes(&pid, "VmRSS") {
                    let mut samples = samples.borrow_mut();
                    samples.rss.push((epoch.elapsed().as_secs_f64(), rss));
                    samples.peak_rss = samples.peak_rss.max(rss);
                }
                n += 1;
                if n % 3 == 0
                    && let Ok(counts) = counts(stats).await
                {
                    let mut samples = samples.borrow_mut();
                    samples.peak_sessions = samples.peak_sessions.max(counts.sessions);
                    samples.peak_sockets = samples.peak_sockets.max(counts.sockets);
                }
            }
        })
    };

    let mut failures = Failures::default();
    let mut warm_ok = BTreeMap::new();
    let mut failed = 0u64;

    // Warm-up.
    let mut next_cycle = 0u64;
    let warm = run_batch(
        target,
        &rotation,
        next_cycle,
        warmup,
        concurrency,
        &mut failures,
        &mut warm_ok,
    )
    .await;
    next_cycle += warmup;
    failed += warm.failed;
    let (warm_zero, warm_counts) = wait_for_zero(stats, settle_timeout).await;
    drop(warm.held);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after_warmup = rss()?;
    eprintln!(
        "  warm-up: {warmup} cycles, zero after {:.1} s ({warm_counts:?}), RSS {:.1} MB",
        warm_zero.as_secs_f64(),
        mb(rss_after_warmup)
    );

    let cpu = CpuMeter::start(&target.server_pids, target.redis_pid.as_deref());
    let mut cycling = Duration::ZERO;
    let mut measured_failed = 0u64;
    let mut measured_ok = BTreeMap::new();
    let mut rss_after_batch = Vec::new();
    let mut zero_after = Vec::new();
    let mut rss_end = rss_after_warmup;
    let mut last_counts = Counts::default();
    let mut reached_zero = true;
    for batch in 0..batches {
        let count = per_batch.min(cycles - per_batch * batch);
        let began = Instant::now();
        let result = run_batch(
            target,
            &rotation,
            next_cycle,
            count,
            concurrency,
            &mut failures,
            &mut measured_ok,
        )
        .await;
        next_cycle += count;
        cycling += began.elapsed();
        measured_failed += result.failed;
        rss_end = rss()?;
        let waited = Instant::now();
        let (_, counts) = wait_for_zero(stats, settle_timeout).await;
        let waited = waited.elapsed();
        reached_zero &= counts.is_zero();
        last_counts = counts;
        drop(result.held);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = rss()?;
        eprintln!(
            "  batch {}/{batches}: {count} cycles in {:.1} s ({} failed), RSS {:.1} MB at its end; zero after {:.1} s ({counts:?}), RSS {:.1} MB",
            batch + 1,
            began.elapsed().as_secs_f64() - waited.as_secs_f64(),
            result.failed,
            mb(rss_end),
            waited.as_secs_f64(),
            mb(after)
        );
        rss_after_batch.push(after);
        zero_after.push(waited.as_secs_f64());
    }
    let cpu = cpu.finish();
    let rss_after_timeouts = *rss_after_batch.last().unwrap_or(&rss_after_warmup);
    let _ = stop_tx.send(true);
    let _ = sampler.await;
    let samples = Rc::try_unwrap(samples).map(RefCell::into_inner).unwrap_or_default();
    let measured_cycles = cycles;
    let first_batch = rss_after_batch.first().copied().unwrap_or(rss_after_warmup);
    let growth = rss_after_timeouts as i64 - rss_after_warmup as i64;
    Ok(Outcome {
        params: json!({ "cycles": cycles, "batches": batches, "warmup": warmup, "concurrency": concurrency,
            "kinds": rotation.iter().map(|k| k.name()).collect::<Vec<_>>() }),
        metrics: json!({
            "cycles_per_sec": measured_cycles as f64 / cycling.as_secs_f64().max(1e-9),
            "cycles": measured_cycles,
            "failed_cycles": measured_failed,
            "peak_sessions": samples.peak_sessions,
            "peak_sockets": samples.peak_sockets,
            "zero_after_s_max": zero_after.iter().copied().fold(0.0, f64::max),
            "reached_zero": u64::from(reached_zero),
            "sessions_at_end": last_counts.sessions,
            "sockets_at_end": last_counts.sockets,
            "sockets_in_memory_at_end": last_counts.sockets_in_memory,
            "rss_after_warmup": rss_after_warmup,
            "rss_end_of_cycles": rss_end,
            "rss_after_timeouts": rss_after_timeouts,
            "rss_peak": samples.peak_rss,
            "rss_growth": growth,
            "rss_growth_pct": growth as f64 / rss_after_warmup as f64 * 100.0,
            "rss_first_to_last_batch": rss_after_timeouts as i64 - first_batch as i64,
            "rss_after_batch": rss_after_batch,
            "zero_after_s": zero_after,
        }),
        latency: json!({ "count": 0 }),
        errors: json!({ "cycle_failures": failures.to_json(), "warmup_failed": failed,
            "ok_by_kind": measured_ok }),
        cpu,
        series: Some(json!({
            "rss_curve": samples.rss.iter().step_by(5).map(|(t, rss)| json!([(t * 10.0).round() / 10.0, rss])).collect::<Vec<_>>(),
        })),
    })
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// Polls the stats endpoint until the server has no session and no socket,
/// or the timeout; returns how long it took and the last counts.
async fn wait_for_zero(stats: std::net::SocketAddr, timeout: Duration) -> (Duration, Counts) {
    let started = Instant::now();
    let mut last = Counts {
        sessions: u64::MAX,
        ..Counts::default()
    };
    // Bounded by the timeout.
    while started.elapsed() < timeout {
        if let Ok(counts) = counts(stats).await {
            last = counts;
            if counts.is_zero() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (started.elapsed(), last)
}

/// What a batch leaves: failures, and the silent connections still held.
struct Batch {
    failed: u64,
    held: Vec<Ws>,
}

/// Runs `count` cycles from number `first`, `concurrency` at a time.
async fn run_batch(
    target: &Target,
    rotation: &[Kind],
    first: u64,
    count: u64,
    concurrency: usize,
    failures: &mut Failures,
    ok_by_kind: &mut BTreeMap<&'static str, u64>,
) -> Batch {
    let mut held = Vec::new();
    let mut failed = 0u64;
    let mut runs = futures_util::stream::iter(first..first + count)
        .map(|cycle| async move {
            let kind = rotation[(cycle % rotation.len() as u64) as usize];
            let result = tokio::time::timeout(CYCLE_TIMEOUT, run_cycle(target, kind, cycle))
                .await
                .unwrap_or_else(|_| Err("cycle timed out".into()));
            (kind, result)
        })
        .buffer_unordered(concurrency);
    while let Some((kind, result)) = runs.next().await {
        match result {
            Ok(kept) => {
                *ok_by_kind.entry(kind.name()).or_default() += 1;
                held.extend(kept);
            }
            Err(error) => {
                failed += 1;
                failures.add(format!("{}: {error}", kind.name()));
            }
        }
    }
    Batch { failed, held }
}

/// One cycle; returns the connection to hold for `ws-silent`.
async fn run_cycle(target: &Target, kind: Kind, cycle: u64) -> Result<Option<Ws>, Error> {
    let join = format!(r#"421["join","r{cycle}"]"#);
    let echo = r#"422["echo","x"]"#;
    match kind {
        Kind::Ws | Kind::WsReset | Kind::WsSilent => {
            let mut ws = ws::connect(target.addr, &target.path).await?;
            ws::request(&mut ws, join, 1).await?;
            ws::request(&mut ws, echo.to_owned(), 2).await?;
            match kind {
                Kind::Ws => {
                    ws.send(Message::text("41")).await?;
                    ws.close(None).await?;
                    // Read the server's close frame, briefly.
                    let _ = tokio::time::timeout(Duration::from_millis(200), async {
                        while let Some(Ok(_)) = ws.next().await {}
                    })
                    .await;
                    Ok(None)
                }
                Kind::WsReset => {
                    ws::reset(ws);
                    Ok(None)
                }
                _ => Ok(Some(ws)),
            }
        }
        Kind::Polling | Kind::PollingVanish => {
            let mut session = open_session(target).await?;
            let body = format!("{join}\u{1e}{echo}");
            let (status, _) = session.post.post(&session.target, body.as_bytes()).await?;
            if status != 200 {
                return Err(format!("POST: HTTP {status}").into());
            }
            let mut acks = 0;
            // Bounded: a few GETs bring both acks.
            for _ in 0..10 {
                let (status, body) = session.get.get(&session.target).await?;
                if status != 200 {
                    return Err(format!("GET: HTTP {status}").into());
                }
                acks += body
                    .split(|&b| b == 0x1e)
                    .filter(|record| record.starts_with(b"431") || record.starts_with(b"432"))
                    .count();
                if acks >= 2 {
                    break;
                }
            }
            if acks < 2 {
                return Err("no acks over polling".into());
            }
            if kind == Kind::Polling {
                let (status, _) = session.post.post(&session.target, b"1").await?;
                if status != 200 {
                    return Err(format!("close POST: HTTP {status}").into());
                }
            }
            Ok(None)
        }
        Kind::Handshake => {
            let mut conn = HttpConn::connect(target.addr).await?;
            let (status, body) = conn.get(&format!("{}?EIO=4&transport=polling", target.path)).await?;
            if status != 200 || !body.starts_with(b"0{") {
                return Err(format!("handshake: HTTP {status}").into());
            }
            Ok(None)
        }
        Kind::Upgrade => {
            let session = open_session(target).await?;
            let mut ws = ws::open_upgrade(target.addr, &target.path, &session.sid).await?;
            ws.send(Message::text("2probe")).await?;
            let deadline = Instant::now() + ws::STEP_TIMEOUT;
            // Bounded by the deadline.
            loop {
                match tokio::time::timeout_at(deadline, ws.next()).await {
                    Ok(Some(Ok(Message::Text(text)))) if text.as_str() == "3probe" => break,
                    Ok(Some(Ok(_))) => {}
                    Ok(other) => return Err(format!("upgrade: no 3probe ({other:?})").into()),
                    Err(_) => return Err("upgrade: no 3probe".into()),
                }
            }
            ws::reset(ws);
            session.get.reset();
            session.post.reset();
            Ok(None)
        }
    }
}
