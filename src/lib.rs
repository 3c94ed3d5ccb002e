//! sio: Socket.IO servers in Rust, written as *consumers*: one impl block
//! per namespace, one method per event.
//!
//! ```no_run
//! use serde::Deserialize;
//! use serde_json::json;
//! use sio::{Ack, Socket, consumer};
//!
//! #[derive(Default)]
//! struct ChatConsumer;
//!
//! #[derive(Deserialize)]
//! struct ChatMessage {
//!     text: String,
//! }
//!
//! #[consumer(namespace = "/chat")]
//! impl ChatConsumer {
//!     async fn connect(&mut self, socket: &Socket, auth: serde_json::Value) -> bool {
//!         socket.join("lobby");
//!         let _ = socket.emit("system_message", &json!({"text": "Welcome!"}));
//!         true
//!     }
//!
//!     async fn event_chat_message(&mut self, socket: &Socket, payload: ChatMessage, ack: Option<Ack>) {
//!         let _ = socket
//!             .server()
//!             .of(socket.namespace())
//!             .to("lobby")
//!             .emit("chat_message", &json!({"text": payload.text}));
//!         if let Some(ack) = ack {
//!             let _ = ack.send(&json!({"status": "ok"}));
//!         }
//!     }
//!
//!     async fn event_move(&mut self, socket: &Socket, x: i32, y: i32) {}
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     sio::serve("127.0.0.1:8000").await?; // every #[consumer] of the binary
//!     Ok(())
//! }
//! ```
//!
//! - [`consumer`]: the attribute, with everything it accepts.
//! - [`serve`] and [`App`]: serving the registered consumers, with state
//!   and configuration; [`SioService`] mounts them in axum or any hyper
//!   stack.
//! - [`Socket`], [`Ack`], [`Server`]: what handlers use to emit, join
//!   rooms and answer.
//! - [`server`] and [`core`]: the runtime and the protocol codecs, for
//!   what the re-exports here do not cover.
//!
//! # Mounting in axum (or any hyper stack)
//!
//! [`App::service`] is a tower `Service` answering the Socket.IO endpoint,
//! WebSocket upgrades included; mount it at the endpoint path itself with
//! `route_service`:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let app = sio::App::builder().build()?; // startup errors surface here
//! let router = axum::Router::new()
//!     .route("/", axum::routing::get(|| async { "the page" }))
//!     .route_service("/socket.io/", app.service());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! // sio starts closing its sessions when the signal comes, so axum does not
//! // wait on pending long-polls; then wait for the disconnect hooks.
//! axum::serve(listener, router)
//!     .with_graceful_shutdown(app.shutdown_on(sio::shutdown_signal()))
//!     .await?;
//! app.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! [`AppBuilder::into_service`] instead builds the server (and collects the
//! consumers) on the first request.
//!
//! # Consumers in a library crate
//!
//! Registration happens at link time, and the linker drops a library crate
//! whose items the binary never names (seen with rustc 1.95 on Linux): its
//! consumers would silently not be served. When the consumers live in a
//! crate `my_consumers`, name it once in the binary:
//!
//! ```ignore
//! use my_consumers as _; // keeps my_consumers linked, with its #[consumer]s
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     sio::serve("0.0.0.0:8000").await?;
//!     Ok(())
//! }
//! ```
//!
//! or register them explicitly: `App::builder().consumer::<my_consumers::ChatConsumer>()`.
//! A server with no consumer at all logs a warning when it starts.

pub use sio_core as core;
#[cfg(feature = "redis")]
pub use sio_redis as redis;
pub use sio_server as server;

pub use sio_core::Value;
pub use sio_server::config::{EngineConfig, EngineConfigBuilder, OutboundPolicy};
pub use sio_server::consumer::{
    App, AppBuilder, ArgError, Consumer, FromAuth, FromEventAck, FromEventArgs, IntoAckReply, IntoConnectResult,
    RawArgs, ServeError, SioService, StartError, StateError, shutdown_signal,
};
pub use sio_server::socketio::{
    Ack, AckError, AckSendError, BroadcastOperator, ConnectError, DisconnectReason, EmitError, IntoArgs, Room, Server,
    ServerStats, Socket, SocketIoConfig,
};

