//! The conformance suite every [`OrderStore`] passes, for the stores of
//! `antom-tower` and for your own.
//!
//! [`run_all`] runs each check against a fresh store from your factory and
//! panics with the name of the first check that fails. Each check is also a
//! public function, to run on its own. The checks use unique ids, so a
//! factory may hand out stores that share one database.
//!
//! Run it inside a Tokio runtime (the concurrency checks spawn tasks); a
//! multi-threaded one makes the races real:
//!
//! ```
//! use antom_tower::store::MemoryOrderStore;
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! antom_testkit::store_conformance::run_all(|| async { MemoryOrderStore::new() }).await;
//! # }
//! ```
//!
//! The checks pin the contract: creating and reading by both ids; duplicate
//! orders refused; the state machine (pending, succeeded, failed, cancelled,
//! expired; duplicates `AlreadyApplied`, stale results `Ignored`,
//! contradictions `IllegalTransition`); amount and currency mismatches
//! refused with nothing changed; unknown ids `NotFound`; `list_pending`
//! contents and order; refunds (partial, full, duplicate refund ids counted
//! once, over-refunds and refunds of unpaid orders refused); and concurrency
//! (50 tasks applying one result, racing success and failure, racing
//! refunds: exactly one state change each time); reconciliation claims
//! (`claim_for_inquiry`: every unsettled order once per sweep, leases,
//! least recently inquired first, concurrent claimers never sharing an
//! order) and `check_writable`; idempotency keys (claimed once, the first
//! answer kept, released, purged, and 50 concurrent claims of one key with
//! exactly one winner).

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use antom_tower::store::{
    ApplyOutcome, IdempotencyClaim, IdempotentResponse, InquiryClaim, NewIdempotencyKey, NewOrder, Order, OrderStatus,
    OrderStore, PaymentOutcome, PaymentResult, RefundOutcome, RefundResult, ResultSource, StoreError,
};
use antom_types::{Amount, Currency};
use tokio::sync::Barrier;

type Check<S> = fn(S) -> Pin<Box<dyn Future<Output = ()> + Send>>;

macro_rules! checks {
    ($($name:ident),* $(,)?) => {
        /// The names of the checks [`run_all`] runs, in order.
        pub const CHECK_NAMES: &[&str] = &[$(stringify!($name)),*];

        fn all_checks<S: OrderStore>() -> Vec<(&'static str, Check<S>)> {
            vec![$((stringify!($name), (|store: S| Box::pin($name(store)) as Pin<Box<dyn Future<Output = ()> + Send>>) as Check<S>)),*]
        }
    };
}

checks!(
    create_and_read_by_both_ids,
    duplicate_order_refused,
    large_and_zero_decimal_amounts_round_trip,
    pending_then_succeeded,
    processing_moves_created_to_pending,
    same_result_twice_is_already_applied,
    processing_after_succeeded_is_ignored,
    succeeded_then_failed_is_illegal,
    failed_then_succeeded_is_illegal,
    amount_mismatch_refused,
    currency_mismatch_refused,
    unknown_ids_not_found,
    expired_and_cancelled_are_final,
    list_pending_contents_and_order,
    refunds_partial_then_full,
    duplicate_refund_id_counted_once,
    over_refund_refused,
    refund_of_unpaid_order_refused,
    refund_currency_mismatch_refused,
    refund_not_succeeded_ignored,
    concurrent_same_success_applied_once,
    concurrent_success_and_failure_one_wins,
    concurrent_mark_pending_applied_once,
    concurrent_refunds_counted_exactly,
    claims_page_through_unsettled_orders_once,
    claims_respect_leases_and_inquiry_order,
    claims_leave_young_orders_and_state_alone,
    released_claims_can_be_claimed_by_a_later_sweep,
    concurrent_claims_never_share_an_order,
    check_writable_on_a_healthy_store,
    idempotency_key_claimed_once_and_replayed,
    idempotency_key_released_and_purged,
    concurrent_idempotency_claims_one_wins,
);

