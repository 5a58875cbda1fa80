//! The client SDK's callback data (`@alipay/ams-checkout` and the mobile
//! SDKs): event codes, the result data passed with them, card payment
//! details and risk decisions.
//!
//! The client's result is for display only: decide an order's state from
//! a verified notification or inquiryPayment on the server.

use crate::codes::{CardFunding, PaymentStatus, RiskAuthDecision, RiskDecision};
use crate::model::Address;
use crate::payment_result_code::PaymentResultCode;
use crate::result::ApiResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

string_enum! {
    /// The `code` passed to `onEventCallback` / `onError`.
    ///
    /// The known values are those of Antom's SDK pages plus every code
    /// `@alipay/ams-checkout` 1.47.2 emits (its `eventCodeEnum` and the
    /// Payment Element's `EventCallbackCode`). A code added later parses as
    /// [`SdkEventCode::Other`].
    pub enum SdkEventCode {
        /// Status: the loading animation starts while the component is created.
        StartOfLoading = "SDK_START_OF_LOADING",
        /// Status: the loading animation ends.
        EndOfLoading = "SDK_END_OF_LOADING",
        /// Status, deprecated: redirecting to the merchant page or the 3D
        /// Secure page failed, or `paymentRedirectUrl` was missing or wrong.
        /// `@alipay/ams-checkout` no longer emits it: see
        /// [`LaunchPaymentAppError`](Self::LaunchPaymentAppError).
        CallUrlError = "SDK_CALL_URL_ERROR",
        /// Status: opening the payment method's app, page or Antom's payment
        /// web app failed (replaces `SDK_CALL_URL_ERROR`).
        LaunchPaymentAppError = "SDK_LAUNCH_PAYMENT_APP_ERROR",
        /// Status: Easy Safe Pay in a native app's web view hands the buyer
        /// to an authorization page (`isNativeAppWebview`); open `redirectUrls`.
        Redirect = "SDK_REDIRECT",
        /// Status: the merchant page loaded.
        CallUrlSuccess = "SDK_CALL_URL_SUCCESS",
        /// Status: the form was submitted twice.
        DuplicateSubmissionBehavior = "SDK_DUPLICATE_SUBMISSION_BEHAVIOR",
        /// Status: the submitted form failed validation.
        FormVerificationFailed = "SDK_FORM_VERIFICATION_FAILED",
        /// Status: the payment flow finished.
        PaymentAuthorizationSuccessful = "SDK_PAYMENT_AUTHORIZATION_SUCCESSFUL",
        /// Status: 3D Secure was triggered; the SDK redirects by itself.
        PaymentChallenge = "SDK_PAYMENT_CHALLENGE",
        /// Error: internal SDK error.
        InternalError = "SDK_INTERNAL_ERROR",
        /// Error: parameters of the component creation are wrong (check `sessionData`).
        CreatePaymentParameterError = "SDK_CREATEPAYMENT_PARAMETER_ERROR",
        /// Error: parameters of the SDK instantiation are wrong.
        InitParameterError = "SDK_INIT_PARAMETER_ERROR",
        /// Error: the component failed to initialize.
        CreateComponentError = "SDK_CREATECOMPONENT_ERROR",
        /// Error: the Payment Element failed to mount (its spelling of
        /// `SDK_CREATECOMPONENT_ERROR`).
        ElementCreateComponentError = "SDK_CREATE_COMPONENT_ERROR",
        /// Error: a network failure while submitting.
        SubmitNetworkError = "SDK_SUBMIT_NETWORK_ERROR",
        /// Payment result: the payment succeeded.
        PaymentSuccessful = "SDK_PAYMENT_SUCCESSFUL",
        /// Payment result: the payment is being processed.
        PaymentProcessing = "SDK_PAYMENT_PROCESSING",
        /// Payment result: the payment failed.
        PaymentFail = "SDK_PAYMENT_FAIL",
        /// Payment result: the buyer left without submitting.
        PaymentCancel = "SDK_PAYMENT_CANCEL",
        /// Payment result: the payment status is abnormal.
        PaymentError = "SDK_PAYMENT_ERROR",
        /// Payment: a warning from the PayPal button (e.g. it could not render).
        PaymentWarn = "SDK_PAYMENT_WARN",
        /// Payment: the buyer changed the shipping address in PayPal.
        PaymentShippingChange = "SDK_PAYMENT_SHIPPINGCHANGE",
        /// Payment: the buyer approved the payment in PayPal; the result follows.
        PaymentApprove = "SDK_PAYMENT_APPROVE",
    }
}

/// Which group an [`SdkEventCode`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdkEventKind {
    /// Lifecycle status, returned by `onEventCallback`; also the steps
    /// inside a payment that are not its end (PayPal's warn, shipping
    /// change and approve).
    Status,
    /// Initialization error, returned by `onEventCallback` or `onError`.
    Error,
    /// End of the payment, returned by `onEventCallback`.
    PaymentResult,
    /// A code this crate does not know.
    Unknown,
}

impl SdkEventCode {
    /// The code's group.
    pub fn kind(&self) -> SdkEventKind {
        use SdkEventCode::*;
        match self {
            StartOfLoading
            | EndOfLoading
            | CallUrlError
            | LaunchPaymentAppError
            | Redirect
            | CallUrlSuccess
            | DuplicateSubmissionBehavior
            | FormVerificationFailed
            | PaymentAuthorizationSuccessful
            | PaymentChallenge
            | PaymentWarn
            | PaymentShippingChange
            | PaymentApprove => SdkEventKind::Status,
            InternalError
            | CreatePaymentParameterError
            | InitParameterError
            | CreateComponentError
            | ElementCreateComponentError
            | SubmitNetworkError => SdkEventKind::Error,
            PaymentSuccessful | PaymentProcessing | PaymentFail | PaymentCancel | PaymentError => {
                SdkEventKind::PaymentResult
            }
            Other(_) => SdkEventKind::Unknown,
        }
    }

