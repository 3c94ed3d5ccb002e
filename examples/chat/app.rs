//! The chat of the tutorial: the consumer, the page, and the routes that
//! serve both. Shared by `main.rs` and by the browser test
//! (`tests/chat_browser.rs`), so the test runs exactly this code.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;
use sio::{Ack, DisconnectReason, Socket, consumer};

/// One instance per browser tab connected to `/chat`.
#[derive(Default)]
pub struct ChatConsumer;

/// What the page sends with `chat_message`.
#[derive(Deserialize)]
pub struct ChatMessage {
    text: String,
}

#[consumer(namespace = "/chat")]
impl ChatConsumer {
    async fn connect(&mut self, socket: &Socket, _auth: serde_json::Value) -> bool {
        // Put this client into a logical room.
        socket.join("lobby");
        // Send an initial message only to this client.
        let _ = socket.emit("system_message", &json!({"text": "Welcome!"}));
        // Accept the namespace connection.
        true
    }

    async fn disconnect(&mut self, socket: &Socket, reason: DisconnectReason) {
        tracing::info!(socket = %socket.id(), %reason, "left the chat");
    }

    async fn event_chat_message(&mut self, socket: &Socket, payload: ChatMessage, ack: Option<Ack>) {
        // Broadcast to everyone in the room, sender included.
        let _ = socket
            .server()
            .to("lobby")
            .namespace(socket.namespace())
            .emit("chat_message", &json!({"text": payload.text}));
        // Optional ack back to the caller.
        if let Some(ack) = ack {
            let _ = ack.send(&json!({"status": "ok"}));
        }
    }
}

/// The page: a message list, a form, and the official browser client.
const PAGE: &str = include_str!("index.html");

/// The routes: the page at `/`, the browser client at `/socket.io.min.js`,
/// and the Socket.IO endpoint at `/socket.io/`.
pub fn router(app: &sio::App, browser_client: Vec<u8>) -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route(
            "/socket.io.min.js",
            get(move || {
                let script = browser_client.clone();
                async move { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], script).into_response() }
            }),
        )
        .route_service("/socket.io/", app.service())
}

/// Where npm puts the browser bundle of the official client.
fn bundle_path(dir: &Path) -> PathBuf {
    dir.join("node_modules/socket.io-client/dist/socket.io.min.js")
}

/// The official Socket.IO browser client, from the npm package pinned in
/// `examples/chat/package.json` (nothing of it is committed). When it is
/// not installed yet and `install` is set, runs `npm ci` once to fetch it.
pub fn browser_client(install: bool) -> Result<Vec<u8>, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat");
    let bundle = bundle_path(&dir);
    if !bundle.exists() {
        if !install {
            return Err(format!(
                "{} is missing: run `npm ci` in {} (./scripts/test.sh does)",
                bundle.display(),
                dir.display()
            ));
        }
        tracing::info!(dir = %dir.display(), "fetching the Socket.IO browser client with npm ci (first run)");
        let status = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .map_err(|error| format!("could not run npm (is Node.js installed?): {error}"))?;
        if !status.success() {
            return Err(format!("npm ci in {} failed ({status})", dir.display()));
        }
    }
    std::fs::read(&bundle).map_err(|error| format!("cannot read {}: {error}", bundle.display()))
}
