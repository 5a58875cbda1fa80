//! notifyRefund: the final result of a refund.

use crate::amount::Amount;
use crate::codes::{NotifyType, RefundStatus};
use crate::model::Quote;
use crate::result::ApiResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// notifyRefund: a refund reached its final result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyRefund {
    /// `REFUND_RESULT`.
    pub notify_type: NotifyType,
    /// The refund's result.
    pub result: ApiResult,
    /// SUCCESS or FAIL.
    pub refund_status: RefundStatus,
    /// The merchant's refund request id.
    pub refund_request_id: String,
    /// Antom's refund id.
    pub refund_id: String,
    /// The refund amount.
    pub refund_amount: Amount,
    /// When the refund reached its final state (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_time: Option<String>,
    /// Refund settlement amount, when the exchange rate was locked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_settlement_amount: Option<Amount>,
    /// Rate between settlement and refund currencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_quote: Option<Quote>,
    /// Fields this crate does not model (arn, metadata...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NotifyRefund {
    /// The key to deduplicate deliveries on: `notifyType:refundId`.
    pub fn idempotency_key(&self) -> String {
        format!("{}:{}", self.notify_type.as_str(), self.refund_id)
    }
}
