//! The chat of the tutorial on several nodes sharing one Redis: a message
//! typed on a page served by one node shows on the pages of every node.
//!
//! ```text
//! redis-server --port 6379 &
//! SIO_REDIS_URL=redis://127.0.0.1:6379 PORT=8001 cargo run --example cluster --features redis
//! SIO_REDIS_URL=redis://127.0.0.1:6379 PORT=8002 cargo run --example cluster --features redis
//! ```
//!
//! then open http://127.0.0.1:8001 and http://127.0.0.1:8002.
//! `SIO_REDIS_KEY_PREFIX` (default `socket.io`) names the cluster; `PORT`
//! defaults to 8000. The consumer, the page and the browser client are the
//! chat example's (`examples/chat/app.rs`), unchanged: its broadcast,
//! `server().to("lobby")`, goes through the adapter, so it crosses nodes.

#[path = "../chat/app.rs"]
mod app;

use std::process::ExitCode;

use sio::redis::{RedisAdapter, RedisAdapterConfig};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Display, not Debug: "SIO_REDIS_URL is not set; ...".
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(8000);
    let node = format!("127.0.0.1:{port}");
    let config = RedisAdapterConfig::from_env()?;
    let browser_client = app::browser_client(true)?;

    let redis = RedisAdapter::connect(config).await?;
    let sio = sio::App::builder().adapter(redis.factory()).build()?;
    redis.subscribed().await; // before serving, so no broadcast is missed
    tracing::info!(
        %node,
        redis = %without_password(&redis.config().url),
        key_prefix = %redis.config().key_prefix,
        "joined the cluster"
    );

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!(%node, "chat node on http://{node} (Ctrl-C to stop)");
    axum::serve(listener, app::router(&sio, browser_client))
        .with_graceful_shutdown(sio.shutdown_on(sio::shutdown_signal()))
        .await?;
    sio.shutdown().await;
    redis.close();
    tracing::info!(%node, "left the cluster");
    Ok(())
}

/// The Redis URL for the logs, without its credentials.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}***{}", &url[..scheme + 3], &url[at..]),
        _ => url.to_owned(),
    }
}
