//! The `#[rpc_target]` attribute of `rpc-core`: turns an `impl` block of plain Rust methods into
//! an RPC target (an implementation of `rpc_core::Target`).
//!
//! Use it through `rpc_core::rpc_target`; the crate documentation of `rpc-core` describes the
//! syntax in full. This crate only holds the procedural macro, which must live in a crate of its
//! own. In short:
//!
//! ```text
//! /// Driver for a demo attenuator.            <- the target's docstring
//! #[rpc_target]                                 (or #[rpc_target(annotations, type_name = "Lda")])
//! impl Lda {
//!     /// Set the attenuation in dB.            <- the method's docstring
//!     fn set_attenuation(&self, db: f64) -> Result<(), RpcError> { ... }
//!
//!     async fn no_doc(
//!         &self,
//!         a: Value,
//!         #[rpc(default = None)] b: Option<i64>,
//!         #[rpc(kwonly)] c: String,
//!         #[rpc(kwonly, default = tuple![1, "x"])] d: Value,
//!         #[rpc(varargs)] rest: Vec<Value>,
//!         #[rpc(varkw)] opts: Dict,
//!     ) -> Value { ... }                        // no_doc(self, a, b=None, *rest, c, d=(1, 'x'), **opts)
//!
//!     #[rpc(skip)]
//!     fn helper(&self) { ... }                  // not offered
//! }
//! ```
//!
//! The generated code calls `rpc_core::__private`, so a crate using the attribute depends on
//! `rpc-core` (and `pyon-codec` for `Value`).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, FnArg, GenericArgument, ImplItem, ImplItemFn, ItemImpl, LitStr, Pat,
    PathArguments, ReturnType, Type, parse_macro_input,
};

/// Turns an `impl` block into an RPC target; see `rpc_core::rpc_target` for the syntax.
#[proc_macro_attribute]
pub fn rpc_target(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut options = TargetOptions::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("annotations") {
            options.annotations = true;
            Ok(())
        } else if meta.path.is_ident("type_name") {
            options.type_name = Some(meta.value()?.parse::<LitStr>()?.value());
            Ok(())
        } else {
            Err(meta.error("expected `annotations` or `type_name = \"...\"`"))
        }
    });
    parse_macro_input!(attr with parser);
    let item = parse_macro_input!(item as ItemImpl);
    match expand(options, item) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[derive(Default)]
struct TargetOptions {
    annotations: bool,
    type_name: Option<String>,
}

/// What a parameter is in the Python signature.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Positional,
    KeywordOnly,
    VarArgs,
    VarKw,
}

struct Param {
    ident: syn::Ident,
    kind: Kind,
    ty: Type,
    default: Option<Expr>,
    annotation: Option<String>,
}

struct Method {
    ident: syn::Ident,
    name: String,
    doc: Option<String>,
    params: Vec<Param>,
    output: ReturnType,
    is_async: bool,
    annotations: bool,
    returns: Option<String>,
}

fn expand(options: TargetOptions, mut item: ItemImpl) -> syn::Result<TokenStream2> {
    if let Some((_, path, _)) = &item.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "#[rpc_target] goes on an inherent impl block (`impl MyDriver { ... }`)",
        ));
    }
    let type_name = match options.type_name {
        Some(name) => name,
        None => last_ident(&item.self_ty)
            .map(|i| i.to_string())
            .ok_or_else(|| syn::Error::new(item.self_ty.span(), "expected a named type"))?,
    };
    let target_doc = doc_of(&item.attrs);
    let mut methods = Vec::new();
    for impl_item in &mut item.items {
        if let ImplItem::Fn(f) = impl_item
            && let Some(m) = method_of(f, options.annotations)?
        {
            methods.push(m);
        }
    }

    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let p = quote!(::rpc_core::__private);
    let mut spec_fns = Vec::new();
    let mut infos = Vec::new();
    let mut arms = Vec::new();
    for m in &methods {
        let spec_fn = format_ident!("__rpc_argspec_{}", m.ident);
        let spec = argspec_expr(m)?;
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
        let body = call_body(m, &type_name, &spec_fn)?;
        arms.push(quote!(#name => { #body }));
    }
    let target_doc = option_str(&target_doc);

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
    })
}

