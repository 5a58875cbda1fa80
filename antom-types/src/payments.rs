//! Payment APIs: createPaymentSession (Checkout Payment), inquiryPayment, cancel.

use crate::amount::Amount;
use crate::codes::{PaymentMethodType, PaymentStatus, ProductCode};
use crate::model::{
    AcquirerInfo, Env, Order, PaymentMethod, PaymentResultInfo, PspCustomerInfo, Quote, SettlementStrategy, Transaction,
};
use crate::payment_result_code::PaymentResultCode;
use crate::result::ApiResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `productScene` of a Checkout Payment session started from the merchant's
/// web or mobile page (the Web SDK's checkout); see
/// [`CreatePaymentSessionRequest::checkout_payment_scene`].
pub const PRODUCT_SCENE_CHECKOUT_PAYMENT: &str = "CHECKOUT_PAYMENT";

/// createPaymentSession request (`productCode` `CASHIER_PAYMENT`): creates
/// the session the client SDK is started with.
///
/// Antom makes it idempotent on `paymentRequestId`: a retry with the same
/// id returns the same session, and a retry with the same id but different
/// key fields fails with `REPEAT_REQ_INCONSISTENT`. Use a new id for each
/// new payment attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePaymentSessionRequest {
    /// Always `CASHIER_PAYMENT` for Checkout Payment.
    pub product_code: ProductCode,
    /// The merchant's unique id for this payment (max 64 characters).
    pub payment_request_id: String,
    /// The order.
    pub order: Order,
    /// The amount to charge, in the order currency's minor units.
    pub payment_amount: Amount,
    /// The payment method the buyer chose.
    pub payment_method: PaymentMethod,
    /// The merchant's result page the buyer returns to. It should show the
    /// result the server learned, not assume success.
    pub payment_redirect_url: String,
    /// Where Antom sends notifyPayment; if absent, the URL configured in
    /// Antom Dashboard is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_notify_url: Option<String>,
    /// When the session expires (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_session_expiry_time: Option<String>,
    /// Settlement currency, needed when several are contracted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_strategy: Option<SettlementStrategy>,
    /// Whether to collect installment information.
    #[serde(default, with = "crate::de::lenient_bool", skip_serializing_if = "Option::is_none")]
    pub enable_installment_collection: Option<bool>,
    /// The merchant's region (ISO 3166 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_region: Option<String>,
    /// Where the buyer pays from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Env>,
    /// The product scene, e.g. `CHECKOUT_PAYMENT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_scene: Option<String>,
    /// Locale of the payment page, e.g. `en_US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Fields this crate does not model (paymentFactor, riskData,
    /// agreementInfo, creditPayPlan...), sent and kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CreatePaymentSessionRequest {
    /// A Checkout Payment session request with the fields Antom requires:
    /// `productCode` (set to `CASHIER_PAYMENT`), `paymentRequestId`,
    /// `order`, `paymentAmount`, `paymentMethod` and `paymentRedirectUrl`.
    /// `paymentNotifyUrl` is optional (it can be configured in Antom
    /// Dashboard): add it with [`with_payment_notify_url`](Self::with_payment_notify_url).
    pub fn new(
        payment_request_id: impl Into<String>,
        order: Order,
        payment_amount: Amount,
        payment_method: impl Into<PaymentMethod>,
        payment_redirect_url: impl Into<String>,
    ) -> CreatePaymentSessionRequest {
        CreatePaymentSessionRequest {
            product_code: ProductCode::CashierPayment,
            payment_request_id: payment_request_id.into(),
            order,
            payment_amount,
            payment_method: payment_method.into(),
            payment_redirect_url: payment_redirect_url.into(),
            payment_notify_url: None,
            payment_session_expiry_time: None,
            settlement_strategy: None,
            enable_installment_collection: None,
            merchant_region: None,
            env: None,
            product_scene: None,
            locale: None,
            extra: Map::new(),
        }
    }

    /// Sets `paymentNotifyUrl`.
    pub fn with_payment_notify_url(mut self, url: impl Into<String>) -> Self {
        self.payment_notify_url = Some(url.into());
        self
    }

    /// Sets `settlementStrategy`.
    pub fn with_settlement_strategy(mut self, strategy: SettlementStrategy) -> Self {
        self.settlement_strategy = Some(strategy);
        self
    }

    /// Sets `env`.
    pub fn with_env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Sets `productScene`.
    pub fn with_product_scene(mut self, scene: impl Into<String>) -> Self {
        self.product_scene = Some(scene.into());
        self
    }

    /// The preset for Checkout Payment: `productScene` set to
    /// [`PRODUCT_SCENE_CHECKOUT_PAYMENT`].
    pub fn checkout_payment_scene(self) -> Self {
        self.with_product_scene(PRODUCT_SCENE_CHECKOUT_PAYMENT)
    }
}

