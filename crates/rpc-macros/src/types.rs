//! What the macro reads from Rust types, by name: owned forms, `Result`'s `T`, Python
//! annotations.

use syn::{GenericArgument, PathArguments, Type};

pub(crate) fn last_ident(ty: &Type) -> Option<&syn::Ident> {
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

pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    last_ident(ty).is_some_and(|i| i == name) && generic_args(ty).is_empty()
}

pub(crate) fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

pub(crate) fn is_vec_of_value(ty: &Type) -> bool {
    last_ident(ty).is_some_and(|i| i == "Vec")
        && generic_args(ty)
            .first()
            .is_some_and(|t| is_named(t, "Value"))
}

pub(crate) fn is_reference(ty: &Type) -> bool {
    matches!(ty, Type::Reference(_))
}

/// The `T` of `Result<T, E>` (by name: any type called `Result` with a first type argument).
pub(crate) fn result_ok_type(ty: &Type) -> Option<&Type> {
    if last_ident(ty).is_some_and(|i| i == "Result") {
        generic_args(ty).first().copied()
    } else {
        None
    }
}

/// The owned type a parameter is converted to: `&str` → `String`, `&[T]` → `Vec<T>`, `&T` → `T`.
pub(crate) fn owned_type(ty: &Type) -> Option<Type> {
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
pub(crate) fn python_type(ty: &Type) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> Type {
        syn::parse_str(text).unwrap()
    }

    #[test]
    fn python_annotations_by_name() {
        let cases = [
            ("i64", Some("int")),
            ("&str", Some("str")),
            ("Vec<f64>", Some("list")),
            ("std::collections::HashMap<String, i64>", Some("dict")),
            ("Option<f64>", Some("float | None")),
            ("Arc<bool>", Some("bool")),
            ("()", Some("None")),
            ("(i64, f64)", Some("tuple")),
            ("&[u8]", Some("list")),
            ("Value", None),
            ("Option<Value>", None),
        ];
        for (rust, python) in cases {
            assert_eq!(python_type(&ty(rust)).as_deref(), python, "{rust}");
        }
    }

    #[test]
    fn owned_forms_and_results() {
        let owned = |t: &str| owned_type(&ty(t)).map(|t| quote::quote!(#t).to_string());
        assert_eq!(owned("&str").as_deref(), Some(":: std :: string :: String"));
        assert_eq!(
            owned("&[i64]").as_deref(),
            Some(":: std :: vec :: Vec < i64 >")
        );
        assert_eq!(owned("&Point").as_deref(), Some("Point"));
        assert_eq!(owned("&mut i64"), None);
        let ok = |t: &str| result_ok_type(&ty(t)).map(|t| quote::quote!(#t).to_string());
        assert_eq!(ok("Result<f64, RpcError>").as_deref(), Some("f64"));
        assert_eq!(ok("io::Result<()>").as_deref(), Some("()"));
        assert_eq!(ok("Option<f64>"), None);
        assert!(is_vec_of_value(&ty("Vec<Value>")) && !is_vec_of_value(&ty("Vec<i64>")));
        assert!(is_named(&ty("pyon_codec::Dict"), "Dict") && !is_named(&ty("Dict<X>"), "Dict"));
    }
}
