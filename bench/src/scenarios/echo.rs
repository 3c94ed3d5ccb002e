//! `echo`: N WebSocket clients, each keeping K `echo` events with an ack in
//! flight; acks per second and the round-trip latency.

use std::collections::VecDeque;

use futures_util::SinkExt;
use serde_json::json;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::{Failures, Outcome, Target, connect_many};
use crate::args::Args;
use crate::proc_stat::CpuMeter;
use crate::stats::{Latency, per_second};
use crate::ws::{self, Error, Incoming, Ws};

/// The measured phases, shared by every client.
#[derive(Debug, Clone, Copy)]
pub struct Phases {
    /// Requests sent before this are warm-up: not measured.
    pub measure_from: Instant,
    /// No new request after this.
    pub measure_until: Instant,
    /// Requests still unanswered at this time are counted as lost.
    pub drain_until: Instant,
}

/// What one client saw.
#[derive(Debug, Default)]
pub struct ClientReport {
    /// Round trips of the acks received in the measured window.
    pub latency: Latency,
    /// Acks received in the measured window.
    pub acks: u64,
    /// Requests sent in the measured window.
    pub sent: u64,
    /// Requests that got no ack before the drain deadline.
    pub unanswered: u64,
    /// Acks whose data was not what was sent.
    pub wrong: u64,
    /// Why the connection ended early, if it did.
    pub disconnect: Option<String>,
}

impl ClientReport {
    /// Accounts for the ack of request `id`, received at `now`, whose data
    /// was as expected or not. Returns `false` (and counts it wrong) when
    /// no such request is pending.
    pub fn record_ack(
        &mut self,
        pending: &mut VecDeque<(u64, Instant)>,
        id: u64,
        data_ok: bool,
        now: Instant,
        phases: Phases,
    ) -> bool {
        let Some((_, sent_at)) = pending
            .iter()
            .position(|(pending_id, _)| *pending_id == id)
            .and_then(|position| pending.remove(position))
        else {
            self.wrong += 1;
            return false;
        };
        if !data_ok {
            self.wrong += 1;
        }
        if now >= phases.measure_from && now < phases.measure_until {
            self.acks += 1;
            self.latency.record(now - sent_at);
        }
        true
    }
}

pub async fn run(args: &Args, target: &Target) -> Result<Outcome, Error> {
    let clients: usize = args.get("clients", 200)?;
    let inflight: usize = args.get("inflight", 1usize)?.clamp(1, 1000);
    let payload: usize = args.get("payload", 32usize)?.min(100_000);
    let warmup = args.seconds("warmup", 2.0)?;
    let duration = args.seconds("duration", 10.0)?;
    let drain = args.seconds("drain", 5.0)?;
    eprintln!("echo: {clients} clients x {inflight} in flight, payload {payload} B, {warmup:?} + {duration:?}");

    let (connections, failures) = connect_many(target, clients).await;
    let start = Instant::now();
    let phases = Phases {
        measure_from: start + warmup,
        measure_until: start + warmup + duration,
        drain_until: start + warmup + duration + drain,
    };
    let request_data = format!(r#""echo",{}]"#, ws::padding(payload));
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|ws| {
            let data = request_data.clone();
            tokio::task::spawn_local(client(ws, inflight, data, phases))
        })
        .collect();
    let shape = EchoShape {
        clients,
        inflight,
        payload,
        warmup,
        duration,
    };
    measure(tasks, phases, target, shape, failures).await
}

/// The parameters an echo-shaped run reports.
pub struct EchoShape {
    /// Clients connected.
    pub clients: usize,
    /// Requests each client keeps in flight.
    pub inflight: usize,
    /// Bytes of padding per request.
    pub payload: usize,
    /// Warm-up before the measured window.
    pub warmup: std::time::Duration,
    /// The measured window.
    pub duration: std::time::Duration,
}

