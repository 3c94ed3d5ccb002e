//! Link-time registration of consumers.
//!
//! Each `#[consumer]` impl block submits one [`ConsumerRegistration`] to
//! [`inventory`]. [`registered`] collects them, sorted by namespace then
//! type name (inventory's own order is unspecified).
//!
//! A consumer in a library crate registers only if the binary names the
//! crate: see "Consumers in a library crate" in the [module docs](super).

use crate::socketio::HandlerFactory;

use super::{SharedState, StateError};

/// Builds the handler factory of a consumer from the application state.
pub type FactoryFn = fn(&SharedState) -> Result<HandlerFactory, StateError>;

/// One consumer, as the `#[consumer]` macro registers it: its namespace,
/// its type name, and how to build its per-connection handler.
#[derive(Debug, Clone, Copy)]
pub struct ConsumerRegistration {
    namespace: &'static str,
    type_name: &'static str,
    factory: FactoryFn,
}

impl ConsumerRegistration {
    /// A registration of `type_name` for `namespace`.
    pub const fn new(namespace: &'static str, type_name: &'static str, factory: FactoryFn) -> Self {
        ConsumerRegistration {
            namespace,
            type_name,
            factory,
        }
    }

    /// The namespace (`/chat`).
    pub const fn namespace(&self) -> &'static str {
        self.namespace
    }

    /// The consumer's type, with its module path (`my_app::chat::ChatConsumer`).
    pub const fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The handler factory of this consumer, given the application state;
    /// fails if the consumer needs a state `state` does not hold.
    pub fn factory(&self, state: &SharedState) -> Result<HandlerFactory, StateError> {
        (self.factory)(state)
    }
}

inventory::collect!(ConsumerRegistration);

/// A consumer type: implemented by `#[consumer]` for the type of the impl
/// block. Use it to register a consumer explicitly
/// ([`AppBuilder::consumer`](super::AppBuilder::consumer)).
pub trait Consumer {
    /// The registration the macro also submits to the link-time registry.
    const REGISTRATION: ConsumerRegistration;
}

/// Every consumer registered at link time, sorted by namespace then type
/// name.
pub fn registered() -> Vec<&'static ConsumerRegistration> {
    let mut all: Vec<&'static ConsumerRegistration> = inventory::iter::<ConsumerRegistration>.into_iter().collect();
    all.sort_by_key(|registration| (registration.namespace, registration.type_name));
    all
}
