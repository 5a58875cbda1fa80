//! Forward compatibility and protocol details: unknown values and fields,
//! scalars sent as strings, notification dispatch, the acknowledgement,
//! API paths, result helpers and the code tables.

use antom_types::*;
use serde_json::{json, Value};

#[test]
fn unknown_enum_values_round_trip_unchanged() {
    let status: PaymentStatus = serde_json::from_value(json!("AUTHORIZED")).unwrap();
    assert_eq!(status, PaymentStatus::Other("AUTHORIZED".into()));
    assert!(!status.is_known());
    assert!(!status.is_final());
    assert_eq!(serde_json::to_value(&status).unwrap(), json!("AUTHORIZED"));

    // Matching is exact: a lower-case value is not silently normalized.
    let lower: ResultStatus = serde_json::from_value(json!("s")).unwrap();
    assert_eq!(lower, ResultStatus::Other("s".into()));
    assert_eq!(serde_json::to_value(&lower).unwrap(), json!("s"));

    for (json_value, expected) in [(json!("NEW_CODE"), "NEW_CODE"), (json!("SUCCESS"), "SUCCESS")] {
        let code: ResultCode = serde_json::from_value(json_value.clone()).unwrap();
        assert_eq!(code.as_str(), expected);
        assert_eq!(serde_json::to_value(&code).unwrap(), json_value);
        let payment_code: PaymentResultCode = serde_json::from_value(json_value.clone()).unwrap();
        assert_eq!(serde_json::to_value(&payment_code).unwrap(), json_value);
    }
    let event: SdkEventCode = serde_json::from_value(json!("SDK_SOMETHING_NEW")).unwrap();
    assert_eq!(event.kind(), SdkEventKind::Unknown);
    assert_eq!(event.to_string(), "SDK_SOMETHING_NEW");
}

#[test]
fn string_enums_parse_display_and_compare() {
    assert_eq!("S".parse::<ResultStatus>().unwrap(), ResultStatus::Success);
    assert_eq!(ResultStatus::from("F"), ResultStatus::Failed);
    assert_eq!(ResultStatus::from(String::from("U")), ResultStatus::Unknown);
    assert_eq!(ResultStatus::Success.to_string(), "S");
    assert_eq!(NotifyType::PaymentResult, "PAYMENT_RESULT");
    assert_eq!(RiskAuthDecision::ThreeD.as_str(), "3D");
    assert_eq!(ProductCode::default(), ProductCode::CashierPayment);
    // Every known variant maps back to itself through its wire value.
    for status in PaymentStatus::KNOWN {
        assert_eq!(&PaymentStatus::from_wire(status.as_str()), status);
        assert!(status.is_known());
    }
    for code in PaymentResultCode::KNOWN {
        assert_eq!(&PaymentResultCode::from_wire(code.as_str()), code);
    }
    for code in SdkEventCode::KNOWN {
        assert_eq!(&SdkEventCode::from_wire(code.as_str()), code);
    }
}

#[test]
fn unknown_fields_survive_re_serialization() {
    let body = json!({
        "notifyType": "PAYMENT_RESULT",
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success", "resultHint": "x"},
        "paymentRequestId": "r1",
        "paymentId": "p1",
        "paymentAmount": {"value": "4200", "currency": "SGD"},
        "brandNewField": {"nested": [1, 2, 3]},
        "promotionResult": [{"promotionType": "DISCOUNT"}],
        "pspCustomerInfo": {"pspName": "GCASH", "pspExtra": true}
    });
    let parsed: NotifyPayment = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(parsed.extra["brandNewField"], json!({"nested": [1, 2, 3]}));
    assert_eq!(parsed.result.extra["resultHint"], json!("x"));
    assert_eq!(
        parsed.psp_customer_info.as_ref().unwrap().extra["pspExtra"],
        json!(true)
    );
    assert_eq!(serde_json::to_value(&parsed).unwrap(), body);

    // Fields the crate does not model can be sent through `extra`.
    let amount = Amount::from_minor_units(100, "USD").unwrap();
    let mut order = Order::new("o1", "desc", amount);
    order.extra.insert("shipping".into(), json!({"shippingCarrier": "DHL"}));
    let sent = serde_json::to_value(&order).unwrap();
    assert_eq!(sent["shipping"]["shippingCarrier"], json!("DHL"));
}

