//! [`StoreError`]: why a store refused or failed an operation.

use antom_types::Amount;

use super::{BoxError, OrderStatus};

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
