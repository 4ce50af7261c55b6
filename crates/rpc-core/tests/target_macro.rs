//! `#[rpc_target]`: signatures, docstrings, annotations and argument conversion.

use std::collections::BTreeMap;
use std::sync::Mutex;

use pyon_codec::{Dict, Value, dict, list, tuple};
use rpc_core::{MethodInfo, RpcError, Target, rpc_target};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

struct Lda {
    attenuation: Mutex<f64>,
}

/// Driver for a demo attenuator.
///
/// It has a two-paragraph docstring.
#[rpc_target(annotations)]
impl Lda {
    /// Not offered: no `self`.
    pub fn new() -> Self {
        Lda {
            attenuation: Mutex::new(5.0),
        }
    }

    /// Set the attenuation in dB.
    fn set_attenuation(&self, db: f64) {
        *self.attenuation.lock().unwrap() = db;
    }

    fn get_attenuation(&self) -> f64 {
        *self.attenuation.lock().unwrap()
    }

    fn no_doc(
        &self,
        a: Value,
        #[rpc(default = Value::None)] b: Value,
        #[rpc(kwonly)] c: Value,
        #[rpc(kwonly, default = tuple![1, "x"])] d: Value,
    ) -> Value {
        tuple![a, b, c, d]
    }

    /// Types of all kinds.
    fn typed(
        &self,
        name: &str,
        items: &[i32],
        p: Point,
        maybe: Option<u8>,
        #[rpc(default = 3)] n: usize,
    ) -> Result<(String, i32, Point, Option<u8>, usize), RpcError> {
        if name.is_empty() {
            return Err(RpcError::value_error("empty name"));
        }
        Ok((name.to_uppercase(), items.iter().sum(), p, maybe, n))
    }

    /// Collects the rest.
    fn rest(
        &self,
        #[rpc(varargs)] args: Vec<i64>,
        #[rpc(varkw)] opts: BTreeMap<String, i64>,
    ) -> (Vec<i64>, BTreeMap<String, i64>) {
        (args, opts)
    }

    #[rpc(name = "renamed")]
    async fn original(&self, #[rpc(kwonly)] flag: bool) -> Result<bool, std::io::Error> {
        tokio::task::yield_now().await;
        if flag {
            Ok(true)
        } else {
            Err(std::io::Error::from_raw_os_error(2))
        }
    }

    #[rpc(skip)]
    fn helper(&self) -> u8 {
        1
    }
}

fn method(name: &str) -> MethodInfo {
    Lda::new()
        .methods()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap()
}

fn signature(name: &str) -> String {
    let m = method(name);
    format!("{}{}", m.name, m.argspec)
}

#[test]
fn signatures_and_docstrings() {
    let lda = Lda::new();
    assert_eq!(lda.type_name(), "Lda");
    assert_eq!(
        lda.docstring(),
        Some("Driver for a demo attenuator.\n\nIt has a two-paragraph docstring.")
    );
    assert_eq!(
        lda.method_names(),
        [
            "get_attenuation",
            "no_doc",
            "renamed",
            "rest",
            "set_attenuation",
            "typed"
        ]
    );
    assert_eq!(
        signature("set_attenuation"),
        "set_attenuation(self, db: 'float')"
    );
    assert_eq!(
        method("set_attenuation").doc.as_deref(),
        Some("Set the attenuation in dB.")
    );
    assert_eq!(
        signature("get_attenuation"),
        "get_attenuation(self) -> 'float'"
    );
    assert_eq!(method("get_attenuation").doc, None);
    assert_eq!(
        signature("no_doc"),
        "no_doc(self, a, b=None, *, c, d=(1, 'x'))"
    );
    assert_eq!(
        signature("typed"),
        "typed(self, name: 'str', items: 'list', p, maybe: 'int | None', n: 'int' = 3) -> 'tuple'"
    );
    assert_eq!(signature("rest"), "rest(self, *args, **opts) -> 'tuple'");
    assert_eq!(
        signature("renamed"),
        "renamed(self, *, flag: 'bool') -> 'bool'"
    );
}

