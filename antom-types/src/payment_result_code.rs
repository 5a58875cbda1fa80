//! `paymentResultCode`: why a payment failed or is in an abnormal state.
//!
//! The table, its meanings and its advice come from Antom's client SDK
//! callback page (Chinese), translated to English for this crate. The same
//! codes appear in inquiryPayment's `paymentResultCode`.

string_enum! {
    /// The result code of a payment, with Antom's [meaning](Self::meaning)
    /// and [advice](Self::advice) for each documented value.
    pub enum PaymentResultCode {
        /// The payment succeeded (seen in Antom's samples; not in the failure table).
        Success = "SUCCESS",
        /// Access denied.
        AccessDenied = "ACCESS_DENIED",
        /// The currency is not supported.
        CurrencyNotSupport = "CURRENCY_NOT_SUPPORT",
        /// Rejected as fraud by risk control.
        FraudReject = "FRAUD_REJECT",
        /// The card is invalid.
        InvalidCard = "INVALID_CARD",
        /// The card expiry year or month is malformed.
        InvalidExpiryDateFormat = "INVALID_EXPIRY_DATE_FORMAT",
        /// The issuing bank rejected the transaction.
        IssuerRejectsTransaction = "ISSUER_REJECTS_TRANSACTION",
        /// The merchant status is abnormal.
        InvalidMerchantStatus = "INVALID_MERCHANT_STATUS",
        /// The merchant's KYB status does not allow the payment.
        MerchantKybNotQualified = "MERCHANT_KYB_NOT_QUALIFIED",
        /// The transaction does not support the currency.
        NoPayOptions = "NO_PAY_OPTIONS",
        /// The paymentRequestId belongs to a closed transaction.
        OrderIsClosed = "ORDER_IS_CLOSED",
        /// The amount exceeds the contract's or payment method's limit.
        PaymentAmountExceedLimit = "PAYMENT_AMOUNT_EXCEED_LIMIT",
        /// The number of payments exceeds the payment method's limit.
        PaymentCountExceedLimit = "PAYMENT_COUNT_EXCEED_LIMIT",
        /// The merchant does not qualify for this payment.
        PaymentNotQualified = "PAYMENT_NOT_QUALIFIED",
        /// A general business failure.
        ProcessFail = "PROCESS_FAIL",
        /// Rejected by risk control.
        RiskReject = "RISK_REJECT",
        /// The card is suspected of fraud.
        SuspectedCard = "SUSPECTED_CARD",
        /// Suspected security risk.
        SuspectedRisk = "SUSPECTED_RISK",
        /// The amount exceeds the user's limit.
        UserAmountExceedLimit = "USER_AMOUNT_EXCEED_LIMIT",
        /// The user's balance is insufficient.
        UserBalanceNotEnough = "USER_BALANCE_NOT_ENOUGH",
        /// The user's KYC status does not allow the payment.
        UserKycNotQualified = "USER_KYC_NOT_QUALIFIED",
        /// The user is restricted from paying by the payment method.
        UserPaymentVerificationFailed = "USER_PAYMENT_VERIFICATION_FAILED",
        /// The user's status with the payment method is abnormal.
        UserStatusAbnormal = "USER_STATUS_ABNORMAL",
        /// The payment is being processed.
        PaymentInProcess = "PAYMENT_IN_PROCESS",
        /// The call failed for an unknown reason.
        UnknownException = "UNKNOWN_EXCEPTION",
        /// The card is not supported.
        CardNotSupported = "CARD_NOT_SUPPORTED",
        /// The card expiry date is invalid.
        InvalidExpirationDate = "INVALID_EXPIRATION_DATE",
        /// The card number is invalid.
        InvalidCardNumber = "INVALID_CARD_NUMBER",
    }
}

