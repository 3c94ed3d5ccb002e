//! `fanout`: N receivers joined to `/`, one more client emits `broadcast`
//! events that the server sends to everyone else. Deliveries per second,
//! delivery latency (the send time travels in the event), missing
//! deliveries and disconnected receivers, all counted, none hidden.
//!
//! The sender paces itself in one of three ways:
//! - `--window W` (default): message `s` goes out once at least
//!   `(s - W) x live receivers` deliveries arrived, so the server is never
//!   more than about W messages behind (a closed loop: the figure is the
//!   server's sustained throughput);
//! - `--rate R`: R messages per second whatever happens (an open loop: an
//!   overloaded server shows as latency, missing messages, disconnects);
//! - `--window 0 --rate 0`: as fast as the sender can write (a flood).
//!
//! `--ports P1,P2,...` spreads the receivers round-robin over several
//! servers of one cluster (nodes sharing an adapter such as Redis); the
//! sender connects to the first. The figures are the same, plus the
//! receivers, deliveries, missing deliveries and delivery latency (p50,
//! p99) of each server, in the order of the ports.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use futures_util::SinkExt;
use serde_json::json;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::{Failures, Outcome, Target, connect_spread};
use crate::args::Args;
use crate::proc_stat::CpuMeter;
use crate::stats::{Latency, per_second};
use crate::ws::{self, Error, Incoming, Ws};

/// State shared by the receivers and the sender (one thread: `Cell`s).
#[derive(Debug)]
struct Shared {
    epoch: Instant,
    delivered: Cell<u64>,
    live: Cell<u64>,
    /// The sender wants to be woken when `delivered` reaches this.
    wake_at: Cell<u64>,
    progress: Notify,
    /// Delivery latency, one histogram per server (merged for the total).
    latency: RefCell<Vec<Latency>>,
    last_delivery: Cell<Option<Instant>>,
    malformed: Cell<u64>,
}

/// What one receiver saw.
#[derive(Debug, Default)]
struct ReceiverReport {
    /// The index of the receiver's server in `--ports`.
    server: usize,
    received: u64,
    /// Messages that arrived with a sequence number lower than one seen
    /// before (reordered or duplicated).
    out_of_order: u64,
    disconnect: Option<String>,
}

const PREFIX: &str = r#"2["broadcast","#;

