//! `polling`: the echo scenario over HTTP long-polling. Each client holds
//! two keep-alive connections: one for the long-poll GET, one for POSTs
//! (several queued packets go in one POST, as the official client does).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::future::OptionFuture;
use tokio::time::Instant;

use super::echo::{ClientReport, EchoShape, Phases, measure};
use super::{Failures, Outcome, Target};
use crate::args::Args;
use crate::http::HttpConn;
use crate::ws::{self, Error};

type Pending = Pin<Box<dyn Future<Output = (HttpConn, Result<(u16, Bytes), Error>)>>>;

pub async fn run(args: &Args, target: &Target) -> Result<Outcome, Error> {
    let clients: usize = args.get("clients", 200)?;
    let inflight: usize = args.get("inflight", 1usize)?.clamp(1, 1000);
    let payload: usize = args.get("payload", 32usize)?.min(100_000);
    let warmup = args.seconds("warmup", 2.0)?;
    let duration = args.seconds("duration", 10.0)?;
    let drain = args.seconds("drain", 5.0)?;
    eprintln!("polling: {clients} clients x {inflight} in flight, payload {payload} B, {warmup:?} + {duration:?}");

    // Set the sessions up first, `connect_concurrency` at a time.
    let mut failures = Failures::default();
    let mut sessions = Vec::with_capacity(clients);
    {
        use futures_util::StreamExt;
        let mut attempts = futures_util::stream::iter(0..clients)
            .map(|_| open_session(target))
            .buffer_unordered(target.connect_concurrency);
        while let Some(result) = attempts.next().await {
            match result {
                Ok(session) => sessions.push(session),
                Err(error) => failures.add(error),
            }
        }
    }
    eprintln!("  {} of {clients} polling sessions open", sessions.len());
    let start = Instant::now();
    let phases = Phases {
        measure_from: start + warmup,
        measure_until: start + warmup + duration,
        drain_until: start + warmup + duration + drain,
    };
    let request_data = format!(r#""echo",{}]"#, ws::padding(payload));
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|session| tokio::task::spawn_local(client(session, inflight, request_data.clone(), phases)))
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

/// A polling session joined to `/`.
pub struct Session {
    /// The connection of the long-poll GETs.
    pub get: HttpConn,
    /// The connection of the POSTs.
    pub post: HttpConn,
    /// The request target of the session (path and query, with the sid).
    pub target: String,
    /// The session id.
    pub sid: String,
}

/// Opens a polling session and joins `/`: handshake GET, `40` POST, GETs
/// until the CONNECT reply.
pub async fn open_session(target: &Target) -> Result<Session, Error> {
    let mut get = HttpConn::connect(target.addr).await?;
    let (status, body) = get.get(&format!("{}?EIO=4&transport=polling", target.path)).await?;
    let open = std::str::from_utf8(&body)?;
    let open = open.strip_prefix('0').ok_or_else(|| format!("HTTP {status}: {open}"))?;
    let open: serde_json::Value = serde_json::from_str(open)?;
    let sid = open["sid"].as_str().ok_or("no sid in the open packet")?;
    let session_target = format!("{}?EIO=4&transport=polling&sid={sid}", target.path);
    let mut post = HttpConn::connect(target.addr).await?;
    let (status, body) = post.post(&session_target, b"40").await?;
    if status != 200 {
        return Err(format!("CONNECT POST: HTTP {status} {}", String::from_utf8_lossy(&body)).into());
    }
    // Bounded: the CONNECT reply is the first thing the server sends.
    for _ in 0..5 {
        let (status, body) = get.get(&session_target).await?;
        if status != 200 {
            return Err(format!("GET: HTTP {status}").into());
        }
        if body.split(|&b| b == 0x1e).any(|record| record.starts_with(b"40{")) {
            return Ok(Session {
                get,
                post,
                target: session_target,
                sid: sid.to_owned(),
            });
        }
    }
    Err("no CONNECT reply".into())
}

fn start_get(mut conn: HttpConn, target: String) -> Pending {
    Box::pin(async move {
        let result = conn.get(&target).await;
        (conn, result)
    })
}

fn start_post(mut conn: HttpConn, target: String, body: Vec<u8>) -> Pending {
    Box::pin(async move {
        let result = conn.post(&target, &body).await;
        (conn, result)
    })
}

async fn client(session: Session, inflight: usize, data: String, phases: Phases) -> ClientReport {
    let mut report = ClientReport::default();
    let Session { get, post, target, .. } = session;
    let expected_tail = data.len() - r#""echo","#.len() + 1;
    let mut pending: VecDeque<(u64, Instant)> = VecDeque::with_capacity(inflight);
    let mut outbox: Vec<String> = Vec::new();
    let mut next_id = 0u64;
    let mut queue = |outbox: &mut Vec<String>, pending: &mut VecDeque<(u64, Instant)>, report: &mut ClientReport| {
        let now = Instant::now();
        if now >= phases.measure_from && now < phases.measure_until {
            report.sent += 1;
        }
        pending.push_back((next_id, now));
        outbox.push(format!("42{next_id}[{data}"));
        next_id += 1;
    };
    for _ in 0..inflight {
        queue(&mut outbox, &mut pending, &mut report);
    }
    let mut get_future: Option<Pending> = Some(start_get(get, target.clone()));
    let mut post_conn = Some(post);
    let mut post_future: Option<Pending> = None;
    let result: Result<(), Error> = async {
        // Bounded by the drain deadline.
        loop {
            if let Some(conn) = post_conn.take() {
                if outbox.is_empty() {
                    post_conn = Some(conn);
                } else {
                    let body = outbox.join("\u{1e}").into_bytes();
                    outbox.clear();
                    post_future = Some(start_post(conn, target.clone(), body));
                }
            }
            let now = Instant::now();
            if now >= phases.measure_until && pending.is_empty() {
                return Ok(());
            }
            let deadline = if now < phases.measure_until {
                phases.measure_until
            } else {
                phases.drain_until
            };
            tokio::select! {
                Some((conn, result)) = OptionFuture::from(get_future.as_mut()) => {
                    get_future = None;
                    let (status, body) = result?;
                    if status != 200 {
                        return Err(format!("GET: HTTP {status} {}", String::from_utf8_lossy(&body)).into());
                    }
                    let now = Instant::now();
                    for record in body.split(|&b| b == 0x1e) {
                        match record.first() {
                            Some(b'2') => outbox.push("3".to_owned()),
                            Some(b'1') => return Err("engine.io close packet".into()),
                            Some(b'4') => {
                                let packet = std::str::from_utf8(&record[1..]).unwrap_or("");
                                if packet.starts_with('1') {
                                    return Err(format!("namespace disconnect ({packet})").into());
                                }
                                let Some((id, tail)) = ws::parse_ack(packet) else { continue };
                                if !report.record_ack(&mut pending, id, tail == expected_tail, now, phases) {
                                    continue;
                                }
                                if now < phases.measure_until {
                                    queue(&mut outbox, &mut pending, &mut report);
                                }
                            }
                            _ => {}
                        }
                    }
                    if now < phases.measure_until || !pending.is_empty() {
                        get_future = Some(start_get(conn, target.clone()));
                    }
                }
                Some((conn, result)) = OptionFuture::from(post_future.as_mut()) => {
                    post_future = None;
                    let (status, body) = result?;
                    if status != 200 {
                        return Err(format!("POST: HTTP {status} {}", String::from_utf8_lossy(&body)).into());
                    }
                    post_conn = Some(conn);
                }
                _ = tokio::time::sleep_until(deadline) => {
                    if deadline == phases.drain_until {
                        return Ok(());
                    }
                }
            }
        }
    }
    .await;
    if let Err(error) = result {
        report.disconnect = Some(error.to_string());
    }
    report.unanswered = pending.len() as u64;
    // Close the session, best effort.
    drop(get_future);
    let conn = match (post_conn, post_future) {
        (Some(conn), _) => Some(conn),
        (None, Some(future)) => tokio::time::timeout(std::time::Duration::from_secs(1), future)
            .await
            .ok()
            .map(|(conn, _)| conn),
        (None, None) => None,
    };
    if let Some(mut conn) = conn {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), conn.post(&target, b"1")).await;
    }
    report
}
