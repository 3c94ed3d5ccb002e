//! The runtime of sio: an Engine.IO v4 server on hyper and tokio.
//!
//! - [`engine`]: sessions over HTTP long-polling and WebSocket, heartbeats,
//!   upgrades, and the [`EngineHandler`](engine::EngineHandler) seam that
//!   the Socket.IO layer plugs into.
//! - [`config`]: timings, limits, CORS and origins, with the Socket.IO
//!   defaults and `SIO_*` environment variables.
//! - [`serve`]: the hyper accept loop with graceful shutdown.
//!
//! Applications depend on the `sio` crate, which re-exports what they need.

pub mod config;
pub mod engine;
mod serve;

pub use serve::serve;
