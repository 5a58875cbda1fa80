//! Faults injected into any store: [`FaultyStore`] fails every write while it
//! is switched off, as a database that went away would, and recovers the
//! moment it is switched back on.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use antom_tower::store::{
    ApplyOutcome, IdempotencyClaim, IdempotencyRecord, IdempotentResponse, InquiryClaim, NewIdempotencyKey, NewOrder,
    Order, OrderStore, PaymentResult, RefundResult, StateChange, StoreError,
};
use async_trait::async_trait;

/// Wraps a store; while [`FaultyStore::set_down`] is on, every write (and the
/// readiness check) answers [`StoreError::Unavailable`] without reaching the
/// inner store. Reads always go through.
pub struct FaultyStore<S> {
    inner: S,
    down: AtomicBool,
    refused: AtomicU64,
}

impl<S: OrderStore> FaultyStore<S> {
    /// `inner`, up.
    pub fn new(inner: S) -> Self {
        FaultyStore {
            inner,
            down: AtomicBool::new(false),
            refused: AtomicU64::new(0),
        }
    }

    /// Takes the store down (`true`) or brings it back (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// How many writes were refused while down.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::unavailable("injected fault: the store is down"));
        }
        Ok(())
    }
}

#[async_trait]
impl<S: OrderStore> OrderStore for FaultyStore<S> {
    async fn create_order(&self, order: NewOrder) -> Result<Order, StoreError> {
        self.check()?;
        self.inner.create_order(order).await
    }
    async fn get_order(&self, order_id: &str) -> Result<Option<Order>, StoreError> {
        self.inner.get_order(order_id).await
    }
    async fn get_by_payment_request_id(&self, id: &str) -> Result<Option<Order>, StoreError> {
        self.inner.get_by_payment_request_id(id).await
    }
    async fn mark_pending(&self, order_id: &str) -> Result<ApplyOutcome, StoreError> {
        self.check()?;
        self.inner.mark_pending(order_id).await
    }
    async fn apply_payment_result(&self, result: &PaymentResult) -> Result<ApplyOutcome, StoreError> {
        self.check()?;
        self.inner.apply_payment_result(result).await
    }
    async fn apply_refund_result(&self, result: &RefundResult) -> Result<ApplyOutcome, StoreError> {
        self.check()?;
        self.inner.apply_refund_result(result).await
    }
    async fn list_pending(&self, limit: usize) -> Result<Vec<Order>, StoreError> {
        self.inner.list_pending(limit).await
    }
    async fn claim_for_inquiry(&self, claim: &InquiryClaim) -> Result<Vec<Order>, StoreError> {
        self.check()?;
        self.inner.claim_for_inquiry(claim).await
    }
    async fn release_inquiry_claims(&self, ids: &[String], lease_until_ms: i64) -> Result<(), StoreError> {
        self.check()?;
        self.inner.release_inquiry_claims(ids, lease_until_ms).await
    }
    async fn check_writable(&self) -> Result<(), StoreError> {
        self.check()?;
        self.inner.check_writable().await
    }
    async fn state_changes(&self, order_id: &str) -> Result<Vec<StateChange>, StoreError> {
        self.inner.state_changes(order_id).await
    }
    async fn claim_idempotency_key(&self, new: &NewIdempotencyKey) -> Result<IdempotencyClaim, StoreError> {
        self.check()?;
        self.inner.claim_idempotency_key(new).await
    }
    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.inner.idempotency_record(key).await
    }
    async fn record_idempotent_response(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError> {
        self.check()?;
        self.inner.record_idempotent_response(key, response).await
    }
    async fn release_idempotency_key(&self, key: &str, order_id: &str) -> Result<(), StoreError> {
        self.check()?;
        self.inner.release_idempotency_key(key, order_id).await
    }
    async fn purge_idempotency_keys(&self, created_before_ms: i64) -> Result<u64, StoreError> {
        self.check()?;
        self.inner.purge_idempotency_keys(created_before_ms).await
    }
}
