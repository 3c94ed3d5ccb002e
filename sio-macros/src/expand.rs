//! The expansion: the impl block as written (without the `#[event]`
//! helpers), then, inside `const _: () = { .. };`, a per-connection
//! handler type wrapping the consumer, its `SocketHandler` impl, the
//! `Consumer` impl and the `inventory` submission. The runtime is named
//! only through `<crate>::__private` and fully qualified paths.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{ImplItem, Item, ItemImpl, Path, Type};

use crate::ast::{Consumer, Handler, Kind};
use crate::attr::{self, Args};
use crate::ctxt::Errors;
use crate::valid;

/// The whole attribute: parse, check, expand.
pub fn consumer(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = attr::parse_args(args, &mut errors);
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Impl(item)) => item,
        Ok(other) => {
            errors.at(item_keyword_span(&other), NOT_AN_IMPL);
            return with_errors(input, errors);
        }
        Err(_) => {
            errors.at(Span::call_site(), NOT_AN_IMPL);
            return with_errors(input, errors);
        }
    };
    if let Some((_, trait_path, _)) = &item.trait_ {
        errors.spanning(
            trait_path,
            "#[consumer] goes on an inherent impl block (`impl MyConsumer { .. }`), not on an impl of a trait",
        );
        return with_errors(item.into_token_stream(), errors);
    }
    let consumer = Consumer::from_item(&item, &mut errors);
    valid::check(&consumer, &mut errors);
    let stripped = strip_event_attrs(&item);
    let krate = args.krate.clone().unwrap_or_else(|| syn::parse_quote!(::sio));
    if !errors.is_empty() {
        let fallback = fallback(&args, &item, &krate);
        let errors = errors.into_compile_errors();
        return quote! { #stripped #fallback #errors };
    }
    let glue = glue(&args, &consumer, &krate);
    quote! { #stripped #glue }
}

const NOT_AN_IMPL: &str =
    "#[consumer] goes on an inherent impl block: `#[consumer(namespace = \"/chat\")] impl MyConsumer { .. }`";

fn with_errors(item: TokenStream, errors: Errors) -> TokenStream {
    let errors = errors.into_compile_errors();
    quote! { #item #errors }
}

fn item_keyword_span(item: &Item) -> Span {
    match item {
        Item::Struct(item) => item.struct_token.span,
        Item::Enum(item) => item.enum_token.span,
        Item::Fn(item) => item.sig.fn_token.span,
        Item::Trait(item) => item.trait_token.span,
        Item::Mod(item) => item.mod_token.span,
        Item::Union(item) => item.union_token.span,
        Item::Const(item) => item.const_token.span,
        Item::Static(item) => item.static_token.span,
        Item::Type(item) => item.type_token.span,
        _ => Span::call_site(),
    }
}

/// The impl block without the `#[event(..)]` helper attributes. Event
/// handlers also get `#[allow(clippy::too_many_arguments)]`: their
/// parameters are the event's positional arguments, which the protocol,
/// not the author, decides.
fn strip_event_attrs(item: &ItemImpl) -> ItemImpl {
    let mut item = item.clone();
    for impl_item in &mut item.items {
        if let ImplItem::Fn(func) = impl_item {
            let explicit = func.attrs.iter().any(attr::is_event_attr);
            func.attrs.retain(|attr| !attr::is_event_attr(attr));
            if explicit || func.sig.ident.to_string().starts_with("event_") {
                func.attrs.push(syn::parse_quote!(#[allow(clippy::too_many_arguments)]));
            }
        }
    }
    item
}

fn namespace(args: &Args) -> String {
    args.namespace
        .as_ref()
        .map_or_else(|| "/".to_owned(), syn::LitStr::value)
}

/// `module::path::Type`, for startup errors and logs.
fn type_name(self_ty: &Type) -> TokenStream {
    let written = self_ty.to_token_stream().to_string().replace(' ', "");
    quote! { ::core::concat!(::core::module_path!(), "::", #written) }
}

/// On invalid input: the `Consumer` impl alone, so that code naming the
/// consumer does not fail too. Its factory is never called.
fn fallback(args: &Args, item: &ItemImpl, krate: &Path) -> TokenStream {
    if item.trait_.is_some() || !item.generics.params.is_empty() {
        return TokenStream::new();
    }
    let private = quote!(#krate::__private);
    let self_ty = &item.self_ty;
    let namespace = namespace(args);
    let type_name = type_name(self_ty);
    quote! {
        const _: () = {
            impl #private::Consumer for #self_ty {
                const REGISTRATION: #private::ConsumerRegistration =
                    #private::ConsumerRegistration::new(#namespace, #type_name, #private::unbuildable);
            }
        };
    }
}

/// The generated code for a valid consumer.
fn glue(args: &Args, consumer: &Consumer<'_>, krate: &Path) -> TokenStream {
    let private = quote!(#krate::__private);
    let self_ty = &consumer.item.self_ty;
    let namespace = namespace(args);
    let type_name = type_name(self_ty);
    // Spanned at the consumer type: an error about the handler (the
    // consumer is not `Send`) points there.
    let wrapper = format_ident!("__SioConsumerHandler", span = self_ty.span());
    let connect = connect(consumer, &private, self_ty);
    let event = event(consumer, &private, self_ty);
    let disconnect = disconnect(consumer, &private, self_ty);
    let factory = factory(args, &private, self_ty, &wrapper);
    let at_self_ty = respan(&private, self_ty.span());
    let assert_consumer = quote_spanned! {self_ty.span()=>
        const _: () = #at_self_ty::assert_consumer::<#self_ty>();
    };
    quote! {
        const _: () = {
            #assert_consumer

            /// The per-connection handler of the consumer.
            struct #wrapper(#self_ty);

            #[allow(unused_mut, unused_variables, clippy::let_unit_value, clippy::needless_return)]
            impl #at_self_ty::SocketHandler for #wrapper {
                #connect
                #event
                #disconnect
            }

            const __SIO_TYPE_NAME: &::core::primitive::str = #type_name;

            fn __sio_factory(
                __sio_state: &#private::SharedState,
            ) -> ::core::result::Result<#private::HandlerFactory, #private::StateError> {
                #factory
            }

            impl #private::Consumer for #self_ty {
                const REGISTRATION: #private::ConsumerRegistration =
                    #private::ConsumerRegistration::new(#namespace, __SIO_TYPE_NAME, __sio_factory);
            }

            #private::inventory::submit! {
                <#self_ty as #private::Consumer>::REGISTRATION
            }
        };
    }
}

fn factory(args: &Args, private: &TokenStream, self_ty: &Type, wrapper: &syn::Ident) -> TokenStream {
    match &args.new {
        None => {
            let private = respan(private, self_ty.span());
            quote_spanned! {self_ty.span()=>
                #private::factory_default(|| #wrapper(<#self_ty as #private::ConsumerDefault>::consumer_default()))
            }
        }
        Some(constructor) => {
            let constructor = self_path(constructor, self_ty);
            let private = respan(private, constructor.span());
            quote_spanned! {constructor.span()=>
                #private::factory_with_state(__sio_state, __SIO_TYPE_NAME, |__sio_state| #wrapper(#constructor(__sio_state)))
            }
        }
    }
}

/// `Self::new` means the consumer's `new`: there is no `Self` where the
/// factory is generated.
fn self_path(path: &Path, self_ty: &Type) -> TokenStream {
    let mut segments = path.segments.iter();
    match segments.next() {
        Some(first) if path.leading_colon.is_none() && first.ident == "Self" && first.arguments.is_none() => {
            let rest: Vec<_> = segments.collect();
            quote! { <#self_ty> #(:: #rest)* }
        }
        _ => path.to_token_stream(),
    }
}

/// `tokens` with every token at `span`, so that an error in code built
/// from them points at the user's tokens.
fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut respanned = proc_macro2::Group::new(group.delimiter(), respan(&group.stream(), span));
                respanned.set_span(span);
                token = proc_macro2::TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// The argument expression handed to the user's parameter `index`:
/// spanned at its type, so a type error points there.
fn arg_ident(name: &str, ty: &Type) -> syn::Ident {
    syn::Ident::new(name, ty.span())
}

fn socket_arg(handler: &Handler<'_>) -> syn::Ident {
    match handler.inputs.first() {
        Some(socket) => arg_ident("__sio_socket", &socket.ty),
        None => syn::Ident::new("__sio_socket", Span::call_site()),
    }
}

/// `<Consumer>::method(&mut self.0, args..)`, checked to be `Send`.
fn call(private: &TokenStream, self_ty: &Type, handler: &Handler<'_>, args: &[syn::Ident]) -> TokenStream {
    let method = &handler.func.sig.ident;
    let call = quote_spanned! {method.span()=> <#self_ty>::#method(&mut self.0, #(#args),*) };
    let private = respan(private, method.span());
    quote_spanned! {method.span()=> #private::handler_future(#call).await }
}

fn find<'h, 'a>(consumer: &'h Consumer<'a>, wanted: fn(&Kind) -> bool) -> Option<&'h Handler<'a>> {
    consumer.handlers.iter().find(|handler| wanted(&handler.kind))
}

fn connect(consumer: &Consumer<'_>, private: &TokenStream, self_ty: &Type) -> TokenStream {
    let body = match find(consumer, |kind| matches!(kind, Kind::Connect)) {
        None => quote! { ::core::result::Result::Ok(()) },
        Some(handler) => {
            let socket = socket_arg(handler);
            let mut args = vec![socket];
            let mut extract = TokenStream::new();
            if let Some(auth) = handler.inputs.get(1) {
                let ty = &auth.ty;
                let ident = arg_ident("__sio_auth_value", ty);
                let private = respan(private, ty.span());
                extract = quote_spanned! {ty.span()=>
                    let #ident = match <#ty as #private::FromAuth>::from_auth(__sio_auth) {
                        ::core::result::Result::Ok(value) => value,
                        ::core::result::Result::Err(error) => return ::core::result::Result::Err(error),
                    };
                };
                args.push(ident);
            }
            let call = call(private, self_ty, handler, &args);
            let output = match &handler.func.sig.output {
                syn::ReturnType::Default => quote!(()),
                syn::ReturnType::Type(_, ty) => ty.to_token_stream(),
            };
            let private = respan(private, output.span());
            let decide = quote_spanned! {output.span()=>
                #private::IntoConnectResult::into_connect_result(__sio_output)
            };
            quote! {
                #extract
                let __sio_output = #call;
                #decide
            }
        }
    };
    quote! {
        fn connect<'a>(
            &'a mut self,
            __sio_socket: &'a #private::Socket,
            __sio_auth: ::core::option::Option<#private::Value>,
        ) -> #private::BoxFuture<'a, ::core::result::Result<(), #private::ConnectError>> {
            ::std::boxed::Box::pin(async move { #body })
        }
    }
}

fn disconnect(consumer: &Consumer<'_>, private: &TokenStream, self_ty: &Type) -> TokenStream {
    let body = match find(consumer, |kind| matches!(kind, Kind::Disconnect)) {
        None => TokenStream::new(),
        Some(handler) => {
            let mut args = vec![socket_arg(handler)];
            if let Some(reason) = handler.inputs.get(1) {
                let ident = arg_ident("__sio_reason", &reason.ty);
                args.push(ident);
            }
            let call = call(private, self_ty, handler, &args);
            quote! { #call; }
        }
    };
    quote! {
        fn disconnect<'a>(
            &'a mut self,
            __sio_socket: &'a #private::Socket,
            __sio_reason: #private::DisconnectReason,
        ) -> #private::BoxFuture<'a, ()> {
            ::std::boxed::Box::pin(async move { #body })
        }
    }
}

fn event(consumer: &Consumer<'_>, private: &TokenStream, self_ty: &Type) -> TokenStream {
    let arms = consumer.handlers.iter().filter_map(|handler| match &handler.kind {
        Kind::Event(event) => Some(event_arm(private, self_ty, handler, &event.value)),
        _ => None,
    });
    quote! {
        fn event<'a>(
            &'a mut self,
            __sio_socket: &'a #private::Socket,
            __sio_event: #private::Event,
        ) -> #private::BoxFuture<'a, ()> {
            ::std::boxed::Box::pin(async move {
                let __sio_name = __sio_event.name;
                let mut __sio_reply = #private::EventReply::new(__sio_socket, &__sio_name, __sio_event.ack);
                let mut __sio_args = #private::EventArgs::new(__sio_event.args);
                match __sio_name.as_str() {
                    #(#arms)*
                    _ => __sio_reply.unhandled(),
                }
            })
        }
    }
}

fn event_arm(private: &TokenStream, self_ty: &Type, handler: &Handler<'_>, name: &str) -> TokenStream {
    let mut args = vec![socket_arg(handler)];
    let mut extract = TokenStream::new();
    for (index, input) in handler.inputs.iter().enumerate().skip(1) {
        let ty = &input.ty;
        let private = respan(private, ty.span());
        if Handler::is_ack(input) {
            let ident = arg_ident("__sio_ack", ty);
            extract.extend(quote_spanned! {ty.span()=>
                let #ident = match <#ty as #private::FromEventAck>::from_event_ack(__sio_reply.take_ack()) {
                    ::core::result::Result::Ok(ack) => ack,
                    ::core::result::Result::Err(error) => return __sio_reply.reject(error),
                };
            });
            args.push(ident);
        } else {
            let ident = arg_ident(&format!("__sio_arg{index}"), ty);
            extract.extend(quote_spanned! {ty.span()=>
                let #ident = match <#ty as #private::FromEventArgs>::from_event_args(&mut __sio_args) {
                    ::core::result::Result::Ok(value) => value,
                    ::core::result::Result::Err(error) => return __sio_reply.reject(error),
                };
            });
            args.push(ident);
        }
    }
    let call = call(private, self_ty, handler, &args);
    let finish = match handler.output() {
        Some(output) => quote_spanned! {output.span()=> __sio_reply.answer(__sio_output) },
        // With an `ack` parameter the reply no longer holds the ack, and
        // this does nothing.
        None => quote! { __sio_reply.finish() },
    };
    quote! {
        #name => {
            #extract
            let __sio_output = #call;
            #finish
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::consumer;

    fn expand(args: proc_macro2::TokenStream, input: proc_macro2::TokenStream) -> String {
        let output = consumer(args, input);
        syn::parse2::<syn::File>(output.clone()).expect("the expansion is valid Rust");
        output.to_string()
    }

    #[test]
    fn the_expansion_names_the_runtime_only_through_the_private_path() {
        let output = expand(
            quote!(namespace = "/chat", crate = "::renamed"),
            quote! {
                impl Chat {
                    async fn connect(&mut self, socket: &Socket, auth: Value) -> bool { true }
                    #[event("a-b")]
                    async fn named(&mut self, socket: &Socket, x: i32, ack: Option<Ack>) {}
                    fn helper(&self) {}
                }
            },
        );
        assert!(output.contains(":: renamed :: __private :: SocketHandler"), "{output}");
        assert_eq!(
            output.matches(":: renamed ::").count(),
            output.matches(":: renamed :: __private ::").count(),
            "{output}"
        );
        assert!(!output.contains(":: sio ::"), "{output}");
        assert!(
            !output.contains("# [event"),
            "the helper attribute is stripped: {output}"
        );
        assert!(output.contains("\"a-b\" =>"), "{output}");
        assert!(output.contains("const _ : () ="), "{output}");
    }

    #[test]
    fn invalid_input_keeps_the_impl_block_next_to_the_errors() {
        let output = expand(
            quote!(),
            quote! {
                impl Chat {
                    fn event_a(&mut self, socket: &Socket) {}
                    async fn event_b(self, socket: &Socket) {}
                }
            },
        );
        assert_eq!(output.matches("compile_error").count(), 2, "{output}");
        assert!(output.contains("fn event_a"), "{output}");
        assert!(
            !output.contains("SocketHandler"),
            "no handler for an invalid block: {output}"
        );
    }
}
