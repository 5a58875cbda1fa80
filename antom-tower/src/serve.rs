//! A hardened HTTP/1 server for the checkout router (or any Tower service).
//!
//! `axum::serve` sets no header read timeout, no idle timeout and no bound on
//! connections: connections that trickle their headers (slow-loris) stay open
//! for ever, and once the process runs out of file descriptors a genuine
//! notification from Antom can no longer be accepted. [`Server`] serves with
//! hyper-util's connection machinery and
//!
//! * a header read timeout (default 10 s): a request whose headers are not
//!   complete by then is cut off;
//! * an idle timeout (default 60 s): a keep-alive connection with no request
//!   in flight for that long is closed;
//! * a bound on open connections (default 512, keep it well under the
//!   process's open-file limit): at the bound, a new connection takes the
//!   place of the connection that has been idle (or still reading its first
//!   headers) the longest, so a flood of slow connections cannot lock a
//!   genuine client out; a connection with a request in flight is never
//!   evicted. When every connection is busy, the new one is refused.
//!
//! ```no_run
//! use std::time::Duration;
//! use antom_tower::serve::Server;
//!
//! # async fn run(app: axum::Router) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
//! Server::new(listener)
//!     .header_read_timeout(Duration::from_secs(5))
//!     .max_connections(1024)
//!     .serve(app)
//!     .await
//! # }
//! ```
//!
//! Behind a reverse proxy, set the same three limits on the proxy (nginx:
//! `client_header_timeout`, `keepalive_timeout`, `worker_connections`).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

use crate::error::BoxError;

/// Default [`Server::header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`Server::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default [`Server::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// An HTTP/1 server with a header read timeout, an idle timeout and a bound
/// on open connections. See the [module docs](self).
pub struct Server<G = std::future::Pending<()>> {
    listener: TcpListener,
    header_read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
    shutdown: G,
}

impl Server {
    /// A server on `listener` with the default limits.
    pub fn new(listener: TcpListener) -> Self {
        Server {
            listener,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown: std::future::pending(),
        }
    }
}

impl<G: Future<Output = ()> + Send> Server<G> {
    /// How long a client may take to send a request's headers (default 10 s).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long a connection may stay open with no request in flight
    /// (default 60 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The most connections open at once (default 512, at least 1).
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Stops accepting when `signal` completes; open connections finish their
    /// request in flight and close.
    pub fn with_graceful_shutdown<F: Future<Output = ()> + Send>(self, signal: F) -> Server<F> {
        Server {
            listener: self.listener,
            header_read_timeout: self.header_read_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
            shutdown: signal,
        }
    }

    /// Serves `service` until the shutdown signal (by default: for ever).
    /// Errors of single connections are logged at `debug` and never end the
    /// server; accept errors (such as running out of file descriptors) are
    /// logged and retried after a short pause.
    pub async fn serve<S, B>(self, service: S) -> std::io::Result<()>
    where
        S: tower::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let registry = Arc::new(Registry::default());
        let reaper = tokio::spawn(reap_idle(registry.clone(), self.idle_timeout));
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .keep_alive(true);
        let shutdown = self.shutdown;
        tokio::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut shutdown => break,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // EMFILE / ENFILE and friends: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            if registry.len() >= self.max_connections && !registry.evict_longest_idle() {
                tracing::warn!(%peer, max = self.max_connections, "every connection is busy: refusing a new one");
                drop(stream);
                continue;
            }
            let tracked = registry.insert();
            let service = TrackedService {
                inner: service.clone(),
                tracked: tracked.clone(),
                peer,
            };
            let connection = http.serve_connection(TokioIo::new(stream), service);
            let registry = registry.clone();
            tokio::spawn(async move {
                tokio::pin!(connection);
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(%peer, error = %e, "connection ended with an error");
                        }
                    }
                    () = tracked.close.notified() => {
                        // Chosen while idle; if a request arrived since, let it finish.
                        if tracked.busy.load(Ordering::Acquire) > 0 {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.as_mut().await;
                        }
                        tracing::debug!(%peer, "closed a connection");
                    }
                }
                registry.remove(tracked.id);
            });
        }
        reaper.abort();
        // Idle connections close now; busy ones after their request in flight.
        for tracked in registry.drain() {
            tracked.close.notify_one();
        }
        Ok(())
    }
}

