//! Order persistence: the [`OrderStore`] trait, its types and three stores.
//!
//! An order is created by the merchant ([`OrderStore::create_order`]), marked
//! pending once Antom has accepted the payment session
//! ([`OrderStore::mark_pending`]) and then moved by payment and refund
//! results that arrive from notifications, `inquiryPayment` polling or
//! reconciliation ([`OrderStore::apply_payment_result`],
//! [`OrderStore::apply_refund_result`]).
//!
//! The rules every store keeps:
//!
//! * Money is an [`Amount`](antom_types::Amount): integer minor units and an ISO 4217 currency,
//!   stored as an integer column and a three-letter code, never a float.
//! * Applying a result is idempotent. A duplicate notification answers
//!   [`ApplyOutcome::AlreadyApplied`], a stale one (a `PROCESSING` inquiry
//!   arriving after the final notification) answers [`ApplyOutcome::Ignored`],
//!   and neither changes anything. Each refund id is counted exactly once.
//! * A result whose amount or currency differs from the order's is refused
//!   with [`StoreError::AmountMismatch`] and logged at `warn` as a possible
//!   fraud attempt, before any state change.
//! * A contradicting final result (a failure after a success) is refused
//!   with [`StoreError::IllegalTransition`] and logged at `warn`.
//! * A store answers `Ok` only once the change is durably stored, so a
//!   notification handler may acknowledge to Antom exactly when the store
//!   said `Ok`. On [`StoreError::Unavailable`] (see
//!   [`StoreError::is_transient`]) it must not acknowledge: Antom then
//!   resends.
//! * Every transition is recorded once in the store's own log
//!   ([`OrderStore::state_changes`]).
//!
//! The decisions themselves live in [`state`], as pure functions every store
//! shares; a store only reads, decides and writes with compare-and-set. A
//! store of your own can reuse them, and check itself against the shared
//! conformance suite in `antom-testkit` (`antom_testkit::store_conformance`).
//!
//! Stores:
//!
//! * [`MemoryOrderStore`]: a mutex around a map; no set-up, loses everything
//!   on restart. For tests and single-process demos.
//! * `SqliteOrderStore` (feature `sqlite`): one file, WAL, `synchronous=FULL`.
//! * `PostgresOrderStore` (feature `postgres`).

use std::sync::Arc;

use async_trait::async_trait;

pub mod consumer;
pub mod effects;
mod error;
pub mod events;
pub mod idempotency;
pub mod inbox;
mod memory;
mod order;
mod query;
pub mod records;
pub mod state;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use consumer::{ConsumerHandle, EventConsumer};
pub use effects::Effect;
pub use events::{EventClaim, OrderEvent, OrderEventKind};
pub use idempotency::{IdempotencyClaim, IdempotencyRecord, IdempotentResponse, NewIdempotencyKey};
pub use inbox::{InboundNotification, InboxEntry, InboxOutcome, InboxQuery, InboxRetention, Recorded};
pub use memory::MemoryOrderStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOrderStore, DEFAULT_ACQUIRE_TIMEOUT};
pub use query::{OrderCursor, OrderQuery, MAX_ORDER_PAGE};
pub use records::{
    CaptureRecord, CaptureResult, DisputeRecord, DisputeUpdate, NewRefund, RefundClaim, RefundRecord, RefundState,
};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteOrderStore;

/// A boxed error from a storage backend (the crate's [`BoxError`]).
pub use crate::error::BoxError;
pub use error::StoreError;
pub use order::{
    ApplyOutcome, InquiryClaim, NewOrder, Order, OrderStatus, PaymentOutcome, PaymentResult, RefundOutcome,
    RefundResult, ResultSource, StateChange, UnknownSource, UnknownStatus, DEFAULT_SESSION_TTL,
};

