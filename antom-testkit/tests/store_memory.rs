//! The memory store passes the conformance suite, also behind `Arc` and
//! `Box<dyn OrderStore>`.

use std::sync::Arc;

use antom_testkit::store_conformance::{run_all, run_check, CHECK_NAMES};
use antom_tower::store::{MemoryOrderStore, OrderStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_conformance() {
    run_all(|| async { MemoryOrderStore::new() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn boxed_dyn_store_passes_conformance() {
    run_all(|| async { Box::new(MemoryOrderStore::new()) as Box<dyn OrderStore> }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arc_store_passes_conformance() {
    run_all(|| async { Arc::new(MemoryOrderStore::new()) }).await;
}

#[tokio::test(flavor = "current_thread")]
async fn every_check_runs_by_name_on_one_thread() {
    assert!(CHECK_NAMES.len() >= 20, "{CHECK_NAMES:?}");
    for name in CHECK_NAMES {
        run_check(name, MemoryOrderStore::new()).await;
    }
}

/// A store that breaks the contract is caught, and the failure names the check.
#[tokio::test]
async fn a_broken_store_fails_with_the_check_name() {
    use antom_tower::store::{
        ApplyOutcome, IdempotencyClaim, IdempotencyRecord, IdempotentResponse, InquiryClaim, NewIdempotencyKey,
        NewOrder, Order, PaymentResult, RefundResult, StateChange, StoreError,
    };

    /// Forgets the amount check: applies results whatever their amount.
    struct NoAmountCheck(MemoryOrderStore);

    #[async_trait::async_trait]
    impl OrderStore for NoAmountCheck {
        async fn create_order(&self, order: NewOrder) -> Result<Order, StoreError> {
            self.0.create_order(order).await
        }
        async fn get_order(&self, id: &str) -> Result<Option<Order>, StoreError> {
            self.0.get_order(id).await
        }
        async fn get_by_payment_request_id(&self, id: &str) -> Result<Option<Order>, StoreError> {
            self.0.get_by_payment_request_id(id).await
        }
        async fn mark_pending(&self, id: &str) -> Result<ApplyOutcome, StoreError> {
            self.0.mark_pending(id).await
        }
        async fn apply_payment_result(&self, result: &PaymentResult) -> Result<ApplyOutcome, StoreError> {
            let mut result = result.clone();
            if let Some(order) = self.0.get_by_payment_request_id(&result.payment_request_id).await? {
                result.amount = order.amount;
            }
            self.0.apply_payment_result(&result).await
        }
        async fn apply_refund_result(&self, result: &RefundResult) -> Result<ApplyOutcome, StoreError> {
            self.0.apply_refund_result(result).await
        }
        async fn list_pending(&self, limit: usize) -> Result<Vec<Order>, StoreError> {
            self.0.list_pending(limit).await
        }
        async fn claim_for_inquiry(&self, claim: &InquiryClaim) -> Result<Vec<Order>, StoreError> {
            self.0.claim_for_inquiry(claim).await
        }
        async fn release_inquiry_claims(&self, ids: &[String], lease_until_ms: i64) -> Result<(), StoreError> {
            self.0.release_inquiry_claims(ids, lease_until_ms).await
        }
        async fn check_writable(&self) -> Result<(), StoreError> {
            self.0.check_writable().await
        }
        async fn state_changes(&self, id: &str) -> Result<Vec<StateChange>, StoreError> {
            self.0.state_changes(id).await
        }
        async fn claim_idempotency_key(&self, new: &NewIdempotencyKey) -> Result<IdempotencyClaim, StoreError> {
            self.0.claim_idempotency_key(new).await
        }
        async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
            self.0.idempotency_record(key).await
        }
        async fn record_idempotent_response(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError> {
            self.0.record_idempotent_response(key, response).await
        }
        async fn release_idempotency_key(&self, key: &str, order_id: &str) -> Result<(), StoreError> {
            self.0.release_idempotency_key(key, order_id).await
        }
        async fn purge_idempotency_keys(&self, before_ms: i64) -> Result<u64, StoreError> {
            self.0.purge_idempotency_keys(before_ms).await
        }
    }

    let failure = tokio::spawn(run_check(
        "amount_mismatch_refused",
        NoAmountCheck(MemoryOrderStore::new()),
    ))
    .await
    .expect_err("the broken store must fail");
    let payload = failure.into_panic();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        message.contains("order store conformance check `amount_mismatch_refused` failed"),
        "{message}"
    );
}