/// Runs every check against a fresh store from `make_store`, one after the
/// other, printing each name to stderr. Panics with
/// `order store conformance check `NAME` failed: ...` on the first failure.
///
/// Must run inside a Tokio runtime.
pub async fn run_all<S, F, Fut>(make_store: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: OrderStore,
{
    for (name, check) in all_checks::<S>() {
        let store = make_store().await;
        run_named(name, check(store)).await;
    }
}

/// Runs one check by name (one of [`CHECK_NAMES`]) against `store`.
/// Panics on an unknown name or when the check fails.
pub async fn run_check<S: OrderStore>(name: &str, store: S) {
    let Some((name, check)) = all_checks::<S>().into_iter().find(|(n, _)| *n == name) else {
        panic!("unknown order store conformance check `{name}`; known: {CHECK_NAMES:?}");
    };
    run_named(name, check(store)).await;
}

async fn run_named(name: &str, check: Pin<Box<dyn Future<Output = ()> + Send>>) {
    eprintln!("order store conformance: {name} ...");
    // A spawned task, so that a panic is caught and reported with the name.
    match tokio::spawn(check).await {
        Ok(()) => eprintln!("order store conformance: {name} ok"),
        Err(error) if error.is_panic() => {
            let message = panic_message(error.into_panic());
            panic!("order store conformance check `{name}` failed: {message}");
        }
        Err(error) => panic!("order store conformance check `{name}` did not finish: {error}"),
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

// ---------------------------------------------------------------------------
// Helpers.

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A prefix unique in this process and, most likely, across processes.
fn unique(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{tag}-{}-{nanos:x}-{n}", std::process::id())
}

fn money(currency: &str, minor_units: u64) -> Amount {
    Amount::new(Currency::new(currency).expect("valid currency"), minor_units).expect("valid amount")
}

fn sgd(minor_units: u64) -> Amount {
    money("SGD", minor_units)
}

fn new_order(tag: &str, amount: Amount) -> NewOrder {
    let id = unique(tag);
    NewOrder {
        order_id: format!("order-{id}"),
        payment_request_id: format!("pay-{id}"),
        amount,
        description: format!("conformance order {tag}"),
        payment_method_type: "ALIPAY_CN".to_owned(),
        buyer_id: Some(format!("buyer-{id}")),
        session_expires_at_ms: None,
    }
}

async fn created<S: OrderStore + ?Sized>(store: &S, tag: &str, amount: Amount) -> Order {
    store
        .create_order(new_order(tag, amount))
        .await
        .unwrap_or_else(|e| panic!("create_order({tag}) failed: {e}"))
}

fn payment(order: &Order, outcome: PaymentOutcome) -> PaymentResult {
    PaymentResult {
        payment_request_id: order.payment_request_id.clone(),
        payment_id: Some(format!("antom-{}", order.payment_request_id)),
        amount: order.amount,
        outcome,
        source: ResultSource::Notification,
        result_code: Some(
            match outcome {
                PaymentOutcome::Succeeded => "SUCCESS",
                PaymentOutcome::Processing => "PAYMENT_IN_PROCESS",
                _ => "ORDER_IS_CLOSED",
            }
            .to_owned(),
        ),
    }
}

fn refund(order: &Order, refund_id: &str, amount: Amount, outcome: RefundOutcome) -> RefundResult {
    RefundResult {
        payment_request_id: Some(order.payment_request_id.clone()),
        refund_id: format!("{refund_id}-{}", order.order_id),
        refund_request_id: Some(format!("refund-request-{refund_id}")),
        amount,
        outcome,
        source: ResultSource::Notification,
        result_code: None,
    }
}

async fn apply<S: OrderStore + ?Sized>(store: &S, result: &PaymentResult) -> ApplyOutcome {
    store
        .apply_payment_result(result)
        .await
        .unwrap_or_else(|e| panic!("apply_payment_result({:?}) failed: {e}", result.outcome))
}

async fn apply_refund<S: OrderStore + ?Sized>(store: &S, result: &RefundResult) -> ApplyOutcome {
    store
        .apply_refund_result(result)
        .await
        .unwrap_or_else(|e| panic!("apply_refund_result({}) failed: {e}", result.refund_id))
}

async fn reread<S: OrderStore + ?Sized>(store: &S, order: &Order) -> Order {
    store
        .get_order(&order.order_id)
        .await
        .expect("get_order failed")
        .unwrap_or_else(|| panic!("order {} vanished", order.order_id))
}

async fn changes<S: OrderStore + ?Sized>(store: &S, order: &Order) -> Vec<(OrderStatus, OrderStatus)> {
    store
        .state_changes(&order.order_id)
        .await
        .expect("state_changes failed")
        .into_iter()
        .map(|c| (c.from, c.to))
        .collect()
}

async fn paid<S: OrderStore + ?Sized>(store: &S, tag: &str, amount: Amount) -> Order {
    let order = created(store, tag, amount).await;
    apply(store, &payment(&order, PaymentOutcome::Succeeded)).await;
    let order = reread(store, &order).await;
    assert_eq!(order.status, OrderStatus::Succeeded);
    order
}

fn applied(from: OrderStatus, to: OrderStatus) -> ApplyOutcome {
    ApplyOutcome::Applied { from, to }
}

// ---------------------------------------------------------------------------
// The checks.

/// A created order reads back equal, by order id and by `paymentRequestId`.
pub async fn create_and_read_by_both_ids<S: OrderStore>(store: S) {
    let new = new_order("read", sgd(4200));
    let order = store.create_order(new.clone()).await.expect("create_order");
    assert_eq!(order.order_id, new.order_id);
    assert_eq!(order.payment_request_id, new.payment_request_id);
    assert_eq!(order.amount, sgd(4200));
    assert_eq!(order.description, new.description);
    assert_eq!(order.payment_method_type, new.payment_method_type);
    assert_eq!(order.buyer_id, new.buyer_id);
    assert_eq!(order.status, OrderStatus::Created);
    assert_eq!(order.payment_id, None);
    assert_eq!(order.refunded, 0);
    assert_eq!(order.version, 1);
    assert!(order.created_at_ms > 0 && order.updated_at_ms >= order.created_at_ms);

    let by_id = store.get_order(&new.order_id).await.expect("get_order");
    assert_eq!(by_id.as_ref(), Some(&order), "get_order returns the created order");
    let by_request = store
        .get_by_payment_request_id(&new.payment_request_id)
        .await
        .expect("get_by_payment_request_id");
    assert_eq!(
        by_request.as_ref(),
        Some(&order),
        "get_by_payment_request_id returns it"
    );
    assert!(
        store
            .state_changes(&new.order_id)
            .await
            .expect("state_changes")
            .is_empty(),
        "creating records no transition"
    );

    // A buyer-less order keeps its None.
    let mut anonymous = new_order("read-anon", money("JPY", 500));
    anonymous.buyer_id = None;
    let stored = store.create_order(anonymous.clone()).await.expect("create_order");
    let read = store.get_order(&anonymous.order_id).await.expect("get_order");
    assert_eq!(read, Some(stored));
    assert_eq!(read.and_then(|o| o.buyer_id), None);
}

/// A second order with the same order id, or the same `paymentRequestId`,
/// is refused with `DuplicateOrder`, and the first is unchanged.
pub async fn duplicate_order_refused<S: OrderStore>(store: S) {
    let first = created(&store, "dup", sgd(100)).await;

    let mut same_order_id = new_order("dup-a", sgd(999));
    same_order_id.order_id = first.order_id.clone();
    let err = store
        .create_order(same_order_id)
        .await
        .expect_err("same order id must be refused");
    assert!(
        matches!(err, StoreError::DuplicateOrder { .. }),
        "same order id: {err:?}"
    );
    assert!(!err.is_transient());

    let mut same_request_id = new_order("dup-b", sgd(999));
    same_request_id.payment_request_id = first.payment_request_id.clone();
    let other_order_id = same_request_id.order_id.clone();
    let err = store
        .create_order(same_request_id)
        .await
        .expect_err("same paymentRequestId must be refused");
    assert!(
        matches!(err, StoreError::DuplicateOrder { .. }),
        "same paymentRequestId: {err:?}"
    );
    assert_eq!(store.get_order(&other_order_id).await.expect("get_order"), None);

    assert_eq!(reread(&store, &first).await, first, "the first order is unchanged");
}

/// The largest Antom amount (16 digits) and zero-decimal and three-decimal
/// currencies round-trip exactly.
pub async fn large_and_zero_decimal_amounts_round_trip<S: OrderStore>(store: S) {
    for amount in [
        sgd(9_999_999_999_999_999),
        money("KRW", 15_000),
        money("BHD", 1_234),
        sgd(1),
    ] {
        let order = created(&store, "amounts", amount).await;
        let read = reread(&store, &order).await;
        assert_eq!(read.amount, amount);
        assert_eq!(read.amount.currency().as_str(), amount.currency().as_str());
        let outcome = apply(&store, &payment(&order, PaymentOutcome::Succeeded)).await;
        assert_eq!(
            outcome,
            applied(OrderStatus::Created, OrderStatus::Succeeded),
            "{amount}"
        );
    }
}

/// `mark_pending`, then a success: two transitions, logged with their
/// sources; `mark_pending` is idempotent and ignored once final.
pub async fn pending_then_succeeded<S: OrderStore>(store: S) {
    let order = created(&store, "pending", sgd(4200)).await;
    let outcome = store.mark_pending(&order.order_id).await.expect("mark_pending");
    assert_eq!(outcome, applied(OrderStatus::Created, OrderStatus::Pending));
    let outcome = store.mark_pending(&order.order_id).await.expect("mark_pending again");
    assert_eq!(
        outcome,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Pending
        }
    );
    let pending = reread(&store, &order).await;
    assert_eq!((pending.status, pending.version), (OrderStatus::Pending, 2));

    let result = payment(&order, PaymentOutcome::Succeeded);
    let outcome = apply(&store, &result).await;
    assert_eq!(outcome, applied(OrderStatus::Pending, OrderStatus::Succeeded));
    let done = reread(&store, &order).await;
    assert_eq!(done.status, OrderStatus::Succeeded);
    assert_eq!(done.payment_id, result.payment_id, "the paymentId is stored");
    assert_eq!(done.version, 3);
    assert_eq!(done.amount, order.amount);
    assert!(done.updated_at_ms >= order.updated_at_ms);

    let outcome = store
        .mark_pending(&order.order_id)
        .await
        .expect("mark_pending after success");
    assert_eq!(
        outcome,
        ApplyOutcome::Ignored {
            status: OrderStatus::Succeeded
        }
    );

    let log = store.state_changes(&order.order_id).await.expect("state_changes");
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        (log[0].from, log[0].to, log[0].source, log[0].version),
        (OrderStatus::Created, OrderStatus::Pending, ResultSource::Api, 2)
    );
    assert_eq!(
        (log[1].from, log[1].to, log[1].source, log[1].version),
        (
            OrderStatus::Pending,
            OrderStatus::Succeeded,
            ResultSource::Notification,
            3
        )
    );
    assert_eq!(log[1].result_code.as_deref(), Some("SUCCESS"));
    assert_eq!(log[1].order_id, order.order_id);
    assert!(log[0].at_ms > 0 && log[1].at_ms >= log[0].at_ms);
    assert_eq!(reread(&store, &order).await, done, "ignored calls change nothing");
}

/// A `Processing` result moves a created order to pending, once.
pub async fn processing_moves_created_to_pending<S: OrderStore>(store: S) {
    let order = created(&store, "processing", sgd(100)).await;
    let mut result = payment(&order, PaymentOutcome::Processing);
    result.source = ResultSource::Inquiry;
    result.payment_id = None;
    assert_eq!(
        apply(&store, &result).await,
        applied(OrderStatus::Created, OrderStatus::Pending)
    );
    assert_eq!(
        apply(&store, &result).await,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Pending
        }
    );
    assert_eq!(reread(&store, &order).await.payment_id, None);
    let log = store.state_changes(&order.order_id).await.expect("state_changes");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].source, ResultSource::Inquiry);
    // The success that follows carries the paymentId.
    let success = payment(&order, PaymentOutcome::Succeeded);
    assert_eq!(
        apply(&store, &success).await,
        applied(OrderStatus::Pending, OrderStatus::Succeeded)
    );
    assert_eq!(reread(&store, &order).await.payment_id, success.payment_id);
}