/// Where orders live.
///
/// Implementations answer `Ok` only once a change is durably stored, and keep
/// the rules in the [module documentation](self). The decisions are shared:
/// see [`state::plan_payment`] and [`state::plan_refund`].
///
/// # Example
///
/// ```
/// use antom_tower::store::{
///     ApplyOutcome, MemoryOrderStore, NewOrder, OrderStatus, OrderStore, PaymentOutcome,
///     PaymentResult, ResultSource,
/// };
/// use antom_types::{Amount, Currency};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryOrderStore::new();
/// let amount = Amount::new(Currency::new("SGD")?, 4200)?; // 42.00 SGD
/// store
///     .create_order(NewOrder {
///         order_id: "order-1".into(),
///         payment_request_id: "pay-1".into(),
///         amount,
///         description: "Two coffees".into(),
///         payment_method_type: "ALIPAY_CN".into(),
///         buyer_id: None,
///         session_expires_at_ms: None, // Antom's default: 14 minutes
///     })
///     .await?;
/// store.mark_pending("order-1").await?;
///
/// let result = PaymentResult {
///     payment_request_id: "pay-1".into(),
///     payment_id: Some("2024000000001".into()),
///     amount,
///     outcome: PaymentOutcome::Succeeded,
///     source: ResultSource::Notification,
///     result_code: Some("SUCCESS".into()),
/// };
/// let outcome = store.apply_payment_result(&result).await?;
/// assert_eq!(outcome, ApplyOutcome::Applied { from: OrderStatus::Pending, to: OrderStatus::Succeeded });
/// // Antom resends the notification: nothing is counted twice.
/// let again = store.apply_payment_result(&result).await?;
/// assert_eq!(again, ApplyOutcome::AlreadyApplied { status: OrderStatus::Succeeded });
/// assert_eq!(store.state_changes("order-1").await?.len(), 2); // created->pending, pending->succeeded
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait OrderStore: Send + Sync + 'static {
    /// Stores a new order as [`OrderStatus::Created`], version 1.
    /// [`StoreError::DuplicateOrder`] when the order id or the
    /// `paymentRequestId` is taken.
    async fn create_order(&self, order: NewOrder) -> Result<Order, StoreError>;

    /// The order with that order id.
    async fn get_order(&self, order_id: &str) -> Result<Option<Order>, StoreError>;

    /// The order with that `paymentRequestId`.
    async fn get_by_payment_request_id(&self, payment_request_id: &str) -> Result<Option<Order>, StoreError>;

    /// Moves a `Created` order to `Pending` once Antom created its payment
    /// session (source [`ResultSource::Api`]). Idempotent: `AlreadyApplied`
    /// on a pending order, `Ignored` on an order whose result already came.
    /// [`StoreError::NotFound`] for an unknown order id.
    async fn mark_pending(&self, order_id: &str) -> Result<ApplyOutcome, StoreError>;

    /// Applies a payment result to the order with its `paymentRequestId`.
    ///
    /// Refuses ([`StoreError::AmountMismatch`]) a result whose amount or
    /// currency differs from the order's, and ([`StoreError::IllegalTransition`])
    /// one that contradicts a final state; [`StoreError::NotFound`] for an
    /// unknown `paymentRequestId`. See [`state::decide`] for the table.
    async fn apply_payment_result(&self, result: &PaymentResult) -> Result<ApplyOutcome, StoreError> {
        self.apply_effect(&Effect::Payment(result.clone())).await
    }

    /// Applies a refund result to a paid order: a succeeded refund adds its
    /// minor units once per distinct refund id and moves the order to
    /// `PartiallyRefunded` or `Refunded`. Refuses a refund in another
    /// currency ([`StoreError::AmountMismatch`]), one past the order's amount
    /// ([`StoreError::RefundExceedsOrder`]) and one on an unpaid order
    /// ([`StoreError::IllegalTransition`]). See [`state::plan_refund`].
    async fn apply_refund_result(&self, result: &RefundResult) -> Result<ApplyOutcome, StoreError> {
        self.apply_effect(&Effect::Refund(result.clone())).await
    }

    /// Applies an effect (a payment, refund, dispute or capture result) to
    /// its order, with the rules of the [module documentation](self) and the
    /// plan of [`effects::plan`]; writes the outbox event of every change in
    /// the same transaction. Refusals are errors
    /// ([`StoreError::AmountMismatch`], [`StoreError::IllegalTransition`],
    /// [`StoreError::RefundExceedsOrder`], [`StoreError::NotFound`]) and
    /// change nothing. A successful refund result settles the inbox entry of
    /// its `REFUND_RESULT` notification if that was [`InboxOutcome::Unmatched`].
    async fn apply_effect(&self, effect: &Effect) -> Result<ApplyOutcome, StoreError>;

    /// Stores a verified notification in the inbox and applies its effect,
    /// in one transaction where the store has them. A refusal is recorded as
    /// [`InboxOutcome::Refused`] (or [`InboxOutcome::Unmatched`] for a refund
    /// the store cannot place) and answered in [`Recorded::result`]; only a
    /// store failure is an `Err`, and then nothing is stored.
    async fn record_notification(
        &self,
        notification: &InboundNotification,
        effect: &Effect,
    ) -> Result<Recorded, StoreError>;

    /// One inbox entry.
    async fn inbox_entry(&self, id: u64) -> Result<Option<InboxEntry>, StoreError>;

    /// Inbox entries, newest first, filtered by `query`.
    async fn inbox_entries(&self, query: &InboxQuery) -> Result<Vec<InboxEntry>, StoreError>;

    /// Removes old inbox entries (see [`InboxRetention`]); answers how many.
    async fn purge_inbox(&self, retention: &InboxRetention) -> Result<u64, StoreError>;

    /// Records a refund as pending before Antom is asked, after
    /// [`effects::plan_new_refund`]'s checks: the order is paid
    /// ([`StoreError::NotRefundable`]), in the refund's currency, and has
    /// room for it beside what is refunded and what pending refunds reserve
    /// ([`StoreError::RefundExceedsOrder`]). The same refund again answers
    /// [`RefundClaim::Existing`]; another refund under the same
    /// `refundRequestId` is [`StoreError::RefundRequestConflict`].
    async fn create_refund(&self, refund: &NewRefund) -> Result<RefundClaim, StoreError>;

    /// The refund with that `refundRequestId`.
    async fn refund(&self, refund_request_id: &str) -> Result<Option<RefundRecord>, StoreError>;

    /// An order's refunds, oldest first.
    async fn refunds(&self, order_id: &str) -> Result<Vec<RefundRecord>, StoreError>;

    /// Refunds still pending, oldest first (for reconciliation with inquiryRefund).
    async fn pending_refunds(&self, limit: usize) -> Result<Vec<RefundRecord>, StoreError>;

    /// Paid orders that may hold a refund the store has not matched:
    /// `currency`, amount at least `min_amount` minor units, not fully
    /// refunded, created at or after `created_since_ms`; newest first.
    async fn refund_candidates(
        &self,
        currency: &str,
        min_amount: u64,
        created_since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError>;

    /// An order's disputes, oldest first.
    async fn disputes(&self, order_id: &str) -> Result<Vec<DisputeRecord>, StoreError>;

    /// An order's captures, oldest first.
    async fn captures(&self, order_id: &str) -> Result<Vec<CaptureRecord>, StoreError>;

    /// An order's outbox events, oldest first.
    async fn order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>, StoreError>;

    /// Claims a batch of events for a consumer (see [`events`]): events the
    /// consumer has not acknowledged and nobody under its name holds a live
    /// lease on, oldest first, now leased until `claim.lease_until_ms`.
    async fn claim_events(&self, claim: &EventClaim) -> Result<Vec<OrderEvent>, StoreError>;

    /// Acknowledges handled events: the consumer never gets them again.
    async fn ack_events(&self, consumer: &str, seqs: &[u64]) -> Result<(), StoreError>;

    /// Hands claimed events back: claimable again from `retry_at_ms` on.
    async fn retry_events(&self, consumer: &str, seqs: &[u64], retry_at_ms: i64) -> Result<(), StoreError>;

    /// Orders passing `query`'s filters, newest first (by `created_at_ms`,
    /// then order id, both descending), at most
    /// [`query.effective_limit()`](OrderQuery::effective_limit); the next page
    /// starts after the last one ([`OrderQuery::after`]). For admin pages and
    /// reports.
    async fn list_orders(&self, query: &OrderQuery) -> Result<Vec<Order>, StoreError>;

    /// Up to `limit` orders still `Created` or `Pending`, oldest first.
    async fn list_pending(&self, limit: usize) -> Result<Vec<Order>, StoreError>;

    /// Claims up to `claim.limit` orders still `Created` or `Pending`, for a
    /// reconciliation sweep to inquire about: those created at or before
    /// `created_before_ms`, last claimed before `inquired_before_ms` (never
    /// claimed first), whose lease has run out; least recently inquired
    /// first, then oldest. Sets their `last_inquiry_at_ms` to `now_ms` and
    /// leases them until `lease_until_ms`, atomically: two instances
    /// claiming at once never get the same order. Does not change an
    /// order's state or version.
    async fn claim_for_inquiry(&self, claim: &InquiryClaim) -> Result<Vec<Order>, StoreError>;

    /// Ends the lease of a claim on the given orders once the sweep is done
    /// with them, so a later sweep need not wait for it to run out. Only the
    /// leases still set to `lease_until_ms` (this claim's) are released.
    async fn release_inquiry_claims(&self, order_ids: &[String], lease_until_ms: i64) -> Result<(), StoreError>;

    /// Writes to the store and reads back, durably, as a notification would:
    /// `Ok` when the store can take writes now. For readiness checks.
    async fn check_writable(&self) -> Result<(), StoreError>;

    /// Every recorded transition of the order, oldest first (empty for an
    /// unknown order).
    async fn state_changes(&self, order_id: &str) -> Result<Vec<StateChange>, StoreError>;

    /// Claims an idempotency key for the order `new.order_id` (see
    /// [`idempotency`]). Atomic: of any number of concurrent claims of one
    /// key, exactly one answers [`IdempotencyClaim::Claimed`]; the others,
    /// and every later claim, answer [`IdempotencyClaim::Existing`] with the
    /// first claim's record, unchanged.
    async fn claim_idempotency_key(&self, new: &NewIdempotencyKey) -> Result<IdempotencyClaim, StoreError>;

    /// The record of an idempotency key, if it is kept.
    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// Records the answer sent for a claimed key. The first answer stays: a
    /// second call changes nothing. [`StoreError::NotFound`] for an unknown key.
    async fn record_idempotent_response(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError>;

    /// Gives a claimed key back (removes it) when the order it was claimed for
    /// could not be stored, so that a retry may claim it again. Removes nothing
    /// when the key belongs to another order or already has a response.
    async fn release_idempotency_key(&self, key: &str, order_id: &str) -> Result<(), StoreError>;

    /// Removes the keys claimed before `created_before_ms` (milliseconds since
    /// the Unix epoch) and answers how many. The checkout routes call it with
    /// a time at least [`idempotency::MIN_IDEMPOTENCY_RETENTION`] ago.
    async fn purge_idempotency_keys(&self, created_before_ms: i64) -> Result<u64, StoreError>;
}

macro_rules! forward_order_store {
    ($($target:tt)*) => {
        #[async_trait]
        impl<S: OrderStore + ?Sized> OrderStore for $($target)*<S> {
            async fn create_order(&self, order: NewOrder) -> Result<Order, StoreError> {
                (**self).create_order(order).await
            }
            async fn get_order(&self, order_id: &str) -> Result<Option<Order>, StoreError> {
                (**self).get_order(order_id).await
            }
            async fn get_by_payment_request_id(&self, payment_request_id: &str) -> Result<Option<Order>, StoreError> {
                (**self).get_by_payment_request_id(payment_request_id).await
            }
            async fn mark_pending(&self, order_id: &str) -> Result<ApplyOutcome, StoreError> {
                (**self).mark_pending(order_id).await
            }
            async fn apply_payment_result(&self, result: &PaymentResult) -> Result<ApplyOutcome, StoreError> {
                (**self).apply_payment_result(result).await
            }
            async fn apply_refund_result(&self, result: &RefundResult) -> Result<ApplyOutcome, StoreError> {
                (**self).apply_refund_result(result).await
            }
            async fn apply_effect(&self, effect: &Effect) -> Result<ApplyOutcome, StoreError> {
                (**self).apply_effect(effect).await
            }
            async fn record_notification(&self, notification: &InboundNotification, effect: &Effect) -> Result<Recorded, StoreError> {
                (**self).record_notification(notification, effect).await
            }
            async fn inbox_entry(&self, id: u64) -> Result<Option<InboxEntry>, StoreError> {
                (**self).inbox_entry(id).await
            }
            async fn inbox_entries(&self, query: &InboxQuery) -> Result<Vec<InboxEntry>, StoreError> {
                (**self).inbox_entries(query).await
            }
            async fn purge_inbox(&self, retention: &InboxRetention) -> Result<u64, StoreError> {
                (**self).purge_inbox(retention).await
            }
            async fn create_refund(&self, refund: &NewRefund) -> Result<RefundClaim, StoreError> {
                (**self).create_refund(refund).await
            }
            async fn refund(&self, refund_request_id: &str) -> Result<Option<RefundRecord>, StoreError> {
                (**self).refund(refund_request_id).await
            }
            async fn refunds(&self, order_id: &str) -> Result<Vec<RefundRecord>, StoreError> {
                (**self).refunds(order_id).await
            }
            async fn pending_refunds(&self, limit: usize) -> Result<Vec<RefundRecord>, StoreError> {
                (**self).pending_refunds(limit).await
            }
            async fn refund_candidates(&self, currency: &str, min_amount: u64, created_since_ms: i64, limit: usize) -> Result<Vec<Order>, StoreError> {
                (**self).refund_candidates(currency, min_amount, created_since_ms, limit).await
            }
            async fn disputes(&self, order_id: &str) -> Result<Vec<DisputeRecord>, StoreError> {
                (**self).disputes(order_id).await
            }
            async fn captures(&self, order_id: &str) -> Result<Vec<CaptureRecord>, StoreError> {
                (**self).captures(order_id).await
            }
            async fn order_events(&self, order_id: &str) -> Result<Vec<OrderEvent>, StoreError> {
                (**self).order_events(order_id).await
            }
            async fn claim_events(&self, claim: &EventClaim) -> Result<Vec<OrderEvent>, StoreError> {
                (**self).claim_events(claim).await
            }
            async fn ack_events(&self, consumer: &str, seqs: &[u64]) -> Result<(), StoreError> {
                (**self).ack_events(consumer, seqs).await
            }
            async fn retry_events(&self, consumer: &str, seqs: &[u64], retry_at_ms: i64) -> Result<(), StoreError> {
                (**self).retry_events(consumer, seqs, retry_at_ms).await
            }
            async fn list_orders(&self, query: &OrderQuery) -> Result<Vec<Order>, StoreError> {
                (**self).list_orders(query).await
            }
            async fn list_pending(&self, limit: usize) -> Result<Vec<Order>, StoreError> {
                (**self).list_pending(limit).await
            }
            async fn claim_for_inquiry(&self, claim: &InquiryClaim) -> Result<Vec<Order>, StoreError> {
                (**self).claim_for_inquiry(claim).await
            }
            async fn release_inquiry_claims(&self, order_ids: &[String], lease_until_ms: i64) -> Result<(), StoreError> {
                (**self).release_inquiry_claims(order_ids, lease_until_ms).await
            }
            async fn check_writable(&self) -> Result<(), StoreError> {
                (**self).check_writable().await
            }
            async fn state_changes(&self, order_id: &str) -> Result<Vec<StateChange>, StoreError> {
                (**self).state_changes(order_id).await
            }
            async fn claim_idempotency_key(&self, new: &NewIdempotencyKey) -> Result<IdempotencyClaim, StoreError> {
                (**self).claim_idempotency_key(new).await
            }
            async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
                (**self).idempotency_record(key).await
            }
            async fn record_idempotent_response(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError> {
                (**self).record_idempotent_response(key, response).await
            }
            async fn release_idempotency_key(&self, key: &str, order_id: &str) -> Result<(), StoreError> {
                (**self).release_idempotency_key(key, order_id).await
            }
            async fn purge_idempotency_keys(&self, created_before_ms: i64) -> Result<u64, StoreError> {
                (**self).purge_idempotency_keys(created_before_ms).await
            }
        }
    };
}

forward_order_store!(Arc);
forward_order_store!(Box);

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// How many times the SQL stores re-read and decide again when a concurrent
/// writer changed the order between their read and their write.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const MAX_CAS_ATTEMPTS: usize = 16;

/// Shared helpers and the one implementation of the SQL stores.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod sql;
