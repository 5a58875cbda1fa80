//! `result`: the outcome block every Antom response and notification carries.

use crate::codes::{ResultCode, ResultStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The `result` object: `{"resultCode": "...", "resultStatus": "S" | "F" | "U", "resultMessage": "..."}`.
///
/// It reports how the API call went. For a payment's state, read
/// `paymentStatus` (inquiryPayment) or the notification instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResult {
    /// Why the call ended the way it did.
    pub result_code: ResultCode,
    /// S (success), F (failed) or U (unknown).
    pub result_status: ResultStatus,
    /// A human-readable message; not for program logic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_message: Option<String>,
    /// Fields this crate does not model, kept so re-serialization loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ApiResult {
    /// A result with the given code, status and message.
    pub fn new(
        result_code: impl Into<ResultCode>,
        result_status: ResultStatus,
        result_message: Option<String>,
    ) -> ApiResult {
        ApiResult {
            result_code: result_code.into(),
            result_status,
            result_message,
            extra: Map::new(),
        }
    }

    /// `SUCCESS` / `S` with the given message.
    pub fn success(message: impl Into<String>) -> ApiResult {
        ApiResult::new(ResultCode::Success, ResultStatus::Success, Some(message.into()))
    }

    /// Status `S`: the call succeeded.
    pub fn is_success(&self) -> bool {
        self.result_status == ResultStatus::Success
    }

    /// Status `F`: the call failed and will not take effect; final for this request id.
    pub fn is_failed(&self) -> bool {
        self.result_status == ResultStatus::Failed
    }

    /// Status `U`, or a status this crate does not know: the call may or
    /// may not have taken effect. Retry with the same request id or inquire;
    /// never treat it as a failure.
    pub fn is_unknown(&self) -> bool {
        !self.is_success() && !self.is_failed()
    }
}
