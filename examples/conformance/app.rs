//! The server that Socket.IO's protocol test suites expect, written with
//! `#[consumer]`. Shared by `main.rs` and by the raw-wire tests
//! (`tests/conformance_*.rs`), so the tests run exactly this code.
//!
//! - pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1 000 000 bytes,
//!   connectTimeout 1000 ms, CORS for any origin;
//! - `/` and `/custom` emit `auth` with the client's auth object (an empty
//!   object when there is none) right after the client connects;
//! - on `/`, `message` is answered with `message-back` carrying exactly the
//!   received arguments (binary included), and `message-with-ack` is
//!   acknowledged with exactly the received arguments.

use std::time::Duration;

use sio::server::config::Cors;
use sio::{Ack, AppBuilder, EngineConfig, RawArgs, Socket, SocketIoConfig, Value, consumer};

/// The namespace `/`: emits `auth`, echoes `message`, acks
/// `message-with-ack`.
#[derive(Default)]
pub struct Root;

#[consumer]
impl Root {
    async fn connect(&mut self, socket: &Socket, auth: Option<Value>) {
        emit_auth(socket, auth);
    }

    async fn event_message(&mut self, socket: &Socket, args: RawArgs) {
        let _ = socket.emit_args("message-back", args.into_vec());
    }

    #[event("message-with-ack")]
    async fn message_with_ack(&mut self, _socket: &Socket, args: RawArgs, ack: Option<Ack>) {
        if let Some(ack) = ack {
            let _ = ack.send_values(args.into_vec());
        }
    }
}

/// The namespace `/custom`: emits `auth`, nothing else.
#[derive(Default)]
pub struct Custom;

#[consumer(namespace = "/custom")]
impl Custom {
    async fn connect(&mut self, socket: &Socket, auth: Option<Value>) {
        emit_auth(socket, auth);
    }
}

/// Emits `auth` with the client's auth object, or `{}` without one. The
/// runtime holds it back until the CONNECT reply is out.
fn emit_auth(socket: &Socket, auth: Option<Value>) {
    let auth = auth.unwrap_or_else(|| Value::Object(Default::default()));
    let _ = socket.emit("auth", &auth);
}

/// The Engine.IO settings of the test suites.
pub fn engine_config() -> EngineConfig {
    EngineConfig::builder()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .max_payload(1_000_000)
        .cors(Cors::any())
        .build()
        .expect("the conformance settings are valid")
}

/// The Socket.IO settings of the test suites: a client has one second to
/// connect a namespace.
pub fn socket_io_config() -> SocketIoConfig {
    let mut config = SocketIoConfig::default();
    config.connect_timeout = Duration::from_millis(1000);
    config
}

/// The conformance server: exactly these two consumers and settings.
pub fn builder() -> AppBuilder {
    sio::App::builder()
        .discover(false)
        .consumer::<Root>()
        .consumer::<Custom>()
        .engine_config(engine_config())
        .config(socket_io_config())
}
