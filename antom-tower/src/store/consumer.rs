//! [`EventConsumer`]: a named consumer of the outbox, running its handler
//! on every [`OrderEvent`] at least once, surviving restarts.
//!
//! ```no_run
//! use antom_tower::store::{EventConsumer, MemoryOrderStore, OrderEventKind};
//! use std::sync::Arc;
//!
//! # async fn run() {
//! let store = Arc::new(MemoryOrderStore::new());
//! let shipping = EventConsumer::new(store, "shipping").spawn(|event| async move {
//!     if event.kind == OrderEventKind::Paid {
//!         // Mark the order shipped in your system, idempotently by (order_id, key).
//!         println!("ship order {}", event.order_id);
//!     }
//!     Ok::<(), std::io::Error>(())
//! });
//! // ... on shutdown:
//! shipping.stop().await;
//! # }
//! ```
//!
//! Each event is handled once its handler returns `Ok`, and acknowledged
//! right after; an event whose handler fails is handed back and tried again
//! after a backoff. A process that stops between the handler's `Ok` and the
//! acknowledgement handles that event again after restart (at-least-once):
//! make the handler idempotent on `(order_id, key)`. Several processes may
//! run a consumer of the same name: each event goes to one of them at a time
//! (leases), and to another only once the first's lease ran out.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{now_ms, EventClaim, OrderEvent, OrderStore};
use crate::error::BoxError;

/// A named outbox consumer; [`spawn`](Self::spawn) runs it.
pub struct EventConsumer {
    store: Arc<dyn OrderStore>,
    name: String,
    batch: usize,
    lease: Duration,
    idle_poll: Duration,
    retry_after: Duration,
}

impl EventConsumer {
    /// A consumer called `name` (1 to 100 letters, digits, `-`, `_`, `.`, `:`)
    /// of `store`'s events: batches of 100, a lease of 60 s, polled every
    /// 250 ms when idle, a failed event retried after 5 s.
    pub fn new(store: Arc<dyn OrderStore>, name: impl Into<String>) -> EventConsumer {
        EventConsumer {
            store,
            name: name.into(),
            batch: 100,
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_millis(250),
            retry_after: Duration::from_secs(5),
        }
    }

    /// Events claimed at a time (default 100).
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// How long a claimed batch is this instance's (default 60 s): longer
    /// than handling a batch takes. After a crash, other instances get the
    /// batch once the lease ran out.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How often an idle consumer looks for new events (default 250 ms).
    pub fn idle_poll(mut self, every: Duration) -> Self {
        self.idle_poll = every;
        self
    }

    /// How long a failed event waits before it is tried again (default 5 s).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = after;
        self
    }

    /// Claims one batch and handles it; answers how many events were
    /// handled and acknowledged. For tests and for running the loop yourself.
    pub async fn run_once<F, Fut, E>(&self, handler: &F) -> Result<usize, super::StoreError>
    where
        F: Fn(OrderEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Into<BoxError>,
    {
        let now = now_ms();
        let claim = EventClaim {
            consumer: self.name.clone(),
            limit: self.batch,
            now_ms: now,
            lease_until_ms: now.saturating_add(millis(self.lease)),
        };
        let events = self.store.claim_events(&claim).await?;
        let oldest = events.iter().map(|e| e.at_ms).min().unwrap_or(now);
        crate::telemetry::outbox_lag(&self.name, (now - oldest).max(0) as f64 / 1000.0);
        let mut done = Vec::with_capacity(events.len());
        let mut failed = Vec::new();
        for event in events {
            let seq = event.seq;
            match handler(event).await {
                Ok(()) => done.push(seq),
                Err(e) => {
                    let e: BoxError = e.into();
                    tracing::warn!(consumer = %self.name, seq, error = %e, "order event handler failed; will retry");
                    failed.push(seq);
                }
            }
        }
        self.store.ack_events(&self.name, &done).await?;
        if !failed.is_empty() {
            let retry_at = now_ms().saturating_add(millis(self.retry_after));
            self.store.retry_events(&self.name, &failed, retry_at).await?;
        }
        Ok(done.len())
    }

    /// Runs the consumer on a tokio task until [`ConsumerHandle::stop`].
    /// Store failures are logged and retried: the consumer recovers by
    /// itself when the store does.
    pub fn spawn<F, Fut, E>(self, handler: F) -> ConsumerHandle
    where
        F: Fn(OrderEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let wait = match self.run_once(&handler).await {
                    Ok(n) if n >= self.batch => Duration::ZERO,
                    Ok(_) => self.idle_poll,
                    Err(e) => {
                        tracing::warn!(consumer = %self.name, error = %e, "order event consumer: store failed; retrying");
                        self.idle_poll.max(Duration::from_secs(1))
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopped.changed() => break,
                }
                if *stopped.borrow() {
                    break;
                }
            }
        });
        ConsumerHandle { stop, task }
    }
}

/// A running [`EventConsumer`].
pub struct ConsumerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ConsumerHandle {
    /// Stops after the batch in hand is handled and acknowledged.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Stops at once, abandoning the batch in hand (its events are handled
    /// again once their lease runs out): what a crash does.
    pub fn abort(self) {
        self.task.abort();
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
