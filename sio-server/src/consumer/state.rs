//! The application state: given to the server once, handed typed to the
//! constructor of each consumer instance.

use std::any::Any;
use std::sync::Arc;

use thiserror::Error;

use crate::socketio::{HandlerFactory, SocketHandler};

/// The application state, type-erased: one value of any
/// `Send + Sync + 'static` type, or none. Cloning is cheap.
///
/// Given with [`AppBuilder::state`](super::AppBuilder::state); a consumer
/// declared with `#[consumer(new = Type::new)]` receives it typed
/// (`fn new(state: &MyState) -> Self`) when each connection opens. The
/// type is checked once, when the server starts.
#[derive(Clone, Default)]
pub struct SharedState {
    value: Option<(Arc<dyn Any + Send + Sync>, &'static str)>,
}

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedState")
            .field("type", &self.type_name())
            .finish_non_exhaustive()
    }
}

impl SharedState {
    /// No state.
    pub fn none() -> Self {
        SharedState::default()
    }

    /// `state`, type-erased.
    pub fn new<S: Send + Sync + 'static>(state: S) -> Self {
        SharedState {
            value: Some((Arc::new(state), std::any::type_name::<S>())),
        }
    }

    /// The name of the state's type, if there is a state.
    pub fn type_name(&self) -> Option<&'static str> {
        self.value.as_ref().map(|(_, name)| *name)
    }

    /// The state, if it is an `S`.
    pub fn get<S: Send + Sync + 'static>(&self) -> Option<&S> {
        self.value.as_ref()?.0.downcast_ref()
    }

    /// A shared handle to the state, if it is an `S`.
    pub fn get_arc<S: Send + Sync + 'static>(&self) -> Option<Arc<S>> {
        Arc::clone(&self.value.as_ref()?.0).downcast().ok()
    }
}

/// A consumer needs a state the server was not given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StateError {
    /// The consumer's constructor takes a state and the server has none.
    #[error(
        "consumer {consumer} is built from a state of type {expected}, and the server was given no state: \
         call .state(..) on the builder"
    )]
    Missing {
        /// The consumer type.
        consumer: &'static str,
        /// The state type its constructor takes.
        expected: &'static str,
    },
    /// The consumer's constructor takes another state type than the one
    /// the server was given.
    #[error("consumer {consumer} is built from a state of type {expected}, and the server was given a {given}")]
    Mismatch {
        /// The consumer type.
        consumer: &'static str,
        /// The state type its constructor takes.
        expected: &'static str,
        /// The state type the server was given.
        given: &'static str,
    },
}

/// The factory of a consumer built with `Default` (no state needed).
pub fn factory_default<H, F>(make: F) -> Result<HandlerFactory, StateError>
where
    H: SocketHandler,
    F: Fn() -> H + Send + Sync + 'static,
{
    Ok(Box::new(move || Box::new(make()) as Box<dyn SocketHandler>))
}

/// The factory of a consumer built from the state by `make`; fails if
/// `state` is not an `S`.
pub fn factory_with_state<S, H, F>(
    state: &SharedState,
    consumer: &'static str,
    make: F,
) -> Result<HandlerFactory, StateError>
where
    S: Send + Sync + 'static,
    H: SocketHandler,
    F: Fn(&S) -> H + Send + Sync + 'static,
{
    let expected = std::any::type_name::<S>();
    let typed = match state.type_name() {
        None => return Err(StateError::Missing { consumer, expected }),
        Some(given) => state.get_arc::<S>().ok_or(StateError::Mismatch {
            consumer,
            expected,
            given,
        })?,
    };
    Ok(Box::new(move || Box::new(make(&typed)) as Box<dyn SocketHandler>))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Db(u32);

    #[test]
    fn state_is_reachable_typed() {
        let state = SharedState::new(Db(7));
        assert_eq!(state.get::<Db>(), Some(&Db(7)));
        assert_eq!(state.get::<String>(), None);
        assert!(state.type_name().is_some_and(|name| name.ends_with("Db")));
        assert_eq!(SharedState::none().get::<Db>(), None);
    }
}
