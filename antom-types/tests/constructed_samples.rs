//! Hand-written samples (tests/fixtures/constructed/) for the APIs the seed
//! pages do not sample: each parses, re-serializes to equal JSON, and holds
//! the values it should.

use antom_types::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Debug;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/constructed")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn round_trip<T: Serialize + DeserializeOwned + Debug>(name: &str) -> T {
    let text = fixture(name);
    let parsed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        original,
        "{name} does not round-trip"
    );
    parsed
}

#[test]
fn cancel() {
    let request: CancelRequest = round_trip("cancel_request.json");
    assert_eq!(request, CancelRequest::by_payment_request_id("paymentRequestId01"));
    assert_eq!(request.idempotency_key(), None);
    let response: CancelResponse = round_trip("cancel_response.json");
    assert!(response.result().is_success());
    assert_eq!(response.cancel_time.as_deref(), Some("2024-01-01T00:02:00+08:00"));
}

#[test]
fn refund() {
    let request: RefundRequest = round_trip("refund_request.json");
    assert_eq!(request.refund_amount.to_string(), "1.00 USD");
    assert_eq!(request.is_async_refund, Some(false));
    assert_eq!(request.idempotency_key(), Some("20181129190741020007000000XXXX"));
    let built = RefundRequest {
        is_async_refund: Some(false),
        ..RefundRequest::new(
            "20181129190741020007000000XXXX",
            "20181129190741010007000000XXXX",
            Amount::from_minor_units(100, "USD").unwrap(),
        )
        .with_refund_reason("customer returned the goods")
        .with_refund_notify_url("https://www.yourNotifyUrl.com/refund")
    };
    assert_eq!(built, request);

    let response: RefundResponse = round_trip("refund_response.json");
    assert!(response.result.is_success());
    assert_eq!(response.refund_id.as_deref(), Some("40181129190741020007000000XXXX"));
}

#[test]
fn inquiry_refund() {
    let request: InquiryRefundRequest = round_trip("inquiry_refund_request.json");
    assert_eq!(request, InquiryRefundRequest::new("20181129190741020007000000XXXX"));
    let response: InquiryRefundResponse = round_trip("inquiry_refund_response.json");
    assert_eq!(response.refund_status, Some(RefundStatus::Success));
    assert!(response.refund_status.as_ref().unwrap().is_final());
    let quote = response.settlement_quote.unwrap();
    // The exchange rate stays decimal text; booleans sent as strings parse.
    assert_eq!(quote.quote_price.as_deref(), Some("1.3412"));
    assert_eq!(quote.guaranteed, Some(true));
    assert_eq!(response.gross_settlement_amount.unwrap().to_string(), "1.34 SGD");
}

#[test]
fn notify_refund() {
    let notification: NotifyRefund = round_trip("notify_refund.json");
    assert_eq!(notification.refund_status, RefundStatus::Success);
    assert_eq!(
        notification.idempotency_key(),
        "REFUND_RESULT:40181129190741020007000000XXXX"
    );
    // `arn` is not modelled and survives in `extra`.
    assert_eq!(
        notification.extra.get("arn"),
        Some(&Value::from("74537604221431003881865"))
    );
    match Notification::from_slice(fixture("notify_refund.json").as_bytes()).unwrap() {
        Notification::Refund(dispatched) => assert_eq!(*dispatched, notification),
        other => panic!("expected Refund, got {other:?}"),
    }
}

#[test]
fn failed_payment_notification() {
    let notification: NotifyPayment = round_trip("notify_payment_failed.json");
    assert!(notification.result.is_failed());
    assert!(!notification.is_payment_success());
    assert_eq!(notification.result.result_code, ResultCode::UserBalanceNotEnough);
    assert_eq!(notification.payment_amount.to_string(), "150000 KRW");
    assert_eq!(notification.payment_time, None);
}

#[test]
fn error_response_without_payload() {
    let response: CreatePaymentSessionResponse = round_trip("create_payment_session_error_response.json");
    assert!(response.result.is_failed());
    assert_eq!(response.result.result_code, ResultCode::ParamIllegal);
    assert_eq!(response.payment_session_data, None);
}

#[test]
fn card_inquiry_payment() {
    let response: InquiryPaymentResponse = round_trip("inquiry_payment_response_card.json");
    assert_eq!(response.payment_amount.unwrap().to_string(), "1.234 BHD");
    assert_eq!(response.actual_payment_amount.unwrap().to_string(), "3.27 USD");
    assert_eq!(response.payment_quote.as_ref().unwrap().guaranteed, Some(false));
    let info = response.payment_result_info.clone().unwrap();
    assert_eq!(info.funding, Some(CardFunding::Debit));
    assert_eq!(info.three_ds_result.unwrap().three_ds_version.as_deref(), Some("2.2.0"));
    let transactions = response.transactions();
    assert_eq!(transactions.len(), 1);
    assert_eq!(transactions[0].transaction_type, Some(TransactionType::Refund));
    assert_eq!(transactions[0].transaction_amount.unwrap().value(), 500);
}
