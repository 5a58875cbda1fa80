//! Asynchronous notifications Antom POSTs to the merchant, and the
//! acknowledgement the merchant must return.
//!
//! Verify the signature over the raw body *before* parsing (this crate
//! does not sign or verify). Antom resends a notification until it gets
//! [`NOTIFICATION_ACK_SUCCESS`] (up to 8 times within 24 hours), and sends
//! no delivery id: deduplicate on [`Notification::idempotency_key`] (or the
//! typed notification's own `idempotency_key`).
//!
//! | body | type |
//! | --- | --- |
//! | `notifyType` `PAYMENT_RESULT` / `PAYMENT_PENDING` | [`NotifyPayment`] |
//! | `notifyType` `REFUND_RESULT` | [`NotifyRefund`] |
//! | `notifyType` `CAPTURE_RESULT` | [`NotifyCapture`] |
//! | `disputeNotificationType` (notifyDispute has no `notifyType`) | [`NotifyDispute`] |
//! | anything else | [`Notification::Other`], the JSON as received |
//!
//! ```
//! use antom_types::{DisputeNotificationType, Notification};
//!
//! let body = br#"{
//!     "disputeNotificationType": "DISPUTE_CREATED",
//!     "disputeId": "2026011500000001",
//!     "paymentRequestId": "order_42",
//!     "paymentId": "2026011512345678",
//!     "disputeAmount": {"currency": "SGD", "value": "4200"},
//!     "defenseDueTime": "2026-01-22T10:00:00+08:00"
//! }"#;
//! // VerifiedNotification<Notification> in antom-tower parses the same way.
//! let notification: Notification = serde_json::from_slice(body)?;
//! assert!(notification.is_money_relevant());
//! assert_eq!(notification.payment_request_id(), Some("order_42"));
//! assert_eq!(notification.idempotency_key().as_deref(), Some("DISPUTE_CREATED:2026011500000001"));
//! let Notification::Dispute(dispute) = notification else { unreachable!() };
//! assert_eq!(dispute.dispute_notification_type, DisputeNotificationType::DisputeCreated);
//! assert_eq!(dispute.dispute_amount.map(|a| a.value()), Some(4200));
//! # Ok::<(), serde_json::Error>(())
//! ```

mod capture;
mod dispute;
mod payment;
mod refund;

pub use capture::NotifyCapture;
pub use dispute::NotifyDispute;
pub use payment::NotifyPayment;
pub use refund::NotifyRefund;

use crate::codes::{DisputeNotificationType, NotifyType};
use crate::result::ApiResult;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The exact body to answer a notification with (HTTP 200, JSON). Anything
/// else makes Antom resend.
pub const NOTIFICATION_ACK_SUCCESS: &str =
    r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;

