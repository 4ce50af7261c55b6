//! [`DynamicTarget`]: a target assembled at run time from closures.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use pyon_codec::{Dict, Value};

use crate::target::{CallFuture, MethodInfo, Target};
use crate::{ArgSpec, BoundArgs, RpcError};

type Handler = Arc<dyn Fn(Vec<Value>, Dict) -> CallFuture<'static> + Send + Sync>;

struct Method {
    info: MethodInfo,
    handler: Handler,
}

/// A target built at run time: any class name, docstring and methods, each with the exact
/// signature and docstring to report. Useful to reproduce a Python target, or for targets whose
/// methods are only known at run time.
///
/// ```
/// use pyon_codec::Value;
/// use rpc_core::{ArgSpec, DynamicTarget, RpcError, Target};
///
/// let demo = DynamicTarget::builder("Demo")
///     .docstring("Demo target.")
///     .method("echo", ArgSpec::new().arg("x"), Some("Return the argument unchanged."),
///         |mut args| async move { Ok(args.take("x").unwrap_or_default()) })
///     .method("fail", ArgSpec::new(), None,
///         |_| async { Err::<Value, _>(RpcError::value_error("bad value 42")) })
///     .build();
/// assert_eq!(demo.method_names(), ["echo", "fail"]);
/// ```
pub struct DynamicTarget {
    type_name: String,
    docstring: Option<String>,
    methods: Vec<Method>,
    index: HashMap<String, usize>,
}

impl std::fmt::Debug for DynamicTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicTarget")
            .field("type_name", &self.type_name)
            .field(
                "methods",
                &self
                    .methods
                    .iter()
                    .map(|m| &m.info.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl DynamicTarget {
    /// Starts a target whose Python class name is `type_name`.
    pub fn builder(type_name: impl Into<String>) -> DynamicTargetBuilder {
        DynamicTargetBuilder {
            target: DynamicTarget {
                type_name: type_name.into(),
                docstring: None,
                methods: Vec::new(),
                index: HashMap::new(),
            },
        }
    }
}

/// Builds a [`DynamicTarget`]; see there.
pub struct DynamicTargetBuilder {
    target: DynamicTarget,
}

impl std::fmt::Debug for DynamicTargetBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.target.fmt(f)
    }
}

impl DynamicTargetBuilder {
    /// Sets the target's docstring.
    pub fn docstring(mut self, doc: impl Into<String>) -> Self {
        self.target.docstring = Some(doc.into());
        self
    }

    /// Adds a method. Calls are bound to `argspec` first (a mismatch fails with Python's
    /// `TypeError`), and `handler` receives the [`BoundArgs`].
    pub fn method<F, Fut>(
        self,
        name: impl Into<String>,
        argspec: ArgSpec,
        doc: Option<&str>,
        handler: F,
    ) -> Self
    where
        F: Fn(BoundArgs) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, RpcError>> + Send + 'static,
    {
        let name = name.into();
        let qualname = format!("{}.{}", self.target.type_name, name);
        let spec = argspec.clone();
        let handler = Arc::new(handler);
        self.method_raw(name, argspec, doc, move |args, kwargs| {
            let bound = spec.bind(&qualname, args, kwargs);
            let handler = handler.clone();
            async move { handler(bound?).await }
        })
    }

    /// Adds a method whose `handler` receives the call's positional and keyword arguments as
    /// they came, unchecked; `argspec` is only what `get_rpc_method_list` reports.
    pub fn method_raw<F, Fut>(
        mut self,
        name: impl Into<String>,
        argspec: ArgSpec,
        doc: Option<&str>,
        handler: F,
    ) -> Self
    where
        F: Fn(Vec<Value>, Dict) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, RpcError>> + Send + 'static,
    {
        let info = MethodInfo::new(name, argspec, doc);
        let handler: Handler = Arc::new(move |args, kwargs| Box::pin(handler(args, kwargs)));
        let t = &mut self.target;
        match t.index.get(&info.name).and_then(|&i| t.methods.get_mut(i)) {
            Some(method) => *method = Method { info, handler },
            None => {
                t.index.insert(info.name.clone(), t.methods.len());
                t.methods.push(Method { info, handler });
            }
        }
        self
    }

    /// The finished target.
    pub fn build(self) -> DynamicTarget {
        self.target
    }
}

impl Target for DynamicTarget {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn docstring(&self) -> Option<&str> {
        self.docstring.as_deref()
    }

    fn methods(&self) -> Vec<MethodInfo> {
        self.methods.iter().map(|m| m.info.clone()).collect()
    }

    fn call<'a>(&'a self, name: &'a str, args: Vec<Value>, kwargs: Dict) -> CallFuture<'a> {
        match self.index.get(name).and_then(|&i| self.methods.get(i)) {
            Some(method) => (method.handler)(args, kwargs),
            None => Box::pin(std::future::ready(Err(RpcError::no_attribute(
                &self.type_name,
                name,
            )))),
        }
    }
}
