//! What a store records on an order besides its status: refunds the
//! merchant started, disputes (chargebacks) and capture results.
//!
//! Each has the input a caller hands the store ([`NewRefund`],
//! [`DisputeUpdate`], [`CaptureResult`]) and the record the store keeps
//! ([`RefundRecord`], [`DisputeRecord`], [`CaptureRecord`]). The decisions
//! (may this refund start, does this dispute update move the record) are
//! pure functions in [`super::effects`], shared by every store.

use std::fmt;
use std::str::FromStr;

use antom_types::Amount;

use super::ResultSource;

/// A refund the merchant asks for ([`OrderStore::create_refund`](super::OrderStore::create_refund)),
/// recorded as pending before Antom is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    /// The merchant's `refundRequestId`: the key Antom deduplicates refunds
    /// on, and the only link from a `REFUND_RESULT` notification back to the
    /// order (notifyRefund carries no paymentId).
    pub refund_request_id: String,
    /// The order to refund.
    pub order_id: String,
    /// How much, in the order's currency.
    pub amount: Amount,
    /// Why, for the record and for Antom's `refundReason`.
    pub reason: Option<String>,
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundState {
    /// Recorded, sent (or about to be sent) to Antom, no final result yet.
    /// Its amount is reserved: no other refund can take it.
    Pending,
    /// Antom refunded it; counted once in the order's refunded total.
    Succeeded,
    /// Antom refused or failed it; its reservation is released.
    Failed,
}

impl RefundState {
    /// The name stores keep: `pending`, `succeeded`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::Pending => "pending",
            RefundState::Succeeded => "succeeded",
            RefundState::Failed => "failed",
        }
    }
}

impl fmt::Display for RefundState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RefundState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(RefundState::Pending),
            "succeeded" => Ok(RefundState::Succeeded),
            "failed" => Ok(RefundState::Failed),
            other => Err(format!("unknown refund state {other:?}")),
        }
    }
}

/// A refund as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    /// The merchant's `refundRequestId` (unique).
    pub refund_request_id: String,
    /// The refunded order.
    pub order_id: String,
    /// The amount asked for.
    pub amount: Amount,
    /// Why.
    pub reason: Option<String>,
    /// Where it stands.
    pub state: RefundState,
    /// Antom's `refundId`, once Antom gave one.
    pub refund_id: Option<String>,
    /// Antom's `resultCode` of a failure, if any.
    pub failure_code: Option<String>,
    /// When it was recorded, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// When it last changed.
    pub updated_at_ms: i64,
}

/// What [`OrderStore::create_refund`](super::OrderStore::create_refund) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundClaim {
    /// The refund is recorded as pending: call Antom now.
    Created(RefundRecord),
    /// The same refund (same `refundRequestId`, order and amount) was
    /// recorded before: its record, perhaps already settled. Calling Antom
    /// again with the same `refundRequestId` is safe: Antom deduplicates on it.
    Existing(RefundRecord),
}

impl RefundClaim {
    /// The record, either way.
    pub fn record(&self) -> &RefundRecord {
        match self {
            RefundClaim::Created(record) | RefundClaim::Existing(record) => record,
        }
    }
}

/// A dispute notification's content, for the order with `payment_request_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeUpdate {
    /// Antom's `disputeId`.
    pub dispute_id: String,
    /// The disputed order's `paymentRequestId`.
    pub payment_request_id: String,
    /// `disputeNotificationType` as sent (`DISPUTE_CREATED`, `DISPUTE_JUDGED`...).
    pub notification_type: String,
    /// `disputeAmount`, if sent; must be in the order's currency.
    pub amount: Option<Amount>,
    /// `disputeReasonCode`.
    pub reason_code: Option<String>,
    /// `disputeReasonMsg`.
    pub reason_message: Option<String>,
    /// `disputeTime` (ISO 8601, as sent).
    pub dispute_time: Option<String>,
    /// `defenseDueTime`: the deadline to defend (ISO 8601, as sent).
    pub defense_due_time: Option<String>,
    /// `disputeJudgedResult`, once judged.
    pub judged_result: Option<String>,
    /// `disputeJudgedAmount`, once judged.
    pub judged_amount: Option<Amount>,
    /// Where it came from.
    pub source: ResultSource,
}

impl DisputeUpdate {
    /// How far along a dispute this notification type is: a later stage
    /// never goes back to an earlier one when notifications arrive out of
    /// order. Unknown types rank as the opening stage, so they are recorded
    /// without overwriting a judgement.
    pub fn stage(&self) -> u8 {
        dispute_stage(&self.notification_type)
    }
}

/// The rank of a `disputeNotificationType` (see [`DisputeUpdate::stage`]).
pub(crate) fn dispute_stage(notification_type: &str) -> u8 {
    match notification_type {
        "DISPUTE_JUDGED" | "DISPUTE_CANCELLED" | "DISPUTE_CLOSED" => 3,
        "DEFENSE_SUPPLIED" | "DEFENSE_DUE_ALERT" | "DISPUTE_ACCEPTED" => 2,
        _ => 1,
    }
}

/// A dispute as the store keeps it: the latest stage's view, merged with
/// what earlier notifications said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeRecord {
    /// Antom's `disputeId` (unique).
    pub dispute_id: String,
    /// The disputed order.
    pub order_id: String,
    /// The furthest `disputeNotificationType` seen.
    pub state: String,
    /// The disputed amount.
    pub amount: Option<Amount>,
    /// `disputeReasonCode`.
    pub reason_code: Option<String>,
    /// `disputeReasonMsg`.
    pub reason_message: Option<String>,
    /// `disputeTime`.
    pub dispute_time: Option<String>,
    /// `defenseDueTime`.
    pub defense_due_time: Option<String>,
    /// `disputeJudgedResult`.
    pub judged_result: Option<String>,
    /// `disputeJudgedAmount`.
    pub judged_amount: Option<Amount>,
    /// When first recorded, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// When last changed.
    pub updated_at_ms: i64,
}

/// A capture result (`CAPTURE_RESULT`), for the order whose payment is `payment_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureResult {
    /// Antom's `captureId`.
    pub capture_id: String,
    /// The merchant's `captureRequestId`.
    pub capture_request_id: Option<String>,
    /// Antom's `paymentId` of the captured payment.
    pub payment_id: String,
    /// `captureAmount`; in the order's currency, at most the order's amount.
    pub amount: Amount,
    /// Whether the capture succeeded.
    pub succeeded: bool,
    /// `captureTime` (ISO 8601, as sent).
    pub capture_time: Option<String>,
    /// Antom's `resultCode`.
    pub result_code: Option<String>,
    /// Where it came from.
    pub source: ResultSource,
}

/// A capture as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureRecord {
    /// Antom's `captureId` (unique).
    pub capture_id: String,
    /// The order.
    pub order_id: String,
    /// The merchant's `captureRequestId`.
    pub capture_request_id: Option<String>,
    /// The captured amount.
    pub amount: Amount,
    /// Whether it succeeded.
    pub succeeded: bool,
    /// `captureTime`.
    pub capture_time: Option<String>,
    /// Antom's `resultCode`.
    pub result_code: Option<String>,
    /// When recorded, in milliseconds since the Unix epoch.
    pub at_ms: i64,
}
