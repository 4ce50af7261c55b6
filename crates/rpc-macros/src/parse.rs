//! Reading the attribute and the `impl` block: options, methods, parameters, docstrings. Our
//! `#[rpc(...)]` attributes are stripped from the item as they are read.

use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, ImplItem, ImplItemFn, ItemImpl, LitStr, Pat, ReturnType, Type};

use crate::checks;

/// The options of `#[rpc_target(...)]`.
#[derive(Default)]
pub(crate) struct TargetOptions {
    pub annotations: bool,
    pub type_name: Option<String>,
    pub no_client: bool,
}

impl TargetOptions {
    /// Reads one option of `#[rpc_target(...)]`.
    pub(crate) fn parse(&mut self, meta: syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
        if meta.path.is_ident("annotations") {
            self.annotations = true;
        } else if meta.path.is_ident("type_name") {
            self.type_name = Some(meta.value()?.parse::<LitStr>()?.value());
        } else if meta.path.is_ident("no_client") {
            self.no_client = true;
        } else {
            return Err(meta.error("expected `annotations`, `type_name = \"...\"` or `no_client`"));
        }
        Ok(())
    }
}

/// What a parameter is in the Python signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Positional,
    KeywordOnly,
    VarArgs,
    VarKw,
}

pub(crate) struct Param {
    pub ident: syn::Ident,
    pub kind: Kind,
    pub ty: Type,
    pub default: Option<Expr>,
    pub annotation: Option<String>,
}

pub(crate) struct Method {
    pub ident: syn::Ident,
    /// The name on the wire.
    pub name: String,
    pub doc: Option<String>,
    /// The doc comments as written, for the typed client's method.
    pub doc_attrs: Vec<Attribute>,
    pub params: Vec<Param>,
    pub output: ReturnType,
    pub is_async: bool,
    pub annotations: bool,
    pub returns: Option<String>,
}

/// The target: its Python name and docstring, and the offered methods.
pub(crate) struct Target {
    pub type_name: String,
    pub doc: Option<String>,
    pub methods: Vec<Method>,
}

/// Reads the impl block, stripping our attributes from it.
pub(crate) fn target(options: &TargetOptions, item: &mut ItemImpl) -> syn::Result<Target> {
    checks::inherent_impl(item)?;
    let type_name = match &options.type_name {
        Some(name) => name.clone(),
        None => crate::types::last_ident(&item.self_ty)
            .map(|i| i.to_string())
            .ok_or_else(|| syn::Error::new(item.self_ty.span(), "expected a named type"))?,
    };
    let mut methods = Vec::new();
    for impl_item in &mut item.items {
        if let ImplItem::Fn(f) = impl_item
            && let Some(m) = method_of(f, options.annotations)?
        {
            methods.push(m);
        }
    }
    Ok(Target {
        type_name,
        doc: doc_of(&item.attrs),
        methods,
    })
}

/// The options of a method's `#[rpc(...)]` attributes.
#[derive(Default)]
struct MethodOptions {
    skip: bool,
    name: Option<String>,
    annotations: bool,
    returns: Option<String>,
    seen: bool,
}