/// Reads one method of the impl block, stripping our attributes; `None` if it is not exposed.
fn method_of(f: &mut ImplItemFn, annotate_all: bool) -> syn::Result<Option<Method>> {
    let mut skip = false;
    let mut name = None;
    let mut annotations = annotate_all;
    let mut returns = None;
    let mut seen_rpc = false;
    let mut err = None;
    f.attrs.retain(|attr| {
        if !attr.path().is_ident("rpc") {
            return true;
        }
        seen_rpc = true;
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip") {
                skip = true;
            } else if meta.path.is_ident("annotations") {
                annotations = true;
            } else if meta.path.is_ident("name") {
                name = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("returns") {
                returns = Some(meta.value()?.parse::<LitStr>()?.value());
            } else {
                return Err(meta.error(
                    "expected `skip`, `annotations`, `name = \"...\"` or `returns = \"...\"`",
                ));
            }
            Ok(())
        });
        if let Err(e) = r {
            err.get_or_insert(e);
        }
        false
    });
    if let Some(e) = err {
        return Err(e);
    }
    let receiver = match f.sig.inputs.first() {
        Some(FnArg::Receiver(r)) => Some(r.clone()),
        _ => None,
    };
    let Some(receiver) = receiver else {
        if seen_rpc && !skip {
            return Err(syn::Error::new(
                f.sig.ident.span(),
                "an RPC method takes `&self`",
            ));
        }
        return Ok(None);
    };
    if skip {
        strip_param_attrs(f);
        return Ok(None);
    }
    if receiver.reference.is_none() || receiver.mutability.is_some() {
        return Err(syn::Error::new(
            receiver.span(),
            "an RPC method takes `&self` (keep mutable state behind a `Mutex`)",
        ));
    }
    if !f.sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            f.sig.generics.span(),
            "an RPC method cannot be generic",
        ));
    }
    let mut params = Vec::new();
    for input in f.sig.inputs.iter_mut().skip(1) {
        let FnArg::Typed(pt) = input else { continue };
        let Pat::Ident(pi) = &*pt.pat else {
            return Err(syn::Error::new(
                pt.pat.span(),
                "an RPC method parameter must be a plain name",
            ));
        };
        let mut param = Param {
            ident: pi.ident.clone(),
            kind: Kind::Positional,
            ty: (*pt.ty).clone(),
            default: None,
            annotation: None,
        };
        let mut err = None;
        pt.attrs.retain(|attr| {
            if !attr.path().is_ident("rpc") {
                return true;
            }
            let r = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    param.default = Some(meta.value()?.parse::<Expr>()?);
                } else if meta.path.is_ident("kwonly") {
                    param.kind = Kind::KeywordOnly;
                } else if meta.path.is_ident("varargs") {
                    param.kind = Kind::VarArgs;
                } else if meta.path.is_ident("varkw") {
                    param.kind = Kind::VarKw;
                } else if meta.path.is_ident("annotation") {
                    param.annotation = Some(meta.value()?.parse::<LitStr>()?.value());
                } else {
                    return Err(meta.error(
                        "expected `default = EXPR`, `kwonly`, `varargs`, `varkw` or `annotation = \"...\"`",
                    ));
                }
                Ok(())
            });
            if let Err(e) = r {
                err.get_or_insert(e);
            }
            false
        });
        if let Some(e) = err {
            return Err(e);
        }
        if param.default.is_some() && matches!(param.kind, Kind::VarArgs | Kind::VarKw) {
            return Err(syn::Error::new(
                pt.span(),
                "`*varargs` and `**varkw` parameters have no default",
            ));
        }
        params.push(param);
    }
    check_params(&params, f.sig.span())?;
    Ok(Some(Method {
        ident: f.sig.ident.clone(),
        name: name.unwrap_or_else(|| f.sig.ident.to_string()),
        doc: doc_of(&f.attrs),
        params,
        output: f.sig.output.clone(),
        is_async: f.sig.asyncness.is_some(),
        annotations,
        returns,
    }))
}

fn strip_param_attrs(f: &mut ImplItemFn) {
    for input in f.sig.inputs.iter_mut() {
        if let FnArg::Typed(pt) = input {
            pt.attrs.retain(|a| !a.path().is_ident("rpc"));
        }
    }
}

