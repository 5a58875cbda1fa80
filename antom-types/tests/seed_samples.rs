//! Every JSON sample in the seed documents parses into its type and
//! re-serializes to JSON equal (as `serde_json::Value`) to the input.
//!
//! The samples are in `tests/fixtures/seeds/`, one per file, named
//! `<what>.seed<NNN>.json` after the seed page they come from. They are
//! copied verbatim: every sample on the pages was already valid JSON, so no
//! fix was needed, with one exception. Seed 002's iOS example holds its
//! JSON inside an Objective-C string literal (`@"{\"billingAddress\":...}"`);
//! the fixture is that literal with its `\"` escapes removed. JavaScript
//! object literals on the pages (SDK configuration such as
//! `{ environment: "sandbox", ... }`) are code, not JSON samples, and are
//! not extracted.

use antom_types::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Debug;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Parses `name` as `T`, checks the re-serialized JSON equals the input, and
/// returns the parsed value for further checks.
fn round_trip<T: Serialize + DeserializeOwned + Debug>(name: &str) -> T {
    let text = fixture(name);
    let parsed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let reserialized = serde_json::to_value(&parsed).expect("serializes");
    assert_eq!(reserialized, original, "{name} does not round-trip");
    parsed
}

#[test]
fn every_seed_fixture_is_covered() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("fixtures dir")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // If a fixture is added, it must be added to a test below too.
    assert_eq!(
        names,
        [
            "create_payment_session_request.seed000.json",
            "create_payment_session_request.seed001.json",
            "create_payment_session_request.seed003.json",
            "create_payment_session_response.seed000.json",
            "create_payment_session_response.seed001.json",
            "create_payment_session_response.seed003.json",
            "inquiry_payment_request.seed000.json",
            "inquiry_payment_request.seed001.json",
            "inquiry_payment_request.seed003.json",
            "inquiry_payment_response.seed000.json",
            "inquiry_payment_response.seed001.json",
            "inquiry_payment_response.seed003.json",
            "notify_payment.seed000.json",
            "notify_payment.seed001.json",
            "notify_payment.seed003.json",
            "sdk_event_result_card_payment.seed002.json",
            "sdk_event_result_risk_decision.seed002.json",
            "sdk_submit_data_billing_address.seed002.json",
        ]
    );
}

#[test]
fn create_payment_session_requests() {
    for seed in ["000", "001", "003"] {
        let request: CreatePaymentSessionRequest =
            round_trip(&format!("create_payment_session_request.seed{seed}.json"));
        assert_eq!(request.product_code, ProductCode::CashierPayment);
        assert_eq!(request.payment_request_id, "paymentRequestId01");
        assert_eq!(request.payment_amount.value(), 4200);
        assert_eq!(request.order.order_amount, request.payment_amount);
        assert_eq!(
            request
                .order
                .buyer
                .as_ref()
                .and_then(|b| b.reference_buyer_id.as_deref()),
            Some("yourBuyerId")
        );
        assert!(request.extra.is_empty(), "all fields are modelled");
        assert_eq!(request.idempotency_key(), Some("paymentRequestId01"));
    }
    let sgd: CreatePaymentSessionRequest = round_trip("create_payment_session_request.seed000.json");
    assert_eq!(sgd.payment_amount.currency(), Currency::SGD);
    assert_eq!(sgd.payment_method.payment_method_type, PaymentMethodType::ShopeepaySg);
    assert_eq!(sgd.payment_notify_url.as_deref(), Some("https://www.yourNotifyUrl.com"));
    let myr: CreatePaymentSessionRequest = round_trip("create_payment_session_request.seed001.json");
    assert_eq!(myr.payment_amount.to_string(), "42.00 MYR");
    assert_eq!(
        myr.payment_method.payment_method_type,
        PaymentMethodType::OnlinebankingFpx
    );
    // Seed 003 carries Chinese text in orderDescription; it must survive.
    let zh: CreatePaymentSessionRequest = round_trip("create_payment_session_request.seed003.json");
    assert_eq!(zh.order.order_description, "antom sdk测试订单");
}

#[test]
fn create_payment_session_request_built_in_code_matches_seed() {
    // The request of seed 000, built with the constructor, serializes to the sample.
    let amount = Amount::from_minor_units(4200, "SGD").unwrap();
    let order = Order {
        buyer: Some(Buyer {
            reference_buyer_id: Some("yourBuyerId".into()),
            ..Default::default()
        }),
        ..Order::new("referenceOrderId01", "antom testing order", amount)
    };
    let request = CreatePaymentSessionRequest::new(
        "paymentRequestId01",
        order,
        amount,
        PaymentMethodType::ShopeepaySg,
        "https://www.yourMerchantWeb.com",
    )
    .with_payment_notify_url("https://www.yourNotifyUrl.com");
    let expected: Value = serde_json::from_str(&fixture("create_payment_session_request.seed000.json")).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), expected);
}