#[test]
fn numbers_and_booleans_may_arrive_as_strings() {
    let buyer: Buyer = serde_json::from_value(json!({
        "isAccountVerified": "true",
        "successfulOrderCount": "20"
    }))
    .unwrap();
    assert_eq!(buyer.is_account_verified, Some(true));
    assert_eq!(buyer.successful_order_count, Some(20));

    let buyer: Buyer = serde_json::from_value(json!({
        "isAccountVerified": false,
        "successfulOrderCount": 20
    }))
    .unwrap();
    assert_eq!(buyer.is_account_verified, Some(false));
    assert_eq!(buyer.successful_order_count, Some(20));

    // Written back in the documented string form.
    assert_eq!(
        serde_json::to_value(&buyer).unwrap(),
        json!({"isAccountVerified": "false", "successfulOrderCount": "20"})
    );

    let env: Env = serde_json::from_value(json!({
        "terminalType": "WEB",
        "screenHeight": "1080",
        "screenWidth": 1920,
        "timeZoneOffset": "-480",
        "browserInfo": {"javaEnabled": "FALSE", "javaScriptEnabled": true}
    }))
    .unwrap();
    assert_eq!(env.terminal_type, Some(TerminalType::Web));
    assert_eq!(env.screen_height, Some(1080));
    assert_eq!(env.screen_width, Some(1920));
    assert_eq!(env.time_zone_offset, Some(-480));
    let browser = env.browser_info.unwrap();
    assert_eq!(browser.java_enabled, Some(false));
    assert_eq!(browser.java_script_enabled, Some(true));

    let quote: Quote = serde_json::from_value(json!({"quotePrice": 1.25, "guaranteed": "true"})).unwrap();
    assert_eq!(quote.quote_price.as_deref(), Some("1.25"));
    assert_eq!(quote.guaranteed, Some(true));

    // Null counts as absent.
    let buyer: Buyer = serde_json::from_value(json!({"successfulOrderCount": null})).unwrap();
    assert_eq!(buyer.successful_order_count, None);
}

#[test]
fn malformed_scalars_are_rejected_not_guessed() {
    for bad in [
        json!({"successfulOrderCount": "1.5"}),
        json!({"successfulOrderCount": 1.5}),
        json!({"successfulOrderCount": "-1"}),
        json!({"successfulOrderCount": -1}),
        json!({"successfulOrderCount": "+1"}),
        json!({"successfulOrderCount": " 1"}),
        json!({"isAccountVerified": "yes"}),
        json!({"isAccountVerified": 1}),
    ] {
        assert!(serde_json::from_value::<Buyer>(bad.clone()).is_err(), "{bad}");
    }
}