/// Reads one method of the impl block, stripping our attributes; `None` if it is not exposed.
fn method_of(f: &mut ImplItemFn, annotate_all: bool) -> syn::Result<Option<Method>> {
    let mut opts = MethodOptions {
        annotations: annotate_all,
        ..MethodOptions::default()
    };
    take_rpc_attrs(&mut f.attrs, |meta| {
        opts.seen = true;
        if meta.path.is_ident("skip") {
            opts.skip = true;
        } else if meta.path.is_ident("annotations") {
            opts.annotations = true;
        } else if meta.path.is_ident("name") {
            opts.name = Some(meta.value()?.parse::<LitStr>()?.value());
        } else if meta.path.is_ident("returns") {
            opts.returns = Some(meta.value()?.parse::<LitStr>()?.value());
        } else {
            return Err(meta
                .error("expected `skip`, `annotations`, `name = \"...\"` or `returns = \"...\"`"));
        }
        Ok(())
    })?;
    let receiver = match f.sig.inputs.first() {
        Some(FnArg::Receiver(r)) => Some(r.clone()),
        _ => None,
    };
    let Some(receiver) = receiver else {
        if opts.seen && !opts.skip {
            return Err(syn::Error::new(
                f.sig.ident.span(),
                "an RPC method takes `&self`",
            ));
        }
        return Ok(None);
    };
    if opts.skip {
        for input in f.sig.inputs.iter_mut() {
            if let FnArg::Typed(pt) = input {
                pt.attrs.retain(|a| !a.path().is_ident("rpc"));
            }
        }
        return Ok(None);
    }
    checks::shared_receiver(&receiver)?;
    checks::not_generic(&f.sig.generics)?;
    let mut params = Vec::new();
    for input in f.sig.inputs.iter_mut().skip(1) {
        if let FnArg::Typed(pt) = input {
            params.push(param_of(pt)?);
        }
    }
    checks::params(&params, f.sig.span())?;
    Ok(Some(Method {
        ident: f.sig.ident.clone(),
        name: opts.name.unwrap_or_else(|| f.sig.ident.to_string()),
        doc: doc_of(&f.attrs),
        doc_attrs: f
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .cloned()
            .collect(),
        params,
        output: f.sig.output.clone(),
        is_async: f.sig.asyncness.is_some(),
        annotations: opts.annotations,
        returns: opts.returns,
    }))
}

/// Reads one parameter and its `#[rpc(...)]` attributes.
fn param_of(pt: &mut syn::PatType) -> syn::Result<Param> {
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
    take_rpc_attrs(&mut pt.attrs, |meta| {
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
    })?;
    checks::param(&param, pt.span())?;
    Ok(param)
}

/// Removes the `#[rpc(...)]` attributes, giving each nested item to `f`; the first error wins.
fn take_rpc_attrs(
    attrs: &mut Vec<Attribute>,
    mut f: impl FnMut(syn::meta::ParseNestedMeta<'_>) -> syn::Result<()>,
) -> syn::Result<()> {
    let mut err = None;
    attrs.retain(|attr| {
        if !attr.path().is_ident("rpc") {
            return true;
        }
        if let Err(e) = attr.parse_nested_meta(&mut f) {
            err.get_or_insert(e);
        }
        false
    });
    err.map_or(Ok(()), Err)
}

/// The docstring of doc comments: each line without its first space (the one after `///`) and
/// trailing spaces, surrounding blank lines removed. Further indentation is kept: in Rust docs it
/// is meaningful (code blocks), unlike the source indentation that `inspect.getdoc` removes.
pub(crate) fn doc_of(attrs: &[Attribute]) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docstrings_as_inspect_getdoc() {
        let item: ItemImpl = syn::parse_quote! {
            ///
            /// First line.
            ///
            ///     indented code
            ///
            impl Lda {}
        };
        assert_eq!(
            doc_of(&item.attrs).as_deref(),
            Some("First line.\n\n    indented code")
        );
        let bare: ItemImpl = syn::parse_quote!(impl Lda {});
        assert_eq!(doc_of(&bare.attrs), None);
    }

    #[test]
    fn methods_and_their_attributes() {
        let mut item: ItemImpl = syn::parse_quote! {
            impl Lda {
                fn new() -> Self { Lda }
                /// Set it.
                #[rpc(name = "set", annotations)]
                async fn set_attenuation(&self, db: f64, #[rpc(kwonly, default = 1)] n: i64) {}
                #[rpc(skip)]
                fn helper(&self, #[rpc(varargs)] x: Vec<i64>) {}
            }
        };
        let target = target(&TargetOptions::default(), &mut item).unwrap();
        assert_eq!(target.type_name, "Lda");
        let [m] = target.methods.as_slice() else {
            panic!("one method expected")
        };
        assert_eq!(
            (m.ident.to_string(), m.name.as_str()),
            ("set_attenuation".into(), "set")
        );
        assert!(m.is_async && m.annotations && m.doc.as_deref() == Some("Set it."));
        let kinds: Vec<_> = m.params.iter().map(|p| p.kind).collect();
        assert!(kinds == [Kind::Positional, Kind::KeywordOnly]);
        // Our attributes are gone from the item, the skipped method's included.
        let text = quote::quote!(#item).to_string();
        assert!(!text.contains("rpc"), "{text}");
    }
}