/// The same result twice (Antom resends, or an inquiry confirms the
/// notification): `AlreadyApplied`, exactly one state change.
pub async fn same_result_twice_is_already_applied<S: OrderStore>(store: S) {
    let order = created(&store, "twice", sgd(4200)).await;
    let result = payment(&order, PaymentOutcome::Succeeded);
    assert_eq!(
        apply(&store, &result).await,
        applied(OrderStatus::Created, OrderStatus::Succeeded)
    );
    let after_first = reread(&store, &order).await;
    let mut inquiry = result.clone();
    inquiry.source = ResultSource::Inquiry;
    for again in [&result, &inquiry, &result] {
        assert_eq!(
            apply(&store, again).await,
            ApplyOutcome::AlreadyApplied {
                status: OrderStatus::Succeeded
            }
        );
    }
    assert_eq!(reread(&store, &order).await, after_first, "nothing changed");
    assert_eq!(
        changes(&store, &order).await,
        vec![(OrderStatus::Created, OrderStatus::Succeeded)],
        "exactly one state change"
    );

    // The same holds for a failure.
    let failed = created(&store, "twice-failed", sgd(4200)).await;
    let result = payment(&failed, PaymentOutcome::Failed);
    assert_eq!(
        apply(&store, &result).await,
        applied(OrderStatus::Created, OrderStatus::Failed)
    );
    assert_eq!(
        apply(&store, &result).await,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Failed
        }
    );
    assert_eq!(changes(&store, &failed).await.len(), 1);
}

/// A `PROCESSING` inquiry answer arriving after the success: `Ignored`.
pub async fn processing_after_succeeded_is_ignored<S: OrderStore>(store: S) {
    let order = paid(&store, "stale", sgd(4200)).await;
    let mut stale = payment(&order, PaymentOutcome::Processing);
    stale.source = ResultSource::Inquiry;
    assert_eq!(
        apply(&store, &stale).await,
        ApplyOutcome::Ignored {
            status: OrderStatus::Succeeded
        }
    );
    assert_eq!(reread(&store, &order).await, order, "nothing changed");
    assert_eq!(changes(&store, &order).await.len(), 1);
}

/// A failure after a success is refused as `IllegalTransition`; the order
/// and its log are unchanged.
pub async fn succeeded_then_failed_is_illegal<S: OrderStore>(store: S) {
    let order = paid(&store, "illegal", sgd(4200)).await;
    for outcome in [
        PaymentOutcome::Failed,
        PaymentOutcome::Cancelled,
        PaymentOutcome::Expired,
    ] {
        let err = store
            .apply_payment_result(&payment(&order, outcome))
            .await
            .expect_err("a contradicting result must be refused");
        assert!(
            matches!(err, StoreError::IllegalTransition { from: OrderStatus::Succeeded, to } if to == outcome_status(outcome)),
            "{outcome:?} after success: {err:?}"
        );
        assert!(!err.is_transient());
    }
    assert_eq!(reread(&store, &order).await, order, "state unchanged");
    assert_eq!(changes(&store, &order).await.len(), 1);
}

fn outcome_status(outcome: PaymentOutcome) -> OrderStatus {
    match outcome {
        PaymentOutcome::Succeeded => OrderStatus::Succeeded,
        PaymentOutcome::Failed => OrderStatus::Failed,
        PaymentOutcome::Cancelled => OrderStatus::Cancelled,
        PaymentOutcome::Expired => OrderStatus::Expired,
        PaymentOutcome::Processing => OrderStatus::Pending,
    }
}

/// A success after a failure is refused too: final is final.
pub async fn failed_then_succeeded_is_illegal<S: OrderStore>(store: S) {
    let order = created(&store, "failed", sgd(4200)).await;
    apply(&store, &payment(&order, PaymentOutcome::Failed)).await;
    let failed = reread(&store, &order).await;
    let err = store
        .apply_payment_result(&payment(&order, PaymentOutcome::Succeeded))
        .await
        .expect_err("success after failure must be refused");
    assert!(
        matches!(
            err,
            StoreError::IllegalTransition {
                from: OrderStatus::Failed,
                to: OrderStatus::Succeeded
            }
        ),
        "{err:?}"
    );
    assert_eq!(reread(&store, &order).await, failed);
    assert_eq!(
        changes(&store, &order).await,
        vec![(OrderStatus::Created, OrderStatus::Failed)]
    );
}

