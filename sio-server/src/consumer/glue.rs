//! Small helpers the `#[consumer]` expansion calls, so that a mistake is
//! reported under the user's own tokens with a message about consumers.

use std::future::Future;

use super::{SharedState, StateError};
use crate::socketio::HandlerFactory;

/// A consumer built by `Default` when the connection opens.
#[diagnostic::on_unimplemented(
    message = "consumer `{Self}` has no constructor",
    label = "needs `Default`, or a constructor given with `new = ...`",
    note = "one consumer instance is created per connection: derive or implement `Default` for `{Self}`, or \
            name a constructor that receives the application state: `#[consumer(new = {Self}::new)]` with \
            `fn new(state: &MyState) -> Self`"
)]
pub trait ConsumerDefault: Sized {
    /// A new instance.
    fn consumer_default() -> Self;
}

#[diagnostic::do_not_recommend]
impl<T: Default> ConsumerDefault for T {
    fn consumer_default() -> Self {
        T::default()
    }
}

/// Checks that a consumer can live in the server: it moves between threads
/// with its connection.
#[diagnostic::on_unimplemented(
    message = "consumer `{Self}` must be `Send + 'static`",
    label = "one instance lives as long as its connection, on any thread",
    note = "a consumer is moved to the task of its connection: keep shared data in `Arc`s and `tokio::sync` \
            types rather than `Rc` or `RefCell`"
)]
pub trait ConsumerType: Send + 'static {}

#[diagnostic::do_not_recommend]
impl<T: Send + 'static> ConsumerType for T {}

/// Checks that `C` is a [`ConsumerType`].
pub const fn assert_consumer<C: ConsumerType>() {}

/// A handler's future, which must be `Send`: the connection's task runs on
/// any worker thread. The identity function; its bound is the check.
pub fn handler_future<F: Future + Send>(future: F) -> F {
    future
}

/// The factory of a consumer whose `#[consumer]` block did not compile;
/// never called, since the program does not build.
pub fn unbuildable(_: &SharedState) -> Result<HandlerFactory, StateError> {
    unreachable!("a #[consumer] with compile errors cannot be registered")
}