/// The open connections.
#[derive(Default)]
struct Registry {
    connections: Mutex<HashMap<u64, Arc<Tracked>>>,
    next_id: AtomicU64,
}

/// One open connection, as the server sees it.
struct Tracked {
    id: u64,
    /// Requests in flight.
    busy: AtomicUsize,
    /// Since when no request has been in flight (accepted, or the last response).
    idle_since: Mutex<Instant>,
    close: Notify,
}

impl Tracked {
    fn idle_for(&self, now: Instant) -> Option<Duration> {
        if self.busy.load(Ordering::Acquire) > 0 {
            return None;
        }
        let since = *self.idle_since.lock().unwrap_or_else(|p| p.into_inner());
        Some(now.saturating_duration_since(since))
    }
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Tracked>>> {
        self.connections.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    fn insert(&self) -> Arc<Tracked> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let tracked = Arc::new(Tracked {
            id,
            busy: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
            close: Notify::new(),
        });
        self.lock().insert(id, tracked.clone());
        tracked
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn drain(&self) -> Vec<Arc<Tracked>> {
        self.lock().drain().map(|(_, tracked)| tracked).collect()
    }

    /// Closes the connection idle the longest; `false` when every one is busy.
    fn evict_longest_idle(&self) -> bool {
        let now = Instant::now();
        let mut connections = self.lock();
        let longest = connections
            .values()
            .filter_map(|tracked| tracked.idle_for(now).map(|idle| (idle, tracked.id)))
            .max();
        let Some((_, id)) = longest else {
            return false;
        };
        if let Some(tracked) = connections.remove(&id) {
            tracked.close.notify_one();
        }
        true
    }

    /// Closes the connections idle for longer than `timeout`.
    fn close_idle(&self, timeout: Duration) {
        let now = Instant::now();
        self.lock().retain(|_, tracked| match tracked.idle_for(now) {
            Some(idle) if idle >= timeout => {
                tracked.close.notify_one();
                false
            }
            _ => true,
        });
    }
}

/// Closes idle connections every second (or at the idle timeout, if shorter).
async fn reap_idle(registry: Arc<Registry>, timeout: Duration) {
    let mut ticker = tokio::time::interval(timeout.min(Duration::from_secs(1)).max(Duration::from_millis(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        registry.close_idle(timeout);
    }
}

/// The service of one connection: marks it busy while a request is in flight,
/// and hands the client's address to the request as an extension
/// ([`PeerAddr`], and axum's `ConnectInfo<SocketAddr>` with feature `axum`).
struct TrackedService<S> {
    inner: S,
    tracked: Arc<Tracked>,
    peer: SocketAddr,
}

/// The TCP peer of the connection a request came on, as a request extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

type ResponseFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, B> hyper::service::Service<Request<Incoming>> for TrackedService<S>
where
    S: tower::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<B>;
    type Error = S::Error;
    type Future = ResponseFuture<Response<B>, S::Error>;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(PeerAddr(self.peer));
        #[cfg(feature = "axum")]
        request.extensions_mut().insert(axum::extract::ConnectInfo(self.peer));
        let busy = BusyGuard::new(self.tracked.clone());
        let call = self.inner.clone().oneshot(request);
        Box::pin(async move {
            let response = call.await;
            drop(busy);
            response
        })
    }
}

/// Counts a request in flight until dropped (also when the request is cancelled).
struct BusyGuard(Arc<Tracked>);

impl BusyGuard {
    fn new(tracked: Arc<Tracked>) -> Self {
        tracked.busy.fetch_add(1, Ordering::AcqRel);
        BusyGuard(tracked)
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        *self.0.idle_since.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}