/// A result for another amount is refused with `AmountMismatch` before any
/// state change, whatever its outcome.
pub async fn amount_mismatch_refused<S: OrderStore>(store: S) {
    let order = created(&store, "mismatch", sgd(4200)).await;
    store.mark_pending(&order.order_id).await.expect("mark_pending");
    let pending = reread(&store, &order).await;
    for (value, outcome) in [
        (4199, PaymentOutcome::Succeeded),
        (4201, PaymentOutcome::Succeeded),
        (1, PaymentOutcome::Failed),
        (0, PaymentOutcome::Processing),
    ] {
        let mut result = payment(&order, outcome);
        result.amount = sgd(value);
        let err = store
            .apply_payment_result(&result)
            .await
            .expect_err("another amount must be refused");
        match err {
            StoreError::AmountMismatch { expected, received } => {
                assert_eq!((expected, received), (sgd(4200), sgd(value)));
            }
            other => panic!("amount {value}: expected AmountMismatch, got {other:?}"),
        }
    }
    assert_eq!(reread(&store, &pending).await, pending, "state unchanged");
    assert_eq!(changes(&store, &order).await.len(), 1, "only mark_pending was recorded");
    // The right amount still goes through.
    assert_eq!(
        apply(&store, &payment(&order, PaymentOutcome::Succeeded)).await,
        applied(OrderStatus::Pending, OrderStatus::Succeeded)
    );
    // And a wrong amount after success is still refused, not AlreadyApplied.
    let mut late = payment(&order, PaymentOutcome::Succeeded);
    late.amount = sgd(1);
    assert!(matches!(
        store.apply_payment_result(&late).await,
        Err(StoreError::AmountMismatch { .. })
    ));
}

/// A result in another currency (same digits) is refused with `AmountMismatch`.
pub async fn currency_mismatch_refused<S: OrderStore>(store: S) {
    let order = created(&store, "currency", sgd(4200)).await;
    for currency in ["USD", "MYR", "JPY"] {
        let mut result = payment(&order, PaymentOutcome::Succeeded);
        result.amount = money(currency, 4200);
        let err = store
            .apply_payment_result(&result)
            .await
            .expect_err("another currency must be refused");
        match err {
            StoreError::AmountMismatch { expected, received } => {
                assert_eq!(expected, sgd(4200));
                assert_eq!(received.currency().as_str(), currency);
            }
            other => panic!("{currency}: expected AmountMismatch, got {other:?}"),
        }
    }
    assert_eq!(reread(&store, &order).await, order, "state unchanged");
    assert!(changes(&store, &order).await.is_empty());
}

/// Unknown ids: `None` from the getters, `NotFound` from the writers.
pub async fn unknown_ids_not_found<S: OrderStore>(store: S) {
    let known = created(&store, "known", sgd(100)).await;
    let ghost = new_order("ghost", sgd(100));
    assert_eq!(store.get_order(&ghost.order_id).await.expect("get_order"), None);
    assert_eq!(
        store
            .get_by_payment_request_id(&ghost.payment_request_id)
            .await
            .expect("get_by"),
        None
    );
    // An order id is not a paymentRequestId.
    assert_eq!(
        store.get_by_payment_request_id(&known.order_id).await.expect("get_by"),
        None
    );
    let result = PaymentResult {
        payment_request_id: ghost.payment_request_id.clone(),
        payment_id: None,
        amount: sgd(100),
        outcome: PaymentOutcome::Succeeded,
        source: ResultSource::Notification,
        result_code: None,
    };
    let err = store
        .apply_payment_result(&result)
        .await
        .expect_err("unknown paymentRequestId");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(!err.is_transient());
    let err = store.mark_pending(&ghost.order_id).await.expect_err("unknown order id");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let refund = RefundResult {
        payment_request_id: Some(ghost.payment_request_id.clone()),
        refund_id: "r".into(),
        refund_request_id: None,
        amount: sgd(1),
        outcome: RefundOutcome::Succeeded,
        source: ResultSource::Notification,
        result_code: None,
    };
    let err = store
        .apply_refund_result(&refund)
        .await
        .expect_err("unknown paymentRequestId");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(store
        .state_changes(&ghost.order_id)
        .await
        .expect("state_changes")
        .is_empty());
    assert_eq!(reread(&store, &known).await, known);
}

