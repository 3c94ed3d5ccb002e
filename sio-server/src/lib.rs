//! The runtime of sio: Engine.IO v4 and Socket.IO v5 servers on hyper and
//! tokio.
//!
//! - [`engine`]: sessions over HTTP long-polling and WebSocket, heartbeats,
//!   upgrades, and the [`EngineHandler`](engine::EngineHandler) seam that
//!   the Socket.IO layer plugs into.
//! - [`config`]: timings, limits, CORS and origins, with the Socket.IO
//!   defaults and `SIO_*` environment variables.
//! - [`socketio`]: namespaces, sockets, events, acknowledgements, rooms and
//!   broadcasts, on top of the engine.
//! - [`serve`]: the hyper accept loop with graceful shutdown.
//! - [`consumer`]: the runtime of `#[consumer]`: typed arguments, acks,
//!   registration, application state, [`App`](consumer::App) and the tower
//!   service.
//!
//! Applications depend on the `sio` crate, which re-exports what they need.

pub mod config;
pub mod consumer;
pub mod engine;
mod serve;
pub mod socketio;

pub use serve::serve;
