//! `burst`: N clients each send a burst of B `slow` events at once to a
//! handler that awaits 1 ms per event (a simulated database write), then a
//! `report` event with an ack: the server answers how many of the client's
//! events it handled and how many were out of order. What a client does
//! when it flushes its send buffer after a reconnect.
//!
//! The events are `42["slow",n]`, n = 0..B, then `421["report",B]`. Over
//! WebSocket (`--transport websocket`, the default) each is one frame,
//! written as fast as TCP takes them; over polling (`--transport polling`)
//! the whole burst and the report go in one POST body (about 15 bytes per
//! event), while a long-poll GET waits for the ack.
//!
//! Figures: events handled per second (every client's handled events over
//! the time from the start of the burst to the last report), events
//! missing (sent but not reported handled, including those of clients that
//! never reported), clients whose events were handled out of order, clients
//! disconnected, clients without a report by the deadline, the time to
//! drain (to the last report; p50 and max over the clients in `latency`),
//! and how long the clients took to write their burst (how long the server
//! held them back).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::polling::{Session, open_session};
use super::{Failures, Outcome, Target, connect_many};
use crate::args::Args;
use crate::http::HttpConn;
use crate::proc_stat::CpuMeter;
use crate::stats::{Latency, per_second};
use crate::ws::{self, Error, Incoming, Ws};

/// What one client saw.
#[derive(Debug, Default)]
struct ClientReport {
    /// The server's report: events handled, events out of order.
    report: Option<(u64, u64)>,
    /// From the start to the report's ack.
    drained_after: Option<Duration>,
    /// From the start to the last event written.
    written_after: Option<Duration>,
    /// Why the connection ended early, if it did.
    disconnect: Option<String>,
}

pub async fn run(args: &Args, target: &Target) -> Result<Outcome, Error> {
    let clients: usize = args.get("clients", 50)?;
    let events: u64 = args.get("events", 3000u64)?.clamp(1, 1_000_000);
    let transport = args.string("transport", "websocket");
    let timeout = args.seconds("timeout", 120.0)?;
    eprintln!("burst: {clients} clients x {events} events over {transport}, deadline {timeout:?}");

    let (go_tx, go_rx) = watch::channel(None::<Instant>);
    let mut failures = Failures::default();
    let tasks: Vec<_> = match transport.as_str() {
        "websocket" => {
            let (connections, connect_failures) = connect_many(target, clients).await;
            failures = connect_failures;
            connections
                .into_iter()
                .map(|ws| tokio::task::spawn_local(ws_client(ws, events, go_rx.clone(), timeout)))
                .collect()
        }
        "polling" => {
            let mut attempts = futures_util::stream::iter(0..clients)
                .map(|_| open_session(target))
                .buffer_unordered(target.connect_concurrency);
            let mut sessions = Vec::with_capacity(clients);
            while let Some(result) = attempts.next().await {
                match result {
                    Ok(session) => sessions.push(session),
                    Err(error) => failures.add(error),
                }
            }
            eprintln!("  {} of {clients} polling sessions open", sessions.len());
            sessions
                .into_iter()
                .map(|session| tokio::task::spawn_local(polling_client(session, events, go_rx.clone(), timeout)))
                .collect()
        }
        other => return Err(format!("--transport {other:?}: websocket or polling").into()),
    };
    // Let every task reach its start line, then go.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cpu = CpuMeter::start(&target.server_pids, target.redis_pid.as_deref());
    let started = Instant::now();
    let _ = go_tx.send(Some(started));

    let mut reports = Vec::with_capacity(tasks.len());
    for task in tasks {
        reports.push(task.await?);
    }
    let cpu = cpu.finish();
    let connected = reports.len() as u64;
    let expected = events * clients as u64;
    let handled: u64 = reports
        .iter()
        .filter_map(|r| r.report)
        .map(|(handled, _)| handled)
        .sum();
    let out_of_order_events: u64 = reports.iter().filter_map(|r| r.report).map(|(_, ooo)| ooo).sum();
    let out_of_order_clients = reports
        .iter()
        .filter(|r| r.report.is_some_and(|(_, ooo)| ooo > 0))
        .count() as u64;
    let complete_clients = reports
        .iter()
        .filter(|r| r.report.is_some_and(|(handled, ooo)| handled == events && ooo == 0))
        .count() as u64;
    let unreported = reports.iter().filter(|r| r.report.is_none()).count() as u64;
    let mut disconnects = Failures::default();
    for report in &reports {
        if let Some(reason) = &report.disconnect {
            disconnects.add(reason);
        }
    }
    let mut drain = Latency::new();
    for report in &reports {
        if let Some(after) = report.drained_after {
            drain.record(after);
        }
    }
    let drain_s = reports.iter().filter_map(|r| r.drained_after).max().unwrap_or_default();
    let written_max = reports.iter().filter_map(|r| r.written_after).max();
    let mut written: Vec<Duration> = reports.iter().filter_map(|r| r.written_after).collect();
    written.sort();
    let written_p50 = written.get(written.len() / 2).copied();
    Ok(Outcome {
        params: json!({ "clients": clients, "events": events, "transport": transport,
            "handler_ms": 1, "timeout_s": timeout.as_secs_f64() }),
        metrics: json!({
            "events_per_sec": per_second(handled, drain_s),
            "expected": expected,
            "handled": handled,
            "missing": expected.saturating_sub(handled),
            "connected": connected,
            "clients_complete_in_order": complete_clients,
            "clients_out_of_order": out_of_order_clients,
            "out_of_order_events": out_of_order_events,
            "disconnected": disconnects.count,
            "unreported": unreported,
            "drain_s": drain_s.as_secs_f64(),
            "write_s_p50": written_p50.map(|d| d.as_secs_f64()),
            "write_s_max": written_max.map(|d| d.as_secs_f64()),
        }),
        latency: drain.summary(),
        errors: json!({ "connect_failures": failures.to_json(), "disconnects": disconnects.to_json() }),
        cpu,
        series: None,
    })
}