/// Measures an echo-shaped run (over WebSocket or polling) whose client
/// tasks are started: the server's CPU over the measured window, then every
/// client's report summed into the outcome.
pub async fn measure(
    tasks: Vec<tokio::task::JoinHandle<ClientReport>>,
    phases: Phases,
    target: &Target,
    shape: EchoShape,
    failures: Failures,
) -> Result<Outcome, Error> {
    let EchoShape {
        clients,
        inflight,
        payload,
        warmup,
        duration,
    } = shape;
    tokio::time::sleep_until(phases.measure_from).await;
    let cpu = CpuMeter::start(&target.server_pids, target.redis_pid.as_deref());
    tokio::time::sleep_until(phases.measure_until).await;
    let cpu = cpu.finish();

    let mut total = ClientReport::default();
    let mut disconnects = Failures::default();
    for task in tasks {
        let report = task.await?;
        total.latency.merge(&report.latency);
        total.acks += report.acks;
        total.sent += report.sent;
        total.unanswered += report.unanswered;
        total.wrong += report.wrong;
        if let Some(reason) = report.disconnect {
            disconnects.add(reason);
        }
    }
    Ok(Outcome {
        params: json!({ "clients": clients, "inflight": inflight, "payload": payload,
            "warmup_s": warmup.as_secs_f64(), "duration_s": duration.as_secs_f64() }),
        metrics: json!({
            "acks_per_sec": per_second(total.acks, duration),
            "acks": total.acks,
            "sent": total.sent,
            "unanswered": total.unanswered,
            "wrong_acks": total.wrong,
            "connected": clients as u64 - failures.count,
        }),
        latency: total.latency.summary(),
        errors: json!({ "connect_failures": failures.to_json(), "disconnects": disconnects.to_json() }),
        cpu,
        series: None,
    })
}

/// One client: keeps `inflight` requests outstanding until the measured
/// window ends, then waits for the last acks until the drain deadline.
async fn client(mut ws: Ws, inflight: usize, data: String, phases: Phases) -> ClientReport {
    let mut report = ClientReport::default();
    let mut pending: VecDeque<(u64, Instant)> = VecDeque::with_capacity(inflight);
    let mut next_id = 0u64;
    // The expected ack: `3<id>[<padding>]`, i.e. the data minus `"echo",`.
    let expected_tail = data.len() - r#""echo","#.len() + 1;
    let result: Result<(), Error> = async {
        for _ in 0..inflight {
            send(&mut ws, &mut pending, &mut next_id, &data, phases, &mut report).await?;
        }
        let mut deadline = phases.measure_until;
        // Bounded by the drain deadline.
        loop {
            let incoming = match tokio::time::timeout_at(deadline, ws::next(&mut ws)).await {
                Ok(incoming) => incoming,
                Err(_) if deadline == phases.measure_until => {
                    deadline = phases.drain_until;
                    if pending.is_empty() {
                        return Ok(());
                    }
                    continue;
                }
                Err(_) => return Ok(()),
            };
            match incoming {
                Incoming::Message(message) => {
                    let Some((id, tail)) = ws::parse_ack(ws::packet(&message)) else {
                        continue;
                    };
                    let now = Instant::now();
                    if !report.record_ack(&mut pending, id, tail == expected_tail, now, phases) {
                        continue;
                    }
                    if now < phases.measure_until {
                        send(&mut ws, &mut pending, &mut next_id, &data, phases, &mut report).await?;
                    } else if pending.is_empty() {
                        return Ok(());
                    }
                }
                Incoming::Ping => ws.send(Message::text("3")).await?,
                Incoming::Closed(reason) => return Err(reason.into()),
                Incoming::Other => {}
            }
        }
    }
    .await;
    if let Err(error) = result {
        report.disconnect = Some(error.to_string());
    }
    report.unanswered = pending.len() as u64;
    let _ = ws.close(None).await;
    report
}

async fn send(
    ws: &mut Ws,
    pending: &mut VecDeque<(u64, Instant)>,
    next_id: &mut u64,
    data: &str,
    phases: Phases,
    report: &mut ClientReport,
) -> Result<(), Error> {
    let id = *next_id;
    *next_id += 1;
    let now = Instant::now();
    pending.push_back((id, now));
    if now >= phases.measure_from && now < phases.measure_until {
        report.sent += 1;
    }
    ws.send(Message::text(format!("42{id}[{data}"))).await?;
    Ok(())
}
