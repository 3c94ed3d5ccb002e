//! A library crate with a consumer, for `tests/consumer_library.rs`: a
//! consumer defined outside the binary must be registered too, as long as
//! the binary names this crate (`use sio_test_consumers as _;`).
//!
//! It also depends on `sio` under another name (`my_sio`, see its
//! `Cargo.toml`): `#[consumer(crate = "::my_sio")]` is how a renamed
//! dependency is given to the macro.

use my_sio::{Socket, consumer};

/// The namespace of [`LibraryConsumer`].
pub const NAMESPACE: &str = "/from-library";

/// Answers `whoami` with the name of this crate.
#[derive(Debug, Default)]
pub struct LibraryConsumer;

#[consumer(namespace = "/from-library", crate = "::my_sio")]
impl LibraryConsumer {
    async fn event_whoami(&mut self, _socket: &Socket) -> &'static str {
        env!("CARGO_PKG_NAME")
    }
}