#[test]
fn notification_dispatch() {
    let payment = json!({
        "notifyType": "PAYMENT_PENDING",
        "result": {"resultCode": "PAYMENT_IN_PROCESS", "resultStatus": "U"},
        "paymentRequestId": "r1", "paymentId": "p1",
        "paymentAmount": {"value": "100", "currency": "USD"}
    });
    let parsed = Notification::from_slice(payment.to_string().as_bytes()).unwrap();
    let Notification::Payment(pending) = &parsed else {
        panic!("expected Payment, got {parsed:?}");
    };
    assert!(pending.result.is_unknown());
    assert!(!pending.is_payment_success());
    assert_eq!(parsed.idempotency_key().as_deref(), Some("PAYMENT_PENDING:p1"));
    assert_eq!(parsed.notify_type(), Some(NotifyType::PaymentPending));

    // Unknown or missing notifyType: kept as JSON, not an error.
    let update = json!({"notifyType": "UPDATE_AMOUNT_RESULT", "paymentId": "p1"});
    let parsed = Notification::from_value(update.clone()).unwrap();
    assert_eq!(parsed, Notification::Other(update));
    assert_eq!(parsed.notify_type(), Some(NotifyType::UpdateAmountResult));
    assert_eq!(parsed.idempotency_key(), None);
    let novel = json!({"notifyType": "SOMETHING_NEW"});
    assert!(matches!(
        Notification::from_value(novel).unwrap(),
        Notification::Other(_)
    ));
    let untyped = json!({"paymentId": "p1"});
    assert_eq!(
        Notification::from_value(untyped.clone()).unwrap(),
        Notification::Other(untyped)
    );

    // Broken bodies are errors.
    assert!(matches!(
        Notification::from_slice(b"not json"),
        Err(NotificationError::Json(_))
    ));
    assert!(matches!(
        Notification::from_slice(b"[1,2]"),
        Err(NotificationError::NotAnObject { found: "array" })
    ));
    let missing_id = json!({
        "notifyType": "PAYMENT_RESULT",
        "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
        "paymentRequestId": "r1",
        "paymentAmount": {"value": "100", "currency": "USD"}
    });
    let err = Notification::from_value(missing_id).unwrap_err();
    assert!(matches!(
        &err,
        NotificationError::Invalid {
            notify_type: NotifyType::PaymentResult,
            ..
        }
    ));
    assert!(err.to_string().contains("paymentId"), "{err}");
}

#[test]
fn acknowledgement_is_exact() {
    assert_eq!(
        NOTIFICATION_ACK_SUCCESS,
        r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#
    );
    let ack = NotificationAck::success();
    assert_eq!(serde_json::to_string(&ack).unwrap(), NOTIFICATION_ACK_SUCCESS);
    assert_eq!(serde_json::to_vec(&ack).unwrap(), NOTIFICATION_ACK_SUCCESS.as_bytes());
    let parsed: NotificationAck = serde_json::from_str(NOTIFICATION_ACK_SUCCESS).unwrap();
    assert!(parsed.is_success());
    assert_eq!(parsed, ack);
}

#[test]
fn api_names_paths_and_idempotency() {
    fn describe<T: AntomApi>() -> (&'static str, &'static str) {
        (T::NAME, T::PATH)
    }
    assert_eq!(
        describe::<CreatePaymentSessionRequest>(),
        ("createPaymentSession", "/ams/api/v1/payments/createPaymentSession")
    );
    assert_eq!(
        describe::<InquiryPaymentRequest>(),
        ("inquiryPayment", "/ams/api/v1/payments/inquiryPayment")
    );
    assert_eq!(describe::<CancelRequest>(), ("cancel", "/ams/api/v1/payments/cancel"));
    assert_eq!(describe::<RefundRequest>(), ("refund", "/ams/api/v1/payments/refund"));
    assert_eq!(
        describe::<InquiryRefundRequest>(),
        ("inquiryRefund", "/ams/api/v1/payments/inquiryRefund")
    );

    assert_eq!(
        sandbox_path("/ams/api/v1/payments/inquiryPayment"),
        "/ams/sandbox/api/v1/payments/inquiryPayment"
    );
    assert_eq!(sandbox_path("/ams/api"), "/ams/sandbox/api");
    // Already sandboxed, or not an Antom API path: unchanged.
    assert_eq!(
        sandbox_path("/ams/sandbox/api/v1/payments/refund"),
        "/ams/sandbox/api/v1/payments/refund"
    );
    assert_eq!(sandbox_path("/ams/apix/v1"), "/ams/apix/v1");

    let refund = RefundRequest::new("refund-1", "pay-1", Amount::from_minor_units(1, "USD").unwrap());
    assert_eq!(refund.idempotency_key(), Some("refund-1"));
    assert_eq!(InquiryPaymentRequest::by_payment_id("p").idempotency_key(), None);
    assert_eq!(InquiryRefundRequest::by_refund_id("r").idempotency_key(), None);
    assert_eq!(CancelRequest::by_payment_id("p").idempotency_key(), None);
}

