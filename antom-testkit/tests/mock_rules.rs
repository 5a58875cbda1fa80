//! Scripted outcomes and API faults: rules from TOML, U results, HTTP 5xx,
//! delays past a client timeout, dropped connections.

mod mock_support;

use std::time::Duration;

use antom_testkit::keys;
use antom_testkit::mock::{self, Action, Api, MockAntom, NotificationFaults, Rule, Rules};
use antom_types::PaymentStatus;
use mock_support::*;
use serde_json::json;
use tower::ServiceExt;

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("antom-testkit-mock-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rules.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn rules_from_a_toml_file_script_the_outcome() {
    let path = temp_file(
        "toml",
        r#"
[[rule]]
name = "cards ending 01 are declined"
payment_method_type = "SHOPEEPAY_SG"
amount_ends_with = "01"
action = "decline"
result_code = "USER_BALANCE_NOT_ENOUGH"

[[rule]]
name = "refunds answer 503 once"
api = "refund"
action = "http_status"
status = 503
times = 1
"#,
    );
    let rules = Rules::from_toml_file(&path).unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules.rules()[0].action, Action::decline("USER_BALANCE_NOT_ENOUGH"));

    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder().rules(rules).start().await.unwrap();
    let client = Merchant::new(mock.base_url());
    for (id, value) in [("pay_declined", "4201"), ("pay_ok", "4200")] {
        let reply = client
            .call(CREATE, &session_request(id, value, Some(&merchant.url())))
            .await;
        assert_eq!(reply.result_code(), "SUCCESS");
    }
    assert_eq!(
        mock.log().requests()[0].rule.as_deref(),
        Some("cards ending 01 are declined")
    );
    assert_eq!(mock.log().requests()[1].rule, None);

    // The buyer pays; the magic amount is declined.
    assert_eq!(mock.pay("pay_declined").unwrap().status, PaymentStatus::Fail);
    assert_eq!(mock.pay("pay_ok").unwrap().status, PaymentStatus::Success);
    mock.wait_for_acknowledged(2, WAIT).await.unwrap();
    let declined = merchant
        .verified()
        .into_iter()
        .find(|r| r.json()["paymentRequestId"] == "pay_declined")
        .unwrap();
    assert_eq!(declined.json()["result"]["resultCode"], "USER_BALANCE_NOT_ENOUGH");
    assert_eq!(declined.json()["result"]["resultStatus"], "F");

    // The refund rule: 503 once, then the retry goes through.
    let payment_id = mock.payment("pay_ok").unwrap().payment_id;
    let refund = json!({"refundRequestId": "ref_1", "paymentId": payment_id, "refundAmount": {"currency": "SGD", "value": "100"}});
    let first = client.call(REFUND, &refund).await;
    assert_eq!(first.status, 503);
    assert!(!first.is_signed());
    assert_eq!(first.result_status(), "U");
    assert!(mock.payment("pay_ok").unwrap().refunds.is_empty());
    let second = client.call(REFUND, &refund).await;
    assert_eq!(second.result_code(), "SUCCESS");

    let bad = temp_file("bad", "[[rule]]\naction = \"teleport\"\n");
    let err = Rules::from_toml_file(&bad).unwrap_err().to_string();
    assert!(
        err.contains("rules.toml") && err.contains("unknown action \"teleport\""),
        "{err}"
    );
}

#[test]
fn the_shipped_example_file_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules.example.toml");
    let rules = Rules::from_toml_file(path).unwrap();
    assert_eq!(rules, Rules::example());
    assert!(rules.rules().iter().any(|r| r.api == Some(Api::Refund)));
}

