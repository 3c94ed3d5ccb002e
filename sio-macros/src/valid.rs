//! The rules a consumer's hooks follow. Every violation is recorded under
//! the offending token, with what is accepted instead.

use std::collections::HashMap;

use syn::{ItemImpl, Type};

use crate::ast::{Consumer, Handler, Kind};
use crate::ctxt::Errors;

/// The event names the Socket.IO clients reserve; a client cannot emit
/// them, so no handler can receive them.
const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

const ACCEPTED_CONNECT: &str = "accepted: `async fn connect(&mut self, socket: &Socket, auth: T)`, `auth` optional, returning nothing, \
     `bool` or `Result<(), E>`";
const ACCEPTED_DISCONNECT: &str =
    "accepted: `async fn disconnect(&mut self, socket: &Socket, reason: DisconnectReason)`, `reason` optional";
const ACCEPTED_EVENT: &str = "accepted: `async fn event_<name>(&mut self, socket: &Socket, <arguments>.., ack: \
                              Option<Ack>)`, arguments and `ack` optional";

/// Checks the impl block and each hook.
pub fn check(consumer: &Consumer<'_>, errors: &mut Errors) {
    check_impl(consumer.item, errors);
    for handler in &consumer.handlers {
        check_handler(handler, errors);
    }
    check_unique_events(consumer, errors);
}

fn check_impl(item: &ItemImpl, errors: &mut Errors) {
    if !item.generics.params.is_empty() {
        errors.spanning(
            &item.generics,
            "a #[consumer] impl block cannot be generic: each namespace is served by one concrete type",
        );
    }
}

fn accepted(kind: &Kind) -> &'static str {
    match kind {
        Kind::Connect => ACCEPTED_CONNECT,
        Kind::Disconnect => ACCEPTED_DISCONNECT,
        Kind::Event(_) => ACCEPTED_EVENT,
    }
}

fn check_handler(handler: &Handler<'_>, errors: &mut Errors) {
    let sig = &handler.func.sig;
    let name = handler.name();
    let accepted = accepted(&handler.kind);
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span,
            format!("consumer handler `{name}` must be an `async fn`; {accepted}"),
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.spanning(unsafety, format!("consumer handler `{name}` cannot be `unsafe`"));
    }
    if sig
        .generics
        .params
        .iter()
        .any(|param| !matches!(param, syn::GenericParam::Lifetime(_)))
    {
        errors.spanning(
            &sig.generics,
            format!("consumer handler `{name}` cannot have type or const parameters; {accepted}"),
        );
    }
    check_receiver(handler, &name, accepted, errors);
    check_socket(handler, &name, accepted, errors);
    for input in &handler.inputs {
        if let Type::ImplTrait(impl_trait) = &*input.ty {
            errors.spanning(
                impl_trait,
                "parameters of consumer handlers need a concrete type, not `impl Trait`",
            );
        }
    }
    let extra = handler.inputs.iter().skip(1);
    match &handler.kind {
        Kind::Connect => {
            for input in extra.skip(1) {
                errors.spanning(
                    input,
                    format!("`connect` takes no parameter after `auth`: remove this one; {ACCEPTED_CONNECT}"),
                );
            }
        }
        Kind::Disconnect => {
            for input in extra.skip(1) {
                errors.spanning(
                    input,
                    format!("`disconnect` takes no parameter after `reason`: remove this one; {ACCEPTED_DISCONNECT}"),
                );
            }
            if let Some(output) = handler.output() {
                errors.spanning(output, "`disconnect` returns nothing: there is no one left to answer");
            }
        }
        Kind::Event(event) => {
            if event.value.is_empty() && !event.explicit {
                errors.at(
                    event.span,
                    "`event_` names no event: write `event_<name>`, or `#[event(\"name\")]` on the method",
                );
            } else if RESERVED_EVENTS.contains(&event.value.as_str()) {
                errors.at(
                    event.span,
                    format!(
                        "`{}` is a reserved Socket.IO event name: clients cannot emit it (reserved: {})",
                        event.value,
                        RESERVED_EVENTS.join(", ")
                    ),
                );
            }
            let last = handler.inputs.len().saturating_sub(1);
            let mut takes_ack = false;
            for (index, input) in handler.inputs.iter().enumerate().skip(1) {
                if Handler::is_ack(input) {
                    if index == last {
                        takes_ack = true;
                    } else {
                        errors.spanning(
                            input,
                            "the `ack` parameter comes last, after every event argument; rename this parameter if \
                             it is an event argument",
                        );
                    }
                }
            }
            if let (true, Some(output)) = (takes_ack, handler.output()) {
                errors.spanning(
                    output,
                    format!(
                        "`{name}` takes `ack` and returns a value: answer through `ack`, or return the value and \
                         remove the `ack` parameter"
                    ),
                );
            }
        }
    }
}

fn check_receiver(handler: &Handler<'_>, name: &str, accepted: &str, errors: &mut Errors) {
    let Some(receiver) = handler.receiver else {
        errors.spanning(
            &handler.func.sig.ident,
            format!(
                "consumer handler `{name}` needs a `&mut self` receiver: each connection has its own consumer; \
                 {accepted}"
            ),
        );
        return;
    };
    let shorthand_mut_ref =
        receiver.colon_token.is_none() && receiver.reference.is_some() && receiver.mutability.is_some();
    let typed_mut_ref = receiver.colon_token.is_some()
        && matches!(&*receiver.ty, Type::Reference(reference)
            if reference.mutability.is_some() && matches!(&*reference.elem, Type::Path(path) if path.path.is_ident("Self")));
    if shorthand_mut_ref || typed_mut_ref {
        return;
    }
    if receiver.reference.is_none() && receiver.colon_token.is_none() {
        errors.spanning(
            receiver.self_token,
            format!(
                "consumer handler `{name}` takes `self` by value; take `&mut self`: the consumer lives as long as \
                 its connection"
            ),
        );
    } else {
        errors.spanning(
            receiver,
            format!("unsupported receiver for consumer handler `{name}`: take `&mut self`"),
        );
    }
}

fn check_socket(handler: &Handler<'_>, name: &str, accepted: &str, errors: &mut Errors) {
    match handler.inputs.first() {
        None => errors.at(
            handler.func.sig.paren_token.span.join(),
            format!(
                "consumer handler `{name}` is missing the socket parameter: the first parameter after `&mut self` \
                 is `socket: &Socket`; {accepted}"
            ),
        ),
        Some(first) => match &*first.ty {
            Type::Reference(reference) if reference.mutability.is_none() => {}
            Type::Reference(reference) => errors.spanning(
                reference,
                "the socket is shared: take `socket: &Socket`, not `&mut Socket`",
            ),
            _ => errors.spanning(
                first,
                format!(
                    "consumer handler `{name}`: the first parameter after `&mut self` must be the socket, by \
                     reference: `socket: &Socket`; {accepted}"
                ),
            ),
        },
    }
}

fn check_unique_events(consumer: &Consumer<'_>, errors: &mut Errors) {
    let mut seen: HashMap<&str, &Handler<'_>> = HashMap::new();
    for handler in &consumer.handlers {
        let Kind::Event(event) = &handler.kind else {
            continue;
        };
        if event.value.is_empty() {
            continue;
        }
        if let Some(first) = seen.get(event.value.as_str()) {
            errors.at(
                event.span,
                format!(
                    "event `{}` is handled twice in this block: by `{}` and by `{}`; keep one handler per event",
                    event.value,
                    first.name(),
                    handler.name()
                ),
            );
        } else {
            seen.insert(&event.value, handler);
        }
    }
}
