//! sio: Socket.IO servers in Rust.
pub use sio_core as core;
pub use sio_server as server;