/// Expired and cancelled are final: a later success is illegal, a duplicate
/// is already applied, a stale processing is ignored.
pub async fn expired_and_cancelled_are_final<S: OrderStore>(store: S) {
    for (outcome, status) in [
        (PaymentOutcome::Expired, OrderStatus::Expired),
        (PaymentOutcome::Cancelled, OrderStatus::Cancelled),
    ] {
        let order = created(&store, "closed", sgd(4200)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        let mut result = payment(&order, outcome);
        result.source = ResultSource::Reconciliation;
        assert_eq!(apply(&store, &result).await, applied(OrderStatus::Pending, status));
        assert_eq!(apply(&store, &result).await, ApplyOutcome::AlreadyApplied { status });
        assert_eq!(
            apply(&store, &payment(&order, PaymentOutcome::Processing)).await,
            ApplyOutcome::Ignored { status }
        );
        let err = store
            .apply_payment_result(&payment(&order, PaymentOutcome::Succeeded))
            .await
            .expect_err("success after close must be refused");
        assert!(
            matches!(err, StoreError::IllegalTransition { from, to: OrderStatus::Succeeded } if from == status),
            "{err:?}"
        );
        let read = reread(&store, &order).await;
        assert_eq!(read.status, status);
        assert!(read.status.is_final());
        let log = store.state_changes(&order.order_id).await.expect("state_changes");
        assert_eq!(log.len(), 2);
        assert_eq!(log[1].source, ResultSource::Reconciliation);
    }
}

/// `list_pending` returns created and pending orders only, oldest first,
/// up to the limit.
pub async fn list_pending_contents_and_order<S: OrderStore>(store: S) {
    let mut orders = Vec::new();
    for i in 0..6 {
        orders.push(created(&store, &format!("list{i}"), sgd(100 + i)).await);
        if i % 2 == 0 {
            // Orders made in one millisecond must still come back in creation order.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }
    store.mark_pending(&orders[1].order_id).await.expect("mark_pending");
    apply(&store, &payment(&orders[2], PaymentOutcome::Succeeded)).await;
    apply(&store, &payment(&orders[3], PaymentOutcome::Failed)).await;
    store.mark_pending(&orders[4].order_id).await.expect("mark_pending");
    apply(&store, &payment(&orders[4], PaymentOutcome::Expired)).await;

    let ids = |list: Vec<Order>| list.into_iter().map(|o| o.order_id).collect::<Vec<_>>();
    let all = store.list_pending(100).await.expect("list_pending");
    for order in &all {
        assert!(!order.status.is_final(), "{} is {}", order.order_id, order.status);
    }
    let expected = vec![
        orders[0].order_id.clone(),
        orders[1].order_id.clone(),
        orders[5].order_id.clone(),
    ];
    let mine: Vec<String> = ids(all).into_iter().filter(|id| expected.contains(id)).collect();
    assert_eq!(mine, expected, "created and pending orders, oldest first");
    let statuses: Vec<OrderStatus> = store
        .list_pending(100)
        .await
        .expect("list_pending")
        .into_iter()
        .filter(|o| expected.contains(&o.order_id))
        .map(|o| o.status)
        .collect();
    assert_eq!(
        statuses,
        vec![OrderStatus::Created, OrderStatus::Pending, OrderStatus::Created]
    );

    assert_eq!(store.list_pending(0).await.expect("list_pending(0)").len(), 0);
    let two = store.list_pending(2).await.expect("list_pending(2)");
    assert_eq!(two.len(), 2, "the limit is honoured");
    let all = store.list_pending(100).await.expect("list_pending");
    assert_eq!(ids(two), ids(all)[..2].to_vec(), "the limit takes the oldest");
}

/// A partial refund, then the rest: `PartiallyRefunded` then `Refunded`,
/// the refunded total in minor units, one logged change per refund.
pub async fn refunds_partial_then_full<S: OrderStore>(store: S) {
    let order = paid(&store, "refund", sgd(1000)).await;
    let first = refund(&order, "r1", sgd(300), RefundOutcome::Succeeded);
    assert_eq!(
        apply_refund(&store, &first).await,
        applied(OrderStatus::Succeeded, OrderStatus::PartiallyRefunded)
    );
    let read = reread(&store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::PartiallyRefunded, 300));
    assert_eq!(read.refunded_amount(), sgd(300));

    let second = refund(&order, "r2", sgd(200), RefundOutcome::Succeeded);
    assert_eq!(
        apply_refund(&store, &second).await,
        applied(OrderStatus::PartiallyRefunded, OrderStatus::PartiallyRefunded)
    );
    assert_eq!(reread(&store, &order).await.refunded, 500);

    let rest = refund(&order, "r3", sgd(500), RefundOutcome::Succeeded);
    assert_eq!(
        apply_refund(&store, &rest).await,
        applied(OrderStatus::PartiallyRefunded, OrderStatus::Refunded)
    );
    let read = reread(&store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::Refunded, 1000));
    assert_eq!(read.payment_id, order.payment_id, "the paymentId survives refunds");
    assert!(read.status.is_final() && read.status.is_paid());

    // A duplicate success notification after the refunds is harmless.
    assert_eq!(
        apply(&store, &payment(&order, PaymentOutcome::Succeeded)).await,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Refunded
        }
    );
    assert!(matches!(
        store
            .apply_payment_result(&payment(&order, PaymentOutcome::Failed))
            .await,
        Err(StoreError::IllegalTransition {
            from: OrderStatus::Refunded,
            ..
        })
    ));

    let log = store.state_changes(&order.order_id).await.expect("state_changes");
    assert_eq!(log.len(), 4, "{log:?}");
    let refunds: Vec<(Option<&str>, Option<u64>)> = log[1..]
        .iter()
        .map(|c| (c.refund_id.as_deref(), c.refund_amount))
        .collect();
    assert_eq!(
        refunds,
        vec![
            (Some(first.refund_id.as_str()), Some(300)),
            (Some(second.refund_id.as_str()), Some(200)),
            (Some(rest.refund_id.as_str()), Some(500)),
        ]
    );
    assert_eq!(log.iter().map(|c| c.version).collect::<Vec<_>>(), vec![2, 3, 4, 5]);

    // A single full refund goes straight to Refunded.
    let order = paid(&store, "refund-full", sgd(1000)).await;
    assert_eq!(
        apply_refund(&store, &refund(&order, "all", sgd(1000), RefundOutcome::Succeeded)).await,
        applied(OrderStatus::Succeeded, OrderStatus::Refunded)
    );
}

/// The same refund id twice is counted once (`AlreadyApplied`); the same id
/// with another amount is refused.
pub async fn duplicate_refund_id_counted_once<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-dup", sgd(1000)).await;
    let result = refund(&order, "r1", sgd(400), RefundOutcome::Succeeded);
    assert_eq!(
        apply_refund(&store, &result).await,
        applied(OrderStatus::Succeeded, OrderStatus::PartiallyRefunded)
    );
    let mut inquiry = result.clone();
    inquiry.source = ResultSource::Inquiry;
    for again in [&result, &inquiry] {
        assert_eq!(
            apply_refund(&store, again).await,
            ApplyOutcome::AlreadyApplied {
                status: OrderStatus::PartiallyRefunded
            }
        );
    }
    let mut changed = result.clone();
    changed.amount = sgd(500);
    assert!(
        matches!(
            store.apply_refund_result(&changed).await,
            Err(StoreError::AmountMismatch { .. })
        ),
        "a known refund id with another amount is refused"
    );
    let read = reread(&store, &order).await;
    assert_eq!(read.refunded, 400, "counted once");
    assert_eq!(read.version, 3);
    assert_eq!(changes(&store, &order).await.len(), 2);
}

/// A refund past the order's amount is refused with `RefundExceedsOrder`
/// and changes nothing; what fits still applies.
pub async fn over_refund_refused<S: OrderStore>(store: S) {
    let order = paid(&store, "over", sgd(1000)).await;
    let err = store
        .apply_refund_result(&refund(&order, "too-much", sgd(1001), RefundOutcome::Succeeded))
        .await
        .expect_err("refunding more than paid must be refused");
    assert!(
        matches!(err, StoreError::RefundExceedsOrder { refunded: 0, .. }),
        "{err:?}"
    );
    assert!(!err.is_transient());
    assert_eq!(reread(&store, &order).await, order);

    apply_refund(&store, &refund(&order, "r1", sgd(600), RefundOutcome::Succeeded)).await;
    let err = store
        .apply_refund_result(&refund(&order, "r2", sgd(401), RefundOutcome::Succeeded))
        .await
        .expect_err("the total must not exceed the order");
    assert!(
        matches!(err, StoreError::RefundExceedsOrder { refunded: 600, .. }),
        "{err:?}"
    );
    assert_eq!(reread(&store, &order).await.refunded, 600);
    apply_refund(&store, &refund(&order, "r2", sgd(400), RefundOutcome::Succeeded)).await;
    let err = store
        .apply_refund_result(&refund(&order, "r3", sgd(1), RefundOutcome::Succeeded))
        .await
        .expect_err("nothing is left to refund");
    assert!(
        matches!(err, StoreError::RefundExceedsOrder { refunded: 1000, .. }),
        "{err:?}"
    );
    let read = reread(&store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::Refunded, 1000));
    assert_eq!(changes(&store, &order).await.len(), 3);
}

/// Refunding an order that was never paid is an `IllegalTransition`.
pub async fn refund_of_unpaid_order_refused<S: OrderStore>(store: S) {
    let created_order = created(&store, "unpaid", sgd(1000)).await;
    let failed = created(&store, "unpaid-failed", sgd(1000)).await;
    apply(&store, &payment(&failed, PaymentOutcome::Failed)).await;
    for (order, from) in [(&created_order, OrderStatus::Created), (&failed, OrderStatus::Failed)] {
        let before = reread(&store, order).await;
        let err = store
            .apply_refund_result(&refund(order, "r1", sgd(100), RefundOutcome::Succeeded))
            .await
            .expect_err("an unpaid order cannot be refunded");
        assert!(
            matches!(err, StoreError::IllegalTransition { from: f, to: OrderStatus::PartiallyRefunded } if f == from),
            "{err:?}"
        );
        assert_eq!(reread(&store, order).await, before);
    }
}

