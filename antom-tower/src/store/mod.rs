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
//! * Money is an [`Amount`]: integer minor units and an ISO 4217 currency,
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

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use antom_types::Amount;
use async_trait::async_trait;

pub mod consumer;
pub mod effects;
pub mod events;
pub mod idempotency;
pub mod inbox;
mod memory;
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
pub use records::{
    CaptureRecord, CaptureResult, DisputeRecord, DisputeUpdate, NewRefund, RefundClaim, RefundRecord, RefundState,
};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteOrderStore;

/// A boxed error from a storage backend (the crate's [`BoxError`]).
pub use crate::error::BoxError;

/// The state of an order.
///
/// ```text
/// Created ──► Pending ──► Succeeded ──► PartiallyRefunded ──► Refunded
///    │           │   ╲──► Failed | Cancelled | Expired           ▲
///    └───────────┴──────► (any final payment state)   Succeeded ─┘
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Stored by the merchant; no payment session at Antom yet.
    Created,
    /// Antom accepted the payment session, or reported `PROCESSING`.
    Pending,
    /// Paid.
    Succeeded,
    /// The payment failed (final).
    Failed,
    /// The payment was cancelled (final).
    Cancelled,
    /// The payment was closed unpaid (final).
    Expired,
    /// Paid, then refunded in part.
    PartiallyRefunded,
    /// Paid, then refunded in full.
    Refunded,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::Created,
        OrderStatus::Pending,
        OrderStatus::Succeeded,
        OrderStatus::Failed,
        OrderStatus::Cancelled,
        OrderStatus::Expired,
        OrderStatus::PartiallyRefunded,
        OrderStatus::Refunded,
    ];

    /// Whether the payment is decided: everything but `Created` and
    /// `Pending`. A succeeded order may still be refunded.
    pub fn is_final(self) -> bool {
        !matches!(self, OrderStatus::Created | OrderStatus::Pending)
    }

    /// Whether the order was paid (`Succeeded`, `PartiallyRefunded`, `Refunded`).
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            OrderStatus::Succeeded | OrderStatus::PartiallyRefunded | OrderStatus::Refunded
        )
    }

    /// The name stored in SQL columns: `created`, `pending`, `succeeded`,
    /// `failed`, `cancelled`, `expired`, `partially_refunded`, `refunded`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Pending => "pending",
            OrderStatus::Succeeded => "succeeded",
            OrderStatus::Failed => "failed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Expired => "expired",
            OrderStatus::PartiallyRefunded => "partially_refunded",
            OrderStatus::Refunded => "refunded",
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not one of [`OrderStatus::as_str`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown order status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for OrderStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// Where a result came from; recorded with every state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultSource {
    /// A verified notification from Antom (`notifyPayment`, refund notifications).
    Notification,
    /// An `inquiryPayment` / `inquiryRefund` answer.
    Inquiry,
    /// A reconciliation job (settlement files, a sweep over [`OrderStore::list_pending`]).
    Reconciliation,
    /// The merchant's own API calls (for example [`OrderStore::mark_pending`]).
    Api,
}

impl ResultSource {
    /// Every source.
    pub const ALL: [ResultSource; 4] = [
        ResultSource::Notification,
        ResultSource::Inquiry,
        ResultSource::Reconciliation,
        ResultSource::Api,
    ];

    /// The name stored in SQL columns: `notification`, `inquiry`,
    /// `reconciliation`, `api`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultSource::Notification => "notification",
            ResultSource::Inquiry => "inquiry",
            ResultSource::Reconciliation => "reconciliation",
            ResultSource::Api => "api",
        }
    }
}

impl fmt::Display for ResultSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source name that is not one of [`ResultSource::as_str`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown result source {0:?}")]
pub struct UnknownSource(pub String);

impl FromStr for ResultSource {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResultSource::ALL
            .into_iter()
            .find(|source| source.as_str() == s)
            .ok_or_else(|| UnknownSource(s.to_owned()))
    }
}

/// What the merchant stores before asking Antom for a payment session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// The merchant's order id (unique).
    pub order_id: String,
    /// The `paymentRequestId` sent to Antom (unique; Antom's idempotency key).
    pub payment_request_id: String,
    /// What the buyer pays.
    pub amount: Amount,
    /// The order description shown to the buyer.
    pub description: String,
    /// Antom's `paymentMethodType`, e.g. `ALIPAY_CN`, `CARD`.
    pub payment_method_type: String,
    /// The merchant's buyer id, if any.
    pub buyer_id: Option<String>,
    /// When the payment session expires (the `paymentSessionExpiryTime` sent
    /// to Antom), in milliseconds since the Unix epoch. `None`: Antom's
    /// default ([`DEFAULT_SESSION_TTL`] after creation). Reconciliation closes
    /// an order still unpaid after it.
    pub session_expires_at_ms: Option<i64>,
}

