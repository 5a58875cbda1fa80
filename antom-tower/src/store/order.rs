//! Orders, the results that move them, and what applying a result did.

use std::fmt;
use std::str::FromStr;

use antom_types::Amount;

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
    /// A reconciliation job (settlement files, a sweep over [`OrderStore::list_pending`](super::OrderStore::list_pending)).
    Reconciliation,
    /// The merchant's own API calls (for example [`OrderStore::mark_pending`](super::OrderStore::mark_pending)).
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
    /// ([`OrderStore::claim_for_inquiry`](super::OrderStore::claim_for_inquiry)), in milliseconds since the Unix epoch.
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
    /// recorded by [`OrderStore::create_refund`](super::OrderStore::create_refund).
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

/// What [`OrderStore::claim_for_inquiry`](super::OrderStore::claim_for_inquiry) takes: which unsettled orders a
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