/// A refund in another currency is refused with `AmountMismatch`.
pub async fn refund_currency_mismatch_refused<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-currency", sgd(1000)).await;
    let err = store
        .apply_refund_result(&refund(&order, "r1", money("USD", 100), RefundOutcome::Succeeded))
        .await
        .expect_err("a refund in another currency must be refused");
    assert!(matches!(err, StoreError::AmountMismatch { .. }), "{err:?}");
    assert_eq!(reread(&store, &order).await, order);
}

/// Failed and processing refunds change nothing (`Ignored`) and do not use
/// up their refund id.
pub async fn refund_not_succeeded_ignored<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-fail", sgd(1000)).await;
    for outcome in [RefundOutcome::Processing, RefundOutcome::Failed] {
        assert_eq!(
            apply_refund(&store, &refund(&order, "r1", sgd(100), outcome)).await,
            ApplyOutcome::Ignored {
                status: OrderStatus::Succeeded
            }
        );
    }
    assert_eq!(reread(&store, &order).await, order);
    // The same refund id succeeding later counts.
    assert_eq!(
        apply_refund(&store, &refund(&order, "r1", sgd(100), RefundOutcome::Succeeded)).await,
        applied(OrderStatus::Succeeded, OrderStatus::PartiallyRefunded)
    );
    assert_eq!(reread(&store, &order).await.refunded, 100);
}

/// 50 tasks apply the same success at once: exactly one `Applied`, 49
/// `AlreadyApplied`, one state change.
pub async fn concurrent_same_success_applied_once<S: OrderStore>(store: S) {
    const TASKS: usize = 50;
    let store = Arc::new(store);
    let order = created(&*store, "race-same", sgd(4200)).await;
    let result = payment(&order, PaymentOutcome::Succeeded);
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (store, result, barrier) = (store.clone(), result.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.apply_payment_result(&result).await
        }));
    }
    let (mut applied_count, mut already) = (0, 0);
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(ApplyOutcome::Applied { from, to }) => {
                assert_eq!((from, to), (OrderStatus::Created, OrderStatus::Succeeded));
                applied_count += 1;
            }
            Ok(ApplyOutcome::AlreadyApplied {
                status: OrderStatus::Succeeded,
            }) => already += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((applied_count, already), (1, TASKS - 1), "exactly one Applied");
    assert_eq!(
        changes(&*store, &order).await,
        vec![(OrderStatus::Created, OrderStatus::Succeeded)],
        "exactly one state change"
    );
    let read = reread(&*store, &order).await;
    assert_eq!((read.status, read.version), (OrderStatus::Succeeded, 2));
}

/// Successes and failures for one order race: exactly one wins; the same
/// kind answers `AlreadyApplied`, the other kind `IllegalTransition`; one
/// state change. Repeated over several orders.
pub async fn concurrent_success_and_failure_one_wins<S: OrderStore>(store: S) {
    const ROUNDS: usize = 5;
    const PER_KIND: usize = 10;
    let store = Arc::new(store);
    for round in 0..ROUNDS {
        let order = created(&*store, &format!("race-conflict{round}"), sgd(4200)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        let barrier = Arc::new(Barrier::new(2 * PER_KIND));
        let mut tasks = Vec::new();
        for i in 0..2 * PER_KIND {
            // Interleave the kinds so neither always starts first.
            let outcome = if (i + round) % 2 == 0 {
                PaymentOutcome::Succeeded
            } else {
                PaymentOutcome::Failed
            };
            let (store, result, barrier) = (store.clone(), payment(&order, outcome), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                (outcome, store.apply_payment_result(&result).await)
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task panicked"));
        }
        let winners: Vec<OrderStatus> = results
            .iter()
            .filter_map(|(_, r)| match r {
                Ok(ApplyOutcome::Applied { to, .. }) => Some(*to),
                _ => None,
            })
            .collect();
        assert_eq!(winners.len(), 1, "exactly one result wins: {results:?}");
        let winner = winners[0];
        for (outcome, result) in &results {
            let same_kind = outcome_status(*outcome) == winner;
            match result {
                Ok(ApplyOutcome::Applied { .. }) => assert!(same_kind),
                Ok(ApplyOutcome::AlreadyApplied { status }) => assert!(same_kind && *status == winner),
                Err(StoreError::IllegalTransition { from, to }) => {
                    assert!(!same_kind, "{outcome:?} refused though it matches the winner");
                    assert_eq!((*from, *to), (winner, outcome_status(*outcome)));
                }
                other => panic!("unexpected outcome for {outcome:?}: {other:?}"),
            }
        }
        assert_eq!(
            changes(&*store, &order).await,
            vec![
                (OrderStatus::Created, OrderStatus::Pending),
                (OrderStatus::Pending, winner)
            ],
            "exactly one payment state change"
        );
        assert_eq!(reread(&*store, &order).await.status, winner);
    }
}

/// 20 tasks mark one order pending at once: one `Applied`, one state change.
pub async fn concurrent_mark_pending_applied_once<S: OrderStore>(store: S) {
    const TASKS: usize = 20;
    let store = Arc::new(store);
    let order = created(&*store, "race-pending", sgd(4200)).await;
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (store, id, barrier) = (store.clone(), order.order_id.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.mark_pending(&id).await
        }));
    }
    let mut applied_count = 0;
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(ApplyOutcome::Applied { .. }) => applied_count += 1,
            Ok(ApplyOutcome::AlreadyApplied {
                status: OrderStatus::Pending,
            }) => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(applied_count, 1);
    assert_eq!(
        changes(&*store, &order).await,
        vec![(OrderStatus::Created, OrderStatus::Pending)]
    );
}

/// Racing refunds: 30 distinct refunds of 50 on an order of 1000 (room for
/// 20), each sent twice at once. Exactly 20 refund ids count, once each;
/// the others are `RefundExceedsOrder`; the total is exactly 1000.
pub async fn concurrent_refunds_counted_exactly<S: OrderStore>(store: S) {
    const REFUNDS: usize = 30;
    let store = Arc::new(store);
    let order = paid(&*store, "race-refund", sgd(1000)).await;
    let barrier = Arc::new(Barrier::new(2 * REFUNDS));
    let mut tasks = Vec::new();
    for i in 0..REFUNDS {
        let result = refund(&order, &format!("r{i}"), sgd(50), RefundOutcome::Succeeded);
        for _ in 0..2 {
            let (store, result, barrier) = (store.clone(), result.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                (result.refund_id.clone(), store.apply_refund_result(&result).await)
            }));
        }
    }
    let mut counted = std::collections::HashMap::<String, usize>::new();
    let mut exceeded = 0;
    for task in tasks {
        let (refund_id, result) = task.await.expect("task panicked");
        match result {
            Ok(ApplyOutcome::Applied { .. }) => *counted.entry(refund_id).or_default() += 1,
            Ok(ApplyOutcome::AlreadyApplied { .. }) => {}
            Err(StoreError::RefundExceedsOrder { .. }) => exceeded += 1,
            other => panic!("unexpected outcome for {refund_id}: {other:?}"),
        }
    }
    assert_eq!(counted.len(), 20, "exactly 20 refund ids fit: {counted:?}");
    assert!(
        counted.values().all(|&n| n == 1),
        "each refund id counted once: {counted:?}"
    );
    assert!(
        exceeded >= 10,
        "the 10 refunds that do not fit are refused ({exceeded} refusals)"
    );
    let read = reread(&*store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::Refunded, 1000));
    let log = store.state_changes(&order.order_id).await.expect("state_changes");
    assert_eq!(log.len(), 21, "the payment plus 20 refunds");
    let logged: u64 = log.iter().filter_map(|c| c.refund_amount).sum();
    assert_eq!(logged, 1000);
}