    /// What the event means and what to do, from Antom's SDK pages.
    pub fn description(&self) -> &'static str {
        use SdkEventCode::*;
        match self {
            StartOfLoading => "The loading animation starts while the component is created; with the default animation hidden, show your own now.",
            EndOfLoading => "The loading animation ends while the component is created; hide your own animation now.",
            CallUrlError => "Deprecated (the current Web SDK sends SDK_LAUNCH_PAYMENT_APP_ERROR instead): redirecting to the merchant page or the 3D Secure page failed, or paymentRedirectUrl was missing or wrong. Check the redirect URL; if it recurs in an app, contact Antom Technical Support.",
            LaunchPaymentAppError => "Opening the payment method's app or page, or Antom's payment web app, failed (it did not load in time, or the container is missing). Let the buyer try again; check paymentRedirectUrl; if it recurs, contact Antom Technical Support.",
            Redirect => "The SDK hands the buyer to an authorization page outside a native app's web view; open the URL in redirectUrls.",
            CallUrlSuccess => "The merchant page loaded.",
            DuplicateSubmissionBehavior => "The form was submitted more than once; tell the buyer there is no need to click again.",
            FormVerificationFailed => "The submitted form failed validation; the SDK shows the errors and the buyer can submit again.",
            PaymentAuthorizationSuccessful => "The payment flow finished. Without redirection after payment, keep listening for the payment result codes; otherwise go to the result page.",
            PaymentChallenge => "3D Secure was triggered; the SDK redirects to the verification page, nothing to do.",
            InternalError => "Internal SDK error. Contact Antom Technical Support.",
            CreatePaymentParameterError => "The parameters of the component creation are wrong. Check that sessionData is correct and complete, then create the component again.",
            InitParameterError => "The parameters of the SDK instantiation are wrong. Check them and instantiate the SDK again.",
            CreateComponentError => "The component failed to initialize. Contact Antom Technical Support.",
            ElementCreateComponentError => "The Payment Element failed to mount. Check sessionData and the element's options; if it recurs, contact Antom Technical Support.",
            SubmitNetworkError => "A network failure made the submission fail. Submit again.",
            PaymentSuccessful => "The payment succeeded. Redirect the buyer to the payment result page.",
            PaymentProcessing => "The payment is being processed. Check the payment status from your server or wait for the payment notification.",
            PaymentFail => "The payment failed. Guide the buyer to pay again according to paymentResultCode.",
            PaymentCancel => "The buyer left without submitting. Start the SDK again with paymentSessionData while it is valid, or create a new session.",
            PaymentError => "The payment status is abnormal. Check the payment status from your server or wait for the payment notification.",
            PaymentWarn => "A warning from the PayPal button (for example it could not render); the payment has not ended. Log it and let the buyer choose again.",
            PaymentShippingChange => "The buyer changed the shipping address in PayPal; the payment goes on.",
            PaymentApprove => "The buyer approved the payment in PayPal; wait for the payment result code.",
            Other(_) => "An SDK event code this version of the crate does not know.",
        }
    }
}

/// An SDK event as a front end might forward it: `{code, message?, result?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkEvent {
    /// The event code.
    pub code: SdkEventCode,
    /// The event message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The result data of payment result events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<SdkEventResult>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The result data passed with payment result events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkEventResult {
    /// The result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ApiResult>,
    /// The payment status as the client saw it (display only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_status: Option<PaymentStatus>,
    /// Why the payment failed or is abnormal; see its `meaning()` and `advice()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_result_code: Option<PaymentResultCode>,
    /// Message for `paymentResultCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_result_message: Option<String>,
    /// Card details, for card payments that reached a final state without redirection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_payment_result_info: Option<CardPaymentResultInfo>,
    /// Risk decision, for merchants with Antom's risk-control service.
    #[serde(
        default,
        rename = "popRiskDecisionResultInfo",
        skip_serializing_if = "Option::is_none"
    )]
    pub risk_decision_info: Option<RiskDecisionInfo>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `cardPaymentResultInfo`: card details returned to the client SDK.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardPaymentResultInfo {
    /// Masked card number, for display (merchants without PCI qualification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_no: Option<String>,
    /// Card brand, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_brand: Option<String>,
    /// First six digits of the card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_bin: Option<String>,
    /// Last four digits of the card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_four: Option<String>,
    /// Issuing bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// Issuing country (ISO 3166 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
    /// Funding type (CREDIT, DEBIT, PREPAID, CHARGE, DEFERRED_DEBIT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<CardFunding>,
    /// Raw AVS result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avs_result_raw: Option<String>,
    /// Raw CVV / CSC / CVC result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvv_result_raw: Option<String>,
    /// Cardholder name (`holdName` on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_name: Option<String>,
    /// Fingerprint of the card number: equal for the same card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Expiry month, two digits (PCI-qualified merchants only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_month: Option<String>,
    /// Expiry year, last two digits (PCI-qualified merchants only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_year: Option<String>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `popRiskDecisionResultInfo`: Antom's risk-control decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskDecisionInfo {
    /// ACCEPT or REJECT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_decision: Option<RiskDecision>,
    /// Recommended authentication: 3D or NON_3D.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_auth_decision: Option<RiskAuthDecision>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Data a mobile app passes to the SDK's `submit`, e.g. a billing address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkSubmitData {
    /// The billing address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Fields this crate does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
