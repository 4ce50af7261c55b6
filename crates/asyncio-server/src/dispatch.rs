//! [`BannerDispatch`]: several protocols on one port, told apart by their banner line.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tracing::debug;

use crate::connection::Connection;

/// The longest first line read by a [`BannerDispatch`]: banners are short.
pub const BANNER_LINE_LIMIT: usize = 256;

type BoxedHandler =
    Arc<dyn Fn(Connection) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Routes each connection to the handler of the banner it sends first: several protocols on
/// one port. Cheap to clone.
///
/// Every SiPyCo protocol starts with a banner sent by the connecting side (`ARTIQ pc_rpc`,
/// `ARTIQ sync_struct`, `ARTIQ broadcast`, `ARTIQ logging`), so one listening port can serve
/// several of them: read the first line, pick the handler registered for it, and hand that
/// handler the connection *with the banner still unread*. Handlers written for a port of their
/// own (an RPC server's, a publisher's `handle_connection`) therefore work unchanged.
///
/// A connection whose first line is not a registered banner is closed without a word, as a
/// Python server closes a connection with a wrong banner. The first line is read with a short
/// length limit ([`BANNER_LINE_LIMIT`]), so a peer cannot make the dispatcher buffer megabytes
/// before it has even said which protocol it speaks.
///
/// ```no_run
/// use asyncio_server::{BannerDispatch, Server};
///
/// # async fn example() -> asyncio_server::Result<()> {
/// let dispatch = BannerDispatch::new()
///     .route("ARTIQ pc_rpc", |conn| async move { /* an RPC server's handler */ drop(conn) })
///     .route("ARTIQ sync_struct", |conn| async move { /* a publisher's */ drop(conn) });
/// let server = Server::bind(&["127.0.0.1:3253".parse().unwrap()])?;
/// server.serve(dispatch.into_handler(), std::future::pending()).await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct BannerDispatch {
    routes: Vec<(String, BoxedHandler)>,
}

impl std::fmt::Debug for BannerDispatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let banners: Vec<&str> = self.routes.iter().map(|(b, _)| b.as_str()).collect();
        f.debug_struct("BannerDispatch")
            .field("banners", &banners)
            .finish()
    }
}

impl BannerDispatch {
    /// A dispatcher with no route: it closes every connection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends connections whose first line is exactly `banner` to `handler`, which reads that
    /// banner again as its first line. A later route for the same banner replaces this one.
    pub fn route<H, F>(mut self, banner: impl Into<String>, handler: H) -> Self
    where
        H: Fn(Connection) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let banner = banner.into();
        self.routes.retain(|(b, _)| *b != banner);
        let boxed: BoxedHandler = Arc::new(move |conn| Box::pin(handler(conn)));
        self.routes.push((banner, boxed));
        self
    }

    /// The banners routed, in the order they were added.
    pub fn banners(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|(b, _)| b.as_str())
    }

    /// Reads the first line of `conn` and runs the handler of that banner to its end. Closes
    /// the connection (by dropping it) on an unknown banner, an over-long first line, or a peer
    /// that leaves before sending one.
    pub async fn handle(&self, mut conn: Connection) {
        let peer = conn.peer_addr();
        let limit = conn.max_line_length();
        conn.set_max_line_length(limit.min(BANNER_LINE_LIMIT));
        let banner = match conn.read_line().await {
            Ok(Some(line)) => line,
            Ok(None) => return,
            Err(e) => {
                debug!("{peer}: no banner: {e}");
                return;
            }
        };
        conn.set_max_line_length(limit);
        match self.routes.iter().find(|(b, _)| *b == banner) {
            Some((_, handler)) => {
                conn.unread_line(&banner);
                handler(conn).await;
            }
            None => debug!("{peer}: unknown banner {banner:?}; closing"),
        }
    }

    /// A handler for [`Server::serve`](crate::Server::serve) that dispatches every connection.
    pub fn into_handler(
        self,
    ) -> impl Fn(Connection) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync + 'static
    {
        let this = Arc::new(self);
        move |conn| {
            let this = this.clone();
            Box::pin(async move { this.handle(conn).await })
        }
    }
}
