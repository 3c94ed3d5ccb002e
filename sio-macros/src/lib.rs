//! The `#[consumer]` attribute of sio. Depend on `sio` and write
//! `sio::consumer`; this crate is its implementation.
//!
//! The expansion follows thiserror-impl's shape: the attribute arguments
//! (`attr.rs`) and the impl block (`ast.rs`) are parsed into a small model,
//! checked with every error collected (`valid.rs`), and only a valid model is
//! expanded (`expand.rs`). On invalid input the impl block is emitted
//! unchanged (minus the `#[event]` helper attributes) next to the errors,
//! so the user sees the real mistakes and nothing else.
//!
//! The documentation of the attribute lives on its re-export,
//! `sio::consumer`.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// Turns an inherent impl block into the consumer of one Socket.IO
/// namespace. Documented on its re-export, `sio::consumer`.
#[proc_macro_attribute]
pub fn consumer(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::consumer(args.into(), input.into()).into()
}