/// createPaymentSession response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePaymentSessionResponse {
    /// The call's result.
    pub result: ApiResult,
    /// The session data to hand, complete and unchanged, to the client SDK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_session_data: Option<String>,
    /// When the session expires (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_session_expiry_time: Option<String>,
    /// The session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_session_id: Option<String>,
    /// A payment page URL, for products that return one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal_url: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// inquiryPayment request: asks for a payment's status.
///
/// One of `paymentRequestId` and `paymentId` is required; if both are
/// given, Antom uses `paymentId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryPaymentRequest {
    /// The merchant's payment request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_request_id: Option<String>,
    /// Antom's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The merchant account, for merchants with several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_account_id: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl InquiryPaymentRequest {
    /// Inquire by the merchant's `paymentRequestId` (the usual way).
    pub fn new(payment_request_id: impl Into<String>) -> Self {
        InquiryPaymentRequest {
            payment_request_id: Some(payment_request_id.into()),
            ..Default::default()
        }
    }

    /// Inquire by Antom's `paymentId`.
    pub fn by_payment_id(payment_id: impl Into<String>) -> Self {
        InquiryPaymentRequest {
            payment_id: Some(payment_id.into()),
            ..Default::default()
        }
    }
}

/// inquiryPayment response.
///
/// `result` only says whether the inquiry worked; the payment's state is
/// [`payment_status`](Self::payment_status). Poll about every 2 seconds
/// until it is final or a notification arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InquiryPaymentResponse {
    /// The inquiry call's result (not the payment's).
    pub result: ApiResult,
    /// The payment's status: SUCCESS and FAIL are final, PROCESSING is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_status: Option<PaymentStatus>,
    /// Why the payment failed or is abnormal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_result_code: Option<PaymentResultCode>,
    /// Message for `paymentResultCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_result_message: Option<String>,
    /// The merchant's payment request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_request_id: Option<String>,
    /// Antom's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The amount requested, in the order currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_amount: Option<Amount>,
    /// The amount the buyer actually paid, possibly in another currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_payment_amount: Option<Amount>,
    /// Exchange rate between payment and actual payment currencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_quote: Option<Quote>,
    /// When the payment was created (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_create_time: Option<String>,
    /// When the payment succeeded (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_time: Option<String>,
    /// The payment method used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_type: Option<PaymentMethodType>,
    /// Non-guaranteed coupon amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_guarantee_coupon_amount: Option<Amount>,
    /// The buyer's wallet account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psp_customer_info: Option<PspCustomerInfo>,
    /// Amount for customs declaration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customs_declaration_amount: Option<Amount>,
    /// Settlement amount, when the exchange rate was locked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_settlement_amount: Option<Amount>,
    /// Rate between settlement and transaction currencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_quote: Option<Quote>,
    /// Card details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_result_info: Option<PaymentResultInfo>,
    /// Acquirer details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_info: Option<AcquirerInfo>,
    /// The acquirer's reference number, for non-Antom acquirers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer_reference_no: Option<String>,
    /// Earliest settlement time (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_settlement_time: Option<String>,
    /// Later transactions on the payment (refunds, captures...).
    /// `None`: absent; `Some(None)`: sent as `null` (as in Antom's sample);
    /// `Some(Some(list))`: present.
    #[serde(default, with = "crate::de::double_option", skip_serializing_if = "Option::is_none")]
    pub transactions: Option<Option<Vec<Transaction>>>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl InquiryPaymentResponse {
    /// Whether the payment reached a state that cannot change
    /// (see [`PaymentStatus::is_final`]). `false` while unknown or absent.
    pub fn is_final(&self) -> bool {
        self.payment_status.as_ref().is_some_and(PaymentStatus::is_final)
    }

    /// The transactions, treating an explicit `null` like an empty list.
    pub fn transactions(&self) -> &[Transaction] {
        match &self.transactions {
            Some(Some(list)) => list,
            _ => &[],
        }
    }
}

/// cancel request: cancels a payment whose result has not arrived, or a
/// paid one within the cancellable period.
///
/// One of `paymentId` and `paymentRequestId` is required; if both are
/// given, Antom uses `paymentId`. Safe to retry with the same parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelRequest {
    /// Antom's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The merchant's payment request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_request_id: Option<String>,
    /// The merchant account, for merchants with several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_account_id: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CancelRequest {
    /// Cancel by the merchant's `paymentRequestId`.
    pub fn by_payment_request_id(payment_request_id: impl Into<String>) -> Self {
        CancelRequest {
            payment_request_id: Some(payment_request_id.into()),
            ..Default::default()
        }
    }

    /// Cancel by Antom's `paymentId`.
    pub fn by_payment_id(payment_id: impl Into<String>) -> Self {
        CancelRequest {
            payment_id: Some(payment_id.into()),
            ..Default::default()
        }
    }
}

/// cancel response. `result.resultStatus` `S`: cancelled; `F`: not
/// cancelled (see the code); `U`: unknown, retry with the same parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelResponse {
    /// The call's result.
    pub result: ApiResult,
    /// Antom's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The merchant's payment request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_request_id: Option<String>,
    /// When the cancellation succeeded (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_time: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
