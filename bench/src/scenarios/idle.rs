//! `idle`: hold N WebSocket connections joined to `/` and read the server's
//! resident memory before and after; bytes per connection.

use std::time::Duration;

use futures_util::SinkExt;
use serde_json::json;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use super::{Failures, Outcome, Target, connect_many};
use crate::args::Args;
use crate::proc_stat::{CpuMeter, status_bytes};
use crate::ws::{self, Error, Incoming, Ws};

pub async fn run(args: &Args, target: &Target) -> Result<Outcome, Error> {
    let connections: usize = args.get("connections", 5000)?;
    let settle = args.seconds("settle", 3.0)?;
    let pid = target
        .server_pid
        .clone()
        .ok_or("idle needs --server-pid to read the server's memory")?;
    eprintln!("idle: {connections} connections, settle {settle:?}, server pid {pid}");
    let rss = |field: &str| status_bytes(&pid, field).ok_or_else(|| format!("cannot read {field} of pid {pid}"));

    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss("VmRSS")?;
    let own_before = status_bytes("self", "VmRSS");
    let (clients, failures) = connect_many(target, connections).await;
    let held = clients.len() as u64;
    let (stop_tx, stop_rx) = watch::channel(false);
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|ws| tokio::task::spawn_local(hold(ws, stop_rx.clone())))
        .collect();
    let cpu = CpuMeter::start(&target.server_pids, target.redis_pid.as_deref());
    tokio::time::sleep(settle).await;
    let after = rss("VmRSS")?;
    let peak = rss("VmHWM")?;
    let cpu = cpu.finish();
    let own_after = status_bytes("self", "VmRSS");
    let _ = stop_tx.send(true);
    let mut disconnects = Failures::default();
    for task in tasks {
        if let Some(reason) = task.await? {
            disconnects.add(reason);
        }
    }
    let growth = after.saturating_sub(before);
    Ok(Outcome {
        params: json!({ "connections": connections, "settle_s": settle.as_secs_f64() }),
        metrics: json!({
            "bytes_per_connection": if held > 0 { growth as f64 / held as f64 } else { 0.0 },
            "held": held,
            "server_rss_before": before,
            "server_rss_after": after,
            "server_rss_peak": peak,
            "generator_rss_growth": own_after.zip(own_before).map(|(after, before)| after.saturating_sub(before)),
            "disconnected": disconnects.count,
        }),
        latency: json!({ "count": 0 }),
        errors: json!({ "connect_failures": failures.to_json(), "disconnects": disconnects.to_json() }),
        cpu,
        series: None,
    })
}

/// Keeps one connection open, answering pings, until told to stop; returns
/// why it ended early, if it did.
async fn hold(mut ws: Ws, mut stop: watch::Receiver<bool>) -> Option<String> {
    // Bounded by the stop signal, which the scenario always sends.
    loop {
        let incoming = tokio::select! {
            incoming = ws::next(&mut ws) => incoming,
            _ = stop.changed() => break,
        };
        match incoming {
            Incoming::Ping => {
                if ws.send(Message::text("3")).await.is_err() {
                    return Some("write failed".to_owned());
                }
            }
            Incoming::Closed(reason) => return Some(reason),
            Incoming::Message(_) | Incoming::Other => {}
        }
    }
    let _ = ws.close(None).await;
    None
}