/// How long Antom keeps a payment session open when the request names no
/// `paymentSessionExpiryTime`: about 14 minutes.
pub const DEFAULT_SESSION_TTL: std::time::Duration = std::time::Duration::from_secs(14 * 60);

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The merchant's order id.
    pub order_id: String,
    /// The `paymentRequestId` sent to Antom.
    pub payment_request_id: String,
    /// What the buyer pays.
    pub amount: Amount,
    /// The order description.
    pub description: String,
    /// Antom's `paymentMethodType`.
    pub payment_method_type: String,
    /// The merchant's buyer id, if any.
    pub buyer_id: Option<String>,
    /// The current state.
    pub status: OrderStatus,
    /// Antom's `paymentId`, once a result carried it.
    pub payment_id: Option<String>,
    /// Minor units refunded so far (in the order's currency); never more than `amount`.
    pub refunded: u64,
    /// When the order was created, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// When the order last changed, in milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
    /// Starts at 1 and grows by one with every recorded state change.
    pub version: u64,
    /// When the payment session expires, in milliseconds since the Unix
    /// epoch, as given in [`NewOrder::session_expires_at_ms`].
    pub session_expires_at_ms: Option<i64>,
    /// When reconciliation last claimed the order for an `inquiryPayment`
    /// ([`OrderStore::claim_for_inquiry`]), in milliseconds since the Unix epoch.
    pub last_inquiry_at_ms: Option<i64>,
}

impl Order {
    /// The order as it is created from `new` at `now_ms`: `Created`, version 1.
    pub fn from_new(new: NewOrder, now_ms: i64) -> Order {
        Order {
            order_id: new.order_id,
            payment_request_id: new.payment_request_id,
            amount: new.amount,
            description: new.description,
            payment_method_type: new.payment_method_type,
            buyer_id: new.buyer_id,
            status: OrderStatus::Created,
            payment_id: None,
            refunded: 0,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            version: 1,
            session_expires_at_ms: new.session_expires_at_ms,
            last_inquiry_at_ms: None,
        }
    }

    /// When the payment session expires: [`Order::session_expires_at_ms`],
    /// or [`DEFAULT_SESSION_TTL`] after creation.
    pub fn session_expiry_ms(&self) -> i64 {
        self.session_expires_at_ms.unwrap_or_else(|| {
            let ttl = i64::try_from(DEFAULT_SESSION_TTL.as_millis()).unwrap_or(i64::MAX);
            self.created_at_ms.saturating_add(ttl)
        })
    }

    /// The refunded total as an [`Amount`] in the order's currency.
    pub fn refunded_amount(&self) -> Amount {
        // `refunded` never exceeds `amount`, which is a valid amount.
        Amount::new(self.amount.currency(), self.refunded).unwrap_or(self.amount)
    }
}

/// The payment status a result reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentOutcome {
    /// `SUCCESS`: paid.
    Succeeded,
    /// `FAIL`: failed, final.
    Failed,
    /// `CANCELLED`: cancelled, final.
    Cancelled,
    /// Closed unpaid (the session expired), final.
    Expired,
    /// `PROCESSING` / `PENDING`: not decided yet.
    Processing,
}

impl PaymentOutcome {
    /// Every outcome.
    pub const ALL: [PaymentOutcome; 5] = [
        PaymentOutcome::Succeeded,
        PaymentOutcome::Failed,
        PaymentOutcome::Cancelled,
        PaymentOutcome::Expired,
        PaymentOutcome::Processing,
    ];

    /// The order status this outcome leads to.
    pub fn target_status(self) -> OrderStatus {
        match self {
            PaymentOutcome::Succeeded => OrderStatus::Succeeded,
            PaymentOutcome::Failed => OrderStatus::Failed,
            PaymentOutcome::Cancelled => OrderStatus::Cancelled,
            PaymentOutcome::Expired => OrderStatus::Expired,
            PaymentOutcome::Processing => OrderStatus::Pending,
        }
    }
}

