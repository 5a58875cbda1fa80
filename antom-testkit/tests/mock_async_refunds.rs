//! Asynchronous refunds in the mock: the refund API answers `U` /
//! `REFUND_IN_PROCESS`, inquiryRefund and inquiryPayment say `PROCESSING`,
//! and after the delay the refund succeeds and `REFUND_RESULT` goes to the
//! `refundNotifyUrl`, signed and retried; the control API ends refunds by
//! hand and switches the mode.

mod mock_support;

use std::time::Duration;

use antom_testkit::mock::{MockAntom, NotificationKind, RefundOrder, RefundOutcome, DEFAULT_ASYNC_REFUND_DELAY};
use antom_types::{Notification, RefundStatus};
use mock_support::*;
use serde_json::{json, Value};

/// A paid 42.00 SGD payment without a paymentNotifyUrl (so only refunds are notified).
async fn paid(mock: &MockAntom, base_url: &str, id: &str) -> (Merchant, String) {
    let client = Merchant::new(base_url);
    let reply = client.call(CREATE, &session_request(id, "4200", None)).await;
    assert_eq!(reply.result_code(), "SUCCESS", "{}", reply.text());
    mock.pay(id).unwrap();
    let payment_id = mock.payment(id).unwrap().payment_id;
    (client, payment_id)
}

fn refund_request(refund_request_id: &str, payment_id: &str, value: &str, notify_url: &str) -> Value {
    json!({
        "refundRequestId": refund_request_id,
        "paymentId": payment_id,
        "refundAmount": {"currency": "SGD", "value": value},
        "refundNotifyUrl": notify_url,
    })
}

async fn inquire_refund(client: &Merchant, refund_request_id: &str) -> Value {
    let reply = client
        .call(INQUIRY_REFUND, &json!({"refundRequestId": refund_request_id}))
        .await;
    assert!(reply.is_signed());
    assert_eq!(reply.result_status(), "S", "{}", reply.text());
    reply.json()
}

