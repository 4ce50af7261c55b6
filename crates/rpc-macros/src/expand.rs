//! Writing the code: the `Target` implementation and the argspec of each method.

use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{Expr, ItemImpl, ReturnType, Type};

use crate::parse::{self, Kind, Method, Param, TargetOptions};
use crate::types::{
    is_named, is_reference, is_unit, is_vec_of_value, owned_type, python_type, result_ok_type,
};

/// The item as written (without our attributes), the `Target` implementation and, unless
/// `no_client` or a generic impl, the typed clients.
pub(crate) fn expand(options: TargetOptions, mut item: ItemImpl) -> syn::Result<TokenStream2> {
    let target = parse::target(&options, &mut item)?;
    let type_name = &target.type_name;
    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let p = quote!(::rpc_core::__private);
    let mut spec_fns = Vec::new();
    let mut infos = Vec::new();
    let mut arms = Vec::new();
    for m in &target.methods {
        let spec_fn = format_ident!("__rpc_argspec_{}", m.ident);
        let spec = argspec_expr(m);
        spec_fns.push(quote! {
            #[doc(hidden)]
            #[allow(non_snake_case)]
            fn #spec_fn() -> &'static #p::ArgSpec {
                static SPEC: #p::OnceLock<#p::ArgSpec> = #p::OnceLock::new();
                SPEC.get_or_init(|| #spec)
            }
        });
        let name = &m.name;
        let doc = option_str(&m.doc);
        infos.push(quote! {
            #p::MethodInfo::new(#name, ::core::clone::Clone::clone(Self::#spec_fn()), #doc)
        });
        let body = call_body(m, type_name, &spec_fn)?;
        arms.push(quote!(#name => { #body }));
    }
    let target_doc = option_str(&target.doc);
    let clients = if options.no_client || !item.generics.params.is_empty() {
        quote!()
    } else {
        crate::client::expand(&target, self_ty)?
    };

    Ok(quote! {
        #item

        impl #impl_generics #self_ty #where_clause {
            #(#spec_fns)*
        }

        impl #impl_generics #p::Target for #self_ty #where_clause {
            fn type_name(&self) -> &str {
                #type_name
            }

            fn docstring(&self) -> ::core::option::Option<&str> {
                #target_doc
            }

            fn methods(&self) -> ::std::vec::Vec<#p::MethodInfo> {
                ::std::vec![#(#infos),*]
            }

            #[allow(unreachable_code, clippy::let_unit_value, clippy::unit_arg)]
            fn call<'a>(
                &'a self,
                name: &'a str,
                args: ::std::vec::Vec<#p::Value>,
                kwargs: #p::Dict,
            ) -> #p::CallFuture<'a> {
                ::std::boxed::Box::pin(async move {
                    match name {
                        #(#arms)*
                        _ => {
                            let _ = (args, kwargs);
                            ::core::result::Result::Err(#p::RpcError::no_attribute(#type_name, name))
                        }
                    }
                })
            }
        }

        #clients
    })
}