#[test]
fn generic_client_can_read_any_result() {
    fn status_of<T: AntomApi>(body: &str) -> ResultStatus {
        let response: T::Response = serde_json::from_str(body).unwrap();
        response.result().result_status.clone()
    }
    let failed = r#"{"result":{"resultCode":"REPEAT_REQ_INCONSISTENT","resultStatus":"F"}}"#;
    assert_eq!(status_of::<CreatePaymentSessionRequest>(failed), ResultStatus::Failed);
    assert_eq!(status_of::<RefundRequest>(failed), ResultStatus::Failed);
    let unknown = r#"{"result":{"resultCode":"UNKNOWN_EXCEPTION","resultStatus":"U"}}"#;
    assert_eq!(status_of::<InquiryPaymentRequest>(unknown), ResultStatus::Unknown);
    assert_eq!(status_of::<CancelRequest>(unknown), ResultStatus::Unknown);
    assert_eq!(status_of::<InquiryRefundRequest>(unknown), ResultStatus::Unknown);
}

#[test]
fn result_helpers() {
    let result = |status: &str| ApiResult::new("X", ResultStatus::from(status), None);
    assert!(result("S").is_success() && !result("S").is_failed() && !result("S").is_unknown());
    assert!(result("F").is_failed() && !result("F").is_success() && !result("F").is_unknown());
    assert!(result("U").is_unknown() && !result("U").is_success() && !result("U").is_failed());
    // A status this crate does not know is treated as unknown, never as failure.
    assert!(result("Q").is_unknown());
    assert_eq!(
        serde_json::to_value(result("U")).unwrap(),
        json!({"resultCode": "X", "resultStatus": "U"})
    );
    // resultCode and resultStatus are required: a result without them is rejected.
    assert!(serde_json::from_value::<ApiResult>(json!({"resultCode": "SUCCESS"})).is_err());
}

#[test]
fn payment_statuses() {
    assert!(PaymentStatus::Success.is_final());
    assert!(PaymentStatus::Fail.is_final());
    assert!(PaymentStatus::Cancelled.is_final());
    assert!(!PaymentStatus::Processing.is_final());
    assert!(!PaymentStatus::Pending.is_final());
    assert!(RefundStatus::Fail.is_final());
    assert!(!RefundStatus::Processing.is_final());
    assert!(!RefundStatus::from("UNKNOWN").is_final());
}

#[test]
fn payment_result_code_table() {
    // All 27 codes of the seed's table, plus SUCCESS from its samples.
    assert_eq!(PaymentResultCode::KNOWN.len(), 28);
    for code in PaymentResultCode::KNOWN {
        assert!(!code.meaning().is_empty(), "{code}");
        assert!(!code.advice().is_empty(), "{code}");
        assert!(code.meaning().is_ascii(), "{code} meaning is translated");
        assert!(code.advice().is_ascii(), "{code} advice is translated");
    }
    let balance = PaymentResultCode::from("USER_BALANCE_NOT_ENOUGH");
    assert_eq!(balance, PaymentResultCode::UserBalanceNotEnough);
    assert!(balance.meaning().contains("balance"));
    assert!(balance.advice().contains("top up"));
    assert!(PaymentResultCode::ProcessFail.advice().contains("Do not retry"));
    assert!(PaymentResultCode::PaymentInProcess.is_pending_or_unknown());
    assert!(!PaymentResultCode::RiskReject.is_pending_or_unknown());
    let novel = PaymentResultCode::from("BRAND_NEW");
    assert!(novel.meaning().contains("does not know"));
    assert!(novel.advice().contains("inquiryPayment"));
}

