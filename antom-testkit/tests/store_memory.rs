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

/// The intercepting wrapper forwards everything: with a hook that only
/// watches, the wrapped store passes the whole suite, and the hook saw
/// every kind of write (before and after) and no read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intercepted_store_passes_conformance_and_its_hook_sees_every_write() {
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    use antom_testkit::intercept::{Intercept, InterceptStore, StoreOp};
    use antom_tower::store::StoreError;

    #[derive(Default)]
    struct Watch {
        before: Mutex<BTreeSet<&'static str>>,
        after: Mutex<BTreeSet<&'static str>>,
    }

    #[async_trait::async_trait]
    impl Intercept for Watch {
        async fn before(&self, op: &StoreOp<'_>) -> Result<(), StoreError> {
            self.before.lock().unwrap().insert(op.name());
            Ok(())
        }
        async fn after(&self, op: &StoreOp<'_>) {
            self.after.lock().unwrap().insert(op.name());
        }
    }

    let store = Arc::new(InterceptStore::new(MemoryOrderStore::new(), Watch::default()));
    for name in CHECK_NAMES {
        run_check(name, store.clone()).await;
    }
    let writes: BTreeSet<&str> = [
        "create_order",
        "mark_pending",
        "apply_effect",
        "record_notification",
        "purge_inbox",
        "create_refund",
        "claim_events",
        "ack_events",
        "retry_events",
        "claim_for_inquiry",
        "release_inquiry_claims",
        "check_writable",
        "claim_idempotency_key",
        "record_idempotent_response",
        "release_idempotency_key",
        "purge_idempotency_keys",
    ]
    .into_iter()
    .collect();
    let watch = store.hook();
    assert_eq!(
        *watch.before.lock().unwrap(),
        writes,
        "every write, and only writes, pass the hook"
    );
    assert_eq!(*watch.after.lock().unwrap(), writes);
}

/// A hook that fails writes: nothing reaches the inner store, reads go
/// through, and the error is the hook's.
#[tokio::test]
async fn an_intercepted_write_fails_without_reaching_the_store() {
    use antom_testkit::intercept::{Intercept, InterceptStore, StoreOp};
    use antom_tower::store::{Effect, NewOrder, PaymentOutcome, PaymentResult, ResultSource, StoreError};
    use antom_types::{Amount, Currency};

    /// Refuses payment results, lets everything else through.
    struct NoPayments;

    #[async_trait::async_trait]
    impl Intercept for NoPayments {
        async fn before(&self, op: &StoreOp<'_>) -> Result<(), StoreError> {
            match op.payment_result() {
                Some(result) => Err(StoreError::unavailable(format!(
                    "{} refused for {}",
                    op.name(),
                    result.payment_request_id
                ))),
                None => Ok(()),
            }
        }
    }

    let store = InterceptStore::new(MemoryOrderStore::new(), NoPayments);
    let amount = Amount::new(Currency::new("SGD").unwrap(), 100).unwrap();
    store
        .create_order(NewOrder {
            order_id: "order-1".into(),
            payment_request_id: "pay-1".into(),
            amount,
            description: "d".into(),
            payment_method_type: "CARD".into(),
            buyer_id: None,
            session_expires_at_ms: None,
        })
        .await
        .unwrap();
    let result = PaymentResult {
        payment_request_id: "pay-1".into(),
        payment_id: Some("p".into()),
        amount,
        outcome: PaymentOutcome::Succeeded,
        source: ResultSource::Notification,
        result_code: None,
    };
    let err = store.apply_payment_result(&result).await.unwrap_err();
    assert!(err.to_string().contains("apply_effect refused for pay-1"), "{err}");
    assert!(store
        .apply_effect(&Effect::Payment(result))
        .await
        .unwrap_err()
        .is_transient());
    let order = store.get_order("order-1").await.unwrap().unwrap();
    assert_eq!(order.version, 1, "nothing reached the store");
    assert!(store.inner().state_changes("order-1").await.unwrap().is_empty());
}