pub(crate) fn option_str(s: &Option<String>) -> TokenStream2 {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

/// The `ArgSpec` builder expression of a method.
fn argspec_expr(m: &Method) -> TokenStream2 {
    let p = quote!(::rpc_core::__private);
    let mut calls = Vec::new();
    let default_of = |param: &Param, expr: &Expr| match owned_type(&param.ty) {
        Some(ty) if !is_reference(&param.ty) => quote!(#p::default_value::<#ty>(#expr)),
        _ => quote!(#p::default_value(#expr)),
    };
    for kind in [
        Kind::Positional,
        Kind::VarArgs,
        Kind::KeywordOnly,
        Kind::VarKw,
    ] {
        for param in m.params.iter().filter(|x| x.kind == kind) {
            let name = param.ident.to_string();
            calls.push(match (kind, &param.default) {
                (Kind::Positional, None) => quote!(.arg(#name)),
                (Kind::Positional, Some(e)) => {
                    let d = default_of(param, e);
                    quote!(.arg_with_default(#name, #d))
                }
                (Kind::KeywordOnly, None) => quote!(.kwonly(#name)),
                (Kind::KeywordOnly, Some(e)) => {
                    let d = default_of(param, e);
                    quote!(.kwonly_with_default(#name, #d))
                }
                (Kind::VarArgs, _) => quote!(.varargs(#name)),
                (Kind::VarKw, _) => quote!(.varkw(#name)),
            });
        }
    }
    let ret = match &m.output {
        _ if m.returns.is_some() => m.returns.clone(),
        ReturnType::Type(_, ty) if m.annotations => python_type(result_ok_type(ty).unwrap_or(ty)),
        _ => None,
    };
    if let Some(ret) = ret {
        calls.push(quote!(.returns(#ret)));
    }
    for param in &m.params {
        let annotation = param.annotation.clone().or_else(|| {
            (m.annotations && matches!(param.kind, Kind::Positional | Kind::KeywordOnly))
                .then(|| python_type(&param.ty))
                .flatten()
        });
        if let Some(a) = annotation {
            let name = param.ident.to_string();
            calls.push(quote!(.annotation(#name, #a)));
        }
    }
    quote!(#p::ArgSpec::new() #(#calls)*)
}

/// The owned type of a parameter (checked when the method was read).
pub(crate) fn param_type(param: &Param) -> syn::Result<Type> {
    owned_type(&param.ty).ok_or_else(|| {
        syn::Error::new(
            param.ty.span(),
            "unsupported parameter type (use an owned type)",
        )
    })
}

/// The body of one `match` arm of `Target::call`.
fn call_body(m: &Method, type_name: &str, spec_fn: &syn::Ident) -> syn::Result<TokenStream2> {
    let p = quote!(::rpc_core::__private);
    let qualname = format!("{type_name}.{}", m.name);
    let has_varargs = m.params.iter().any(|x| x.kind == Kind::VarArgs);
    let has_varkw = m.params.iter().any(|x| x.kind == Kind::VarKw);
    let varargs_pat = if has_varargs {
        quote!(__rpc_varargs)
    } else {
        quote!(_)
    };
    let varkw_pat = if has_varkw {
        quote!(__rpc_varkw)
    } else {
        quote!(_)
    };
    let mut stmts = vec![quote! {
        let (__rpc_values, #varargs_pat, #varkw_pat) =
            Self::#spec_fn().bind_values(#qualname, args, kwargs)?;
        let mut __rpc_it = __rpc_values.into_iter();
    }];
    // Bound values come in spec order: positional-or-keyword, then keyword-only.
    for kind in [Kind::Positional, Kind::KeywordOnly] {
        for param in m.params.iter().filter(|x| x.kind == kind) {
            let raw = format_ident!("__rpc_raw_{}", param.ident);
            stmts.push(quote!(let #raw = #p::next(&mut __rpc_it);));
        }
    }
    let mut call_args = Vec::new();
    for param in &m.params {
        let var = format_ident!("__rpc_arg_{}", param.ident);
        let raw = format_ident!("__rpc_raw_{}", param.ident);
        let name = param.ident.to_string();
        let ty = param_type(param)?;
        let convert = match param.kind {
            Kind::Positional | Kind::KeywordOnly if is_named(&ty, "Value") => quote!(#raw),
            Kind::Positional | Kind::KeywordOnly => quote!(#p::arg::<#ty>(#raw, #qualname, #name)?),
            Kind::VarArgs if is_vec_of_value(&ty) => quote!(__rpc_varargs),
            Kind::VarArgs => quote!(#p::varargs::<#ty>(__rpc_varargs, #qualname, #name)?),
            Kind::VarKw if is_named(&ty, "Dict") => quote!(__rpc_varkw),
            Kind::VarKw => quote!(#p::varkw::<#ty>(__rpc_varkw, #qualname, #name)?),
        };
        stmts.push(quote!(let #var: #ty = #convert;));
        call_args.push(if is_reference(&param.ty) {
            quote!(&#var)
        } else {
            quote!(#var)
        });
    }
    let ident = &m.ident;
    let await_ = if m.is_async { quote!(.await) } else { quote!() };
    let call = quote!(self.#ident(#(#call_args),*) #await_);
    let convert_ok = |ty: &Type, v: TokenStream2| {
        if is_named(ty, "Value") {
            quote!(::core::result::Result::Ok(#v))
        } else if is_unit(ty) {
            quote!({ let () = #v; ::core::result::Result::Ok(#p::Value::None) })
        } else {
            quote!(#p::ret(&#v, #qualname))
        }
    };
    let finish = match &m.output {
        ReturnType::Default => quote! {
            #call;
            ::core::result::Result::Ok(#p::Value::None)
        },
        ReturnType::Type(_, ty) => match result_ok_type(ty) {
            Some(ok) => {
                let ok_conv = convert_ok(ok, quote!(__rpc_ok));
                quote! {
                    match #call {
                        ::core::result::Result::Ok(__rpc_ok) => #ok_conv,
                        ::core::result::Result::Err(__rpc_err) => ::core::result::Result::Err(
                            ::core::convert::Into::<#p::RpcError>::into(__rpc_err),
                        ),
                    }
                }
            }
            None => {
                let conv = convert_ok(ty, quote!(__rpc_ret));
                quote! {
                    let __rpc_ret = #call;
                    #conv
                }
            }
        },
    };
    Ok(quote!(#(#stmts)* #finish))
}
