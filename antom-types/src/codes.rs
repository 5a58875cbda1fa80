//! Codes and statuses Antom sends as strings.
//!
//! Every type here is open-ended: Antom adds values without notice, so each
//! has an `Other(String)` variant that keeps an unknown value verbatim and
//! serializes it back unchanged. Types are `#[non_exhaustive]`: a later
//! version of this crate may turn today's `Other("X")` into a named variant.

string_enum! {
    /// `result.resultStatus`: how a request ended.
    ///
    /// `U` means the outcome is not known: the request may or may not have
    /// taken effect. Retry with the same request id, or inquire.
    pub enum ResultStatus {
        /// `S`: the request succeeded.
        Success = "S",
        /// `F`: the request failed; final for this request.
        Failed = "F",
        /// `U`: unknown; retry with the same request id or inquire.
        Unknown = "U",
    }
}

string_enum! {
    /// `result.resultCode`: why a request ended the way it did.
    ///
    /// Lists the codes common to the Checkout Payment APIs; each API page
    /// has more, which parse into `Other`. For the payment outcome itself,
    /// see [`PaymentResultCode`](crate::PaymentResultCode).
    pub enum ResultCode {
        /// Success.
        Success = "SUCCESS",
        /// Access denied.
        AccessDenied = "ACCESS_DENIED",
        /// The client id is invalid.
        ClientInvalid = "CLIENT_INVALID",
        /// The currency is not supported.
        CurrencyNotSupport = "CURRENCY_NOT_SUPPORT",
        /// The API is not valid for this client.
        InvalidApi = "INVALID_API",
        /// The client status is invalid.
        InvalidClientStatus = "INVALID_CLIENT_STATUS",
        /// The contract is invalid.
        InvalidContract = "INVALID_CONTRACT",
        /// The merchant status is abnormal.
        InvalidMerchantStatus = "INVALID_MERCHANT_STATUS",
        /// The signature did not verify.
        InvalidSignature = "INVALID_SIGNATURE",
        /// The key was not found (wrong key version or key not uploaded).
        KeyNotFound = "KEY_NOT_FOUND",
        /// The merchant is not registered.
        MerchantNotRegistered = "MERCHANT_NOT_REGISTERED",
        /// No such API.
        NoInterfaceDef = "NO_INTERFACE_DEF",
        /// A request with the same paymentRequestId was closed.
        OrderIsClosed = "ORDER_IS_CLOSED",
        /// The order does not exist.
        OrderNotExist = "ORDER_NOT_EXIST",
        /// The order's status does not allow this operation.
        OrderStatusInvalid = "ORDER_STATUS_INVALID",
        /// A parameter is missing or illegal.
        ParamIllegal = "PARAM_ILLEGAL",
        /// The payment is still being processed (status `U`).
        PaymentInProcess = "PAYMENT_IN_PROCESS",
        /// A general business failure.
        ProcessFail = "PROCESS_FAIL",
        /// A retry reused a request id with different key fields.
        RepeatReqInconsistent = "REPEAT_REQ_INCONSISTENT",
        /// Too many requests.
        RequestTrafficExceedLimit = "REQUEST_TRAFFIC_EXCEED_LIMIT",
        /// Unknown failure (status `U`): retry or inquire.
        UnknownException = "UNKNOWN_EXCEPTION",
        /// The cancellation window has passed; refund instead.
        CancelWindowExceed = "CANCEL_WINDOW_EXCEED",
        /// The refund amount exceeds what can still be refunded.
        RefundAmountExceed = "REFUND_AMOUNT_EXCEED",
        /// The refund window has passed.
        RefundWindowExceed = "REFUND_WINDOW_EXCEED",
        /// A refund is still being processed.
        RefundInProcess = "REFUND_IN_PROCESS",
        /// The payment method does not allow several refunds.
        MultipleRefundsNotSupported = "MULTIPLE_REFUNDS_NOT_SUPPORTED",
        /// Rejected by risk control.
        RiskReject = "RISK_REJECT",
        /// The payment amount exceeds a limit.
        PaymentAmountExceedLimit = "PAYMENT_AMOUNT_EXCEED_LIMIT",
        /// The user's balance is insufficient.
        UserBalanceNotEnough = "USER_BALANCE_NOT_ENOUGH",
    }
}

string_enum! {
    /// `paymentStatus` of inquiryPayment (and the SDK's result data).
    ///
    /// Decide an order's state by this, not by the API call's result.
    pub enum PaymentStatus {
        /// The payment succeeded (final).
        Success = "SUCCESS",
        /// The payment failed (final).
        Fail = "FAIL",
        /// The payment is still in progress.
        Processing = "PROCESSING",
        /// The buyer completed the payment; the final result is pending.
        Pending = "PENDING",
        /// The payment was cancelled (final).
        Cancelled = "CANCELLED",
    }
}