#[tokio::test]
async fn http_5xx_rule_is_unsigned_and_creates_nothing() {
    let mock = MockAntom::builder()
        .rule(Rule::new(Action::http_status(500)).amount(4206).times(1))
        .start()
        .await
        .unwrap();
    let client = Merchant::new(mock.base_url());
    let first = client.call(CREATE, &session_request("pay_1", "4206", None)).await;
    assert_eq!(first.status, 500);
    assert!(!first.is_signed());
    assert_eq!(first.result_code(), "UNKNOWN_EXCEPTION");
    assert!(mock.payment("pay_1").is_none());
    let retry = client.call(CREATE, &session_request("pay_1", "4206", None)).await;
    assert_eq!((retry.status, retry.result_code().as_str()), (200, "SUCCESS"));
    assert_eq!(mock.log().requests()[0].response.as_ref().unwrap().status, 500);
}

#[tokio::test]
async fn unknown_results_with_and_without_effect() {
    let mock = MockAntom::builder()
        .rule(Rule::new(Action::unknown()).payment_request_id("lost_*"))
        .rule(
            Rule::new(Action::unknown_with("PAYMENT_IN_PROCESS", true))
                .payment_request_id("made_*")
                .times(1),
        )
        .start()
        .await
        .unwrap();
    let client = Merchant::new(mock.base_url());

    let lost = client.call(CREATE, &session_request("lost_1", "4200", None)).await;
    assert_eq!(
        (lost.result_status().as_str(), lost.result_code().as_str()),
        ("U", "UNKNOWN_EXCEPTION")
    );
    assert!(
        lost.verify(CREATE, &keys::antom_public_key_ring()).is_ok(),
        "a U answer is signed"
    );
    assert!(mock.payment("lost_1").is_none());

    let made = client.call(CREATE, &session_request("made_1", "4200", None)).await;
    assert_eq!(
        (made.result_status().as_str(), made.result_code().as_str()),
        ("U", "PAYMENT_IN_PROCESS")
    );
    let payment = mock.payment("made_1").expect("applied: the session exists");
    // Retrying with the same paymentRequestId returns that session.
    let retry = client.call(CREATE, &session_request("made_1", "4200", None)).await;
    assert_eq!(retry.result_code(), "SUCCESS");
    assert_eq!(retry.json()["paymentSessionId"], payment.payment_session_id.as_str());
    assert_eq!(mock.payments().len(), 1);
}

#[tokio::test]
async fn unknown_on_other_apis() {
    let mock = MockAntom::builder()
        .rule(Rule::new(Action::unknown()).api(Api::InquiryPayment).times(1))
        .rule(Rule::new(Action::fail("ORDER_STATUS_INVALID")).api(Api::Cancel))
        .start()
        .await
        .unwrap();
    let client = Merchant::new(mock.base_url());
    client.call(CREATE, &session_request("pay_1", "4200", None)).await;
    let inquiry = client.call(INQUIRY, &json!({"paymentRequestId": "pay_1"})).await;
    assert_eq!(inquiry.result_status(), "U");
    assert!(inquiry.json().get("paymentStatus").is_none());
    let inquiry = client.call(INQUIRY, &json!({"paymentRequestId": "pay_1"})).await;
    assert_eq!(inquiry.json()["paymentStatus"], "PROCESSING");
    let cancel = client.call(CANCEL, &json!({"paymentRequestId": "pay_1"})).await;
    assert_eq!(
        (cancel.result_status().as_str(), cancel.result_code().as_str()),
        ("F", "ORDER_STATUS_INVALID")
    );
    assert_eq!(mock.payment("pay_1").unwrap().status, PaymentStatus::Processing);
}