impl PaymentOutcome {
    /// How a payment notification moves its order: a `PAYMENT_RESULT` with
    /// `S` is paid; with `F` failed, cancelled or expired by its result code
    /// ([`PaymentOutcome::of_failure_code`]); anything else
    /// (`PAYMENT_PENDING`, `U`) is still processing.
    pub fn of_notification(payment: &antom_types::NotifyPayment) -> PaymentOutcome {
        use antom_types::{NotifyType, ResultStatus};
        let is_result = payment.notify_type == NotifyType::PaymentResult;
        match &payment.result.result_status {
            ResultStatus::Success if is_result => PaymentOutcome::Succeeded,
            ResultStatus::Failed if is_result => PaymentOutcome::of_failure_code(payment.result.result_code.as_str()),
            _ => PaymentOutcome::Processing,
        }
    }

    /// A failed payment's outcome by its result code: a closed unpaid order
    /// is expired, not failed (the buyer never paid); a cancelled one cancelled.
    pub fn of_failure_code(result_code: &str) -> PaymentOutcome {
        if result_code.contains("EXPIRED") || result_code == "ORDER_IS_CLOSED" || result_code == "ORDER_CLOSED" {
            PaymentOutcome::Expired
        } else if result_code.contains("CANCEL") {
            PaymentOutcome::Cancelled
        } else {
            PaymentOutcome::Failed
        }
    }
}

impl PaymentResult {
    /// The result a verified payment notification carries.
    pub fn from_notification(payment: &antom_types::NotifyPayment) -> PaymentResult {
        PaymentResult {
            payment_request_id: payment.payment_request_id.clone(),
            payment_id: Some(payment.payment_id.clone()),
            amount: payment.payment_amount,
            outcome: PaymentOutcome::of_notification(payment),
            source: ResultSource::Notification,
            result_code: Some(payment.result.result_code.to_string()),
        }
    }
}

/// A payment result learned from Antom, to apply to the order with the
/// same `payment_request_id`. Build it only from a verified notification or
/// an `inquiryPayment` answer, never from the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentResult {
    /// The order's `paymentRequestId`.
    pub payment_request_id: String,
    /// Antom's `paymentId`, if the result carried one.
    pub payment_id: Option<String>,
    /// The `paymentAmount` Antom reports; must equal the order's amount.
    pub amount: Amount,
    /// The payment status (decide by `paymentStatus`, not by the API call's `result`).
    pub outcome: PaymentOutcome,
    /// Where the result came from.
    pub source: ResultSource,
    /// Antom's `resultCode`, for the record.
    pub result_code: Option<String>,
}

/// The status a refund result reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundOutcome {
    /// `SUCCESS`: the money went back to the buyer.
    Succeeded,
    /// `FAIL`: nothing was refunded.
    Failed,
    /// `PROCESSING`: not decided yet.
    Processing,
}

/// A refund result learned from Antom (a refund notification or an
/// `inquiryRefund` answer), for the order with `payment_request_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundResult {
    /// The `paymentRequestId` of the refunded order, when the source names
    /// it (inquiryPayment's transactions do; notifyRefund does not: the store
    /// then finds the order by `refund_request_id`).
    pub payment_request_id: Option<String>,
    /// Antom's `refundId`: each distinct refund id is counted exactly once.
    pub refund_id: String,
    /// The merchant's `refundRequestId`: links the result to the refund
    /// recorded by [`OrderStore::create_refund`].
    pub refund_request_id: Option<String>,
    /// The refunded amount; must be in the order's currency.
    pub amount: Amount,
    /// The refund status.
    pub outcome: RefundOutcome,
    /// Where the result came from.
    pub source: ResultSource,
    /// Antom's `resultCode` of a failure, for the record.
    pub result_code: Option<String>,
}

/// What applying a result did. Every variant means the result is durably
/// accounted for and may be acknowledged to Antom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// The order moved from `from` to `to` (for a further partial refund
    /// `from` and `to` may both be `PartiallyRefunded`); one state change
    /// was recorded.
    Applied {
        /// The status before.
        from: OrderStatus,
        /// The status after.
        to: OrderStatus,
    },
    /// The result was applied before (a duplicate notification, the same
    /// refund id again, an inquiry confirming a notification): nothing changed.
    AlreadyApplied {
        /// The order's (unchanged) status.
        status: OrderStatus,
    },
    /// A stale or non-final result arriving after a final one (out of order,
    /// harmless), or a refund that did not succeed: nothing changed.
    Ignored {
        /// The order's (unchanged) status.
        status: OrderStatus,
    },
    /// A fact about the order was recorded without changing its status: a
    /// dispute, a capture, a refund that failed. One event was written.
    Recorded {
        /// The order's (unchanged) status.
        status: OrderStatus,
    },
}