fn check_params(params: &[Param], span: Span) -> syn::Result<()> {
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

/// The `ArgSpec` builder expression of a method.
fn argspec_expr(m: &Method) -> syn::Result<TokenStream2> {
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
    Ok(quote!(#p::ArgSpec::new() #(#calls)*))
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
        let ty = owned_type(&param.ty).ok_or_else(|| {
            syn::Error::new(
                param.ty.span(),
                "unsupported parameter type (use an owned type)",
            )
        })?;
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

fn option_str(s: &Option<String>) -> TokenStream2 {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

/// The docstring of doc comments: each line without its first space (the one after `///`) and
/// trailing spaces, surrounding blank lines removed. Further indentation is kept: in Rust docs it
/// is meaningful (code blocks), unlike the source indentation that `inspect.getdoc` removes.
fn doc_of(attrs: &[Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            for line in s.value().split('\n') {
                lines.push(line.strip_prefix(' ').unwrap_or(line).trim_end().to_owned());
            }
        }
    }
    while lines.first().is_some_and(|l| l.is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn last_ident(ty: &Type) -> Option<&syn::Ident> {
    match ty {
        Type::Path(tp) => tp.path.segments.last().map(|s| &s.ident),
        Type::Group(g) => last_ident(&g.elem),
        Type::Paren(p) => last_ident(&p.elem),
        _ => None,
    }
}

fn generic_args(ty: &Type) -> Vec<&Type> {
    match ty {
        Type::Path(tp) => match tp.path.segments.last().map(|s| &s.arguments) {
            Some(PathArguments::AngleBracketed(a)) => a
                .args
                .iter()
                .filter_map(|g| match g {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn is_named(ty: &Type, name: &str) -> bool {
    last_ident(ty).is_some_and(|i| i == name) && generic_args(ty).is_empty()
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

fn is_vec_of_value(ty: &Type) -> bool {
    last_ident(ty).is_some_and(|i| i == "Vec")
        && generic_args(ty)
            .first()
            .is_some_and(|t| is_named(t, "Value"))
}

fn is_reference(ty: &Type) -> bool {
    matches!(ty, Type::Reference(_))
}

/// The `T` of `Result<T, E>` (by name: any type called `Result` with a first type argument).
fn result_ok_type(ty: &Type) -> Option<&Type> {
    if last_ident(ty).is_some_and(|i| i == "Result") {
        generic_args(ty).first().copied()
    } else {
        None
    }
}

/// The owned type a parameter is converted to: `&str` → `String`, `&[T]` → `Vec<T>`, `&T` → `T`.
fn owned_type(ty: &Type) -> Option<Type> {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            Type::Path(tp) if tp.path.is_ident("str") => {
                Some(syn::parse_quote!(::std::string::String))
            }
            Type::Slice(s) => {
                let elem = &s.elem;
                Some(syn::parse_quote!(::std::vec::Vec<#elem>))
            }
            other => Some(other.clone()),
        },
        Type::Reference(_) => None,
        other => Some(other.clone()),
    }
}

/// The Python annotation of a Rust type, by the name of the type.
fn python_type(ty: &Type) -> Option<String> {
    match ty {
        Type::Reference(r) => return python_type(&r.elem),
        Type::Tuple(t) if t.elems.is_empty() => return Some("None".into()),
        Type::Tuple(_) => return Some("tuple".into()),
        Type::Slice(_) | Type::Array(_) => return Some("list".into()),
        Type::Paren(p) => return python_type(&p.elem),
        Type::Group(g) => return python_type(&g.elem),
        _ => {}
    }
    let name = last_ident(ty)?.to_string();
    let py = match name.as_str() {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" | "BigInt" => "int",
        "f32" | "f64" => "float",
        "bool" => "bool",
        "String" | "str" | "char" | "Cow" => "str",
        "Vec" | "VecDeque" => "list",
        "HashMap" | "BTreeMap" | "IndexMap" | "Dict" => "dict",
        "HashSet" | "BTreeSet" | "IndexSet" => "set",
        "Complex64" | "Complex" => "complex",
        "NdArray" | "Array" | "ArrayD" | "Array1" | "Array2" => "ndarray",
        "Fraction" => "Fraction",
        "Option" => {
            let inner = python_type(generic_args(ty).first()?)?;
            return Some(format!("{inner} | None"));
        }
        "Box" | "Arc" | "Rc" => return python_type(generic_args(ty).first()?),
        _ => return None,
    };
    Some(py.to_owned())
}