/// Turns an inherent impl block into the consumer of one Socket.IO
/// namespace, and registers it: [`serve`] and [`App`] serve every consumer
/// of the binary.
///
/// ```
/// use sio::{Ack, DisconnectReason, RawArgs, Socket, consumer};
///
/// #[derive(Default)]
/// struct Game {
///     moves: u32, // one instance per connection: per-connection state
/// }
///
/// #[consumer(namespace = "/game")]
/// impl Game {
///     async fn connect(&mut self, socket: &Socket, auth: Option<serde_json::Value>) -> bool {
///         auth.is_some()
///     }
///
///     async fn disconnect(&mut self, socket: &Socket, reason: DisconnectReason) {}
///
///     // handles "move"; the return value answers the client's ack
///     async fn event_move(&mut self, socket: &Socket, x: i32, y: i32) -> u32 {
///         self.moves += 1;
///         self.moves
///     }
///
///     // an event name that is not a Rust identifier
///     #[event("score-board")]
///     async fn score_board(&mut self, socket: &Socket, rest: RawArgs, ack: Option<Ack>) {
///         if let Some(ack) = ack {
///             let _ = ack.send(&rest.len());
///         }
///     }
///
///     fn helper(&self) {} // other methods are left alone
/// }
/// ```
///
/// # Arguments
///
/// - `namespace = "/chat"`: the namespace (default `/`).
/// - `new = Type::constructor`: builds each instance from the application
///   state given to [`AppBuilder::state`]: `fn new(state: &MyState) ->
///   Self`. Without it, instances come from `Default`. A state of another
///   type (or none) is a startup error naming the consumer and both types.
/// - `crate = "path"`: where the `sio` crate is, when the dependency is
///   renamed in `Cargo.toml` (default `::sio`): with
///   `my_sio = { package = "sio", .. }`, write `crate = "::my_sio"`.
///
/// One `#[consumer]` block per type (a second one is a conflicting impl of
/// [`Consumer`]); the type may have other, plain impl blocks.
///
/// # Hooks
///
/// Every hook is an `async fn` taking `&mut self` then `socket: &Socket`;
/// all are optional.
///
/// - `connect(&mut self, socket: &Socket, auth: T)`: `auth` (optional) is
///   any `serde::Deserialize` type ([`FromAuth`]); no auth payload reads as
///   `null`, so `Option<T>` gives `None`; one that does not deserialize
///   refuses the connection (`invalid auth payload: ...`). Returns nothing,
///   `bool` (`false` refuses the connection) or `Result<(), E>` with `E:
///   Into<ConnectError>` (`Err` refuses it with its message and data).
/// - `disconnect(&mut self, socket: &Socket, reason: DisconnectReason)`:
///   `reason` optional; runs exactly once per accepted connection.
/// - `event_<name>(&mut self, socket: &Socket, args.., ack)` handles event
///   `<name>`; `#[event("any-name")]` on a method names the event
///   explicitly. The arguments are positional ([`FromEventArgs`]): any
///   `Deserialize` type takes one argument (payload structs, numbers,
///   strings, `bytes::Bytes` for binary attachments), `Option<T>` one the
///   client may omit, [`RawArgs`] every remaining one; extra arguments are
///   ignored. A last parameter named `ack` receives the acknowledgement:
///   `Option<Ack>`, or [`Ack`] to require one (an event without an ack
///   request is then rejected and the handler not called).
///
/// An event handler without `ack` may return a `serde::Serialize` value:
/// it answers the client's ack, as one argument. Without a return value
/// the client's ack gets an empty answer after the handler ran, so no
/// client waits forever. A handler taking `ack` cannot also return a value.
///
/// When the arguments do not deserialize, the handler is not called, the
/// connection stays, a `tracing` warning names the namespace, the event and
/// the serde error, and the client's ack (if it asked for one) receives
/// `{"error":"invalid payload","message":"argument N: ..."}`.
///
/// # Rejected at compile time
///
/// Each with an error under the offending tokens that says what is
/// accepted: a handler that is not `async`; a handler without the `socket`
/// parameter; `self` by value, or any receiver other than `&mut self`; one
/// event handled twice in a block (`event_x` and `#[event("x")]`); a
/// reserved event name (`connect`, `disconnect`, ...); an `ack` parameter
/// that is not last, or together with a return value; `connect` or
/// `disconnect` with extra parameters; generic handlers or impl blocks; an
/// unknown macro argument or a namespace without a leading `/`; the
/// attribute on a trait impl or on anything but an impl block.
///
/// # Expansion
///
/// Next to the impl block (unchanged but for the `#[event]` attributes),
/// inside `const _: () = { .. };`: a per-connection handler wrapping the
/// consumer, an impl of [`Consumer`] for the type, and an `inventory`
/// registration. Argument types are checked through [`FromEventArgs`],
/// [`FromAuth`], [`FromEventAck`], [`IntoConnectResult`] and
/// [`IntoAckReply`], so a type that does not fit is an error under that
/// parameter.
pub use sio_macros::consumer;

/// Serves every registered consumer on `address` until Ctrl-C or SIGTERM,
/// then shuts down gracefully: every connection is closed (the official
/// clients reconnect, to the next server if there is one), the `disconnect`
/// hooks run with reason `server shutting down`, and `serve` returns once
/// they finished.
///
/// The Engine.IO settings come from the `SIO_*` environment variables
/// ([`EngineConfigBuilder::from_env`]). For state or explicit
/// configuration use [`App::builder`]. The error converts into
/// `std::io::Error`, so `sio::serve(..).await?` works in a `main` that
/// returns `std::io::Result<()>`.
///
/// With the `redis` feature, when `SIO_REDIS_URL` is set, the server joins
/// the cluster on that Redis ([`redis::RedisAdapter::from_env`]); an
/// unreachable Redis is then a startup error.
pub async fn serve(address: impl tokio::net::ToSocketAddrs + std::fmt::Debug) -> Result<(), ServeError> {
    let builder = App::builder();
    #[cfg(feature = "redis")]
    let builder = if std::env::var_os(sio_redis::REDIS_URL_VAR).is_some() {
        let redis = sio_redis::RedisAdapter::from_env()
            .await
            .map_err(|error| ServeError::Adapter(Box::new(error)))?;
        builder.adapter(redis.factory())
    } else {
        builder
    };
    builder.serve(address).await
}

/// What the `#[consumer]` expansion names. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use sio_core::Value;
    pub use sio_server::consumer::{
        Consumer, ConsumerDefault, ConsumerRegistration, EventArgs, EventReply, FromAuth, FromEventAck, FromEventArgs,
        IntoAckReply, IntoConnectResult, SharedState, StateError, assert_consumer, factory_default, factory_with_state,
        handler_future, inventory, unbuildable,
    };
    pub use sio_server::socketio::{
        BoxFuture, ConnectError, DisconnectReason, Event, HandlerFactory, Socket, SocketHandler,
    };
}

/// The tutorial: a chat server, step by step (also `docs/tutorial.md`; its
/// examples are compiled as doctests).
#[doc = include_str!("../docs/tutorial.md")]
pub mod tutorial {}