/// One recorded transition, from the store's own log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// The order.
    pub order_id: String,
    /// The order's version after this change (2 for the first change).
    pub version: u64,
    /// The status before.
    pub from: OrderStatus,
    /// The status after.
    pub to: OrderStatus,
    /// Where the result came from.
    pub source: ResultSource,
    /// Antom's `refundId`, for a refund.
    pub refund_id: Option<String>,
    /// The refunded minor units, for a refund.
    pub refund_amount: Option<u64>,
    /// Antom's `resultCode` carried by the result, if any.
    pub result_code: Option<String>,
    /// When the change was stored, in milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// What [`OrderStore::claim_for_inquiry`] takes: which unsettled orders a
/// reconciliation sweep may inquire about now, and for how long they are its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InquiryClaim {
    /// At most this many orders.
    pub limit: usize,
    /// Now, in milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// Only orders created at or before this time (younger ones are left to
    /// their notifications).
    pub created_before_ms: i64,
    /// Only orders not claimed since this time: a sweep passes its own start,
    /// so that it pages through every order once and never twice.
    pub inquired_before_ms: i64,
    /// The lease: until then no other claim (another instance's sweep) gets
    /// the same orders.
    pub lease_until_ms: i64,
}

/// Why a store refused or failed an operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No order with that id (order id or `paymentRequestId`).
    #[error("no order with id {id:?}")]
    NotFound {
        /// The id looked for.
        id: String,
    },
    /// An order with the same order id or `paymentRequestId` exists.
    #[error("an order with order id {order_id:?} or paymentRequestId {payment_request_id:?} already exists")]
    DuplicateOrder {
        /// The new order's id.
        order_id: String,
        /// The new order's `paymentRequestId`.
        payment_request_id: String,
    },
    /// The result contradicts the order's state (a failure after a
    /// success); refused and logged at `warn`, nothing changed.
    #[error("illegal order state transition from {from} to {to}")]
    IllegalTransition {
        /// The order's status.
        from: OrderStatus,
        /// The status the result asked for.
        to: OrderStatus,
    },
    /// The result's amount or currency differs from the order's; refused and
    /// logged at `warn` as a possible fraud attempt, nothing changed.
    #[error("amount mismatch: the order expects {expected}, the result carries {received}")]
    AmountMismatch {
        /// The order's amount (for a repeated refund id: the amount recorded for it).
        expected: Amount,
        /// The result's amount.
        received: Amount,
    },
    /// The refund would take the refunded total past the order's amount;
    /// refused and logged at `warn`, nothing changed.
    #[error(
        "refund of {received} would exceed the order amount {order_amount} ({refunded} minor units already refunded)"
    )]
    RefundExceedsOrder {
        /// The order's amount.
        order_amount: Amount,
        /// Minor units refunded so far (for a new refund: refunded or
        /// reserved by pending refunds).
        refunded: u64,
        /// The refund's amount.
        received: Amount,
    },
    /// The order cannot be refunded in its status (it is not paid).
    #[error("an order in status {status} cannot be refunded")]
    NotRefundable {
        /// The order's status.
        status: OrderStatus,
    },
    /// A `refundRequestId` already names another refund (another order or amount).
    #[error("refundRequestId {refund_request_id:?} already names another refund")]
    RefundRequestConflict {
        /// The `refundRequestId`.
        refund_request_id: String,
    },
    /// The input is not valid (a consumer name, a zero refund...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The stored data cannot be read back (an unknown status name, a bad
    /// currency code): not transient.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The backend failed for a reason that may pass (connection lost,
    /// database locked, too much contention). Do not acknowledge: let Antom
    /// retry.
    #[error("order store unavailable: {0}")]
    Unavailable(#[source] BoxError),
}

impl StoreError {
    /// Whether retrying later may succeed: only [`StoreError::Unavailable`].
    /// A notification handler answers a transient error with a non-success
    /// response so Antom resends.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    /// Wraps any backend error as [`StoreError::Unavailable`].
    pub fn unavailable(error: impl Into<BoxError>) -> StoreError {
        StoreError::Unavailable(error.into())
    }
}

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
