//! The model of a `#[consumer]` impl block: which methods are hooks, and
//! under which event names. Parsing records mistakes of form (a malformed
//! `#[event]`); the signature rules are checked in [`crate::valid`].

use proc_macro2::Span;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, PatType, Receiver, ReturnType, Type};

use crate::attr;
use crate::ctxt::Errors;

/// A parsed consumer impl block.
pub struct Consumer<'a> {
    /// The impl block as written.
    pub item: &'a ItemImpl,
    /// Its hooks, in source order.
    pub handlers: Vec<Handler<'a>>,
}

/// One hook of the consumer.
pub struct Handler<'a> {
    /// The method as written.
    pub func: &'a ImplItemFn,
    /// What it handles.
    pub kind: Kind,
    /// Its receiver, if it has one.
    pub receiver: Option<&'a Receiver>,
    /// Its typed parameters after the receiver, in order.
    pub inputs: Vec<&'a PatType>,
}

/// What a hook handles.
pub enum Kind {
    /// `connect`.
    Connect,
    /// `disconnect`.
    Disconnect,
    /// An event.
    Event(EventName),
}

/// The event an event handler handles.
pub struct EventName {
    /// The event name.
    pub value: String,
    /// Where it is written: the `#[event("...")]` literal or the method
    /// name.
    pub span: Span,
    /// Whether it comes from `#[event("...")]`.
    pub explicit: bool,
}

impl<'a> Consumer<'a> {
    /// Finds the hooks of `item`: `connect`, `disconnect`, every
    /// `event_<name>` and every method with `#[event("name")]`.
    pub fn from_item(item: &'a ItemImpl, errors: &mut Errors) -> Self {
        let handlers = item
            .items
            .iter()
            .filter_map(|item| match item {
                ImplItem::Fn(func) => Handler::from_fn(func, errors),
                _ => None,
            })
            .collect();
        Consumer { item, handlers }
    }
}

impl<'a> Handler<'a> {
    fn from_fn(func: &'a ImplItemFn, errors: &mut Errors) -> Option<Self> {
        let name = func.sig.ident.to_string();
        let mut explicit = None;
        for attr in func.attrs.iter().filter(|attr| attr::is_event_attr(attr)) {
            if name == "connect" || name == "disconnect" {
                errors.spanning(
                    attr,
                    format!("`{name}` is the {name} hook; #[event(\"...\")] names event handlers only"),
                );
                continue;
            }
            if explicit.is_some() {
                errors.spanning(attr, "a method handles one event: #[event(\"...\")] is given twice");
                continue;
            }
            // A malformed attribute still marks the method as a handler, so
            // its signature is checked too.
            explicit = Some(attr::parse_event_attr(attr, errors).map(|name| EventName {
                value: name.value(),
                span: name.span(),
                explicit: true,
            }));
        }
        let kind = match explicit {
            Some(Some(event)) => Kind::Event(event),
            Some(None) => Kind::Event(EventName {
                value: String::new(),
                span: func.sig.ident.span(),
                explicit: true,
            }),
            None if name == "connect" => Kind::Connect,
            None if name == "disconnect" => Kind::Disconnect,
            None => Kind::Event(EventName {
                value: name.strip_prefix("event_")?.to_owned(),
                span: func.sig.ident.span(),
                explicit: false,
            }),
        };
        let mut receiver = None;
        let mut inputs = Vec::new();
        for input in &func.sig.inputs {
            match input {
                FnArg::Receiver(r) => receiver = Some(r),
                FnArg::Typed(typed) => inputs.push(typed),
            }
        }
        Some(Handler {
            func,
            kind,
            receiver,
            inputs,
        })
    }

    /// The method name.
    pub fn name(&self) -> String {
        self.func.sig.ident.to_string()
    }

    /// The declared return type, if not `()`.
    pub fn output(&self) -> Option<&'a Type> {
        match &self.func.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) if is_unit(ty) => None,
            ReturnType::Type(_, ty) => Some(ty),
        }
    }

    /// Whether `input` is the acknowledgement parameter (named `ack`).
    pub fn is_ack(input: &PatType) -> bool {
        matches!(&*input.pat, syn::Pat::Ident(pat) if pat.ident == "ack")
    }
}

fn is_unit(ty: &Type) -> bool {
    match ty {
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Paren(paren) => is_unit(&paren.elem),
        _ => false,
    }
}