async fn call(lda: &Lda, name: &str, args: Vec<Value>, kwargs: Value) -> Result<Value, RpcError> {
    let Value::Dict(kwargs) = kwargs else {
        panic!()
    };
    lda.call(name, args, kwargs).await
}

#[tokio::test]
async fn calls() {
    let lda = Lda::new();
    let none = || dict! {};
    assert_eq!(
        call(&lda, "get_attenuation", vec![], none()).await,
        Ok(Value::Float(5.0))
    );
    assert_eq!(
        call(&lda, "set_attenuation", vec![Value::Int(7)], none()).await,
        Ok(Value::None)
    );
    assert_eq!(
        call(&lda, "get_attenuation", vec![], none()).await,
        Ok(Value::Float(7.0))
    );
    assert_eq!(
        call(&lda, "no_doc", vec![1.into()], dict! {"c" => 3}).await,
        Ok(tuple![1, Value::None, 3, tuple![1, "x"]])
    );
    let typed = call(
        &lda,
        "typed",
        vec!["ab".into(), list![1, 2], dict! {"x" => 1.5, "y" => 2}],
        dict! {"maybe" => 4},
    )
    .await;
    assert_eq!(
        typed,
        Ok(tuple!["AB", 3, dict! {"x" => 1.5, "y" => 2.0}, 4, 3])
    );
    assert_eq!(
        call(&lda, "rest", vec![1.into(), 2.into()], dict! {"k" => 3}).await,
        Ok(tuple![list![1, 2], dict! {"k" => 3}])
    );
    assert_eq!(
        call(&lda, "renamed", vec![], dict! {"flag" => true}).await,
        Ok(Value::Bool(true))
    );
}

#[tokio::test]
async fn failures() {
    let lda = Lda::new();
    let err = |r: Result<Value, RpcError>| r.unwrap_err().to_string();
    let none = || dict! {};
    assert_eq!(
        err(call(&lda, "no_doc", vec![1.into(), 2.into()], none()).await),
        "TypeError: Lda.no_doc() missing 1 required keyword-only argument: 'c'"
    );
    assert_eq!(
        err(call(&lda, "set_attenuation", vec!["x".into()], none()).await),
        "TypeError: Lda.set_attenuation() argument 'db': invalid type: string \"x\", expected f64"
    );
    assert_eq!(
        err(call(
            &lda,
            "typed",
            vec!["".into(), list![], dict! {"x" => 1, "y" => 1}, Value::None],
            none()
        )
        .await),
        "ValueError: empty name"
    );
    assert_eq!(
        err(call(&lda, "renamed", vec![], dict! {"flag" => false}).await),
        "FileNotFoundError: [Errno 2] No such file or directory"
    );
    assert_eq!(
        err(call(&lda, "original", vec![], none()).await),
        "AttributeError: 'Lda' object has no attribute 'original'"
    );
    assert_eq!(
        err(call(&lda, "helper", vec![], none()).await),
        "AttributeError: 'Lda' object has no attribute 'helper'"
    );
    assert_eq!(
        err(call(&lda, "rest", vec!["a".into()], none()).await),
        "TypeError: Lda.rest() argument 'args': invalid type: string \"a\", expected i64"
    );
    assert_eq!(Lda::new().helper(), 1);
}

struct Renamed;

/// Docstring with an indented example:
///
///     code
#[rpc_target(type_name = "Other")]
impl Renamed {
    fn kw(&self, #[rpc(varkw)] rest: Dict) -> Value {
        Value::Dict(rest)
    }
}

#[test]
fn type_name_and_indented_doc() {
    assert_eq!(Renamed.type_name(), "Other");
    assert_eq!(
        Renamed.docstring(),
        Some("Docstring with an indented example:\n\n    code")
    );
}
