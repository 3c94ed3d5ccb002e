//! The arguments of `#[consumer(...)]` and the `#[event("name")]` helper
//! attribute.

use proc_macro2::TokenStream;
use syn::parse::Parser as _;
use syn::{Attribute, LitStr, Path, Token};

use crate::ctxt::Errors;

/// What `#[consumer(...)]` accepts, for error messages.
pub const ACCEPTED_ARGS: &str =
    "accepted: `namespace = \"/path\"`, `new = Type::constructor`, `crate = \"path::to::sio\"`";

/// The arguments of `#[consumer(...)]`.
#[derive(Default)]
pub struct Args {
    /// `namespace = "/chat"`; `/` when absent.
    pub namespace: Option<LitStr>,
    /// `new = Type::constructor`: builds each instance from the state.
    pub new: Option<Path>,
    /// `crate = "path"`: where `sio` is, when the dependency is renamed.
    pub krate: Option<Path>,
}

/// Parses the attribute's arguments, recording every mistake.
pub fn parse_args(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("namespace") {
            let value: LitStr = meta.value()?.parse()?;
            let namespace = value.value();
            if !namespace.starts_with('/') {
                errors.spanning(
                    &value,
                    format!(
                        "a namespace starts with '/': write \"/{}\"",
                        namespace.trim_start_matches('/')
                    ),
                );
            }
            set_once(&mut args.namespace, value, &meta.path, errors);
        } else if meta.path.is_ident("new") {
            let value: Path = meta.value()?.parse()?;
            set_once(&mut args.new, value, &meta.path, errors);
        } else if meta.path.is_ident("crate") {
            let value: LitStr = meta.value()?.parse()?;
            match value.parse::<Path>() {
                Ok(path) => set_once(&mut args.krate, path, &meta.path, errors),
                Err(_) => errors.spanning(&value, "`crate` is a path, e.g. `crate = \"::my_sio\"`"),
            }
        } else {
            let name = meta
                .path
                .get_ident()
                .map_or_else(|| "this".to_owned(), ToString::to_string);
            errors.spanning(
                &meta.path,
                format!("unknown #[consumer] argument `{name}`; {ACCEPTED_ARGS}"),
            );
            // Skip its value, if any, and go on with the next argument.
            if meta.input.peek(Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                let _: TokenStream = meta.input.parse()?;
            }
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(tokens) {
        errors.push(syn::Error::new(error.span(), format!("{error}; {ACCEPTED_ARGS}")));
    }
    args
}

fn set_once<T>(slot: &mut Option<T>, value: T, path: &Path, errors: &mut Errors) {
    if slot.is_some() {
        let name = path.get_ident().map_or_else(String::new, ToString::to_string);
        errors.spanning(path, format!("`{name}` is given twice"));
    } else {
        *slot = Some(value);
    }
}

/// Whether `attr` is the `#[event(...)]` helper.
pub fn is_event_attr(attr: &Attribute) -> bool {
    attr.path().is_ident("event")
}

/// The name given by `#[event("name")]`, or `None` (recorded) when the
/// attribute is malformed.
pub fn parse_event_attr(attr: &Attribute, errors: &mut Errors) -> Option<LitStr> {
    const EXPECTED: &str = "expected `#[event(\"event name\")]`";
    match attr.parse_args::<LitStr>() {
        Ok(name) if name.value().is_empty() => {
            errors.spanning(&name, "an event name cannot be empty");
            None
        }
        Ok(name) => Some(name),
        Err(_) => {
            errors.spanning(attr, EXPECTED);
            None
        }
    }
}
