//! Group commit: concurrent notifications share one write transaction, and
//! so one `fsync`, through a single writer task per store.
//!
//! SQLite serializes writers (`BEGIN IMMEDIATE`), and with `synchronous =
//! FULL` every commit waits for the disk: one notification per transaction
//! makes the disk's flush rate the notify route's ceiling. Here callers hand
//! their notification to the store's writer and wait; the writer takes
//! everything queued (up to [`MAX_BATCH`]) into one transaction and answers
//! each caller only after that transaction committed, so an acknowledgement
//! still means "on disk".
//!
//! A failure fails only what it must: if anything in a batch fails (a
//! store error, a lost race), the batch is rolled back and each of its
//! notifications is recorded again in a transaction of its own, so one bad
//! item costs its own answer, not its neighbours'. If the writer task is
//! gone (its runtime shut down), callers record directly.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use crate::store::{Effect, InboundNotification, Recorded, StoreError};

/// The most notifications one transaction takes.
pub(crate) const MAX_BATCH: usize = 128;

/// How many notifications may wait for the writer before callers wait to queue.
const QUEUE: usize = 4 * MAX_BATCH;

/// One caller's notification for the writer: a resend of a settled one is
/// counted, anything else applied and stored.
pub(crate) struct Job {
    /// The notification.
    pub(crate) notification: InboundNotification,
    /// What it does.
    pub(crate) effect: Effect,
    /// Where its answer goes, after the commit.
    pub(crate) reply: oneshot::Sender<Result<Recorded, StoreError>>,
}

/// The handle callers queue their work on; cheap to clone.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Job>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts the writer task on the current runtime. `run_batch` commits a
    /// batch and answers every job in it; it runs on a task of its own, so
    /// a panic in it fails that batch's callers only (their replies are
    /// dropped) and the writer goes on. The task ends when every handle is
    /// dropped.
    pub(crate) fn spawn<F, Fut>(run_batch: F) -> GroupCommit
    where
        F: Fn(Vec<Job>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (queue, mut jobs) = mpsc::channel::<Job>(QUEUE);
        tokio::spawn(async move {
            while let Some(first) = jobs.recv().await {
                let mut batch = Vec::with_capacity(MAX_BATCH.min(jobs.len() + 1));
                batch.push(first);
                while batch.len() < MAX_BATCH {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                if let Err(e) = tokio::spawn(run_batch(batch)).await {
                    tracing::error!(error = %e, "the store's group commit failed a batch");
                }
            }
        });
        GroupCommit { queue }
    }

    /// Queues `job` and waits for its answer. `Err(job)`: the writer is gone
    /// (the runtime it ran on shut down); the caller does the work itself.
    pub(crate) async fn submit(
        &self,
        job: Job,
        reply: oneshot::Receiver<Result<Recorded, StoreError>>,
    ) -> Result<Result<Recorded, StoreError>, Job> {
        self.queue.send(job).await.map_err(|e| e.0)?;
        Ok(reply.await.unwrap_or_else(|_| {
            Err(StoreError::unavailable(
                "the store's writer stopped before answering; the notification may or may not be stored, \
                 a resend is safe",
            ))
        }))
    }
}
