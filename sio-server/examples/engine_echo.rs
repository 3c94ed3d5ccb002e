//! An Engine.IO echo server: every message a client sends comes back.
//!
//! ```text
//! cargo run -p sio-server --example engine_echo     # PORT=8000 by default
//! ```
//!
//! It speaks Engine.IO only (no Socket.IO namespaces yet), which is enough
//! for the low-level `Manager` of the official client to connect, upgrade
//! to WebSocket and exchange messages.

use sio_core::engine::Frame;
use sio_server::config::{Cors, EngineConfigBuilder};
use sio_server::engine::{CloseReason, Delivery, EngineHandler, EngineServer, Handshake, Message, SessionHandle};

struct Echo;

impl EngineHandler for Echo {
    type Session = ();

    fn on_open(&self, session: &SessionHandle, handshake: &Handshake) {
        tracing::info!(sid = %session.sid(), remote = ?handshake.remote_addr(), "open");
    }

    fn on_message(&self, session: &SessionHandle, _: &(), message: Message) -> Delivery {
        let frame = match message {
            Message::Text(text) => Frame::message_with(|out| out.push_str(&text)),
            Message::Binary(data) => Frame::Binary(data),
        };
        let _ = session.send(frame);
        Delivery::Accepted
    }

    fn on_close(&self, session: &SessionHandle, _: &(), reason: CloseReason) {
        tracing::info!(sid = %session.sid(), %reason, "close");
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = EngineConfigBuilder::from_env()?.cors(Cors::any()).build()?;
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let engine = EngineServer::new(config, Echo);
    sio_server::serve(listener, engine, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