async fn refund_transactions(client: &Merchant, payment_request_id: &str) -> Vec<Value> {
    let reply = client
        .call(INQUIRY, &json!({"paymentRequestId": payment_request_id}))
        .await;
    reply.json()["transactions"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_async_refund_is_in_process_until_its_delay_then_succeeds_and_is_notified() {
    // The first delivery gets a 500: REFUND_RESULT is retried as every notification.
    let merchant = NotifyHarness::start(vec![Answer::Status500], Answer::Ack).await;
    let mock = MockAntom::builder()
        .async_refunds(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    assert_eq!(mock.async_refunds(), Some(Duration::from_secs(60)));
    let (client, payment_id) = paid(&mock, mock.base_url(), "pay_1").await;

    let reply = client
        .call(REFUND, &refund_request("ref_1", &payment_id, "1200", &merchant.url()))
        .await;
    assert!(reply.is_signed());
    assert_eq!(
        (reply.result_status(), reply.result_code()),
        ("U".to_owned(), "REFUND_IN_PROCESS".to_owned()),
        "{}",
        reply.text()
    );
    // A retry with the same refundRequestId: still in process, no second refund.
    let again = client
        .call(REFUND, &refund_request("ref_1", &payment_id, "1200", &merchant.url()))
        .await;
    assert_eq!(again.result_code(), "REFUND_IN_PROCESS");
    assert_eq!(mock.payment("pay_1").unwrap().refunds.len(), 1);

    let inquiry = inquire_refund(&client, "ref_1").await;
    assert_eq!(inquiry["refundStatus"], "PROCESSING");
    assert_eq!(inquiry["refundAmount"]["value"], "1200");
    assert!(inquiry.get("refundTime").is_none(), "{inquiry}");
    let refund_id = inquiry["refundId"].as_str().unwrap().to_owned();
    let transactions = refund_transactions(&client, "pay_1").await;
    assert_eq!(transactions.len(), 1, "{transactions:?}");
    assert_eq!(transactions[0]["transactionType"], "REFUND");
    assert_eq!(transactions[0]["transactionStatus"], "PROCESSING");
    assert_eq!(transactions[0]["transactionRequestId"], "ref_1");
    assert_eq!(transactions[0]["transactionId"], refund_id.as_str());
    assert_eq!(transactions[0]["transactionResult"]["resultStatus"], "U");

    // A refund in process holds its amount: 30.00 more would exceed 42.00.
    let over = client
        .call(REFUND, &refund_request("ref_2", &payment_id, "3001", &merchant.url()))
        .await;
    assert_eq!(over.result_code(), "REFUND_AMOUNT_EXCEED", "{}", over.text());

    // Not done before its delay.
    mock.advance_clock(Duration::from_secs(59)).await;
    assert_eq!(mock.refund("ref_1").unwrap().status, RefundStatus::Processing);
    assert!(mock.log().notifications().is_empty());

    // Done at its delay: SUCCESS, notified (500), and resent 2 minutes later.
    let first = mock.advance_clock(Duration::from_secs(1)).await;
    assert!(first.settled);
    let refund = mock.refund("ref_1").unwrap();
    assert_eq!(refund.status, RefundStatus::Success);
    assert!(refund.refund_time.is_some());
    let attempts = mock.log().notifications();
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert_eq!(attempts[0].kind, NotificationKind::Refund);
    assert_eq!(attempts[0].notify_type, "REFUND_RESULT");
    assert_eq!(attempts[0].status, Some(500));
    mock.advance_clock(Duration::from_secs(120)).await;
    let attempts = mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(
        attempts.iter().map(|a| (a.attempt, a.acknowledged)).collect::<Vec<_>>(),
        vec![(1, false), (2, true)]
    );
    let received = merchant.verified();
    assert_eq!(received.len(), 2, "both deliveries verify with Antom's key");
    match Notification::from_slice(received[1].body.as_bytes()).unwrap() {
        Notification::Refund(notified) => {
            assert_eq!(notified.refund_request_id, "ref_1");
            assert_eq!(notified.refund_id, refund_id);
            assert_eq!(notified.refund_status, RefundStatus::Success);
            assert!(notified.result.is_success());
            assert_eq!(notified.refund_amount.value(), 1200);
            assert_eq!(notified.refund_time, refund.refund_time);
        }
        other => panic!("expected a refund notification, got {other:?}"),
    }

    // Afterwards every view agrees, and the retry answers the success.
    let inquiry = inquire_refund(&client, "ref_1").await;
    assert_eq!(inquiry["refundStatus"], "SUCCESS");
    assert_eq!(inquiry["refundTime"].as_str(), refund.refund_time.as_deref());
    let transactions = refund_transactions(&client, "pay_1").await;
    assert_eq!(transactions[0]["transactionStatus"], "SUCCESS");
    assert_eq!(transactions[0]["transactionResult"]["resultStatus"], "S");
    let retry = client
        .call(REFUND, &refund_request("ref_1", &payment_id, "1200", &merchant.url()))
        .await;
    assert_eq!(retry.result_status(), "S", "{}", retry.text());
    assert_eq!(retry.json()["refundId"], refund_id.as_str());
    assert_eq!(mock.payment("pay_1").unwrap().refunded_minor_units(), 1200);
}

#[tokio::test]
async fn the_control_api_switches_async_refunds_and_ends_a_refund_by_hand() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder().start().await.unwrap();
    assert_eq!(mock.async_refunds(), None);
    let control = Merchant::new(mock.base_url());
    let (client, payment_id) = paid(&mock, mock.base_url(), "pay_1").await;
    let post = |path: &str, body: &str| {
        let url = format!("{}{path}", mock.base_url());
        let body = body.to_owned();
        let control = &control;
        async move { control.post_raw(&url, body.into_bytes()).await }
    };

    let on = post("/mock/async-refunds", "30s").await;
    assert_eq!(on.status, 200, "{}", on.text());
    assert_eq!(on.json(), json!({"asyncRefunds": true, "delaySeconds": 30.0}));
    assert_eq!(mock.async_refunds(), Some(Duration::from_secs(30)));
    assert_eq!(post("/mock/async-refunds", "soonish").await.status, 400);

    // A refund through the control API is accepted while processing.
    let made = post(
        "/mock/payments/pay_1/refund",
        &json!({"amount": 4200, "refundRequestId": "ref_1", "refundNotifyUrl": merchant.url()}).to_string(),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.text());
    assert_eq!(made.json()["refunds"][0]["status"], "PROCESSING");

    // It fails by hand: FAIL, notified as such; its amount is free again.
    let failed = post("/mock/refunds/ref_1/fail", "").await;
    assert_eq!(failed.status, 200, "{}", failed.text());
    assert_eq!(failed.json()["status"], "FAIL");
    let attempts = mock.wait_for_acknowledged(1, WAIT).await.unwrap();
    assert_eq!(attempts[0].refund_request_id.as_deref(), Some("ref_1"));
    match Notification::from_slice(merchant.verified()[0].body.as_bytes()).unwrap() {
        Notification::Refund(notified) => {
            assert_eq!(notified.refund_status, RefundStatus::Fail);
            assert!(notified.result.is_failed());
            assert_eq!(notified.refund_time, None);
        }
        other => panic!("expected a refund notification, got {other:?}"),
    }
    assert_eq!(post("/mock/refunds/ref_1/succeed", "").await.status, 409);
    assert_eq!(post("/mock/refunds/nope/succeed", "").await.status, 404);
    assert_eq!(post("/mock/refunds/ref_1/explode", "").await.status, 404);
    let retry = client
        .call(REFUND, &refund_request("ref_1", &payment_id, "4200", &merchant.url()))
        .await;
    assert_eq!(
        (retry.result_status(), retry.result_code()),
        ("F".to_owned(), "PROCESS_FAIL".to_owned())
    );
    // The scheduled success of the failed refund changes nothing.
    mock.advance_clock(Duration::from_secs(31)).await;
    assert_eq!(mock.refund("ref_1").unwrap().status, RefundStatus::Fail);
    assert_eq!(mock.log().notifications().len(), 1);

    // The whole amount again, ended by hand before its delay.
    let reply = client
        .call(REFUND, &refund_request("ref_2", &payment_id, "4200", &merchant.url()))
        .await;
    assert_eq!(reply.result_code(), "REFUND_IN_PROCESS", "{}", reply.text());
    let done = mock.complete_refund("ref_2", RefundOutcome::Succeed).unwrap();
    assert_eq!(done.status, RefundStatus::Success);
    mock.wait_for_acknowledged(2, WAIT).await.unwrap();
    assert!(mock.complete_refund("ref_2", RefundOutcome::Fail).is_err());
    assert_eq!(mock.payment("pay_1").unwrap().refunded_minor_units(), 4200);

    // Off again: refunds are synchronous.
    let off = post("/mock/async-refunds", "off").await;
    assert_eq!(off.json(), json!({"asyncRefunds": false, "delaySeconds": null}));
    let get = control.get(&format!("{}/mock/async-refunds", mock.base_url())).await;
    assert_eq!(get.json()["asyncRefunds"], false);
    let (client, payment_id) = paid(&mock, mock.base_url(), "pay_2").await;
    let sync = client
        .call(REFUND, &refund_request("ref_3", &payment_id, "100", &merchant.url()))
        .await;
    assert_eq!(sync.result_status(), "S");
    assert_eq!(mock.refund("ref_3").unwrap().status, RefundStatus::Success);
}

#[tokio::test]
async fn a_request_asking_for_an_async_refund_gets_one() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder().start().await.unwrap();
    let (client, payment_id) = paid(&mock, mock.base_url(), "pay_1").await;
    let mut request = refund_request("ref_1", &payment_id, "4200", &merchant.url());
    request["isAsyncRefund"] = json!("true");
    let reply = client.call(REFUND, &request).await;
    assert_eq!(reply.result_code(), "REFUND_IN_PROCESS", "{}", reply.text());
    mock.advance_clock(DEFAULT_ASYNC_REFUND_DELAY).await;
    assert_eq!(mock.refund("ref_1").unwrap().status, RefundStatus::Success);
    let attempts = mock.wait_for_acknowledged(1, WAIT).await.unwrap();
    assert_eq!(attempts[0].notify_type, "REFUND_RESULT");
    // Without the flag, the same mock refunds at once.
    let (client, payment_id) = paid(&mock, mock.base_url(), "pay_2").await;
    let reply = client
        .call(REFUND, &refund_request("ref_2", &payment_id, "4200", &merchant.url()))
        .await;
    assert_eq!(reply.result_status(), "S");
    // And the control API's refund of a refunded payment is refused.
    assert!(mock.refund_payment("pay_2", RefundOrder::default()).is_err());
}
