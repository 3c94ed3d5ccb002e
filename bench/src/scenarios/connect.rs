//! `connect`: C concurrent connectors, each looping over a full connection:
//! TCP, WebSocket handshake, Engine.IO open, `40`, `40{sid}`, close.
//! Connections per second and the time one takes.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::{Failures, Outcome, Target};
use crate::args::Args;
use crate::proc_stat::CpuMeter;
use crate::stats::{Latency, per_second};
use crate::ws::{self, Error};

pub async fn run(args: &Args, target: &Target) -> Result<Outcome, Error> {
    let concurrency: usize = args.get("concurrency", 16usize)?.clamp(1, 1000);
    let duration = args.seconds("duration", 10.0)?;
    let max_connections: u64 = args.get("max-connections", 1_000_000)?;
    eprintln!("connect: {concurrency} concurrent connectors for {duration:?}");
    let cpu = CpuMeter::start(&target.server_pids, target.redis_pid.as_deref());
    let started = Instant::now();
    let until = started + duration;
    let per_connector = max_connections.div_ceil(concurrency as u64);
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| tokio::task::spawn_local(connector(target.clone(), until, per_connector)))
        .collect();
    let mut latency = Latency::new();
    let mut failures = Failures::default();
    let mut done = 0u64;
    for task in tasks {
        let (connected, connector_latency, connector_failures) = task.await?;
        done += connected;
        latency.merge(&connector_latency);
        failures.count += connector_failures.count;
        for sample in connector_failures.samples {
            if failures.samples.len() < 5 {
                failures.samples.push(sample);
            }
        }
    }
    let span = started.elapsed();
    let cpu = cpu.finish();
    Ok(Outcome {
        params: json!({ "concurrency": concurrency, "duration_s": duration.as_secs_f64() }),
        metrics: json!({
            "connections_per_sec": per_second(done, span),
            "connections": done,
            "failed": failures.count,
        }),
        latency: latency.summary(),
        errors: json!({ "failures": failures.to_json() }),
        cpu,
        series: None,
    })
}

/// Connects and disconnects in a loop until `until` or `max` connections.
async fn connector(target: Target, until: Instant, max: u64) -> (u64, Latency, Failures) {
    let mut latency = Latency::new();
    let mut failures = Failures::default();
    let mut done = 0u64;
    // Bounded by `until` and `max`.
    while Instant::now() < until && done + failures.count < max {
        let begun = Instant::now();
        match ws::connect(target.addr, &target.path).await {
            Ok(mut ws) => {
                latency.record(begun.elapsed());
                done += 1;
                // A close frame, then the connection is dropped without
                // waiting for the server's close frame.
                let _ =
                    futures_util::SinkExt::send(&mut ws, tokio_tungstenite::tungstenite::Message::Close(None)).await;
            }
            Err(error) => {
                failures.add(error);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    (done, latency, failures)
}