/// Any notification, dispatched on `notifyType`, or on
/// `disputeNotificationType` for notifyDispute (see the [module docs](self)).
///
/// Implements `Deserialize` (as [`Notification::from_value`]) and
/// `Serialize` (the body as received for `Other`, the typed body otherwise),
/// so `VerifiedNotification<Notification>` works in antom-tower.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notification {
    /// `PAYMENT_RESULT` or `PAYMENT_PENDING` (boxed: the struct is large).
    Payment(Box<NotifyPayment>),
    /// `REFUND_RESULT` (boxed: the struct is large).
    Refund(Box<NotifyRefund>),
    /// notifyDispute: a body with `disputeNotificationType` (boxed: the struct is large).
    Dispute(Box<NotifyDispute>),
    /// `CAPTURE_RESULT` (boxed: the struct is large).
    Capture(Box<NotifyCapture>),
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
    /// A notifyDispute (a body with `disputeNotificationType`) that does not
    /// match its shape (`disputeId` missing, a malformed amount...). Do not
    /// acknowledge, as for [`Invalid`](Self::Invalid).
    #[error("{dispute_notification_type} dispute notification is malformed: {source}")]
    InvalidDispute {
        /// The body's `disputeNotificationType`.
        dispute_notification_type: DisputeNotificationType,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

impl Notification {
    /// Parses a notification body (after its signature was verified).
    ///
    /// `PAYMENT_RESULT` and `PAYMENT_PENDING` give [`Notification::Payment`],
    /// `REFUND_RESULT` gives [`Notification::Refund`], `CAPTURE_RESULT`
    /// gives [`Notification::Capture`]; a body with a string
    /// `disputeNotificationType` and no known `notifyType` gives
    /// [`Notification::Dispute`]; anything else gives
    /// [`Notification::Other`]. Unknown fields and unknown enum values never
    /// fail a parse; a known type with a missing required field or a
    /// malformed amount does.
    pub fn from_slice(body: &[u8]) -> Result<Notification, NotificationError> {
        let value: Value = serde_json::from_slice(body).map_err(NotificationError::Json)?;
        Notification::from_value(value)
    }

    /// Same as [`from_slice`](Self::from_slice), from already parsed JSON.
    pub fn from_value(value: Value) -> Result<Notification, NotificationError> {
        let Value::Object(object) = &value else {
            return Err(NotificationError::NotAnObject {
                found: json_kind(&value),
            });
        };
        let notify_type = match object.get("notifyType") {
            Some(Value::String(text)) => Some(NotifyType::from_wire(text)),
            _ => None,
        };
        let dispute_type = match object.get("disputeNotificationType") {
            Some(Value::String(text)) => Some(DisputeNotificationType::from_wire(text)),
            _ => None,
        };
        let invalid = |notify_type: NotifyType| move |source| NotificationError::Invalid { notify_type, source };
        match (notify_type, dispute_type) {
            (Some(kind @ (NotifyType::PaymentResult | NotifyType::PaymentPending)), _) => serde_json::from_value(value)
                .map(|payment| Notification::Payment(Box::new(payment)))
                .map_err(invalid(kind)),
            (Some(kind @ NotifyType::RefundResult), _) => serde_json::from_value(value)
                .map(|refund| Notification::Refund(Box::new(refund)))
                .map_err(invalid(kind)),
            (Some(kind @ NotifyType::CaptureResult), _) => serde_json::from_value(value)
                .map(|capture| Notification::Capture(Box::new(capture)))
                .map_err(invalid(kind)),
            // notifyDispute carries no notifyType; should one ever come
            // along with it, the dispute type still says what this is.
            (_, Some(dispute_notification_type)) => serde_json::from_value(value)
                .map(|dispute| Notification::Dispute(Box::new(dispute)))
                .map_err(|source| NotificationError::InvalidDispute {
                    dispute_notification_type,
                    source,
                }),
            _ => Ok(Notification::Other(value)),
        }
    }

    /// The `notifyType`, if the body had one as a string (notifyDispute has none).
    pub fn notify_type(&self) -> Option<NotifyType> {
        match self {
            Notification::Payment(payment) => Some(payment.notify_type.clone()),
            Notification::Refund(refund) => Some(refund.notify_type.clone()),
            Notification::Capture(capture) => Some(capture.notify_type.clone()),
            Notification::Dispute(dispute) => dispute.notify_type.clone(),
            Notification::Other(value) => value
                .get("notifyType")
                .and_then(Value::as_str)
                .map(NotifyType::from_wire),
        }
    }

    /// What the body says it is: its `notifyType` (`PAYMENT_RESULT`,
    /// `REFUND_RESULT`, `CAPTURE_RESULT`...), or for notifyDispute its
    /// `disputeNotificationType` (`DISPUTE_CREATED`...). For storing and
    /// logging; `None` for an `Other` body without a string `notifyType`.
    pub fn type_name(&self) -> Option<&str> {
        match self {
            Notification::Payment(payment) => Some(payment.notify_type.as_str()),
            Notification::Refund(refund) => Some(refund.notify_type.as_str()),
            Notification::Capture(capture) => Some(capture.notify_type.as_str()),
            Notification::Dispute(dispute) => Some(dispute.dispute_notification_type.as_str()),
            Notification::Other(value) => value.get("notifyType").and_then(Value::as_str),
        }
    }

    /// The deduplication key of a typed notification: `notifyType:paymentId`
    /// (payments), `notifyType:refundId` (refunds),
    /// `disputeNotificationType:disputeId` (disputes), `notifyType:captureId`
    /// (captures); `None` for [`Notification::Other`], whose right key this
    /// crate cannot know.
    pub fn idempotency_key(&self) -> Option<String> {
        match self {
            Notification::Payment(payment) => Some(payment.idempotency_key()),
            Notification::Refund(refund) => Some(refund.idempotency_key()),
            Notification::Dispute(dispute) => Some(dispute.idempotency_key()),
            Notification::Capture(capture) => Some(capture.idempotency_key()),
            Notification::Other(_) => None,
        }
    }

    /// The merchant's `paymentRequestId`, where the body has one: payments
    /// and disputes always, an `Other` body when it has a string
    /// `paymentRequestId`. Refunds and captures carry none (match them by
    /// `refundRequestId` / `paymentId`).
    pub fn payment_request_id(&self) -> Option<&str> {
        match self {
            Notification::Payment(payment) => Some(&payment.payment_request_id),
            Notification::Dispute(dispute) => Some(&dispute.payment_request_id),
            Notification::Refund(_) | Notification::Capture(_) => None,
            Notification::Other(value) => value.get("paymentRequestId").and_then(Value::as_str),
        }
    }

    /// Antom's `paymentId`, where the body has one: payments, disputes and
    /// captures always, an `Other` body when it has a string `paymentId`.
    pub fn payment_id(&self) -> Option<&str> {
        match self {
            Notification::Payment(payment) => Some(&payment.payment_id),
            Notification::Dispute(dispute) => Some(&dispute.payment_id),
            Notification::Capture(capture) => Some(&capture.payment_id),
            Notification::Refund(_) => None,
            Notification::Other(value) => value.get("paymentId").and_then(Value::as_str),
        }
    }

    /// Whether the notification moves or may move money: a payment, refund,
    /// dispute or capture. A merchant that does not act on one of these
    /// should keep it and log it at `warn`; [`Notification::Other`] is not.
    pub fn is_money_relevant(&self) -> bool {
        !matches!(self, Notification::Other(_))
    }
}

impl<'de> Deserialize<'de> for Notification {
    /// As [`Notification::from_value`]; its errors become the deserializer's.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Notification::from_value(value).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Notification {
    /// The typed body (unknown fields included, from `extra`), or the JSON of `Other`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Notification::Payment(payment) => payment.serialize(serializer),
            Notification::Refund(refund) => refund.serialize(serializer),
            Notification::Dispute(dispute) => dispute.serialize(serializer),
            Notification::Capture(capture) => capture.serialize(serializer),
            Notification::Other(value) => value.serialize(serializer),
        }
    }
}

impl From<NotifyPayment> for Notification {
    fn from(payment: NotifyPayment) -> Self {
        Notification::Payment(Box::new(payment))
    }
}

impl From<NotifyRefund> for Notification {
    fn from(refund: NotifyRefund) -> Self {
        Notification::Refund(Box::new(refund))
    }
}

impl From<NotifyDispute> for Notification {
    fn from(dispute: NotifyDispute) -> Self {
        Notification::Dispute(Box::new(dispute))
    }
}

impl From<NotifyCapture> for Notification {
    fn from(capture: NotifyCapture) -> Self {
        Notification::Capture(Box::new(capture))
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