#[test]
fn sdk_event_codes() {
    assert_eq!(SdkEventCode::KNOWN.len(), 24);
    // Every code @alipay/ams-checkout 1.47.2 emits is known, with a description.
    for code in [
        "SDK_START_OF_LOADING",
        "SDK_END_OF_LOADING",
        "SDK_INTERNAL_ERROR",
        "SDK_CREATEPAYMENT_PARAMETER_ERROR",
        "SDK_INIT_PARAMETER_ERROR",
        "SDK_CREATECOMPONENT_ERROR",
        "SDK_CREATE_COMPONENT_ERROR",
        "SDK_LAUNCH_PAYMENT_APP_ERROR",
        "SDK_CALL_URL_SUCCESS",
        "SDK_CALL_URL_ERROR",
        "SDK_PAYMENT_SUCCESSFUL",
        "SDK_PAYMENT_FAIL",
        "SDK_PAYMENT_ERROR",
        "SDK_PAYMENT_CANCEL",
        "SDK_PAYMENT_PROCESSING",
        "SDK_PAYMENT_WARN",
        "SDK_PAYMENT_SHIPPINGCHANGE",
        "SDK_PAYMENT_APPROVE",
        "SDK_REDIRECT",
    ] {
        let parsed = SdkEventCode::from(code);
        assert!(parsed.is_known(), "{code}");
        assert_eq!(parsed.as_str(), code);
        assert!(!parsed.description().contains("does not know"), "{code}");
    }
    assert_eq!(
        SdkEventCode::from("SDK_LAUNCH_PAYMENT_APP_ERROR").kind(),
        SdkEventKind::Status
    );
    assert_eq!(SdkEventCode::from("SDK_PAYMENT_APPROVE").kind(), SdkEventKind::Status);
    assert!(SdkEventCode::CallUrlError.description().starts_with("Deprecated"));
    assert_eq!(
        SdkEventCode::from("SDK_PAYMENT_SUCCESSFUL").kind(),
        SdkEventKind::PaymentResult
    );
    assert_eq!(
        SdkEventCode::from("SDK_PAYMENT_CANCEL").kind(),
        SdkEventKind::PaymentResult
    );
    assert_eq!(SdkEventCode::from("SDK_INTERNAL_ERROR").kind(), SdkEventKind::Error);
    assert_eq!(SdkEventCode::from("SDK_END_OF_LOADING").kind(), SdkEventKind::Status);
    for code in SdkEventCode::KNOWN {
        assert_ne!(code.kind(), SdkEventKind::Unknown);
        assert!(!code.description().is_empty());
    }
    let event: SdkEvent = serde_json::from_value(json!({
        "code": "SDK_PAYMENT_FAIL",
        "result": {"paymentResultCode": "SUSPECTED_CARD", "paymentStatus": "FAIL"}
    }))
    .unwrap();
    let code = event.result.unwrap().payment_result_code.unwrap();
    assert!(code.advice().contains("another card"));
}

#[test]
fn explicit_null_transactions_are_preserved() {
    let body = json!({
        "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
        "transactions": null
    });
    let parsed: InquiryPaymentResponse = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(parsed.transactions, Some(None));
    assert_eq!(serde_json::to_value(&parsed).unwrap(), body);
    let absent: InquiryPaymentResponse =
        serde_json::from_value(json!({"result": {"resultCode": "SUCCESS", "resultStatus": "S"}})).unwrap();
    assert_eq!(absent.transactions, None);
    assert!(serde_json::to_value(&absent).unwrap().get("transactions").is_none());
}

#[test]
fn optional_fields_are_skipped_when_none() {
    let request = InquiryPaymentRequest::new("r1");
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"paymentRequestId": "r1"})
    );
    let empty: Value = serde_json::to_value(Buyer::default()).unwrap();
    assert_eq!(empty, json!({}));
}
