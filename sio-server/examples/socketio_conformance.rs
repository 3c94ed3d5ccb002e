//! The configuration that Socket.IO's protocol test suite expects, written
//! against the runtime API directly (the `sio` crate has the same server
//! written with `#[consumer]`).
//!
//! ```text
//! cargo run -p sio-server --example socketio_conformance   # 127.0.0.1:3000, PORT overrides
//! ```

use std::time::Duration;

use sio_core::Value;
use sio_server::config::{Cors, EngineConfig};
use sio_server::socketio::{
    BoxFuture, ConnectError, DisconnectReason, Event, Socket, SocketHandler, SocketIo, SocketIoConfig,
};

/// Emits `auth` on connect; on `/`, echoes `message` and acks
/// `message-with-ack`.
struct Conformance {
    echo: bool,
}

impl SocketHandler for Conformance {
    fn connect<'a>(&'a mut self, socket: &'a Socket, auth: Option<Value>) -> BoxFuture<'a, Result<(), ConnectError>> {
        Box::pin(async move {
            let auth = auth.unwrap_or_else(|| Value::Object(Default::default()));
            let _ = socket.emit("auth", &auth);
            Ok(())
        })
    }

    fn event<'a>(&'a mut self, socket: &'a Socket, event: Event) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if !self.echo {
                return;
            }
            match event.name.as_str() {
                "message" => {
                    let _ = socket.emit_args("message-back", event.args);
                }
                "message-with-ack" => {
                    if let Some(ack) = event.ack {
                        let _ = ack.send_values(event.args);
                    }
                }
                _ => {}
            }
        })
    }

    fn disconnect<'a>(&'a mut self, _: &'a Socket, _: DisconnectReason) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let engine = EngineConfig::builder()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .max_payload(1_000_000)
        .cors(Cors::any())
        .build()?;
    let mut config = SocketIoConfig::default();
    config.connect_timeout = Duration::from_millis(1000);
    let io = SocketIo::builder()
        .engine_config(engine)
        .config(config)
        .namespace("/", || Box::new(Conformance { echo: true }))
        .namespace("/custom", || Box::new(Conformance { echo: false }))
        .build()?;
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    io.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
