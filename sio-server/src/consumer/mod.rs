//! Consumers: the runtime side of the `#[consumer]` attribute (re-exported
//! as `sio::consumer`), their registration, and serving them.
//!
//! A consumer is an impl block with one method per event. The macro
//! generates a [`SocketHandler`](crate::socketio::SocketHandler) that
//! calls these methods, and registers it here at link time; the generated
//! code calls the ordinary functions and traits of this module.
//!
//! # Guarantees
//!
//! - **One instance per connection.** Each namespace connection gets a new
//!   consumer (from `Default`, or from the constructor named by `new = ..`
//!   with the application state). Its hooks take `&mut self`, run one at a
//!   time in arrival order, and an ack from the client still reaches a
//!   handler awaiting it.
//! - **Typed arguments.** Each parameter after `socket` is extracted by
//!   [`FromEventArgs`], in order: serde types take one argument each,
//!   `Option<T>` may be omitted, [`RawArgs`] takes the rest. Arguments
//!   beyond the declared ones are ignored.
//! - **An invalid payload is answered, never fatal.** When an argument
//!   does not deserialize, the handler is not called, the connection stays
//!   open, a `tracing` warning names the namespace, the event and the serde
//!   error, and a client that asked for an acknowledgement gets exactly one,
//!   whose single argument is
//!   `{"error":"invalid payload","message":"argument N: <serde error>"}`.
//! - **No client waits forever on a handled event.** A client asking for an
//!   acknowledgement gets exactly one answer per handled event: the
//!   handler's return value, what it sends through its `ack` parameter, or
//!   (handler without `ack` and without a return value, or a panic) an
//!   empty acknowledgement. Events no handler declares are ignored and not
//!   answered, as with the Node server. See [`EventReply`].
//! - **`connect` decides.** It returns nothing, `bool` (`false` refuses
//!   with [`REFUSED`]), or `Result<(), E: Into<ConnectError>>`. An `auth`
//!   payload that does not deserialize refuses the connection with
//!   `invalid auth payload: <serde error>`; see [`FromAuth`].
//! - **Startup checks.** The server collects every registration when it
//!   starts ([`AppBuilder::build`]) or on the first request
//!   ([`AppBuilder::into_service`]), sorted by namespace. Two consumers on
//!   one namespace is a [`StartError::DuplicateNamespace`] naming both
//!   types; a consumer that needs a state of another type than the one
//!   given is a [`StartError::State`]; no consumer at all is a warning.
//! - **Graceful shutdown.** [`App::serve`] stops on Ctrl-C or SIGTERM: it
//!   closes every connection (the transport, not a namespace DISCONNECT, so
//!   the official clients reconnect to the next server), runs each
//!   `disconnect` hook with `server shutting down`, and returns after the
//!   hooks.
//!
//! # Consumers in a library crate
//!
//! The linker drops a library crate whose items the binary never names,
//! with its registrations. Name the crate once in the binary,
//! `use my_consumers as _;`, or register its consumers explicitly with
//! [`AppBuilder::consumer`].

mod app;
mod args;
mod connect;
mod glue;
mod registry;
mod reply;
mod service;
mod shutdown;
mod state;

pub use app::{App, AppBuilder, ServeError, StartError};
pub use args::{ArgError, EventArgs, FromEventArgs, RawArgs};
pub use connect::{FromAuth, IntoConnectResult, REFUSED};
pub use glue::{ConsumerDefault, ConsumerType, assert_consumer, handler_future, unbuildable};
pub use registry::{Consumer, ConsumerRegistration, FactoryFn, registered};
pub use reply::{EventReply, FromEventAck, IntoAckReply, invalid_payload};
pub use service::SioService;
pub use shutdown::shutdown_signal;
pub use state::{SharedState, StateError, factory_default, factory_with_state};

#[doc(hidden)]
pub use inventory;
