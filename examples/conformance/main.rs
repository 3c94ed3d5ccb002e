//! The conformance server: the configuration that Socket.IO's own protocol
//! documentation gives for protocol test suites, written with `#[consumer]`
//! (see `app.rs`).
//!
//! ```text
//! cargo run --example conformance     # 127.0.0.1:3000, PORT overrides
//! ```
//!
//! Then run the official suite against it (a development check, see
//! `tests/README.md`).

mod app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(3000);
    let app = app::builder().build()?;
    tracing::info!("conformance server on http://127.0.0.1:{port} (Ctrl-C to stop)");
    app.serve(("127.0.0.1", port)).await?;
    Ok(())
}