impl PaymentResultCode {
    /// What the code means (Antom's `paymentResultMessage`, in English).
    /// For a code this crate does not know, a generic sentence.
    pub fn meaning(&self) -> &'static str {
        use PaymentResultCode::*;
        match self {
            Success => "The payment succeeded.",
            AccessDenied => "Access is denied.",
            CurrencyNotSupport => "The currency is not supported.",
            FraudReject => "The transaction cannot be processed further because of risk control. If the user has already paid, the transaction will be refunded.",
            InvalidCard => "The card is invalid: the card number may be unrecognized, have no corresponding issuing bank, or be in the wrong format.",
            InvalidExpiryDateFormat => "expiryYear or expiryMonth is in the wrong format.",
            IssuerRejectsTransaction => "The issuing bank rejected the transaction.",
            InvalidMerchantStatus => "The merchant status is abnormal because of restrictions.",
            MerchantKybNotQualified => "The payment failed because of the merchant's KYB status: the merchant has not completed KYB compliance, or its KYB status does not apply to this transaction.",
            NoPayOptions => "The transaction does not support this currency.",
            OrderIsClosed => "The request has the same paymentRequestId as a transaction that is already closed.",
            PaymentAmountExceedLimit => "The payment amount exceeds the maximum allowed by the contract or by the payment method.",
            PaymentCountExceedLimit => "The number of payments exceeds the maximum set by the payment method.",
            PaymentNotQualified => "The merchant does not meet the conditions for payment, for example because it is not registered, has not signed an auto-debit agreement, or is barred from payment.",
            ProcessFail => "A general business failure occurred.",
            RiskReject => "The transaction cannot be processed further because of risk control. If the user has already paid, the transaction will be refunded.",
            SuspectedCard => "The card is suspected of fraud, for example because it is stolen or restricted.",
            SuspectedRisk => "The transaction cannot be processed further because of a suspected security issue. You can retry the transaction one working day later. If the transaction is unsafe and the user has paid, it will be refunded.",
            UserAmountExceedLimit => "The payment amount exceeds the user's payment limit.",
            UserBalanceNotEnough => "The user's balance in the payment method is not enough to complete the payment.",
            UserKycNotQualified => "The payment failed because of the user's KYC status: the user may not have completed KYC verification, or the KYC status does not meet this transaction's requirements (for example limits on the amount or on the goods).",
            UserPaymentVerificationFailed => "The user is restricted from paying by the payment method provider.",
            UserStatusAbnormal => "The user's status with the payment method is abnormal.",
            PaymentInProcess => "The payment is being processed.",
            UnknownException => "The API call failed for an unknown reason.",
            CardNotSupported => "The card used for the transaction is not supported.",
            InvalidExpirationDate => "The value of paymentMethodMetaData.expiryYear or paymentMethodMetaData.expiryDate is invalid.",
            InvalidCardNumber => "The card number used for the transaction is invalid.",
            Other(_) => "A payment result code this version of the crate does not know.",
        }
    }

    /// What to do about it (Antom's advice, in English). For a code this
    /// crate does not know, advice to confirm the status with Antom.
    pub fn advice(&self) -> &'static str {
        use PaymentResultCode::*;
        match self {
            Success => "No action is needed.",
            AccessDenied => "Insufficient permissions. Contact Antom Technical Support for the specific reason.",
            CurrencyNotSupport => "Unsupported currency. Contact Antom Technical Support for the specific reason.",
            FraudReject => "Rejected as fraud. Contact Technical Support if you need to appeal, or if the buyer has not received the refund within two weeks.",
            InvalidCard => "Invalid card. Suggest that the buyer use another card and retry.",
            InvalidExpiryDateFormat => "Wrong card expiry date. Suggest that the buyer check the expiry date entered.",
            IssuerRejectsTransaction => "Rejected by the issuing bank. Suggest that the buyer retry with another card or contact the issuing bank.",
            InvalidMerchantStatus => "Abnormal merchant status. Contact Antom Technical Support for the specific reason.",
            MerchantKybNotQualified => "Contact Antom Technical Support for the specific reason.",
            NoPayOptions => "Currency not supported. Check whether the payment method supports the currency, and whether the payment method and currency match the contract. If in doubt, contact Antom Technical Support for the specific reason.",
            OrderIsClosed => "The order is closed. Start a new request and retry.",
            PaymentAmountExceedLimit => "Amount over the limit. Check whether the payment amount exceeds the limit, or retry with a lower amount. Contact Antom Technical Support for the exact payment limits.",
            PaymentCountExceedLimit => "Number of uses over the limit. Contact Antom Technical Support for the exact payment limits.",
            PaymentNotQualified => "The merchant has no permission. Contact Antom Technical Support for the specific reason.",
            ProcessFail => "Payment failed. Do not retry before getting help from Antom Technical Support.",
            RiskReject => "Rejected by risk control. Contact Antom Technical Support if the buyer has not received the refund within two weeks.",
            SuspectedCard => "Rejected by risk control. Suggest that the buyer retry with another card or contact the issuing bank.",
            SuspectedRisk => "Rejected by risk control. Contact Technical Support if you need to appeal, or if the buyer has not received the refund within two weeks.",
            UserAmountExceedLimit => "Amount over the limit. Start the payment again with an amount no greater than the available balance of the account, or contact Antom Technical Support.",
            UserBalanceNotEnough => "Insufficient balance. Ask the buyer to top up or choose another payment method.",
            UserKycNotQualified => "Ask the buyer to complete KYC verification first.",
            UserPaymentVerificationFailed => "The user did not complete verification. Contact Antom Technical Support for the specific reason.",
            UserStatusAbnormal => "Abnormal user status. Contact Antom Technical Support for the specific reason.",
            PaymentInProcess => "The payment is in process.",
            UnknownException => "Unknown exception. Contact Antom Technical Support for the specific reason.",
            CardNotSupported => "Card not supported. Suggest that the buyer use another card and retry.",
            InvalidExpirationDate => "Incorrect card expiry date. Suggest that the buyer check that the expiry date was entered correctly.",
            InvalidCardNumber => "Incorrect card number. Suggest that the buyer use another card and retry. If the problem persists, contact Antom Technical Support for the specific reason.",
            Other(_) => "Look the code up in Antom's documentation; until then, confirm the payment status with inquiryPayment or the payment notification, or contact Antom Technical Support.",
        }
    }

    /// Whether the code says the outcome is not yet known
    /// (`PAYMENT_IN_PROCESS`, `UNKNOWN_EXCEPTION`): confirm the payment
    /// status from your server instead of telling the buyer it failed.
    pub fn is_pending_or_unknown(&self) -> bool {
        matches!(
            self,
            PaymentResultCode::PaymentInProcess | PaymentResultCode::UnknownException
        )
    }
}