#[tokio::test]
async fn automatic_outcomes_run_on_the_scaled_clock() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder()
        .time_scale(1000.0) // 3 s -> 3 ms
        .rule(
            Rule::new(Action::Succeed {
                after: Duration::from_secs(3),
            })
            .amount_ends_with("03"),
        )
        .rule(Rule::new(Action::fail("USER_BALANCE_NOT_ENOUGH")).amount_ends_with("02"))
        .rule(Rule::new(Action::Processing).amount_ends_with("04"))
        .start()
        .await
        .unwrap();
    let client = Merchant::new(mock.base_url());
    for (id, value) in [("auto_ok", "4203"), ("auto_fail", "4202"), ("stuck", "4204")] {
        assert_eq!(
            client
                .call(CREATE, &session_request(id, value, Some(&merchant.url())))
                .await
                .result_code(),
            "SUCCESS"
        );
    }
    mock.wait_for_status("auto_ok", PaymentStatus::Success, WAIT)
        .await
        .unwrap();
    let failed = mock
        .wait_for_status("auto_fail", PaymentStatus::Fail, WAIT)
        .await
        .unwrap();
    assert_eq!(failed.payment_result_code.as_deref(), Some("USER_BALANCE_NOT_ENOUGH"));
    mock.wait_for_acknowledged(2, WAIT).await.unwrap();

    // A stuck payment ignores the buyer's Pay; only expiry (or cancel) ends it.
    assert_eq!(mock.pay("stuck").unwrap().status, PaymentStatus::Processing);
    let inquiry = client.call(INQUIRY, &json!({"paymentRequestId": "stuck"})).await;
    assert_eq!(inquiry.json()["paymentStatus"], "PROCESSING");
    assert_eq!(inquiry.json()["paymentResultCode"], "PAYMENT_IN_PROCESS");
    assert_eq!(mock.expire("stuck").unwrap().status, PaymentStatus::Fail);
    mock.wait_for_acknowledged(3, WAIT).await.unwrap();
    assert_eq!(merchant.verified().len(), 3);
}

#[tokio::test]
async fn a_delay_rule_outlasts_the_client_timeout() {
    let mock = MockAntom::builder()
        .rule(
            Rule::new(Action::WaitForBuyer)
                .api(Api::InquiryPayment)
                .delay(Duration::from_millis(800)),
        )
        .start()
        .await
        .unwrap();
    let client = Merchant::new(mock.base_url());
    client.call(CREATE, &session_request("pay_1", "4200", None)).await;
    let started = std::time::Instant::now();
    let timed_out = tokio::time::timeout(
        Duration::from_millis(200),
        client.call(INQUIRY, &json!({"paymentRequestId": "pay_1"})),
    )
    .await;
    assert!(timed_out.is_err(), "the client gave up first");
    // A patient client gets the answer after the delay.
    let reply = client.call(INQUIRY, &json!({"paymentRequestId": "pay_1"})).await;
    assert_eq!(reply.json()["paymentStatus"], "PROCESSING");
    assert!(started.elapsed() >= Duration::from_millis(800));
    let logged = mock.log().wait_for_requests(3, WAIT).await.unwrap();
    assert_eq!(
        logged
            .iter()
            .filter(|r| r.delay == Some(Duration::from_millis(800)))
            .count(),
        2,
        "the abandoned call is logged too"
    );
}

#[tokio::test]
async fn drop_connection_closes_without_an_answer() {
    let mock = MockAntom::builder()
        .rule(Rule::new(Action::DropConnection).times(1))
        .start()
        .await
        .unwrap();
    let client = Merchant::new(mock.base_url());
    let body = serde_json::to_vec(&session_request("pay_1", "4200", None)).unwrap();
    let time = "1755398209123";
    let content = antom_tower::signing::SigningContent::new("POST", CREATE, mock.client_id(), time, &body);
    let signature = keys::merchant_private_key()
        .sign_header(&content, antom_tower::signing::KeyVersion(1))
        .unwrap()
        .to_string();
    let headers = [
        ("client-id", mock.client_id()),
        ("request-time", time),
        ("signature", signature.as_str()),
    ];
    let dropped = client.try_send(CREATE, body.clone(), &headers).await;
    assert!(dropped.is_err(), "no HTTP answer: {dropped:?}");
    let record = &mock.log().requests()[0];
    assert!(record.response.is_none());
    assert!(record.verification.is_verified(), "the request was read in full first");
    // times = 1: the retry is answered.
    assert_eq!(
        client.try_send(CREATE, body, &headers).await.unwrap().result_code(),
        "SUCCESS"
    );
}

