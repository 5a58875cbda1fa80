//! notifyCapture: the result of a capture (`CAPTURE_RESULT`).

use crate::amount::Amount;
use crate::codes::NotifyType;
use crate::model::{AcquirerInfo, PaymentResultInfo};
use crate::result::ApiResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// notifyCapture: a capture of an authorized payment reached its result.
///
/// `result` is the *capture's* result: `S` captured, `F` failed. The fields
/// are those of the official server libraries' `AlipayCaptureResultNotify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyCapture {
    /// `CAPTURE_RESULT`.
    pub notify_type: NotifyType,
    /// The capture's result.
    pub result: ApiResult,
    /// The merchant's capture request id.
    pub capture_request_id: String,
    /// Antom's id of the captured payment.
    pub payment_id: String,
    /// Antom's capture id.
    pub capture_id: String,
    /// The amount captured.
    pub capture_amount: Amount,
    /// When the capture succeeded (ISO 8601); only on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_time: Option<String>,
    /// The acquirer's reference number, for non-Antom acquirers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_reference_no: Option<String>,
    /// Acquirer details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_info: Option<AcquirerInfo>,
    /// Card details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_result_info: Option<PaymentResultInfo>,
    /// The tax calculation the payment belongs to, if it is taxed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_calculation_id: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NotifyCapture {
    /// The key to deduplicate deliveries on: `notifyType:captureId`, e.g.
    /// `CAPTURE_RESULT:2026011512345678`.
    pub fn idempotency_key(&self) -> String {
        format!("{}:{}", self.notify_type.as_str(), self.capture_id)
    }

    /// Whether the capture succeeded (result status `S`).
    pub fn is_capture_success(&self) -> bool {
        self.result.is_success()
    }
}
