//! The chat of the tutorial: two browser tabs on http://127.0.0.1:8000 chat
//! with each other.
//!
//! ```text
//! cargo run --example chat          # PORT overrides 8000
//! ```
//!
//! The first run fetches the official Socket.IO browser client with `npm ci`
//! (Node.js and npm must be installed); nothing of it is committed.

mod app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let browser_client = app::browser_client(true)?;
    let sio = sio::App::builder().build()?;
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(8000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!("chat on http://127.0.0.1:{port} (Ctrl-C to stop)");
    // sio starts closing its sessions as soon as the signal comes: axum's
    // graceful shutdown would otherwise wait on pending long-polls.
    axum::serve(listener, app::router(&sio, browser_client))
        .with_graceful_shutdown(sio.shutdown_on(sio::shutdown_signal()))
        .await?;
    sio.shutdown().await;
    Ok(())
}