impl PaymentStatus {
    /// Whether the status can no longer change: `SUCCESS`, `FAIL` or
    /// `CANCELLED`. Unknown statuses are treated as not final, so a caller
    /// keeps polling rather than settling on something it cannot interpret.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PaymentStatus::Success | PaymentStatus::Fail | PaymentStatus::Cancelled
        )
    }
}

string_enum! {
    /// `refundStatus` of inquiryRefund and notifyRefund.
    pub enum RefundStatus {
        /// The refund succeeded (final).
        Success = "SUCCESS",
        /// The refund failed (final).
        Fail = "FAIL",
        /// The refund is still in progress.
        Processing = "PROCESSING",
    }
}

impl RefundStatus {
    /// Whether the status can no longer change (`SUCCESS` or `FAIL`).
    pub fn is_final(&self) -> bool {
        matches!(self, RefundStatus::Success | RefundStatus::Fail)
    }
}

string_enum! {
    /// `notifyType` of an asynchronous notification.
    pub enum NotifyType {
        /// A payment reached its final result (notifyPayment).
        PaymentResult = "PAYMENT_RESULT",
        /// The buyer completed the payment; wait for the final result (notifyPayment).
        PaymentPending = "PAYMENT_PENDING",
        /// A refund reached its final result (notifyRefund).
        RefundResult = "REFUND_RESULT",
        /// A capture reached its final result (notifyCapture).
        CaptureResult = "CAPTURE_RESULT",
        /// Result of an updateAmount call (sent to the payment notify URL).
        UpdateAmountResult = "UPDATE_AMOUNT_RESULT",
    }
}

string_enum! {
    /// `productCode`: the Antom product a payment uses. Defaults to `CASHIER_PAYMENT`.
    #[derive(Default)]
    pub enum ProductCode {
        /// Checkout Payment (cashier); the value for createPaymentSession here.
        #[default]
        CashierPayment = "CASHIER_PAYMENT",
        /// Auto Debit.
        AgreementPayment = "AGREEMENT_PAYMENT",
        /// In-store payment.
        InStorePayment = "IN_STORE_PAYMENT",
    }
}

string_enum! {
    /// `paymentMethodType`. Antom supports many more than listed here; the
    /// rest parse into `Other` and pass through unchanged.
    pub enum PaymentMethodType {
        /// Bank cards.
        Card = "CARD",
        /// Alipay (Chinese mainland).
        AlipayCn = "ALIPAY_CN",
        /// AlipayHK.
        AlipayHk = "ALIPAY_HK",
        /// GCash (Philippines).
        Gcash = "GCASH",
        /// DANA (Indonesia).
        Dana = "DANA",
        /// Kakao Pay (Korea).
        Kakaopay = "KAKAOPAY",
        /// Naver Pay (Korea).
        Naverpay = "NAVERPAY",
        /// Toss Pay (Korea).
        Tosspay = "TOSSPAY",
        /// TrueMoney (Thailand).
        Truemoney = "TRUEMONEY",
        /// Touch 'n Go eWallet (Malaysia).
        Tng = "TNG",
        /// Boost (Malaysia).
        Boost = "BOOST",
        /// GrabPay (Malaysia).
        GrabpayMy = "GRABPAY_MY",
        /// FPX online banking (Malaysia).
        OnlinebankingFpx = "ONLINEBANKING_FPX",
        /// ShopeePay (Singapore).
        ShopeepaySg = "SHOPEEPAY_SG",
        /// ShopeePay (Malaysia).
        ShopeepayMy = "SHOPEEPAY_MY",
        /// bKash (Bangladesh).
        Bkash = "BKASH",
        /// Rabbit LINE Pay (Thailand).
        RabbitLinePay = "RABBIT_LINE_PAY",
        /// Maya (Philippines).
        Maya = "MAYA",
        /// PayPay (Japan).
        Paypay = "PAYPAY",
        /// Konbini (Japan).
        Konbini = "KONBINI",
        /// Pix (Brazil).
        Pix = "PIX",
        /// Apple Pay.
        Applepay = "APPLEPAY",
        /// Google Pay.
        Googlepay = "GOOGLEPAY",
    }
}

string_enum! {
    /// `env.terminalType`: the kind of terminal the buyer uses.
    pub enum TerminalType {
        /// Desktop browser.
        Web = "WEB",
        /// Mobile browser.
        Wap = "WAP",
        /// Mobile app.
        App = "APP",
        /// Mini program.
        MiniApp = "MINI_APP",
    }
}

string_enum! {
    /// `env.osType`: the buyer's mobile operating system.
    pub enum OsType {
        /// iOS.
        Ios = "IOS",
        /// Android.
        Android = "ANDROID",
    }
}

