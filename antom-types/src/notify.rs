//! Asynchronous notifications Antom POSTs to the merchant, and the
//! acknowledgement the merchant must return.
//!
//! Verify the signature over the raw body *before* parsing (this crate
//! does not sign or verify). Antom resends a notification until it gets
//! [`NOTIFICATION_ACK_SUCCESS`] (up to 8 times within 24 hours), and sends
//! no delivery id: deduplicate on [`NotifyPayment::idempotency_key`] /
//! [`NotifyRefund::idempotency_key`].

use crate::amount::Amount;
use crate::codes::{NotifyType, PaymentMethodType, RefundStatus};
use crate::model::{AcquirerInfo, PaymentResultInfo, PspCustomerInfo, Quote};
use crate::result::ApiResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The exact body to answer a notification with (HTTP 200, JSON). Anything
/// else makes Antom resend.
pub const NOTIFICATION_ACK_SUCCESS: &str =
    r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;

/// notifyPayment: a payment reached its result (`PAYMENT_RESULT`) or the
/// buyer finished paying and the result is pending (`PAYMENT_PENDING`).
///
/// `result` is the *payment's* result here: `S` paid, `F` failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyPayment {
    /// `PAYMENT_RESULT` or `PAYMENT_PENDING`.
    pub notify_type: NotifyType,
    /// The payment's result.
    pub result: ApiResult,
    /// The merchant's payment request id.
    pub payment_request_id: String,
    /// Antom's payment id.
    pub payment_id: String,
    /// The amount requested, in the order currency. Compare it with the order.
    pub payment_amount: Amount,
    /// When the payment was created (ISO 8601). Documented as required,
    /// kept optional so its absence cannot make a payment undeliverable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_create_time: Option<String>,
    /// When the payment succeeded (ISO 8601); only on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_time: Option<String>,
    /// The payment method used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_type: Option<PaymentMethodType>,
    /// The buyer's wallet account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psp_customer_info: Option<PspCustomerInfo>,
    /// Amount for customs declaration (AlipayCN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs_declaration_amount: Option<Amount>,
    /// Settlement amount, when the exchange rate was locked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_settlement_amount: Option<Amount>,
    /// Rate between settlement and transaction currencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_quote: Option<Quote>,
    /// The acquirer's reference number, for non-Antom acquirers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_reference_no: Option<String>,
    /// Card details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_result_info: Option<PaymentResultInfo>,
    /// Acquirer details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_info: Option<AcquirerInfo>,
    /// Fields this crate does not model (promotionResult...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NotifyPayment {
    /// The key to deduplicate deliveries on: `notifyType:paymentId`, e.g.
    /// `PAYMENT_RESULT:2020010123456789XXXX`. A `PAYMENT_PENDING` and the
    /// later `PAYMENT_RESULT` of one payment get different keys.
    pub fn idempotency_key(&self) -> String {
        format!("{}:{}", self.notify_type.as_str(), self.payment_id)
    }

    /// Whether this reports a successful payment: a `PAYMENT_RESULT` whose
    /// result status is `S`.
    pub fn is_payment_success(&self) -> bool {
        self.notify_type == NotifyType::PaymentResult && self.result.is_success()
    }
}

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

/// Any notification, dispatched on `notifyType`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notification {
    /// `PAYMENT_RESULT` or `PAYMENT_PENDING` (boxed: the struct is large).
    Payment(Box<NotifyPayment>),
    /// `REFUND_RESULT` (boxed: the struct is large).
    Refund(Box<NotifyRefund>),
    /// Any other (or missing) `notifyType`, as parsed JSON. Acknowledge or
    /// reject it as your integration requires; this crate does not guess.
    Other(Value),
}

/// Why a notification body could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// The body is not JSON.
    #[error("notification body is not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// The body is JSON but not an object.
    #[error("notification body is a JSON {found}, not an object")]
    NotAnObject {
        /// What was found instead.
        found: &'static str,
    },
    /// The `notifyType` is known but the body does not match its shape
    /// (a required field missing, a malformed amount...). Do not
    /// acknowledge: Antom will resend, and the error should be looked at.
    #[error("{notify_type} notification is malformed: {source}")]
    Invalid {
        /// The notification's type.
        notify_type: NotifyType,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

impl Notification {
    /// Parses a notification body (after its signature was verified).
    ///
    /// `PAYMENT_RESULT` and `PAYMENT_PENDING` give [`Notification::Payment`],
    /// `REFUND_RESULT` gives [`Notification::Refund`], any other or missing
    /// `notifyType` gives [`Notification::Other`]. Unknown fields never fail
    /// a parse; a known type with a missing required field or a malformed
    /// amount does.
    pub fn from_slice(body: &[u8]) -> Result<Notification, NotificationError> {
        let value: Value = serde_json::from_slice(body).map_err(NotificationError::Json)?;
        Notification::from_value(value)
    }

    /// Same as [`from_slice`](Self::from_slice), from already parsed JSON.
    pub fn from_value(value: Value) -> Result<Notification, NotificationError> {
        let notify_type = match &value {
            Value::Object(object) => match object.get("notifyType") {
                Some(Value::String(text)) => NotifyType::from_wire(text),
                _ => return Ok(Notification::Other(value)),
            },
            other => {
                return Err(NotificationError::NotAnObject {
                    found: json_kind(other),
                })
            }
        };
        let invalid = |source| NotificationError::Invalid {
            notify_type: notify_type.clone(),
            source,
        };
        match notify_type {
            NotifyType::PaymentResult | NotifyType::PaymentPending => serde_json::from_value(value)
                .map(|payment| Notification::Payment(Box::new(payment)))
                .map_err(invalid),
            NotifyType::RefundResult => serde_json::from_value(value)
                .map(|refund| Notification::Refund(Box::new(refund)))
                .map_err(invalid),
            _ => Ok(Notification::Other(value)),
        }
    }

    /// The `notifyType`, if the body had one as a string.
    pub fn notify_type(&self) -> Option<NotifyType> {
        match self {
            Notification::Payment(payment) => Some(payment.notify_type.clone()),
            Notification::Refund(refund) => Some(refund.notify_type.clone()),
            Notification::Other(value) => value
                .get("notifyType")
                .and_then(Value::as_str)
                .map(NotifyType::from_wire),
        }
    }

    /// The deduplication key for payments and refunds; `None` for
    /// [`Notification::Other`], whose right key this crate cannot know.
    pub fn idempotency_key(&self) -> Option<String> {
        match self {
            Notification::Payment(payment) => Some(payment.idempotency_key()),
            Notification::Refund(refund) => Some(refund.idempotency_key()),
            Notification::Other(_) => None,
        }
    }
}

/// The merchant's answer to a notification: `{"result": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationAck {
    /// The acknowledgement's result.
    pub result: ApiResult,
}

impl NotificationAck {
    /// The acknowledgement Antom expects; serializes to exactly
    /// [`NOTIFICATION_ACK_SUCCESS`].
    pub fn success() -> NotificationAck {
        NotificationAck {
            result: ApiResult::success("success"),
        }
    }

    /// Whether this acknowledges receipt (`SUCCESS` / `S`), as Antom reads it.
    pub fn is_success(&self) -> bool {
        self.result.is_success() && self.result.result_code == crate::codes::ResultCode::Success
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
