//! Writing the typed clients: for `impl Echo`, `EchoClient` (async, over `AsyncClient`, which
//! pipelines) and `EchoBlockingClient` (over the blocking `Client`), with one method per RPC
//! method, the same argument types and the return type of the method (the `T` of a `Result`).

use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::{ReturnType, Type};

use crate::checks;
use crate::expand::param_type;
use crate::parse::{Kind, Method, Target};
use crate::types::{is_named, is_unit, last_ident, owned_type, result_ok_type};

/// Both typed clients of a target.
pub(crate) fn expand(target: &Target, self_ty: &Type) -> syn::Result<TokenStream2> {
    checks::client_names(&target.methods)?;
    let Some(ident) = last_ident(self_ty) else {
        return Ok(quote!());
    };
    let p = quote!(::rpc_core::__private);
    let mut async_methods = Vec::new();
    let mut blocking_methods = Vec::new();
    for m in &target.methods {
        async_methods.push(method(m, true)?);
        blocking_methods.push(method(m, false)?);
    }
    let async_name = format_ident!("{ident}Client");
    let blocking_name = format_ident!("{ident}BlockingClient");
    let async_doc = format!(
        "A typed client of [`{ident}`]: one `async` method per RPC method, over an \
         `rpc_client::AsyncClient` (calls from clones of one client are pipelined). It speaks \
         plain pc_rpc, so a Python server with the same methods answers it too."
    );
    let blocking_doc = format!(
        "The blocking twin of [`{async_name}`]: the same methods over an `rpc_client::Client`."
    );
    let lints = quote!(#[allow(dead_code, unreachable_pub, private_interfaces, clippy::too_many_arguments)]);
    Ok(quote! {
        #[doc = #async_doc]
        #[derive(Debug, Clone)]
        #lints
        pub struct #async_name(#p::client::AsyncClient);

        #lints
        impl #async_name {
            /// Wraps a connected client whose selected target is this one.
            pub fn new(client: #p::client::AsyncClient) -> Self {
                Self(client)
            }

            /// The untyped client underneath.
            pub fn rpc_client(&self) -> &#p::client::AsyncClient {
                &self.0
            }

            /// Unwraps the untyped client.
            pub fn into_rpc_client(self) -> #p::client::AsyncClient {
                self.0
            }

            #(#async_methods)*
        }

        #[doc = #blocking_doc]
        #[derive(Debug)]
        #lints
        pub struct #blocking_name(#p::client::Client);

        #lints
        impl #blocking_name {
            /// Wraps a connected client whose selected target is this one.
            pub fn new(client: #p::client::Client) -> Self {
                Self(client)
            }

            /// The untyped client underneath.
            pub fn rpc_client(&self) -> &#p::client::Client {
                &self.0
            }

            /// Unwraps the untyped client.
            pub fn into_rpc_client(self) -> #p::client::Client {
                self.0
            }

            #(#blocking_methods)*
        }
    })
}

/// The type a client method returns inside `rpc_client::Result`, how the returned value
/// becomes it, and the bound that conversion needs.
///
/// Bounds are written `for<'__rpc> T: Trait`: a bound with a binder is checked where the method
/// is called, not where it is defined, so a target whose return type cannot be deserialized
/// (or whose argument cannot be serialized) still compiles, and only calling that one client
/// method is an error.
fn return_type(m: &Method) -> (TokenStream2, TokenStream2, Option<TokenStream2>) {
    let p = quote!(::rpc_core::__private);
    let dropped = quote!({
        let _ = __rpc_ret;
        ::core::result::Result::Ok(())
    });
    let as_sent = quote!(::core::result::Result::Ok(__rpc_ret));
    let ty = match &m.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => owned_type(result_ok_type(ty).unwrap_or(ty)),
    };
    match ty {
        None => (quote!(()), dropped, None),
        Some(ty) if is_unit(&ty) => (quote!(()), dropped, None),
        Some(ty) if is_named(&ty, "Value") => (quote!(#p::Value), as_sent, None),
        // `impl Serialize` and the like: the value as sent.
        Some(Type::ImplTrait(_)) => (quote!(#p::Value), as_sent, None),
        Some(ty) => (
            quote!(#ty),
            quote!(#p::client_ret::<#ty>(__rpc_ret)),
            Some(quote!(for<'__rpc> #ty: #p::DeserializeOwned)),
        ),
    }
}

/// One method of a typed client.
fn method(m: &Method, is_async: bool) -> syn::Result<TokenStream2> {
    let p = quote!(::rpc_core::__private);
    let mut params = Vec::new();
    let mut stmts = Vec::new();
    let mut bounds = Vec::new();
    for param in &m.params {
        let ident = &param.ident;
        let ty = &param.ty;
        params.push(quote!(#ident: #ty));
        let name = ident.to_string();
        // `Value` and `Dict` (which has no `Serialize`) go as they are.
        let owned = !matches!(ty, Type::Reference(_));
        let value = match param_type(param)? {
            t if owned && is_named(&t, "Value") => quote!(#ident),
            t if owned && is_named(&t, "Dict") => quote!(#p::Value::Dict(#ident)),
            t => {
                bounds.push(quote!(for<'__rpc> #t: #p::Serialize));
                quote!(#p::client_arg(&#ident)?)
            }
        };
        stmts.push(match param.kind {
            Kind::Positional => quote!(__rpc_args.push(#value);),
            Kind::KeywordOnly => quote!(__rpc_kwargs.insert(#p::Value::str(#name), #value);),
            Kind::VarArgs => quote!(#p::client_varargs(&mut __rpc_args, #value)?;),
            Kind::VarKw => quote!(#p::client_varkw(&mut __rpc_kwargs, #value)?;),
        });
    }
    let (ret_ty, convert, ret_bound) = return_type(m);
    bounds.extend(ret_bound);
    let ident = &m.ident;
    let name = &m.name;
    let docs = if m.doc_attrs.is_empty() {
        let doc = format!("Calls `{name}` on the remote target.");
        quote!(#[doc = #doc])
    } else {
        let attrs = &m.doc_attrs;
        quote!(#(#attrs)*)
    };
    let (async_, await_) = if is_async {
        (quote!(async), quote!(.await))
    } else {
        (quote!(), quote!())
    };
    Ok(quote! {
        #docs
        pub #async_ fn #ident(&self, #(#params),*) -> #p::client::Result<#ret_ty>
        where
            #(#bounds),*
        {
            #[allow(unused_mut)]
            let mut __rpc_args: ::std::vec::Vec<#p::Value> = ::std::vec::Vec::new();
            #[allow(unused_mut)]
            let mut __rpc_kwargs = #p::Dict::new();
            #(#stmts)*
            let __rpc_ret = self.0.call(#name, __rpc_args, __rpc_kwargs) #await_ ?;
            #convert
        }
    })
}
