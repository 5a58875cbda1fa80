//! notifyDispute: a chargeback or another dispute about a payment.
//!
//! Unlike the other notifications it carries no `notifyType`: what happened
//! is its `disputeNotificationType`.

use crate::amount::Amount;
use crate::codes::{DisputeAcceptReason, DisputeJudgedResult, DisputeNotificationType, DisputeType, NotifyType};
use crate::model::AcquirerInfo;
use crate::result::ApiResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// notifyDispute: a dispute about a payment was opened, judged, cancelled,
/// defended, accepted, or its defense is due.
///
/// The fields are those of the official server libraries' `AlipayDisputeNotify`
/// (Java, Python, Go). Antom documents `paymentRequestId`, `disputeId` and
/// `paymentId` as required; everything else depends on the notification type
/// (`defenseDueTime` on `DISPUTE_CREATED` and `DEFENSE_DUE_ALERT`, the
/// `disputeJudged*` fields on `DISPUTE_JUDGED`...) and is optional here, so
/// that its absence cannot make a dispute undeliverable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyDispute {
    /// What happened to the dispute.
    pub dispute_notification_type: DisputeNotificationType,
    /// Antom's id of the dispute.
    pub dispute_id: String,
    /// The merchant's payment request id of the disputed payment.
    pub payment_request_id: String,
    /// Antom's id of the disputed payment.
    pub payment_id: String,
    /// When the dispute was opened (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_time: Option<String>,
    /// The disputed amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_amount: Option<Amount>,
    /// The card scheme's or payment method's reason code, e.g. `4853`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_reason_code: Option<String>,
    /// The reason, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_reason_msg: Option<String>,
    /// When the dispute was decided (ISO 8601); on `DISPUTE_JUDGED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_judged_time: Option<String>,
    /// The amount the decision moves; on `DISPUTE_JUDGED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_judged_amount: Option<Amount>,
    /// Who the decision went to; on `DISPUTE_JUDGED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_judged_result: Option<DisputeJudgedResult>,
    /// The deadline for the merchant's defense (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defense_due_time: Option<String>,
    /// Where the dispute comes from (a card scheme, a wallet...), as Antom names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_source: Option<String>,
    /// The acquirer reference number of the card payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Why the dispute was accepted; on `DISPUTE_ACCEPTED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_accept_reason: Option<DisputeAcceptReason>,
    /// When the dispute was accepted (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_accept_time: Option<String>,
    /// Chargeback, retrieval request or compliance request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_type: Option<DisputeType>,
    /// Whether the merchant can still defend (`true` / `"true"`).
    #[serde(default, with = "crate::de::lenient_bool", skip_serializing_if = "Option::is_none")]
    pub defendable: Option<bool>,
    /// The disputed capture, for payments captured separately.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_id: Option<String>,
    /// Why Antom defended the dispute by itself, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_defend_reason: Option<String>,
    /// Acquirer details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_info: Option<AcquirerInfo>,
    /// `notifyType`, which the official model inherits but Antom does not
    /// send with disputes; kept when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_type: Option<NotifyType>,
    /// `result`, likewise inherited and optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ApiResult>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NotifyDispute {
    /// The key to deduplicate deliveries on: `disputeNotificationType:disputeId`,
    /// e.g. `DISPUTE_CREATED:2026011512345678`. Each step of one dispute
    /// (created, judged...) gets its own key.
    pub fn idempotency_key(&self) -> String {
        format!("{}:{}", self.dispute_notification_type.as_str(), self.dispute_id)
    }

    /// Whether the dispute is over: judged, cancelled, accepted or resolved
    /// (RDR). Unknown types are treated as not final.
    pub fn is_final(&self) -> bool {
        matches!(
            self.dispute_notification_type,
            DisputeNotificationType::DisputeJudged
                | DisputeNotificationType::DisputeCancelled
                | DisputeNotificationType::DisputeAccepted
                | DisputeNotificationType::RdrResolved
        )
    }
}
