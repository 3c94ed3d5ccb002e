//! Serving an [`EngineServer`] on a TCP listener with hyper.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::engine::{EngineHandler, EngineServer};

/// How long a graceful shutdown waits for open HTTP connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Accepts HTTP/1.1 connections on `listener` and answers them with
/// `engine` until `shutdown` resolves.
///
/// On shutdown it refuses new sessions (`503`), closes every session
/// ([`CloseReason::ServerShutdown`](crate::engine::CloseReason::ServerShutdown);
/// spread over `shutdown_drain` when set) while still answering the open
/// sessions' requests, then stops accepting connections and waits up to
/// 10 seconds for them to finish.
///
/// Requests whose headers do not arrive within the configured
/// `request_timeout` are cut off.
pub async fn serve<H: EngineHandler>(
    listener: TcpListener,
    engine: Arc<EngineServer<H>>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(engine.config().request_timeout);
    // Every connection task holds a receiver: a send asks them to finish,
    // and `closed()` resolves once the last one has.
    let (stop_connections, connections) = watch::channel(());
    tracing::info!(address = ?listener.local_addr().ok(), path = %engine.config().path, "serving");
    let mut shutdown = std::pin::pin!(shutdown);
    // Once shutdown begins, the engine refuses new sessions and closes the
    // open ones (spread over `shutdown_drain`); the listener keeps
    // accepting meanwhile, so that a polling client's next request still
    // reaches its session until that session's turn comes.
    let grace = SHUTDOWN_GRACE + engine.config().shutdown_drain;
    let mut draining: Option<std::pin::Pin<Box<dyn Future<Output = bool> + Send + '_>>> = None;
    loop {
        let (stream, remote_addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Running out of file descriptors must not spin the loop.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown, if draining.is_none() => {
                let engine = Arc::clone(&engine);
                draining = Some(Box::pin(async move {
                    tokio::time::timeout(grace, engine.shutdown()).await.is_ok()
                }));
                continue;
            }
            drained = async { draining.as_mut().expect("enabled only while draining").await }, if draining.is_some() => {
                if !drained {
                    tracing::warn!("sessions still closing after the grace period");
                }
                break;
            }
        };
        let _ = stream.set_nodelay(true);
        let engine = Arc::clone(&engine);
        let service = service_fn(move |request| {
            let engine = Arc::clone(&engine);
            async move { Ok::<_, Infallible>(engine.handle(request, Some(remote_addr)).await) }
        });
        let connection = http.serve_connection(TokioIo::new(stream), service).with_upgrades();
        let mut stop = connections.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, %remote_addr, "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    drop(connections);
    let _ = stop_connections.send(());
    if tokio::time::timeout(SHUTDOWN_GRACE, stop_connections.closed())
        .await
        .is_err()
    {
        tracing::warn!("HTTP connections still open after the grace period");
    }
    Ok(())
}