// ---------------------------------------------------------------------------
// Reconciliation claims. The checks filter what a claim returns to their own
// orders, so a database shared with other checks does not disturb them.

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A claim at `now` for a sweep that started at `now`, taking orders created
/// up to an hour ahead, leased for a minute.
fn sweep_claim(limit: usize, now: i64) -> InquiryClaim {
    InquiryClaim {
        limit,
        now_ms: now,
        created_before_ms: now + 3_600_000,
        inquired_before_ms: now,
        lease_until_ms: now + 60_000,
    }
}

/// Claims with `claim` until a claim comes back empty; the orders whose id
/// starts with `prefix`, in the order claimed.
async fn claim_all<S: OrderStore + ?Sized>(store: &S, claim: InquiryClaim, prefix: &str) -> Vec<Order> {
    let mut mine = Vec::new();
    for _ in 0..10_000 {
        let batch = store.claim_for_inquiry(&claim).await.expect("claim_for_inquiry failed");
        assert!(batch.len() <= claim.limit, "a claim returned more than its limit");
        if batch.is_empty() {
            return mine;
        }
        mine.extend(batch.into_iter().filter(|o| o.order_id.starts_with(prefix)));
    }
    panic!("claims never ran dry: the same orders are claimed again within one sweep");
}

/// A sweep (claims of 3 until none is left) gets every created or pending
/// order exactly once, and no final one; a further claim in the same sweep
/// gets none of them.
pub async fn claims_page_through_unsettled_orders_once<S: OrderStore>(store: S) {
    let tag = unique("claims-page");
    let mut unsettled = Vec::new();
    for i in 0..7 {
        let order = created(&store, &format!("{tag}-pending-{i}"), sgd(100 + i)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        unsettled.push(order.order_id);
    }
    for i in 0..3 {
        unsettled.push(
            created(&store, &format!("{tag}-created-{i}"), sgd(200 + i))
                .await
                .order_id,
        );
    }
    paid(&store, &format!("{tag}-paid"), sgd(300)).await;
    let failed = created(&store, &format!("{tag}-failed"), sgd(400)).await;
    apply(&store, &payment(&failed, PaymentOutcome::Failed)).await;

    let prefix = format!("order-{tag}");
    let now = now_ms() + 1;
    let claimed = claim_all(&store, sweep_claim(3, now), &prefix).await;
    let mut ids: Vec<String> = claimed.iter().map(|o| o.order_id.clone()).collect();
    ids.sort();
    unsettled.sort();
    assert_eq!(
        ids, unsettled,
        "every unsettled order claimed exactly once, no final one"
    );
    for order in &claimed {
        assert_eq!(
            order.last_inquiry_at_ms,
            Some(now),
            "claimed orders carry the claim time"
        );
        assert_eq!(reread(&store, order).await.last_inquiry_at_ms, Some(now), "and keep it");
    }
    assert!(
        claim_all(&store, sweep_claim(100, now + 1), &prefix).await.is_empty(),
        "the same sweep claims nothing twice"
    );
}

/// A leased order is not claimed again before its lease ran out, even by a
/// later sweep; once it has, the least recently inquired order comes first
/// (never inquired before all), then the oldest.
pub async fn claims_respect_leases_and_inquiry_order<S: OrderStore>(store: S) {
    let tag = unique("claims-lease");
    let prefix = format!("order-{tag}");
    let mut first = Vec::new();
    for name in ["a", "b", "c"] {
        let order = created(&store, &format!("{tag}-{name}"), sgd(100)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        first.push(order.order_id);
    }
    let t1 = now_ms() + 1;
    assert_eq!(claim_all(&store, sweep_claim(100, t1), &prefix).await.len(), 3);

    // A later sweep while the lease (one minute) holds: nothing of ours.
    let t2 = t1 + 1_000;
    assert!(
        claim_all(&store, sweep_claim(100, t2), &prefix).await.is_empty(),
        "leased orders are not claimed"
    );

    let newcomer = created(&store, &format!("{tag}-d"), sgd(100)).await;
    // After the lease: one at a time, in inquiry order.
    let t3 = t1 + 61_000;
    let order: Vec<String> = claim_all(&store, sweep_claim(1, t3), &prefix)
        .await
        .into_iter()
        .map(|o| o.order_id)
        .collect();
    let mut expected = vec![newcomer.order_id];
    expected.extend(first);
    assert_eq!(
        order, expected,
        "never inquired first, then least recently inquired, oldest first"
    );
}

/// `release_inquiry_claims` ends this claim's lease (and only this claim's):
/// a later sweep then gets the orders at once.
pub async fn released_claims_can_be_claimed_by_a_later_sweep<S: OrderStore>(store: S) {
    let tag = unique("claims-release");
    let prefix = format!("order-{tag}");
    let order = created(&store, &tag, sgd(100)).await;
    let t1 = now_ms() + 1;
    let claim = sweep_claim(100, t1);
    assert_eq!(claim_all(&store, claim, &prefix).await.len(), 1);
    let ids = vec![order.order_id.clone()];
    store
        .release_inquiry_claims(&ids, claim.lease_until_ms + 1)
        .await
        .expect("release_inquiry_claims");
    assert!(
        claim_all(&store, sweep_claim(100, t1 + 10), &prefix).await.is_empty(),
        "another claim's lease is not released"
    );
    store
        .release_inquiry_claims(&ids, claim.lease_until_ms)
        .await
        .expect("release_inquiry_claims");
    let again = claim_all(&store, sweep_claim(100, t1 + 20), &prefix).await;
    assert_eq!(again.len(), 1, "released: the next sweep claims it");
    assert_eq!(again[0].last_inquiry_at_ms, Some(t1 + 20));
    store
        .release_inquiry_claims(&[], 0)
        .await
        .expect("releasing nothing is fine");
}

/// Orders younger than `created_before_ms` are not claimed; claiming changes
/// neither status nor version nor the state change log.
pub async fn claims_leave_young_orders_and_state_alone<S: OrderStore>(store: S) {
    let tag = unique("claims-young");
    let prefix = format!("order-{tag}");
    let order = created(&store, &tag, sgd(100)).await;
    store.mark_pending(&order.order_id).await.expect("mark_pending");
    let before = reread(&store, &order).await;
    let now = now_ms() + 1;
    let young = InquiryClaim {
        created_before_ms: before.created_at_ms - 1,
        ..sweep_claim(100, now)
    };
    assert!(
        claim_all(&store, young, &prefix).await.is_empty(),
        "an order younger than the cut-off is left alone"
    );
    let claimed = claim_all(&store, sweep_claim(100, now), &prefix).await;
    assert_eq!(claimed.len(), 1);
    let after = reread(&store, &order).await;
    assert_eq!(
        (after.status, after.version, after.updated_at_ms),
        (before.status, before.version, before.updated_at_ms),
        "a claim is not a state change"
    );
    assert_eq!(changes(&store, &order).await, changes(&store, &before).await);
    assert_eq!(changes(&store, &order).await.len(), 1, "created -> pending only");
}

/// Eight claimers sweeping at once, two orders a claim: each order goes to
/// exactly one of them.
pub async fn concurrent_claims_never_share_an_order<S: OrderStore>(store: S) {
    let tag = unique("claims-race");
    let prefix = format!("order-{tag}");
    let mut ids = Vec::new();
    for i in 0..20 {
        let order = created(&store, &format!("{tag}-{i}"), sgd(100 + i)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        ids.push(order.order_id);
    }
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(8));
    let now = now_ms() + 1;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, barrier, prefix) = (store.clone(), barrier.clone(), prefix.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                claim_all(&*store, sweep_claim(2, now), &prefix).await
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.expect("claimer panicked").into_iter().map(|o| o.order_id));
    }
    claimed.sort();
    ids.sort();
    assert_eq!(claimed, ids, "every order claimed once across all claimers");
}