pub async fn run(args: &Args, target: &Target) -> Result<Outcome, Error> {
    let receivers: usize = args.get("clients", 1000)?;
    let messages: u64 = args.get("messages", 2000)?;
    let window: u64 = args.get("window", 32)?;
    let rate: f64 = args.get("rate", 0.0)?;
    let payload: usize = args.get("payload", 16usize)?.min(100_000);
    let duration = args.seconds("duration", 10.0)?;
    let drain = args.seconds("drain", 10.0)?;
    let servers = target.servers.len();
    eprintln!(
        "fanout: {receivers} receivers, up to {messages} messages in {duration:?}, window {window}, rate {rate}/s, payload {payload} B"
    );
    if servers > 1 {
        let list: Vec<String> = target.servers.iter().map(ToString::to_string).collect();
        eprintln!(
            "  receivers round-robin over {}; the sender on {}",
            list.join(", "),
            target.addr
        );
    }

    let (connections, failures) = connect_spread(target, receivers).await;
    let mut sender = ws::connect(target.addr, &target.path).await?;
    let shared = Rc::new(Shared {
        epoch: Instant::now(),
        delivered: Cell::new(0),
        live: Cell::new(connections.len() as u64),
        wake_at: Cell::new(u64::MAX),
        progress: Notify::new(),
        latency: RefCell::new(vec![Latency::new(); servers]),
        last_delivery: Cell::new(None),
        malformed: Cell::new(0),
    });
    let connected = connections.len() as u64;
    let (stop_tx, stop_rx) = watch::channel(false);
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|(server, ws)| tokio::task::spawn_local(receiver(ws, server, Rc::clone(&shared), stop_rx.clone())))
        .collect();
    // Let the receivers' tasks start reading.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let cpu = CpuMeter::start(&target.server_pids, target.redis_pid.as_deref());
    let started = Instant::now();
    let send_until = started + duration;
    let pad = ws::padding(payload);
    let interval = (rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate));
    let mut sent = 0u64;
    let mut stalled = false;
    let mut sender_error = None;
    // Bounded by `messages` and by `send_until`.
    while sent < messages && Instant::now() < send_until {
        if let Some(interval) = interval {
            tokio::time::sleep_until(started + interval.mul_f64(sent as f64)).await;
        } else if window > 0 && sent >= window {
            let needed = (sent - window) * shared.live.get();
            if !wait_for(&shared, needed, send_until).await {
                stalled = Instant::now() < send_until;
                break;
            }
        }
        let micros = shared.epoch.elapsed().as_micros();
        let frame = format!("4{PREFIX}{micros},{sent},{pad}]");
        if let Err(error) = sender.send(Message::text(frame)).await {
            sender_error = Some(error.to_string());
            break;
        }
        sent += 1;
        // Answer the sender's pings without blocking the loop.
        while let Some(Some(Ok(message))) =
            futures_util::FutureExt::now_or_never(futures_util::StreamExt::next(&mut sender))
        {
            if let Incoming::Ping = ws::classify(message) {
                let _ = sender.send(Message::text("3")).await;
            }
        }
    }
    let send_span = started.elapsed();
    // Wait for the stragglers: everything delivered to the live receivers,
    // or the drain time is over.
    let drain_deadline = Instant::now() + drain;
    while shared.delivered.get() < sent * shared.live.get() && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu = cpu.finish();
    // Did the server close the sender's connection meanwhile? Read what it
    // sent; a close frame is already waiting in the socket if it did.
    if sender_error.is_none() {
        let deadline = Instant::now() + Duration::from_millis(200);
        // Bounded by the deadline.
        while let Ok(incoming) = tokio::time::timeout_at(deadline, ws::next(&mut sender)).await {
            if let Incoming::Closed(reason) = incoming {
                sender_error = Some(reason);
                break;
            }
        }
    }
    let _ = stop_tx.send(true);
    let mut reports = Vec::with_capacity(tasks.len());
    for task in tasks {
        reports.push(task.await?);
    }
    let _ = sender.close(None).await;

    let delivered: u64 = reports.iter().map(|r| r.received).sum();
    let expected = sent * connected;
    let mut disconnects = Failures::default();
    let mut missing_live = 0u64;
    for report in &reports {
        match &report.disconnect {
            Some(reason) => disconnects.add(reason),
            None => missing_live += sent.saturating_sub(report.received),
        }
    }
    // Every live receiver should have the same messages: the broadcasts
    // the server made. A spread between them after the drain means some
    // were skipped (or were still on their way when the drain ended).
    let live_counts = reports.iter().filter(|r| r.disconnect.is_none()).map(|r| r.received);
    let most = live_counts.clone().max().unwrap_or(0);
    let least = live_counts.min().unwrap_or(0);
    let span = shared
        .last_delivery
        .get()
        .map_or(send_span, |last| last.saturating_duration_since(started))
        .max(send_span);
    let (latency, per_server_latency) = {
        let per_server = shared.latency.borrow();
        let mut total = Latency::new();
        for latency in per_server.iter() {
            total.merge(latency);
        }
        let summaries: Vec<_> = per_server.iter().map(Latency::summary).collect();
        (total.summary(), summaries)
    };
    let per_server_ms =
        |key: &str| -> Vec<Option<f64>> { per_server_latency.iter().map(|summary| summary[key].as_f64()).collect() };
    let mut per_server = vec![(0u64, 0u64, 0u64); servers];
    for report in &reports {
        let (count, received, missing) = &mut per_server[report.server];
        *count += 1;
        *received += report.received;
        *missing += sent.saturating_sub(report.received);
    }
    Ok(Outcome {
        params: json!({ "receivers": receivers, "messages": messages, "window": window, "rate": rate,
            "payload": payload, "duration_s": duration.as_secs_f64(), "servers": servers }),
        metrics: json!({
            "deliveries_per_sec": per_second(delivered, span),
            "messages_per_sec": per_second(sent, span),
            "sent": sent,
            "connected": connected,
            "expected": expected,
            "delivered": delivered,
            "missing": expected.saturating_sub(delivered),
            "missing_while_connected": missing_live,
            "disconnected": disconnects.count,
            "live_received_max": most,
            "live_received_min": least,
            "out_of_order": reports.iter().map(|r| r.out_of_order).sum::<u64>(),
            "malformed": shared.malformed.get(),
            "stalled": stalled,
            "sender_disconnected": u64::from(sender_error.is_some()),
            "span_s": span.as_secs_f64(),
            "receivers_per_server": per_server.iter().map(|(count, _, _)| *count).collect::<Vec<_>>(),
            "delivered_per_server": per_server.iter().map(|(_, received, _)| *received).collect::<Vec<_>>(),
            "missing_per_server": per_server.iter().map(|(_, _, missing)| *missing).collect::<Vec<_>>(),
            "latency_p50_ms_per_server": per_server_ms("p50_ms"),
            "latency_p99_ms_per_server": per_server_ms("p99_ms"),
        }),
        latency,
        errors: json!({
            "connect_failures": failures.to_json(),
            "disconnects": disconnects.to_json(),
            "sender": sender_error,
        }),
        cpu,
        series: None,
    })
}

