//! notifyDispute and notifyCapture, and `Notification` as a serde type.
//!
//! The bodies carry the fields of the official server libraries' models
//! (`AlipayDisputeNotify`, `AlipayCaptureResultNotify` in
//! alipay/global-open-sdk-java, -python, -go), with Antom's habit of sending
//! every scalar as a string.

use antom_types::{
    Amount, DisputeAcceptReason, DisputeJudgedResult, DisputeNotificationType, DisputeType, Notification,
    NotificationError, NotifyCapture, NotifyDispute, NotifyType, ResultStatus,
};
use serde_json::{json, Value};

fn dispute_created() -> Value {
    json!({
        "paymentRequestId": "paymentRequestId01",
        "disputeId": "202601150000000001",
        "paymentId": "20260115111212800100188820200000001",
        "disputeTime": "2026-01-15T10:00:05+08:00",
        "disputeAmount": {"currency": "MYR", "value": "4200"},
        "disputeNotificationType": "DISPUTE_CREATED",
        "disputeReasonMsg": "Cardholder dispute: not as described",
        "defenseDueTime": "2026-01-22T10:00:05+08:00",
        "disputeReasonCode": "4853",
        "disputeSource": "MASTERCARD",
        "arn": "74987505010100000000001",
        "disputeType": "CHARGEBACK",
        "defendable": "true",
        "captureId": "20260115111212800100188820200000009",
        "acquirerInfo": {"acquirerName": "2C2P", "referenceRequestId": "ref01"}
    })
}

fn dispute_judged() -> Value {
    json!({
        "paymentRequestId": "paymentRequestId01",
        "disputeId": "202601150000000001",
        "paymentId": "20260115111212800100188820200000001",
        "disputeTime": "2026-01-15T10:00:05+08:00",
        "disputeAmount": {"currency": "MYR", "value": "4200"},
        "disputeNotificationType": "DISPUTE_JUDGED",
        "disputeJudgedTime": "2026-01-25T10:00:05+08:00",
        "disputeJudgedAmount": {"currency": "MYR", "value": "4200"},
        "disputeJudgedResult": "ACCEPT_BY_CUSTOMER",
        "disputeReasonCode": "4853",
        "disputeType": "CHARGEBACK",
        "defendable": false
    })
}

fn capture_success() -> Value {
    json!({
        "notifyType": "CAPTURE_RESULT",
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        "captureRequestId": "captureRequestId01",
        "paymentId": "20260115111212800100188820200000001",
        "captureId": "20260115111212800100188820200000009",
        "captureAmount": {"currency": "MYR", "value": "4200"},
        "captureTime": "2026-01-15T10:00:05+08:00",
        "acquirerReferenceNo": "acq01",
        "taxCalculationId": "tax01"
    })
}

#[test]
fn dispute_created_parses_every_field() {
    let parsed = Notification::from_value(dispute_created()).unwrap();
    let Notification::Dispute(dispute) = &parsed else {
        panic!("expected a dispute, got {parsed:?}");
    };
    assert_eq!(
        dispute.dispute_notification_type,
        DisputeNotificationType::DisputeCreated
    );
    assert_eq!(dispute.dispute_id, "202601150000000001");
    assert_eq!(dispute.payment_request_id, "paymentRequestId01");
    assert_eq!(dispute.payment_id, "20260115111212800100188820200000001");
    assert_eq!(dispute.dispute_time.as_deref(), Some("2026-01-15T10:00:05+08:00"));
    assert_eq!(
        dispute.dispute_amount,
        Some(Amount::from_minor_units(4200, "MYR").unwrap())
    );
    assert_eq!(dispute.dispute_reason_code.as_deref(), Some("4853"));
    assert_eq!(
        dispute.dispute_reason_msg.as_deref(),
        Some("Cardholder dispute: not as described")
    );
    assert_eq!(dispute.defense_due_time.as_deref(), Some("2026-01-22T10:00:05+08:00"));
    assert_eq!(dispute.dispute_source.as_deref(), Some("MASTERCARD"));
    assert_eq!(dispute.arn.as_deref(), Some("74987505010100000000001"));
    assert_eq!(dispute.dispute_type, Some(DisputeType::Chargeback));
    assert_eq!(dispute.defendable, Some(true));
    assert_eq!(
        dispute.capture_id.as_deref(),
        Some("20260115111212800100188820200000009")
    );
    assert_eq!(
        dispute.acquirer_info.as_ref().and_then(|a| a.acquirer_name.as_deref()),
        Some("2C2P")
    );
    assert_eq!(dispute.dispute_judged_result, None);
    assert_eq!(dispute.notify_type, None);
    assert!(!dispute.is_final());

    assert_eq!(parsed.notify_type(), None);
    assert_eq!(parsed.type_name(), Some("DISPUTE_CREATED"));
    assert_eq!(
        parsed.idempotency_key().as_deref(),
        Some("DISPUTE_CREATED:202601150000000001")
    );
    assert_eq!(parsed.payment_request_id(), Some("paymentRequestId01"));
    assert_eq!(parsed.payment_id(), Some("20260115111212800100188820200000001"));
    assert!(parsed.is_money_relevant());
}