#[tokio::test]
async fn drop_connection_is_an_error_from_the_tower_service() {
    let mock = MockAntom::builder()
        .rule(Rule::new(Action::DropConnection).any_api())
        .build();
    let request = http::Request::post(INQUIRY)
        .header("client-id", mock.client_id())
        .header("request-time", "1")
        .header("signature", "x")
        .body(http_body_util::Full::new(axum::body::Bytes::new()))
        .unwrap();
    // Unverified requests never reach the rules: INVALID_SIGNATURE comes first.
    let response = mock.service().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);

    let body = b"{\"paymentRequestId\":\"x\"}".to_vec();
    let time = "1755398209123";
    let content = antom_tower::signing::SigningContent::new("POST", INQUIRY, mock.client_id(), time, &body);
    let signature = keys::merchant_private_key()
        .sign_header(&content, antom_tower::signing::KeyVersion(1))
        .unwrap()
        .to_string();
    let request = http::Request::post(INQUIRY)
        .header("client-id", mock.client_id())
        .header("request-time", time)
        .header("signature", signature)
        .body(http_body_util::Full::new(axum::body::Bytes::from(body)))
        .unwrap();
    let error = mock.service().oneshot(request).await.unwrap_err();
    assert!(error.downcast_ref::<mock::ConnectionDropped>().is_some(), "{error}");
}

#[tokio::test]
async fn rule_set_notification_faults_apply_to_the_matching_payments_only() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder()
        .rule(
            Rule::new(Action::WaitForBuyer)
                .amount_ends_with("09")
                .notification_faults(
                    NotificationFaults::default()
                        .with_copies(2)
                        .with_stale_after_final(true),
                ),
        )
        .start()
        .await
        .unwrap();
    let client = Merchant::new(mock.base_url());
    client
        .call(CREATE, &session_request("faulty", "4209", Some(&merchant.url())))
        .await;
    client
        .call(CREATE, &session_request("plain", "4200", Some(&merchant.url())))
        .await;
    mock.pay("faulty").unwrap();
    mock.pay("plain").unwrap();
    let attempts = mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(mock.log().notifications_for("faulty").len(), 3, "{attempts:#?}");
    assert_eq!(mock.log().notifications_for("plain").len(), 1);
}

#[tokio::test]
async fn rules_can_be_replaced_at_run_time() {
    let mock = MockAntom::builder().start().await.unwrap();
    let client = Merchant::new(mock.base_url());
    mock.set_rules(Rules::new().with(Rule::new(Action::http_status(502)).any_api()));
    assert_eq!(
        client.call(INQUIRY, &json!({"paymentRequestId": "x"})).await.status,
        502
    );
    mock.set_rules(Rules::new());
    assert_eq!(
        client
            .call(INQUIRY, &json!({"paymentRequestId": "x"}))
            .await
            .result_code(),
        "ORDER_NOT_EXIST"
    );
}

#[tokio::test]
async fn unpaid_payments_expire_on_the_scaled_clock() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder()
        .time_scale(60_000.0) // Antom's 14 minutes -> 14 ms
        .auto_expire_after(Duration::from_secs(14 * 60))
        .start()
        .await
        .unwrap();
    let client = Merchant::new(mock.base_url());
    client
        .call(CREATE, &session_request("paid", "4200", Some(&merchant.url())))
        .await;
    mock.pay("paid").unwrap();
    client
        .call(CREATE, &session_request("unpaid", "4200", Some(&merchant.url())))
        .await;
    let expired = mock.wait_for_status("unpaid", PaymentStatus::Fail, WAIT).await.unwrap();
    assert_eq!(expired.payment_result_code.as_deref(), Some("ORDER_IS_CLOSED"));
    mock.wait_for_acknowledged(2, WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        mock.payment("paid").unwrap().status,
        PaymentStatus::Success,
        "a paid payment does not expire"
    );
    assert_eq!(mock.log().notifications().len(), 2);
}