#[test]
fn create_payment_session_responses() {
    for seed in ["000", "001", "003"] {
        let response: CreatePaymentSessionResponse =
            round_trip(&format!("create_payment_session_response.seed{seed}.json"));
        assert!(response.result().is_success());
        assert_eq!(response.result.result_code, ResultCode::Success);
        assert_eq!(response.result.result_message.as_deref(), Some("success."));
        assert!(response
            .payment_session_data
            .as_deref()
            .is_some_and(|data| data.contains("&&SG&&")));
        assert!(response.payment_session_id.is_some());
        assert!(response.payment_session_expiry_time.is_some());
    }
}

#[test]
fn inquiry_payment_requests() {
    for seed in ["000", "001", "003"] {
        let request: InquiryPaymentRequest = round_trip(&format!("inquiry_payment_request.seed{seed}.json"));
        assert_eq!(request, InquiryPaymentRequest::new("paymentRequestId01"));
    }
}

#[test]
fn inquiry_payment_responses() {
    for seed in ["001", "003"] {
        let response: InquiryPaymentResponse = round_trip(&format!("inquiry_payment_response.seed{seed}.json"));
        assert_eq!(response.payment_status, Some(PaymentStatus::Success));
        assert!(response.is_final());
        assert_eq!(
            response.payment_amount,
            Some(Amount::from_minor_units(500, "USD").unwrap())
        );
        // `"transactions": null` is kept as an explicit null.
        assert_eq!(response.transactions, Some(None));
        assert!(response.transactions().is_empty());
    }
    let response: InquiryPaymentResponse = round_trip("inquiry_payment_response.seed000.json");
    assert_eq!(response.payment_method_type, Some(PaymentMethodType::ShopeepaySg));
    assert_eq!(response.transactions, None);
    assert_eq!(
        response.payment_amount.map(|a| a.to_string()).as_deref(),
        Some("42.00 SGD")
    );
}

#[test]
fn notify_payments() {
    for seed in ["000", "001", "003"] {
        let name = format!("notify_payment.seed{seed}.json");
        let notification: NotifyPayment = round_trip(&name);
        assert_eq!(notification.notify_type, NotifyType::PaymentResult);
        assert!(notification.result.is_success());
        assert!(notification.is_payment_success());
        assert_eq!(notification.payment_amount.value(), 4200);
        assert_eq!(
            notification.idempotency_key(),
            format!("PAYMENT_RESULT:{}", notification.payment_id)
        );
        // The dispatcher picks the same type.
        match Notification::from_slice(fixture(&name).as_bytes()).unwrap() {
            Notification::Payment(dispatched) => assert_eq!(*dispatched, notification),
            other => panic!("{name}: expected Payment, got {other:?}"),
        }
    }
}

#[test]
fn sdk_event_results() {
    let card: SdkEventResult = round_trip("sdk_event_result_card_payment.seed002.json");
    assert_eq!(card.payment_status, Some(PaymentStatus::Success));
    assert_eq!(card.payment_result_code, Some(PaymentResultCode::Success));
    let info = card.card_payment_result_info.expect("card info");
    assert_eq!(info.card_brand.as_deref(), Some("VISA"));
    assert_eq!(info.funding, Some(CardFunding::Debit));
    assert_eq!(info.hold_name.as_deref(), Some("Tom Jay"));
    assert_eq!(info.issuing_country.as_deref(), Some("BR"));
    // An empty string stays an empty string, not an absent field.
    assert_eq!(info.fingerprint.as_deref(), Some(""));

    let risk: SdkEventResult = round_trip("sdk_event_result_risk_decision.seed002.json");
    let decision = risk.risk_decision_info.expect("risk info");
    assert_eq!(decision.risk_decision, Some(RiskDecision::Accept));
    assert_eq!(decision.risk_auth_decision, Some(RiskAuthDecision::NonThreeD));
}

#[test]
fn sdk_submit_data() {
    let data: SdkSubmitData = round_trip("sdk_submit_data_billing_address.seed002.json");
    let address = data.billing_address.expect("billing address");
    assert_eq!(address.zip_code.as_deref(), Some("310000"));
    assert_eq!(address.region.as_deref(), Some("CN"));
}
