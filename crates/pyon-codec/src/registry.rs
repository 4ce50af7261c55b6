//! Application types registered by name, as Python's custom PYON types.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::{Error, Result, Value};

/// Checks the constructor arguments of a registered type.
pub type Validator = Arc<dyn Fn(&[Value]) -> std::result::Result<(), String> + Send + Sync>;

static REGISTRY: RwLock<Option<HashMap<String, Option<Validator>>>> = RwLock::new(None);

const BUILTIN: &[&str] = &[
    "tuple",
    "set",
    "dict",
    "OrderedDict",
    "complex",
    "bytes",
    "slice",
    "Fraction",
    "nparray",
    "npscalar",
];

/// Registers a type name for the whole process, so that both decoders accept
/// `{"__jsonclass__": [name, args]}` and `name(args...)` as a [`Value::Custom`]. Encoding a
/// `Value::Custom` needs no registration.
///
/// Fails for the built-in names and for names that are not identifiers.
pub fn register(name: &str) -> Result<()> {
    register_inner(name, None)
}

/// Like [`register`], with a check of the constructor arguments run on every decode.
pub fn register_with(
    name: &str,
    validate: impl Fn(&[Value]) -> std::result::Result<(), String> + Send + Sync + 'static,
) -> Result<()> {
    register_inner(name, Some(Arc::new(validate)))
}

fn register_inner(name: &str, validate: Option<Validator>) -> Result<()> {
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    if !ident
        || BUILTIN.contains(&name)
        || [
            "None", "True", "False", "null", "true", "false", "inf", "nan",
        ]
        .contains(&name)
    {
        return Err(Error::data(format!("cannot register type name {name:?}")));
    }
    let mut reg = REGISTRY.write().unwrap_or_else(|p| p.into_inner());
    reg.get_or_insert_with(HashMap::new)
        .insert(name.to_owned(), validate);
    Ok(())
}

/// Removes a registered name; returns whether it was registered.
pub fn unregister(name: &str) -> bool {
    let mut reg = REGISTRY.write().unwrap_or_else(|p| p.into_inner());
    reg.as_mut().is_some_and(|m| m.remove(name).is_some())
}

/// Whether a name is registered.
pub fn is_registered(name: &str) -> bool {
    let reg = REGISTRY.read().unwrap_or_else(|p| p.into_inner());
    reg.as_ref().is_some_and(|m| m.contains_key(name))
}

/// Accepts a registered type's arguments, or names the problem.
pub(crate) fn check(name: &str, args: &[Value]) -> Result<()> {
    let validator = {
        let reg = REGISTRY.read().unwrap_or_else(|p| p.into_inner());
        match reg.as_ref().and_then(|m| m.get(name)) {
            Some(v) => v.clone(),
            None => return Err(Error::data(format!("unknown type name {name:?}"))),
        }
    };
    match validator {
        Some(f) => f(args).map_err(|e| Error::data(format!("{name}: {e}"))),
        None => Ok(()),
    }
}
