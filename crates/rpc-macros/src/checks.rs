//! The rules a target must follow, each with the error message the macro gives. Every message
//! here has a compile-fail test in `tests/compile_fail/`.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Generics, ItemImpl, Receiver};

use crate::parse::{Kind, Method, Param};

/// `#[rpc_target]` goes on an inherent impl, not a trait impl.
pub(crate) fn inherent_impl(item: &ItemImpl) -> syn::Result<()> {
    match &item.trait_ {
        Some((_, path, _)) => Err(syn::Error::new(
            path.span(),
            "#[rpc_target] goes on an inherent impl block (`impl MyDriver { ... }`)",
        )),
        None => Ok(()),
    }
}

/// Methods take `&self`: calls may run concurrently.
pub(crate) fn shared_receiver(receiver: &Receiver) -> syn::Result<()> {
    if receiver.reference.is_none() || receiver.mutability.is_some() {
        return Err(syn::Error::new(
            receiver.span(),
            "an RPC method takes `&self` (keep mutable state behind a `Mutex`)",
        ));
    }
    Ok(())
}

/// A method is called by name with values: it cannot have type parameters.
pub(crate) fn not_generic(generics: &Generics) -> syn::Result<()> {
    if generics.params.is_empty() {
        Ok(())
    } else {
        Err(syn::Error::new(
            generics.span(),
            "an RPC method cannot be generic",
        ))
    }
}

/// One parameter on its own.
pub(crate) fn param(param: &Param, span: Span) -> syn::Result<()> {
    if param.default.is_some() && matches!(param.kind, Kind::VarArgs | Kind::VarKw) {
        return Err(syn::Error::new(
            span,
            "`*varargs` and `**varkw` parameters have no default",
        ));
    }
    if crate::types::owned_type(&param.ty).is_none() {
        return Err(syn::Error::new(
            param.ty.span(),
            "unsupported parameter type (use an owned type)",
        ));
    }
    Ok(())
}

/// The parameters together, with Python's rules for signatures.
pub(crate) fn params(params: &[Param], span: Span) -> syn::Result<()> {
    for kind in [Kind::VarArgs, Kind::VarKw] {
        if params.iter().filter(|p| p.kind == kind).count() > 1 {
            return Err(syn::Error::new(
                span,
                "at most one `varargs` and one `varkw` parameter",
            ));
        }
    }
    let mut seen_default = false;
    for p in params.iter().filter(|p| p.kind == Kind::Positional) {
        if p.default.is_some() {
            seen_default = true;
        } else if seen_default {
            return Err(syn::Error::new(
                p.ident.span(),
                "non-default argument follows default argument (give it a default or make it `kwonly`)",
            ));
        }
    }
    Ok(())
}

/// The names the typed client keeps for itself.
pub(crate) const CLIENT_OWN_NAMES: &[&str] = &["new", "rpc_client", "into_rpc_client"];

/// A method of the typed client must not collide with the client's own functions.
pub(crate) fn client_names(methods: &[Method]) -> syn::Result<()> {
    for m in methods {
        if CLIENT_OWN_NAMES.iter().any(|n| m.ident == n) {
            return Err(syn::Error::new(
                m.ident.span(),
                format!(
                    "the typed client has its own `{}`: rename this method, or add `no_client` to #[rpc_target]",
                    m.ident
                ),
            ));
        }
    }
    Ok(())
}
