//! Refund APIs: refund and inquiryRefund.

use crate::amount::Amount;
use crate::codes::RefundStatus;
use crate::model::{AcquirerInfo, Quote};
use crate::result::ApiResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// refund request: refunds all or part of a successful payment.
///
/// Idempotent on `refundRequestId`: on a timeout or a `U` result, retry
/// with the same id. Several refunds may be made as long as their total
/// does not exceed the payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    /// The merchant's unique id for this refund (max 64 characters).
    pub refund_request_id: String,
    /// Antom's id of the payment to refund.
    pub payment_id: String,
    /// The amount to refund.
    pub refund_amount: Amount,
    /// The id of the refund at the merchant that sold the goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_refund_id: Option<String>,
    /// Why the refund is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_reason: Option<String>,
    /// Where Antom sends notifyRefund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_notify_url: Option<String>,
    /// Whether the refund is processed asynchronously (result by notification).
    #[serde(default, with = "crate::de::lenient_bool", skip_serializing_if = "Option::is_none")]
    pub is_async_refund: Option<bool>,
    /// Extended information, as a JSON string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_info: Option<String>,
    /// Fields this crate does not model (refundDetails, metadata...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RefundRequest {
    /// A refund request with its required fields.
    pub fn new(
        refund_request_id: impl Into<String>,
        payment_id: impl Into<String>,
        refund_amount: Amount,
    ) -> RefundRequest {
        RefundRequest {
            refund_request_id: refund_request_id.into(),
            payment_id: payment_id.into(),
            refund_amount,
            reference_refund_id: None,
            refund_reason: None,
            refund_notify_url: None,
            is_async_refund: None,
            extend_info: None,
            extra: Map::new(),
        }
    }

    /// Sets `refundNotifyUrl`.
    pub fn with_refund_notify_url(mut self, url: impl Into<String>) -> Self {
        self.refund_notify_url = Some(url.into());
        self
    }

    /// Sets `refundReason`.
    pub fn with_refund_reason(mut self, reason: impl Into<String>) -> Self {
        self.refund_reason = Some(reason.into());
        self
    }
}

/// refund response. `S`: refunded (or accepted, for asynchronous refunds);
/// `F`: not refunded; `U`: unknown, retry with the same `refundRequestId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundResponse {
    /// The call's result.
    pub result: ApiResult,
    /// The merchant's refund request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_request_id: Option<String>,
    /// Antom's refund id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// Antom's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The refunded amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<Amount>,
    /// When the refund succeeded (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_time: Option<String>,
    /// Non-guaranteed coupon amount refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_non_guarantee_coupon_amount: Option<Amount>,
    /// Refund settlement amount, when the exchange rate was locked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_settlement_amount: Option<Amount>,
    /// Rate between settlement and refund currencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_quote: Option<Quote>,
    /// Acquirer details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_info: Option<AcquirerInfo>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// inquiryRefund request: asks for a refund's status.
///
/// One of `refundRequestId` and `refundId` is required; if both are given,
/// Antom uses `refundId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryRefundRequest {
    /// The merchant's refund request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_request_id: Option<String>,
    /// Antom's refund id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// The merchant account, for merchants with several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_account_id: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl InquiryRefundRequest {
    /// Inquire by the merchant's `refundRequestId`.
    pub fn new(refund_request_id: impl Into<String>) -> Self {
        InquiryRefundRequest {
            refund_request_id: Some(refund_request_id.into()),
            ..Default::default()
        }
    }

    /// Inquire by Antom's `refundId`.
    pub fn by_refund_id(refund_id: impl Into<String>) -> Self {
        InquiryRefundRequest {
            refund_id: Some(refund_id.into()),
            ..Default::default()
        }
    }
}

/// inquiryRefund response. `result` says whether the inquiry worked; the
/// refund's state is [`refund_status`](Self::refund_status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryRefundResponse {
    /// The inquiry call's result (not the refund's).
    pub result: ApiResult,
    /// Antom's refund id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// The merchant's refund request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_request_id: Option<String>,
    /// The refund amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<Amount>,
    /// The refund's status: SUCCESS and FAIL are final, PROCESSING is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<RefundStatus>,
    /// When the refund reached its final state (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_time: Option<String>,
    /// Refund settlement amount, when the exchange rate was locked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_settlement_amount: Option<Amount>,
    /// Rate between settlement and refund currencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_quote: Option<Quote>,
    /// Acquirer details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_info: Option<AcquirerInfo>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