/// Waits until `needed` deliveries arrived; false when the deadline passed
/// or nothing arrived for 5 s.
async fn wait_for(shared: &Shared, needed: u64, deadline: Instant) -> bool {
    // Bounded by the deadline and the stall timeout.
    while shared.delivered.get() < needed {
        shared.wake_at.set(needed);
        let stall = (Instant::now() + Duration::from_secs(5)).min(deadline);
        if tokio::time::timeout_at(stall, shared.progress.notified())
            .await
            .is_err()
        {
            shared.wake_at.set(u64::MAX);
            return shared.delivered.get() >= needed;
        }
    }
    shared.wake_at.set(u64::MAX);
    true
}

async fn receiver(mut ws: Ws, server: usize, shared: Rc<Shared>, mut stop: watch::Receiver<bool>) -> ReceiverReport {
    let mut report = ReceiverReport {
        server,
        ..ReceiverReport::default()
    };
    let mut highest: Option<u64> = None;
    // Bounded by the stop signal, which the scenario always sends.
    loop {
        let incoming = tokio::select! {
            incoming = ws::next(&mut ws) => incoming,
            _ = stop.changed() => break,
        };
        match incoming {
            Incoming::Message(message) => {
                let Some((micros, seq)) = parse_broadcast(ws::packet(&message)) else {
                    shared.malformed.set(shared.malformed.get() + 1);
                    continue;
                };
                let now = shared.epoch.elapsed().as_micros() as u64;
                shared.latency.borrow_mut()[report.server].record_micros(now.saturating_sub(micros));
                report.received += 1;
                if highest.is_some_and(|highest| seq <= highest) {
                    report.out_of_order += 1;
                } else {
                    highest = Some(seq);
                }
                let delivered = shared.delivered.get() + 1;
                shared.delivered.set(delivered);
                shared.last_delivery.set(Some(Instant::now()));
                if delivered >= shared.wake_at.get() {
                    shared.progress.notify_one();
                }
            }
            Incoming::Ping => {
                if ws.send(Message::text("3")).await.is_err() {
                    report.disconnect = Some("write failed".to_owned());
                    break;
                }
            }
            Incoming::Closed(reason) => {
                report.disconnect = Some(reason);
                break;
            }
            Incoming::Other => {}
        }
    }
    if report.disconnect.is_some() {
        shared.live.set(shared.live.get().saturating_sub(1));
        // The sender's target just dropped: let it re-check.
        shared.progress.notify_one();
    } else {
        let _ = ws.close(None).await;
    }
    report
}

/// Parses `2["broadcast",<micros>,<seq>,...]`.
fn parse_broadcast(packet: &str) -> Option<(u64, u64)> {
    let rest = packet.strip_prefix(PREFIX)?;
    let mut fields = rest.splitn(3, ',');
    let micros = fields.next()?.parse().ok()?;
    let seq = fields.next()?.parse().ok()?;
    Some((micros, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_broadcasts() {
        assert_eq!(parse_broadcast(r#"2["broadcast",123,7,"abc"]"#), Some((123, 7)));
        assert_eq!(parse_broadcast(r#"2["other",1,2]"#), None);
    }
}