/// `check_writable` answers `Ok` on a store that takes writes.
pub async fn check_writable_on_a_healthy_store<S: OrderStore>(store: S) {
    store.check_writable().await.expect("a healthy store is writable");
    store.check_writable().await.expect("and stays so on a second check");
}
fn idempotency_key(tag: &str) -> NewIdempotencyKey {
    let id = unique(tag);
    NewIdempotencyKey {
        key: format!("key-{id}"),
        fingerprint: format!("fingerprint-{id}"),
        order_id: format!("order-{id}"),
    }
}

/// A key is claimed once; later claims see the first record; the first
/// recorded answer stays; unknown keys are `NotFound` / `None`.
pub async fn idempotency_key_claimed_once_and_replayed<S: OrderStore>(store: S) {
    let new = idempotency_key("idem");
    let before = antom_now_ms();
    assert_eq!(
        store.claim_idempotency_key(&new).await.expect("claim"),
        IdempotencyClaim::Claimed
    );
    let record = store.idempotency_record(&new.key).await.expect("read").expect("kept");
    assert_eq!(
        (
            record.key.as_str(),
            record.fingerprint.as_str(),
            record.order_id.as_str()
        ),
        (new.key.as_str(), new.fingerprint.as_str(), new.order_id.as_str())
    );
    assert!(record.response.is_none());
    assert!(record.created_at_ms >= before - 1000, "{record:?}");
    // Another claim of the key, even with another fingerprint and order: the first record.
    let again = NewIdempotencyKey {
        fingerprint: "other".into(),
        order_id: "order-other".into(),
        ..new.clone()
    };
    assert_eq!(
        store.claim_idempotency_key(&again).await.expect("claim again"),
        IdempotencyClaim::Existing(record.clone())
    );
    let first = IdempotentResponse {
        status: 200,
        body: r#"{"orderId":"x"}"#.into(),
    };
    store
        .record_idempotent_response(&new.key, &first)
        .await
        .expect("record");
    let second = IdempotentResponse {
        status: 502,
        body: "{}".into(),
    };
    store
        .record_idempotent_response(&new.key, &second)
        .await
        .expect("record again");
    let record = store.idempotency_record(&new.key).await.expect("read").expect("kept");
    assert_eq!(record.response, Some(first), "the first answer stays");
    // A claimed key with an answer is not released.
    store
        .release_idempotency_key(&new.key, &new.order_id)
        .await
        .expect("release");
    assert!(store.idempotency_record(&new.key).await.expect("read").is_some());
    assert!(store.idempotency_record("key-nobody").await.expect("read").is_none());
    assert!(matches!(
        store.record_idempotent_response("key-nobody", &second).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Release gives back only an unanswered key of the same order; purge
/// removes keys claimed before the time given and keeps newer ones.
pub async fn idempotency_key_released_and_purged<S: OrderStore>(store: S) {
    let new = idempotency_key("idem-release");
    store.claim_idempotency_key(&new).await.expect("claim");
    store
        .release_idempotency_key(&new.key, "order-someone-else")
        .await
        .expect("release");
    assert!(
        store.idempotency_record(&new.key).await.expect("read").is_some(),
        "another order's release"
    );
    store
        .release_idempotency_key(&new.key, &new.order_id)
        .await
        .expect("release");
    assert!(store.idempotency_record(&new.key).await.expect("read").is_none());
    assert_eq!(
        store.claim_idempotency_key(&new).await.expect("claim"),
        IdempotencyClaim::Claimed
    );
    // Purge: nothing before an hour ago; everything claimed before a minute from now.
    store
        .purge_idempotency_keys(antom_now_ms() - 3_600_000)
        .await
        .expect("purge");
    assert!(
        store.idempotency_record(&new.key).await.expect("read").is_some(),
        "a new key is kept"
    );
    let purged = store
        .purge_idempotency_keys(antom_now_ms() + 60_000)
        .await
        .expect("purge");
    assert!(purged >= 1, "{purged}");
    assert!(store.idempotency_record(&new.key).await.expect("read").is_none());
}

/// 50 tasks claim one key at once, each for its own order: exactly one wins,
/// the 49 others see the winner's record.
pub async fn concurrent_idempotency_claims_one_wins<S: OrderStore>(store: S) {
    const TASKS: usize = 50;
    let store = Arc::new(store);
    let base = idempotency_key("idem-race");
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for i in 0..TASKS {
        let new = NewIdempotencyKey {
            order_id: format!("{}-{i}", base.order_id),
            ..base.clone()
        };
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            (new.order_id.clone(), store.claim_idempotency_key(&new).await)
        }));
    }
    let mut winners = Vec::new();
    let mut seen = Vec::new();
    for task in tasks {
        match task.await.expect("task panicked") {
            (order_id, Ok(IdempotencyClaim::Claimed)) => winners.push(order_id),
            (_, Ok(IdempotencyClaim::Existing(record))) => seen.push(record.order_id),
            (_, other) => panic!("unexpected claim outcome {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one claim wins: {winners:?}");
    assert_eq!(seen.len(), TASKS - 1);
    assert!(
        seen.iter().all(|id| *id == winners[0]),
        "every loser sees the winner's order"
    );
    let record = store.idempotency_record(&base.key).await.expect("read").expect("kept");
    assert_eq!(record.order_id, winners[0]);
}

fn antom_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