#[test]
fn dispute_judged_carries_the_decision() {
    let dispute: NotifyDispute = serde_json::from_value(dispute_judged()).unwrap();
    assert_eq!(
        dispute.dispute_notification_type,
        DisputeNotificationType::DisputeJudged
    );
    assert_eq!(
        dispute.dispute_judged_result,
        Some(DisputeJudgedResult::AcceptByCustomer)
    );
    assert_eq!(
        dispute.dispute_judged_amount,
        Some(Amount::from_minor_units(4200, "MYR").unwrap())
    );
    assert_eq!(
        dispute.dispute_judged_time.as_deref(),
        Some("2026-01-25T10:00:05+08:00")
    );
    assert_eq!(dispute.defendable, Some(false));
    assert!(dispute.is_final());
    // Each step of one dispute is its own delivery.
    let created: NotifyDispute = serde_json::from_value(dispute_created()).unwrap();
    assert_ne!(created.idempotency_key(), dispute.idempotency_key());
}

#[test]
fn every_dispute_type_of_the_official_libraries_is_known() {
    for (wire, known) in [
        ("DISPUTE_CREATED", DisputeNotificationType::DisputeCreated),
        ("DISPUTE_JUDGED", DisputeNotificationType::DisputeJudged),
        ("DISPUTE_CANCELLED", DisputeNotificationType::DisputeCancelled),
        ("DEFENSE_SUPPLIED", DisputeNotificationType::DefenseSupplied),
        ("DEFENSE_DUE_ALERT", DisputeNotificationType::DefenseDueAlert),
        ("DISPUTE_ACCEPTED", DisputeNotificationType::DisputeAccepted),
        ("RDR_RESOLVED", DisputeNotificationType::RdrResolved),
    ] {
        let mut body = dispute_created();
        body["disputeNotificationType"] = json!(wire);
        let Notification::Dispute(dispute) = Notification::from_value(body).unwrap() else {
            panic!("{wire} is not a dispute");
        };
        assert_eq!(dispute.dispute_notification_type, known);
        assert!(known.is_known());
    }
    for wire in [
        "ACCEPT_BY_CUSTOMER",
        "ACCEPT_BY_MERCHANT",
        "VALIDATE_SUCCESS",
        "VALIDATE_FAIL",
    ] {
        assert!(DisputeJudgedResult::from_wire(wire).is_known(), "{wire}");
    }
    for wire in ["MERCHANT_ACCEPTED", "TIMEOUT", "MANUAL_PROCESSING_ACCEPTED"] {
        assert!(DisputeAcceptReason::from_wire(wire).is_known(), "{wire}");
    }
    for wire in ["CHARGEBACK", "RETRIEVAL_REQUEST", "COMPLIANCE_REQUEST"] {
        assert!(DisputeType::from_wire(wire).is_known(), "{wire}");
    }
}

#[test]
fn unknown_dispute_values_and_fields_parse_and_survive_a_round_trip() {
    let mut body = dispute_judged();
    body["disputeNotificationType"] = json!("DISPUTE_ESCALATED");
    body["disputeJudgedResult"] = json!("SPLIT_DECISION");
    body["disputeType"] = json!("PRE_ARBITRATION");
    body["disputeAcceptReason"] = json!("SOMETHING_NEW");
    body["disputeEvidenceList"] = json!([{"fileId": "f1"}]);
    let parsed = Notification::from_value(body.clone()).unwrap();
    let Notification::Dispute(dispute) = &parsed else {
        panic!("expected a dispute, got {parsed:?}");
    };
    assert_eq!(
        dispute.dispute_notification_type,
        DisputeNotificationType::Other("DISPUTE_ESCALATED".into())
    );
    assert!(!dispute.is_final(), "an unknown type is not taken as final");
    assert_eq!(
        dispute.dispute_judged_result,
        Some(DisputeJudgedResult::Other("SPLIT_DECISION".into()))
    );
    assert_eq!(dispute.dispute_type, Some(DisputeType::Other("PRE_ARBITRATION".into())));
    assert_eq!(dispute.extra["disputeEvidenceList"], json!([{"fileId": "f1"}]));
    assert_eq!(
        parsed.idempotency_key().as_deref(),
        Some("DISPUTE_ESCALATED:202601150000000001")
    );
    // Serialize gives the body back (defendable in Antom's string form).
    let mut expected = body;
    expected["defendable"] = json!("false");
    assert_eq!(serde_json::to_value(&parsed).unwrap(), expected);
}