string_enum! {
    /// `transactionType` of an entry in inquiryPayment's `transactions`.
    pub enum TransactionType {
        /// A payment.
        Payment = "PAYMENT",
        /// A refund.
        Refund = "REFUND",
        /// A capture.
        Capture = "CAPTURE",
        /// A cancellation.
        Cancel = "CANCEL",
        /// An authorization.
        Authorization = "AUTHORIZATION",
        /// A void.
        Void = "VOID",
    }
}

string_enum! {
    /// `transactionStatus` of an entry in inquiryPayment's `transactions`.
    pub enum TransactionStatus {
        /// Succeeded.
        Success = "SUCCESS",
        /// Failed.
        Fail = "FAIL",
        /// In progress.
        Processing = "PROCESSING",
        /// Cancelled.
        Cancelled = "CANCELLED",
        /// Pending.
        Pending = "PENDING",
    }
}

string_enum! {
    /// Card funding type (`funding`).
    pub enum CardFunding {
        /// Credit card.
        Credit = "CREDIT",
        /// Debit card.
        Debit = "DEBIT",
        /// Prepaid card.
        Prepaid = "PREPAID",
        /// Charge card.
        Charge = "CHARGE",
        /// Deferred debit card.
        DeferredDebit = "DEFERRED_DEBIT",
    }
}

string_enum! {
    /// `riskDecision`: Antom's risk-control recommendation.
    pub enum RiskDecision {
        /// Antom recommends accepting the payment.
        Accept = "ACCEPT",
        /// Antom recommends rejecting the payment.
        Reject = "REJECT",
    }
}

string_enum! {
    /// `riskAuthDecision`: the authentication Antom recommends.
    pub enum RiskAuthDecision {
        /// Use 3D Secure for this transaction.
        ThreeD = "3D",
        /// Do not use 3D Secure for this transaction.
        NonThreeD = "NON_3D",
    }
}

string_enum! {
    /// `disputeNotificationType` of notifyDispute: what happened to a dispute.
    ///
    /// The values of the official server libraries' `DisputeNotificationType`
    /// (Java, Python, Go).
    pub enum DisputeNotificationType {
        /// A dispute (chargeback, retrieval request...) was opened against a payment.
        DisputeCreated = "DISPUTE_CREATED",
        /// The dispute was decided; see `disputeJudgedResult` and `disputeJudgedAmount`.
        DisputeJudged = "DISPUTE_JUDGED",
        /// The dispute was withdrawn.
        DisputeCancelled = "DISPUTE_CANCELLED",
        /// The merchant's defense documents were supplied.
        DefenseSupplied = "DEFENSE_SUPPLIED",
        /// The defense deadline (`defenseDueTime`) is near.
        DefenseDueAlert = "DEFENSE_DUE_ALERT",
        /// The dispute was accepted (by the merchant, or on timeout).
        DisputeAccepted = "DISPUTE_ACCEPTED",
        /// Resolved through Visa's Rapid Dispute Resolution.
        RdrResolved = "RDR_RESOLVED",
    }
}

string_enum! {
    /// `disputeJudgedResult` of a `DISPUTE_JUDGED` notifyDispute.
    pub enum DisputeJudgedResult {
        /// Decided for the buyer: the disputed amount goes back to the buyer.
        AcceptByCustomer = "ACCEPT_BY_CUSTOMER",
        /// Decided for the merchant.
        AcceptByMerchant = "ACCEPT_BY_MERCHANT",
        /// The dispute was found valid.
        ValidateSuccess = "VALIDATE_SUCCESS",
        /// The dispute was found invalid.
        ValidateFail = "VALIDATE_FAIL",
    }
}

string_enum! {
    /// `disputeAcceptReason` of notifyDispute: why a dispute was accepted
    /// (the official libraries' `DisputeAcceptReasonType`).
    pub enum DisputeAcceptReason {
        /// The merchant accepted it (acceptDispute).
        MerchantAccepted = "MERCHANT_ACCEPTED",
        /// The defense deadline passed without a defense.
        Timeout = "TIMEOUT",
        /// Accepted by manual processing.
        ManualProcessingAccepted = "MANUAL_PROCESSING_ACCEPTED",
    }
}

string_enum! {
    /// `disputeType` of notifyDispute.
    pub enum DisputeType {
        /// The buyer's issuer reverses the payment.
        Chargeback = "CHARGEBACK",
        /// The issuer asks for information about the payment (no funds move yet).
        RetrievalRequest = "RETRIEVAL_REQUEST",
        /// A card scheme compliance case.
        ComplianceRequest = "COMPLIANCE_REQUEST",
    }
}
