//! Serde models of Antom's Checkout Payment API.
//!
//! Requests, responses and notifications of createPaymentSession
//! (`CASHIER_PAYMENT`), inquiryPayment, cancel, refund, inquiryRefund,
//! notifyPayment, notifyRefund, notifyDispute and notifyCapture; the `result` block; payment result codes
//! with their meaning and advice; the client SDK's callback data; and money
//! as integer minor units, never floats.
//!
//! Built to keep working when Antom changes things:
//!
//! * every code or status is an open enum whose `Other(String)` keeps
//!   unknown values verbatim (see [`codes`]);
//! * unknown JSON fields never fail a parse, and messages and their main
//!   objects keep them in an `extra` map, so re-serializing loses nothing;
//! * numbers and booleans are accepted as JSON values or as strings
//!   (`"20"`, `"true"`), as Antom's pages warn (see [`de`]);
//! * amounts are checked strictly: a malformed amount is an error, never a
//!   guess (see [`amount`]).
//!
//! This crate does no I/O, signing or verification. Verify a
//! notification's signature over the raw body before parsing it.
//!
//! # Example
//!
//! ```
//! use antom_types::{
//!     sandbox_path, Amount, AntomApi, CreatePaymentSessionRequest, Notification,
//!     NotificationAck, Order, PaymentMethodType, NOTIFICATION_ACK_SUCCESS,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Build a request: 42.00 SGD, paid with ShopeePay.
//! let amount = Amount::from_minor_units(4200, "SGD")?;
//! amount.validate_for_antom()?;
//! let request = CreatePaymentSessionRequest::new(
//!     "paymentRequestId01",
//!     Order::new("referenceOrderId01", "antom testing order", amount),
//!     amount,
//!     PaymentMethodType::ShopeepaySg,
//!     "https://www.yourMerchantWeb.com",
//! )
//! .with_payment_notify_url("https://www.yourNotifyUrl.com");
//!
//! let body = serde_json::to_string(&request)?;
//! assert!(body.contains(r#""paymentAmount":{"currency":"SGD","value":"4200"}"#));
//! assert_eq!(request.idempotency_key(), Some("paymentRequestId01"));
//! assert_eq!(
//!     sandbox_path(CreatePaymentSessionRequest::PATH),
//!     "/ams/sandbox/api/v1/payments/createPaymentSession"
//! );
//!
//! // Parse a notification (after verifying its signature).
//! let notification = br#"{
//!     "notifyType": "PAYMENT_RESULT",
//!     "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
//!     "paymentRequestId": "paymentRequestId01",
//!     "paymentId": "20240101123456789XXXX",
//!     "paymentAmount": {"value": "4200", "currency": "SGD"},
//!     "paymentCreateTime": "2024-01-01T00:00:00+08:00",
//!     "paymentTime": "2024-01-01T00:01:00+08:00"
//! }"#;
//! match Notification::from_slice(notification)? {
//!     Notification::Payment(payment) => {
//!         assert!(payment.is_payment_success());
//!         assert_eq!(payment.payment_amount, amount);
//!         assert_eq!(payment.payment_amount.to_string(), "42.00 SGD");
//!         assert_eq!(payment.idempotency_key(), "PAYMENT_RESULT:20240101123456789XXXX");
//!     }
//!     other => panic!("expected a payment notification, got {other:?}"),
//! }
//!
//! // Acknowledge it with exactly the body Antom expects.
//! assert_eq!(serde_json::to_string(&NotificationAck::success())?, NOTIFICATION_ACK_SUCCESS);
//! # Ok(())
//! # }
//! ```
//!
//! # Modules
//!
//! * [`amount`] holds [`Currency`], [`Amount`] and [`AmountError`].
//! * [`codes`] holds result statuses and codes, payment and refund
//!   statuses, notify types, dispute codes, payment method types and other
//!   string codes.
//! * [`payment_result_code`] holds [`PaymentResultCode`], with `meaning()` and `advice()`.
//! * [`result`] holds [`ApiResult`].
//! * [`model`] holds [`Order`], [`Buyer`], [`Goods`], [`Env`], [`PaymentMethod`],
//!   [`SettlementStrategy`], [`Quote`], [`PaymentResultInfo`] and friends.
//! * [`payments`] and [`refunds`] hold the requests and responses.
//! * [`notify`] holds [`NotifyPayment`], [`NotifyRefund`], [`NotifyDispute`],
//!   [`NotifyCapture`], [`Notification`] and [`NotificationAck`].
//! * [`sdk`] holds [`SdkEventCode`], [`SdkEventResult`], [`CardPaymentResultInfo`]
//!   and [`RiskDecisionInfo`].
//! * [`api`] holds the [`AntomApi`] and [`HasResult`] traits and [`sandbox_path`].
//! * [`de`] holds serde helpers for values sent as strings.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[macro_use]
mod macros;

pub mod amount;
pub mod api;
pub mod codes;
pub mod de;
pub mod model;
pub mod notify;
pub mod payment_result_code;
pub mod payments;
pub mod refunds;
pub mod result;
pub mod sdk;

pub use amount::{Amount, AmountError, Currency, MAX_MINOR_UNITS, MAX_VALUE_DIGITS};
pub use api::{sandbox_path, AntomApi, HasResult};
pub use codes::{
    CardFunding, DisputeAcceptReason, DisputeJudgedResult, DisputeNotificationType, DisputeType, NotifyType, OsType,
    PaymentMethodType, PaymentStatus, ProductCode, RefundStatus, ResultCode, ResultStatus, RiskAuthDecision,
    RiskDecision, TerminalType, TransactionStatus, TransactionType,
};
pub use model::{
    AcquirerInfo, Address, BrowserInfo, Buyer, Env, Goods, Order, PaymentMethod, PaymentResultInfo, PspCustomerInfo,
    Quote, SettlementStrategy, ThreeDsResult, Transaction, UserName,
};
pub use notify::{
    Notification, NotificationAck, NotificationError, NotifyCapture, NotifyDispute, NotifyPayment, NotifyRefund,
    NOTIFICATION_ACK_SUCCESS,
};
pub use payment_result_code::PaymentResultCode;
pub use payments::{
    CancelRequest, CancelResponse, CreatePaymentSessionRequest, CreatePaymentSessionResponse, InquiryPaymentRequest,
    InquiryPaymentResponse, PRODUCT_SCENE_CHECKOUT_PAYMENT,
};
pub use refunds::{InquiryRefundRequest, InquiryRefundResponse, RefundRequest, RefundResponse};
pub use result::ApiResult;
pub use sdk::{
    CardPaymentResultInfo, RiskDecisionInfo, SdkEvent, SdkEventCode, SdkEventKind, SdkEventResult, SdkSubmitData,
};