#[test]
fn a_malformed_dispute_is_a_typed_error() {
    let mut missing_id = dispute_created();
    missing_id.as_object_mut().unwrap().remove("disputeId");
    let err = Notification::from_value(missing_id).unwrap_err();
    assert!(
        matches!(
            &err,
            NotificationError::InvalidDispute {
                dispute_notification_type: DisputeNotificationType::DisputeCreated,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("disputeId"), "{err}");

    let mut bad_amount = dispute_created();
    bad_amount["disputeAmount"] = json!({"currency": "MYR", "value": "42.00"});
    assert!(matches!(
        Notification::from_value(bad_amount),
        Err(NotificationError::InvalidDispute { .. })
    ));

    let mut bad_flag = dispute_created();
    bad_flag["defendable"] = json!("maybe");
    assert!(matches!(
        Notification::from_value(bad_flag),
        Err(NotificationError::InvalidDispute { .. })
    ));
}

#[test]
fn capture_result_parses_every_field() {
    let parsed = Notification::from_value(capture_success()).unwrap();
    let Notification::Capture(capture) = &parsed else {
        panic!("expected a capture, got {parsed:?}");
    };
    assert_eq!(capture.notify_type, NotifyType::CaptureResult);
    assert!(capture.is_capture_success());
    assert_eq!(capture.capture_request_id, "captureRequestId01");
    assert_eq!(capture.payment_id, "20260115111212800100188820200000001");
    assert_eq!(capture.capture_id, "20260115111212800100188820200000009");
    assert_eq!(capture.capture_amount, Amount::from_minor_units(4200, "MYR").unwrap());
    assert_eq!(capture.capture_time.as_deref(), Some("2026-01-15T10:00:05+08:00"));
    assert_eq!(capture.acquirer_reference_no.as_deref(), Some("acq01"));
    assert_eq!(capture.tax_calculation_id.as_deref(), Some("tax01"));
    assert_eq!(
        parsed.idempotency_key().as_deref(),
        Some("CAPTURE_RESULT:20260115111212800100188820200000009")
    );
    assert_eq!(parsed.notify_type(), Some(NotifyType::CaptureResult));
    assert_eq!(parsed.type_name(), Some("CAPTURE_RESULT"));
    assert_eq!(parsed.payment_request_id(), None);
    assert_eq!(parsed.payment_id(), Some("20260115111212800100188820200000001"));
    assert!(parsed.is_money_relevant());
    assert_eq!(serde_json::to_value(&parsed).unwrap(), capture_success());
}

#[test]
fn a_failed_capture_and_a_malformed_one() {
    let mut failed = capture_success();
    failed["result"] = json!({"resultCode": "PROCESS_FAIL", "resultStatus": "F", "resultMessage": "failed"});
    failed.as_object_mut().unwrap().remove("captureTime");
    failed["newField"] = json!({"x": 1});
    let capture: NotifyCapture = serde_json::from_value(failed).unwrap();
    assert_eq!(capture.result.result_status, ResultStatus::Failed);
    assert!(!capture.is_capture_success());
    assert_eq!(capture.extra["newField"], json!({"x": 1}));

    let mut missing = capture_success();
    missing.as_object_mut().unwrap().remove("captureId");
    let err = Notification::from_value(missing).unwrap_err();
    assert!(
        matches!(
            &err,
            NotificationError::Invalid {
                notify_type: NotifyType::CaptureResult,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("captureId"), "{err}");
}

#[test]
fn notification_is_a_serde_type() {
    // What VerifiedNotification<Notification> does with a verified body.
    let payment = json!({
        "notifyType": "PAYMENT_RESULT",
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        "paymentRequestId": "r1", "paymentId": "p1",
        "paymentAmount": {"value": "100", "currency": "USD"}
    });
    let refund = json!({
        "notifyType": "REFUND_RESULT",
        "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success"},
        "refundStatus": "SUCCESS", "refundRequestId": "rr1", "refundId": "f1",
        "refundAmount": {"value": "100", "currency": "USD"}
    });
    let other = json!({"notifyType": "SUBSCRIPTION_NOTIFY", "subscriptionId": "s1", "paymentRequestId": "r9"});
    for (body, type_name, money) in [
        (payment, Some("PAYMENT_RESULT"), true),
        (refund, Some("REFUND_RESULT"), true),
        (dispute_created(), Some("DISPUTE_CREATED"), true),
        (capture_success(), Some("CAPTURE_RESULT"), true),
        (other, Some("SUBSCRIPTION_NOTIFY"), false),
    ] {
        let text = body.to_string();
        let parsed: Notification = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, Notification::from_slice(text.as_bytes()).unwrap());
        assert_eq!(parsed.type_name(), type_name);
        assert_eq!(parsed.is_money_relevant(), money, "{text}");
        assert_eq!(serde_json::to_value(&parsed).unwrap(), body);
    }
    let Notification::Other(_) = serde_json::from_str::<Notification>(r#"{"subscriptionId":"s1"}"#).unwrap() else {
        panic!("an untyped body is Other");
    };
    assert_eq!(
        serde_json::from_str::<Notification>(r#"{"notifyType":"X","paymentRequestId":"r9"}"#)
            .unwrap()
            .payment_request_id(),
        Some("r9")
    );

    // Errors come through serde with the typed error's message.
    let err = serde_json::from_str::<Notification>(r#"{"notifyType":"REFUND_RESULT"}"#).unwrap_err();
    assert!(
        err.to_string().contains("REFUND_RESULT notification is malformed"),
        "{err}"
    );
    assert!(serde_json::from_str::<Notification>("[1]").is_err());
}
