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
    use antom_testkit::intercept::{Intercept, InterceptStore};
    use antom_tower::store::{Effect, PaymentResult};

    /// Forgets the amount check: applies payment results whatever their
    /// amount, by rewriting it to the order's.
    struct NoAmountCheck(Arc<MemoryOrderStore>);

    #[async_trait::async_trait]
    impl Intercept for NoAmountCheck {
        async fn rewrite_effect(&self, effect: &Effect) -> Option<Effect> {
            let Effect::Payment(result) = effect else { return None };
            let order = self
                .0
                .get_by_payment_request_id(&result.payment_request_id)
                .await
                .ok()??;
            Some(Effect::Payment(PaymentResult {
                amount: order.amount,
                ..result.clone()
            }))
        }
    }

    let memory = Arc::new(MemoryOrderStore::new());
    let failure = tokio::spawn(run_check(
        "amount_mismatch_refused",
        InterceptStore::new(memory.clone(), NoAmountCheck(memory)),
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
