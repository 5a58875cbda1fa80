//! What a generic client needs to call any API: its name, its path, its
//! response type and its idempotency key.

use crate::notify::{NotifyPayment, NotifyRefund};
use crate::payments::{
    CancelRequest, CancelResponse, CreatePaymentSessionRequest, CreatePaymentSessionResponse, InquiryPaymentRequest,
    InquiryPaymentResponse,
};
use crate::refunds::{InquiryRefundRequest, InquiryRefundResponse, RefundRequest, RefundResponse};
use crate::result::ApiResult;

/// Path prefix of production APIs.
pub const PRODUCTION_PREFIX: &str = "/ams/api";

/// Path prefix of sandbox APIs.
pub const SANDBOX_PREFIX: &str = "/ams/sandbox/api";

/// A request to one of Antom's APIs.
pub trait AntomApi: serde::Serialize {
    /// What the API answers.
    type Response: serde::de::DeserializeOwned + HasResult;
    /// The API's name, e.g. `"createPaymentSession"`.
    const NAME: &'static str;
    /// The production path, e.g. `"/ams/api/v1/payments/createPaymentSession"`;
    /// see [`sandbox_path`] for the sandbox.
    const PATH: &'static str;
    /// The request id that makes a retry idempotent (`paymentRequestId`,
    /// `refundRequestId`), if any. `None` for calls without side effects
    /// (inquiries) or naturally repeatable ones (cancel).
    fn idempotency_key(&self) -> Option<&str>;
}

/// A message carrying a `result` block.
pub trait HasResult {
    /// The `result` block.
    fn result(&self) -> &ApiResult;
}

/// The sandbox version of a production path: `/ams/api/...` becomes
/// `/ams/sandbox/api/...`. Other paths come back unchanged.
pub fn sandbox_path(path: &str) -> String {
    match path.strip_prefix(PRODUCTION_PREFIX) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{SANDBOX_PREFIX}{rest}"),
        _ => path.to_owned(),
    }
}

impl AntomApi for CreatePaymentSessionRequest {
    type Response = CreatePaymentSessionResponse;
    const NAME: &'static str = "createPaymentSession";
    const PATH: &'static str = "/ams/api/v1/payments/createPaymentSession";

    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.payment_request_id)
    }
}

impl AntomApi for InquiryPaymentRequest {
    type Response = InquiryPaymentResponse;
    const NAME: &'static str = "inquiryPayment";
    const PATH: &'static str = "/ams/api/v1/payments/inquiryPayment";

    fn idempotency_key(&self) -> Option<&str> {
        None
    }
}

impl AntomApi for CancelRequest {
    type Response = CancelResponse;
    const NAME: &'static str = "cancel";
    const PATH: &'static str = "/ams/api/v1/payments/cancel";

    fn idempotency_key(&self) -> Option<&str> {
        None
    }
}

impl AntomApi for RefundRequest {
    type Response = RefundResponse;
    const NAME: &'static str = "refund";
    const PATH: &'static str = "/ams/api/v1/payments/refund";

    fn idempotency_key(&self) -> Option<&str> {
        Some(&self.refund_request_id)
    }
}

impl AntomApi for InquiryRefundRequest {
    type Response = InquiryRefundResponse;
    const NAME: &'static str = "inquiryRefund";
    const PATH: &'static str = "/ams/api/v1/payments/inquiryRefund";

    fn idempotency_key(&self) -> Option<&str> {
        None
    }
}

macro_rules! has_result {
    ($($ty:ty),+ $(,)?) => {
        $(
            impl HasResult for $ty {
                fn result(&self) -> &ApiResult {
                    &self.result
                }
            }
        )+
    };
}

has_result!(
    CreatePaymentSessionResponse,
    InquiryPaymentResponse,
    CancelResponse,
    RefundResponse,
    InquiryRefundResponse,
    NotifyPayment,
    NotifyRefund,
    crate::notify::NotificationAck,
);
