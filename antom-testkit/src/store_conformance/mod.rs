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
//! The checks pin the contract, by concern:
//!
//! * orders and payment results: creating and reading by both ids; duplicate
//!   orders refused; the state machine (pending, succeeded, failed,
//!   cancelled, expired; duplicates `AlreadyApplied`, stale results
//!   `Ignored`, contradictions `IllegalTransition`); amount and currency
//!   mismatches refused with nothing changed; unknown ids `NotFound`;
//!   `list_pending` contents and order; `list_orders` filters and pages;
//!   50 tasks applying one result, racing success and failure: exactly one
//!   state change each time;
//! * refund results: partial, full, duplicate refund ids counted once,
//!   over-refunds and refunds of unpaid orders refused, racing refunds;
//! * reconciliation claims (`claim_for_inquiry`: every unsettled order once
//!   per sweep, leases, least recently inquired first, concurrent claimers
//!   never sharing an order) and `check_writable`;
//! * idempotency keys (claimed once, the first answer kept, released,
//!   purged, 50 concurrent claims of one key with exactly one winner);
//! * the notification inbox: every notification stored byte for byte with
//!   its outcome, resends counted, refusals stored with their reason and
//!   nothing else changed, unmatched refunds settled once applied, queries,
//!   paging and retention;
//! * refund records: pending refunds reserve their amount, refusals
//!   (`NotRefundable`, `RefundExceedsOrder`, `RefundRequestConflict`), a
//!   `REFUND_RESULT` found by its `refundRequestId`, failures releasing the
//!   reservation, `pending_refunds` and `refund_candidates`;
//! * disputes and captures: recorded with every field, one event per
//!   dispute and type, out-of-order stages, amounts checked;
//! * the outbox: exactly one event per state change, claims, leases,
//!   acknowledgements and retries per consumer name, and concurrent
//!   claimers never handed the same event.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use antom_tower::store::OrderStore;

mod disputes;
mod idempotency;
mod inbox;
mod inbox_deliveries;
mod listing;
mod orders;
mod outbox;
mod payment_races;
mod reconciliation;
mod refund_records;
mod refunds;
mod support;

pub use disputes::*;
pub use idempotency::*;
pub use inbox::*;
pub use inbox_deliveries::*;
pub use listing::*;
pub use orders::*;
pub use outbox::*;
pub use payment_races::*;
pub use reconciliation::*;
pub use refund_records::*;
pub use refunds::*;

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
    list_orders_filters_and_pages_newest_first,
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
    inbox_stores_notifications_byte_for_byte,
    inbox_resend_counts_deliveries_and_keeps_applied,
    inbox_refusals_stored_and_nothing_else_changes,
    inbox_unmatched_refund_settles_once_applied,
    inbox_unmatched_notify_refund_request_settles,
    inbox_not_handled_stored,
    inbox_unreadable_notification_refused,
    inbox_queries_filter_and_page_newest_first,
    inbox_purge_keeps_unsettled_unless_asked,
    concurrent_deliveries_of_one_notification,
    concurrent_resends_of_an_applied_notification,
    huge_ids_and_limits_are_fine,
    refund_created_pending_on_a_paid_order,
    refund_creation_refusals,
    refund_result_found_by_refund_request_id,
    refund_failure_releases_the_reservation,
    pending_refunds_oldest_first,
    refund_candidates_filters,
    concurrent_refund_creation_never_over_reserves,
    refund_processing_and_refunds_learned_elsewhere,
    refund_counted_before_its_record_settles_it,
    dispute_recorded_with_every_field,
    dispute_stages_out_of_order_keep_the_furthest,
    dispute_amount_refused,
    capture_recorded_by_payment_id,
    every_state_change_yields_one_event,
    events_claimed_acked_and_retried,
    event_leases_hold_until_they_expire,
    each_consumer_name_sees_every_event,
    concurrent_event_claims_never_share_an_event,
    concurrent_claims_of_other_names_never_come_back_short,
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
