//! [`FireAndForget`]: calls that run in the background, at most one at a time (Python's
//! `sipyco.fire_and_forget.FFProxy`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use pyon_codec::{Dict, Value};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::args::IntoArgs;
use crate::async_client::AsyncClient;
use crate::best_effort::BestEffortClient;
use crate::error::Result;

/// Something that performs calls asynchronously: a client, or any closure returning a future.
pub trait AsyncCall: Send + Sync + 'static {
    /// Calls method `name` with `args` and `kwargs`.
    fn call_boxed(
        &self,
        name: String,
        args: Vec<Value>,
        kwargs: Dict,
    ) -> BoxFuture<'static, Result<Value>>;
}

impl AsyncCall for AsyncClient {
    fn call_boxed(
        &self,
        name: String,
        args: Vec<Value>,
        kwargs: Dict,
    ) -> BoxFuture<'static, Result<Value>> {
        let client = self.clone();
        Box::pin(async move { client.call(&name, args, kwargs).await })
    }
}

impl AsyncCall for BestEffortClient {
    /// A call lost to the network returns `None`.
    fn call_boxed(
        &self,
        name: String,
        args: Vec<Value>,
        kwargs: Dict,
    ) -> BoxFuture<'static, Result<Value>> {
        let client = self.clone();
        Box::pin(async move { Ok(client.call(&name, args, kwargs).await?.unwrap_or_default()) })
    }
}

/// Adapts a closure `Fn(name, args, kwargs) -> Future` to [`AsyncCall`].
pub struct CallFn<F>(pub F);

impl<F, Fut> AsyncCall for CallFn<F>
where
    F: Fn(String, Vec<Value>, Dict) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value>> + Send + 'static,
{
    fn call_boxed(
        &self,
        name: String,
        args: Vec<Value>,
        kwargs: Dict,
    ) -> BoxFuture<'static, Result<Value>> {
        Box::pin((self.0)(name, args, kwargs))
    }
}

/// Runs calls in the background, one at a time: a call made while the previous one still runs
/// is dropped with a warning (and counted). Results are discarded; failures are logged.
///
/// ```no_run
/// # async fn demo(client: rpc_client::AsyncClient) {
/// use pyon_codec::{Dict, tuple};
/// use rpc_client::FireAndForget;
///
/// let ff = FireAndForget::new(client);
/// ff.call("set_frequency", tuple![100e6], Dict::new());
/// ff.join().await; // Python's ff_join()
/// # }
/// ```
pub struct FireAndForget<C> {
    caller: Arc<C>,
    busy: Arc<AtomicBool>,
    dropped: AtomicU64,
    current: Mutex<Option<JoinHandle<()>>>,
    runtime: Handle,
}

impl<C> std::fmt::Debug for FireAndForget<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FireAndForget")
            .field("busy", &self.busy.load(Ordering::Relaxed))
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Clears the busy flag when the background call ends, however it ends.
struct BusyGuard(Arc<AtomicBool>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl<F> FireAndForget<CallFn<F>>
where
    CallFn<F>: AsyncCall,
{
    /// Wraps a closure `Fn(name, args, kwargs) -> impl Future<Output = Result<Value>>`.
    pub fn from_fn(f: F) -> Self {
        FireAndForget::new(CallFn(f))
    }
}

impl<C: AsyncCall> FireAndForget<C> {
    /// Wraps `caller`; background calls run on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime; use [`with_runtime`](Self::with_runtime) there.
    pub fn new(caller: C) -> Self {
        FireAndForget::with_runtime(caller, Handle::current())
    }

    /// Wraps `caller`; background calls run on `runtime`.
    pub fn with_runtime(caller: C, runtime: Handle) -> Self {
        FireAndForget {
            caller: Arc::new(caller),
            busy: Arc::new(AtomicBool::new(false)),
            dropped: AtomicU64::new(0),
            current: Mutex::new(None),
            runtime,
        }
    }

    /// Starts `name(*args, **kwargs)` in the background and returns `true`, or drops it with a
    /// warning and returns `false` if the previous call is still running.
    pub fn call(&self, name: &str, args: impl IntoArgs, kwargs: Dict) -> bool {
        if self
            .busy
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(
                "skipping fire-and-forget call to {name} as previous call did not complete \
                 ({dropped} dropped so far)"
            );
            return false;
        }
        let guard = BusyGuard(self.busy.clone());
        let call = self
            .caller
            .call_boxed(name.to_owned(), args.into_args(), kwargs);
        let name = name.to_owned();
        let task = self.runtime.spawn(async move {
            let _guard = guard;
            if let Err(e) = call.await {
                tracing::warn!("fire-and-forget call to {name} failed: {e}");
            }
        });
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        true
    }

    /// Whether a background call is running.
    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }

    /// How many calls were dropped because the previous one was still running.
    pub fn dropped_calls(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Waits for the running background call, if any, to finish (Python's `ff_join`).
    pub async fn join(&self) {
        let task = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// The wrapped caller.
    pub fn get_ref(&self) -> &C {
        &self.caller
    }
}