/// Waits for the start signal; returns the start time.
async fn start_line(mut go: watch::Receiver<Option<Instant>>) -> Option<Instant> {
    // Bounded: the scenario sends the signal right after spawning.
    loop {
        if let Some(started) = *go.borrow_and_update() {
            return Some(started);
        }
        if go.changed().await.is_err() {
            return None;
        }
    }
}

/// `{"handled": H, "out_of_order": O}` in the report's ack `31[{...}]`.
fn parse_report(packet: &str) -> Option<(u64, u64)> {
    let (id, _) = ws::parse_ack(packet)?;
    if id != 1 {
        return None;
    }
    let data = packet.get(2..)?;
    let data: Value = serde_json::from_str(data).ok()?;
    let report = data.get(0)?;
    Some((report["handled"].as_u64()?, report["out_of_order"].as_u64()?))
}

/// One WebSocket client: a writer task takes the frames from a queue (the
/// burst, then the report, then pongs) and writes them as fast as TCP
/// takes them; this task reads until the report's ack.
async fn ws_client(ws: Ws, events: u64, go: watch::Receiver<Option<Instant>>, timeout: Duration) -> ClientReport {
    let mut report = ClientReport::default();
    let Some(started) = start_line(go).await else {
        return report;
    };
    let (mut sink, mut stream) = ws.split();
    let (queue, mut frames) = mpsc::unbounded_channel::<Message>();
    for n in 0..events {
        let _ = queue.send(Message::text(format!(r#"42["slow",{n}]"#)));
    }
    let _ = queue.send(Message::text(format!(r#"421["report",{events}]"#)));
    let written = std::rc::Rc::new(std::cell::Cell::new(None));
    let writer = {
        let written = std::rc::Rc::clone(&written);
        tokio::task::spawn_local(async move {
            let mut count = 0u64;
            // Bounded by the queue, which the reader drops when it is done.
            while let Some(frame) = frames.recv().await {
                if sink.send(frame).await.is_err() {
                    return sink;
                }
                count += 1;
                if count == events + 1 {
                    written.set(Some(started.elapsed()));
                }
            }
            sink
        })
    };
    let deadline = started + timeout;
    let result: Result<(), Error> = async {
        // Bounded by the deadline.
        loop {
            let Ok(next) = tokio::time::timeout_at(deadline, stream.next()).await else {
                return Err("no report before the deadline".into());
            };
            let incoming = match next {
                None => Incoming::Closed("connection ended".to_owned()),
                Some(Err(error)) => Incoming::Closed(format!("transport error: {error}")),
                Some(Ok(message)) => ws::classify(message),
            };
            match incoming {
                Incoming::Message(message) => {
                    if let Some(figures) = parse_report(ws::packet(&message)) {
                        report.report = Some(figures);
                        report.drained_after = Some(started.elapsed());
                        return Ok(());
                    }
                }
                Incoming::Ping => {
                    let _ = queue.send(Message::text("3"));
                }
                Incoming::Closed(reason) => return Err(reason.into()),
                Incoming::Other => {}
            }
        }
    }
    .await;
    report.written_after = written.get();
    match result {
        Err(error) if report.report.is_none() && !error.to_string().starts_with("no report") => {
            report.disconnect = Some(error.to_string());
        }
        _ => {}
    }
    drop(queue);
    if let Ok(Ok(mut sink)) = tokio::time::timeout(Duration::from_secs(2), writer).await {
        let _ = sink.close().await;
    }
    report
}

/// One polling client: the burst and the report in one POST, long-poll
/// GETs until the report's ack (pings are answered once the POST is done).
async fn polling_client(
    session: Session,
    events: u64,
    go: watch::Receiver<Option<Instant>>,
    timeout: Duration,
) -> ClientReport {
    let mut report = ClientReport::default();
    let Some(started) = start_line(go).await else {
        return report;
    };
    let Session { get, post, target, .. } = session;
    let mut body = String::with_capacity(events as usize * 16 + 32);
    for n in 0..events {
        body.push_str(&format!("42[\"slow\",{n}]\u{1e}"));
    }
    body.push_str(&format!(r#"421["report",{events}]"#));
    let deadline = started + timeout;
    let post_task = {
        let target = target.clone();
        tokio::task::spawn_local(async move {
            let mut post = post;
            let result = post.post(&target, body.as_bytes()).await;
            (post, result, started.elapsed())
        })
    };
    let result: Result<Option<HttpConn>, Error> = async {
        let mut get = get;
        let mut post_task = Some(post_task);
        let mut post: Option<HttpConn> = None;
        let mut pongs = 0usize;
        // Bounded by the deadline.
        loop {
            if let (Some(conn), true) = (post.as_mut(), pongs > 0) {
                let body = vec!["3"; pongs].join("\u{1e}");
                pongs = 0;
                let (status, _) = conn.post(&target, body.as_bytes()).await?;
                if status != 200 {
                    return Err(format!("pong POST: HTTP {status}").into());
                }
            }
            let get_future = get.get(&target);
            tokio::pin!(get_future);
            let response = tokio::select! {
                response = tokio::time::timeout_at(deadline, &mut get_future) => response,
                Some(done) = async { match post_task.as_mut() { Some(task) => Some(task.await), None => None } } => {
                    post_task = None;
                    let (conn, result, after) = done?;
                    let (status, body) = result?;
                    if status != 200 {
                        return Err(format!("burst POST: HTTP {status} {}", String::from_utf8_lossy(&body)).into());
                    }
                    report.written_after = Some(after);
                    post = Some(conn);
                    tokio::time::timeout_at(deadline, &mut get_future).await
                }
            };
            let Ok(response) = response else {
                return Err("no report before the deadline".into());
            };
            let (status, body) = response?;
            if status != 200 {
                return Err(format!("GET: HTTP {status} {}", String::from_utf8_lossy(&body)).into());
            }
            for record in body.split(|&b| b == 0x1e) {
                match record.first() {
                    Some(b'2') => pongs += 1,
                    Some(b'1') => return Err("engine.io close packet".into()),
                    Some(b'4') => {
                        let packet = std::str::from_utf8(&record[1..]).unwrap_or("");
                        if packet.starts_with('1') {
                            return Err(format!("namespace disconnect ({packet})").into());
                        }
                        if let Some(figures) = parse_report(packet) {
                            report.report = Some(figures);
                            report.drained_after = Some(started.elapsed());
                            if let Some(task) = post_task.take() {
                                // The POST answers once its packets are taken.
                                if let Ok(Ok((conn, _, after))) =
                                    tokio::time::timeout(Duration::from_secs(2), task).await
                                {
                                    report.written_after = Some(after);
                                    post = Some(conn);
                                }
                            }
                            return Ok(post);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    .await;
    match result {
        Ok(Some(mut conn)) => {
            // Close the session, best effort.
            let _ = tokio::time::timeout(Duration::from_secs(1), conn.post(&target, b"1")).await;
        }
        Ok(None) => {}
        Err(error) => {
            if report.report.is_none() && !error.to_string().starts_with("no report") {
                report.disconnect = Some(error.to_string());
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_reports() {
        assert_eq!(
            parse_report(r#"31[{"handled":3000,"out_of_order":0}]"#),
            Some((3000, 0))
        );
        assert_eq!(parse_report(r#"31[{"out_of_order":2,"handled":7}]"#), Some((7, 2)));
        assert_eq!(parse_report(r#"32[{"handled":1,"out_of_order":0}]"#), None);
        assert_eq!(parse_report(r#"2["slow",1]"#), None);
    }
}
