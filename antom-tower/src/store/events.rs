//! The transactional outbox: an [`OrderEvent`] for every state change,
//! written in the same transaction as the change, and read by named
//! consumers with at-least-once delivery.
//!
//! A consumer claims a batch ([`OrderStore::claim_events`](super::OrderStore::claim_events)):
//! the events it has not acknowledged, each leased to it until
//! [`EventClaim::lease_until_ms`], so that other instances running the same
//! consumer name skip them. It handles them, then acknowledges
//! ([`OrderStore::ack_events`](super::OrderStore::ack_events)); an event it
//! could not handle is handed back for a later attempt
//! ([`OrderStore::retry_events`](super::OrderStore::retry_events)). A
//! consumer that crashes holds its leases until they expire; then the
//! events are claimed again. Each consumer name sees every event; an event
//! is handled again only if its handler did not get to acknowledge it.
//!
//! [`EventConsumer`](crate::store::EventConsumer) runs that loop for you.

use std::fmt;
use std::str::FromStr;

use antom_types::Amount;

use super::{OrderStatus, StoreError};

/// What happened to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderEventKind {
    /// The payment succeeded: fulfil the order.
    Paid,
    /// The payment failed.
    Failed,
    /// The payment was cancelled.
    Cancelled,
    /// The session expired unpaid.
    Expired,
    /// A refund succeeded, and the order is not fully refunded.
    PartiallyRefunded,
    /// A refund succeeded and the order is now fully refunded.
    Refunded,
    /// A refund the merchant started failed.
    RefundFailed,
    /// A dispute was opened or moved on (see the event's `detail`).
    Disputed,
    /// A capture succeeded.
    Captured,
    /// A capture failed.
    CaptureFailed,
}

impl OrderEventKind {
    /// Every kind.
    pub const ALL: [OrderEventKind; 10] = [
        OrderEventKind::Paid,
        OrderEventKind::Failed,
        OrderEventKind::Cancelled,
        OrderEventKind::Expired,
        OrderEventKind::PartiallyRefunded,
        OrderEventKind::Refunded,
        OrderEventKind::RefundFailed,
        OrderEventKind::Disputed,
        OrderEventKind::Captured,
        OrderEventKind::CaptureFailed,
    ];

    /// The name stores keep (`paid`, `refund_failed`...).
    pub fn as_str(self) -> &'static str {
        match self {
            OrderEventKind::Paid => "paid",
            OrderEventKind::Failed => "failed",
            OrderEventKind::Cancelled => "cancelled",
            OrderEventKind::Expired => "expired",
            OrderEventKind::PartiallyRefunded => "partially_refunded",
            OrderEventKind::Refunded => "refunded",
            OrderEventKind::RefundFailed => "refund_failed",
            OrderEventKind::Disputed => "disputed",
            OrderEventKind::Captured => "captured",
            OrderEventKind::CaptureFailed => "capture_failed",
        }
    }

    /// The event a status transition yields (`None` for `pending`: nothing
    /// for a merchant to act on).
    pub fn for_transition(to: OrderStatus) -> Option<OrderEventKind> {
        match to {
            OrderStatus::Succeeded => Some(OrderEventKind::Paid),
            OrderStatus::Failed => Some(OrderEventKind::Failed),
            OrderStatus::Cancelled => Some(OrderEventKind::Cancelled),
            OrderStatus::Expired => Some(OrderEventKind::Expired),
            OrderStatus::PartiallyRefunded => Some(OrderEventKind::PartiallyRefunded),
            OrderStatus::Refunded => Some(OrderEventKind::Refunded),
            OrderStatus::Created | OrderStatus::Pending => None,
        }
    }
}

impl fmt::Display for OrderEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderEventKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderEventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("unknown order event kind {s:?}"))
    }
}

/// One event of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    /// Its position in the outbox (increasing, with gaps).
    pub seq: u64,
    /// The order.
    pub order_id: String,
    /// What happened.
    pub kind: OrderEventKind,
    /// A key unique among the order's events (`paid`, `refund:<refundId>`,
    /// `dispute:<disputeId>:<type>`...): a change can never yield two events.
    /// Use `(order_id, key)` to deduplicate in your own handler.
    pub key: String,
    /// The amount involved: the order's for a payment, the refund's,
    /// dispute's or capture's otherwise.
    pub amount: Option<Amount>,
    /// Antom's id of what happened, where there is one: `refundId` (or the
    /// `refundRequestId` of a failed refund), `disputeId`, `captureId`.
    pub reference: Option<String>,
    /// More detail: the dispute's notification type, a failure's result code.
    pub detail: Option<String>,
    /// When it was recorded, in milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// An event a store is about to write, from [`super::effects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderEvent {
    /// See [`OrderEvent::kind`].
    pub kind: OrderEventKind,
    /// See [`OrderEvent::key`].
    pub key: String,
    /// See [`OrderEvent::amount`].
    pub amount: Option<Amount>,
    /// See [`OrderEvent::reference`].
    pub reference: Option<String>,
    /// See [`OrderEvent::detail`].
    pub detail: Option<String>,
}

impl NewOrderEvent {
    /// The stored event, at `seq`.
    pub fn into_event(self, seq: u64, order_id: &str, at_ms: i64) -> OrderEvent {
        OrderEvent {
            seq,
            order_id: order_id.to_owned(),
            kind: self.kind,
            key: self.key,
            amount: self.amount,
            reference: self.reference,
            detail: self.detail,
            at_ms,
        }
    }
}

/// What [`OrderStore::claim_events`](super::OrderStore::claim_events) takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventClaim {
    /// The consumer's name: each name sees every event once acknowledged.
    pub consumer: String,
    /// At most this many events, oldest first.
    pub limit: usize,
    /// Now, in milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// Until then no other claim under the same name gets these events.
    pub lease_until_ms: i64,
}

/// How long after an event is recorded a consumer's cursor may pass it.
/// Events are kept per consumer as acknowledged or not; the cursor only
/// compacts what lies behind it. It stays this far behind the newest
/// acknowledged event so that a transaction that took its `seq` earlier
/// but committed later (possible on PostgreSQL) is never skipped: far longer
/// than any store transaction may last.
pub const EVENT_CURSOR_HORIZON_MS: i64 = 10 * 60 * 1000;

/// Checks a consumer name: 1 to 100 characters, letters, digits, `-`, `_`, `.`, `:`.
pub(crate) fn check_consumer(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidInput(format!(
            "consumer name {name:?}: 1 to 100 letters, digits, '-', '_', '.', ':'"
        )))
    }
}
