//! notifyPayment: the result of a payment.

use crate::amount::Amount;
use crate::codes::{NotifyType, PaymentMethodType};
use crate::model::{AcquirerInfo, PaymentResultInfo, PspCustomerInfo, Quote};
use crate::result::ApiResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
