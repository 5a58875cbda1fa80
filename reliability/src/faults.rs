//! Faults injected into any store: [`FaultyStore`] fails every write while it
//! is switched off, as a database that went away would, and recovers the
//! moment it is switched back on.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use antom_testkit::intercept::{Intercept, InterceptStore, StoreOp};
use antom_tower::store::{OrderStore, StoreError};
use async_trait::async_trait;

/// A store whose writes (every write method, and the readiness check) fail
/// with [`StoreError::Unavailable`] without reaching the inner store while
/// its [`Outage`] is on. Reads always go through. Made by [`faulty`].
pub type FaultyStore<S> = InterceptStore<S, Outage>;

/// `inner`, up; switch it with `store.hook().set_down(..)`.
pub fn faulty<S: OrderStore>(inner: S) -> FaultyStore<S> {
    InterceptStore::new(inner, Outage::default())
}

/// The switch of a [`FaultyStore`].
#[derive(Debug, Default)]
pub struct Outage {
    down: AtomicBool,
    refused: AtomicU64,
}

impl Outage {
    /// Takes the store down (`true`) or brings it back (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// How many writes were refused while down.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Intercept for Outage {
    async fn before(&self, op: &StoreOp<'_>) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::unavailable(format!(
                "injected fault: the store is down ({})",
                op.name()
            )));
        }
        Ok(())
    }
}
