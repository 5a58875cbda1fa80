//! Notifications from the mock to a merchant endpoint on 127.0.0.1: the
//! cashier flow, Antom's retry schedule on a scaled clock, and faults.

mod mock_support;

use std::time::Duration;

use antom_testkit::keys;
use antom_testkit::mock::{self, MockAntom, NotificationKind, RETRY_SCHEDULE};
use antom_types::{Amount, ApiResult, Notification, PaymentStatus};
use mock_support::*;
use serde_json::json;

async fn create(mock: &MockAntom, base_url: &str, id: &str, value: &str, notify: &str) {
    let reply = Merchant::new(base_url)
        .call(CREATE, &session_request(id, value, Some(notify)))
        .await;
    assert_eq!(reply.result_code(), "SUCCESS", "{}", reply.text());
    assert!(mock.payment(id).is_some());
}

#[tokio::test]
async fn cashier_pay_redirects_and_the_notification_verifies() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder().start().await.unwrap();
    create(&mock, mock.base_url(), "pay_1", "4200", &merchant.url()).await;
    let client = Merchant::new(mock.base_url());

    let cashier = mock.cashier_url("pay_1").unwrap();
    let page = client.get(&cashier).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    for needle in [
        r#"id="pay""#,
        r#"id="fail""#,
        r#"id="cancel""#,
        "42.00 SGD",
        "SHOPEEPAY_SG",
        mock::DEFAULT_CLIENT_ID,
    ] {
        assert!(html.contains(needle), "cashier page lacks {needle}: {html}");
    }

    let session_id = mock.payment("pay_1").unwrap().payment_session_id;
    let pressed = client
        .post_form(&format!("{}/cashier/{session_id}/pay", mock.base_url()), "")
        .await;
    assert_eq!(pressed.status, 303);
    assert_eq!(
        pressed.header("location"),
        Some("https://shop.example/return?order=pay_1")
    );
    assert_eq!(mock.payment("pay_1").unwrap().status, PaymentStatus::Success);

    let attempts = mock.wait_for_acknowledged(1, WAIT).await.unwrap();
    assert_eq!(attempts.len(), 1);
    let attempt = &attempts[0];
    assert_eq!(
        (attempt.attempt, attempt.copy, attempt.acknowledged, attempt.last),
        (1, 1, true, true)
    );
    assert_eq!(attempt.kind, NotificationKind::Payment);
    assert_eq!(attempt.notify_type, "PAYMENT_RESULT");
    assert_eq!(attempt.status, Some(200));

    let received = merchant.received();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert!(
        got.verified,
        "the merchant verifies the signature with Antom's test public key"
    );
    assert_eq!(got.key_version, Some(antom_tower::signing::KeyVersion(1)));
    assert_eq!(
        got.path, "/antom/notify?shop=1",
        "signed over the path and query as sent"
    );
    assert_eq!(got.body, attempt.body, "the logged body is the exact body sent");
    match Notification::from_slice(got.body.as_bytes()).unwrap() {
        Notification::Payment(payment) => {
            assert!(payment.is_payment_success());
            assert_eq!(payment.payment_request_id, "pay_1");
            assert_eq!(payment.payment_amount, Amount::from_minor_units(4200, "SGD").unwrap());
            assert_eq!(payment.payment_id, mock.payment("pay_1").unwrap().payment_id);
            assert!(payment.payment_time.is_some());
        }
        other => panic!("expected a payment notification, got {other:?}"),
    }

    // Pressing again changes nothing and sends the buyer back all the same.
    let again = client
        .post_form(&format!("{}/cashier/{session_id}/fail", mock.base_url()), "")
        .await;
    assert_eq!(again.status, 303);
    assert_eq!(mock.payment("pay_1").unwrap().status, PaymentStatus::Success);
    let page = client.get(&cashier).await.text();
    assert!(
        page.contains(r#"id="return""#) && !page.contains(r#"id="pay""#),
        "{page}"
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn cashier_fail_and_cancel_are_notified_as_failures() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder().start().await.unwrap();
    create(&mock, mock.base_url(), "pay_fail", "4200", &merchant.url()).await;
    create(&mock, mock.base_url(), "pay_cancel", "4200", &merchant.url()).await;
    let client = Merchant::new(mock.base_url());
    let session = |id: &str| mock.payment(id).unwrap().payment_session_id;

    let fail_url = format!("{}/cashier/{}/fail", mock.base_url(), session("pay_fail"));
    assert_eq!(client.post_form(&fail_url, "result_code=RISK_REJECT").await.status, 303);
    let cancel_url = format!("{}/cashier/{}/cancel", mock.base_url(), session("pay_cancel"));
    assert_eq!(client.post_form(&cancel_url, "").await.status, 303);

    mock.wait_for_acknowledged(2, WAIT).await.unwrap();
    let failed = mock.payment("pay_fail").unwrap();
    assert_eq!(failed.status, PaymentStatus::Fail);
    assert_eq!(failed.payment_result_code.as_deref(), Some("RISK_REJECT"));
    assert_eq!(mock.payment("pay_cancel").unwrap().status, PaymentStatus::Cancelled);

    let bodies: Vec<_> = merchant.verified().iter().map(|r| r.json()).collect();
    let by_id = |id: &str| bodies.iter().find(|b| b["paymentRequestId"] == id).unwrap().clone();
    assert_eq!(by_id("pay_fail")["result"]["resultStatus"], "F");
    assert_eq!(by_id("pay_fail")["result"]["resultCode"], "RISK_REJECT");
    assert_eq!(by_id("pay_cancel")["result"]["resultStatus"], "F");
    assert_eq!(
        by_id("pay_cancel")["result"]["resultCode"],
        mock::state::BUYER_CANCELLED_CODE
    );
    assert!(by_id("pay_fail").get("paymentTime").is_none());
}

#[tokio::test]
async fn three_failures_then_ack_makes_exactly_four_attempts_on_the_scaled_schedule() {
    let merchant = NotifyHarness::start(
        vec![Answer::Status500, Answer::Status500, Answer::Status500],
        Answer::Ack,
    )
    .await;
    // 10 000x: 2 min -> 12 ms, 10 min -> 60 ms.
    let scale = 10_000.0;
    let mock = MockAntom::builder().time_scale(scale).start().await.unwrap();
    create(&mock, mock.base_url(), "pay_1", "4200", &merchant.url()).await;
    mock.pay("pay_1").unwrap();

    let attempts = mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(attempts.len(), 4, "{attempts:#?}");
    let minutes = |m: u64| Duration::from_secs(m * 60);
    let intervals: Vec<_> = attempts.iter().map(|a| a.interval).collect();
    assert_eq!(intervals, vec![Duration::ZERO, minutes(2), minutes(10), minutes(10)]);
    assert_eq!(&intervals[..], &RETRY_SCHEDULE[..4]);
    let offsets: Vec<_> = attempts.iter().map(|a| a.scheduled_offset).collect();
    assert_eq!(offsets, vec![Duration::ZERO, minutes(2), minutes(12), minutes(22)]);
    for a in &attempts {
        assert_eq!(a.scaled_offset, a.scheduled_offset.div_f64(scale));
        assert!(
            a.elapsed >= a.scaled_offset,
            "attempt {} sent before its time: {:?}",
            a.attempt,
            a
        );
        assert!(
            a.elapsed < a.scaled_offset + Duration::from_secs(2),
            "attempt {} late: {:?}",
            a.attempt,
            a
        );
    }
    assert_eq!(
        attempts
            .iter()
            .map(|a| (a.attempt, a.status, a.acknowledged))
            .collect::<Vec<_>>(),
        vec![
            (1, Some(500), false),
            (2, Some(500), false),
            (3, Some(500), false),
            (4, Some(200), true)
        ]
    );
    assert!(attempts[3].last && !attempts[2].last);

    // The merchant saw the same, at the scaled offsets from the first arrival
    // (with a little slack for the first request's own latency).
    let received = merchant.received();
    assert_eq!(received.len(), 4);
    assert!(received.iter().all(|r| r.verified));
    for (r, a) in received.iter().zip(&attempts) {
        let since_first = r.at - received[0].at;
        assert!(
            since_first + Duration::from_millis(20) >= a.scaled_offset,
            "attempt {} arrived {since_first:?} after the first, planned {:?}",
            a.attempt,
            a.scaled_offset
        );
    }
    // Resends carry the first attempt's request-time and signature.
    assert!(attempts
        .iter()
        .all(|a| a.request_time == attempts[0].request_time && a.signature == attempts[0].signature));

    // Nothing more comes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(mock.log().notifications().len(), 4);
    assert_eq!(merchant.received().len(), 4);
}

#[tokio::test]
async fn a_merchant_that_never_acknowledges_gets_eight_attempts_then_silence() {
    let merchant = NotifyHarness::start(vec![Answer::WrongBody], Answer::Status500).await;
    let mock = MockAntom::builder().time_scale(1_000_000.0).start().await.unwrap();
    create(&mock, mock.base_url(), "pay_1", "4200", &merchant.url()).await;
    mock.expire("pay_1").unwrap();

    let attempts = mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(attempts.len(), mock::MAX_ATTEMPTS as usize);
    assert_eq!(attempts.len(), 8);
    assert!(attempts.iter().all(|a| !a.acknowledged));
    assert_eq!(
        attempts[0].status,
        Some(200),
        "HTTP 200 with another body is not an acknowledgement"
    );
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    assert_eq!(attempts[7].scheduled_offset, Duration::from_secs(1462 * 60));
    assert!(attempts[7].last);
    assert!(attempts[..7].iter().all(|a| !a.last));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(merchant.received().len(), 8);
    let body = merchant.received()[0].json();
    assert_eq!(body["result"]["resultCode"], "ORDER_IS_CLOSED");
}

#[tokio::test]
async fn an_unreachable_merchant_is_retried_too() {
    // Bind then drop a listener: a loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mock = MockAntom::builder().time_scale(1_000_000.0).start().await.unwrap();
    create(
        &mock,
        mock.base_url(),
        "pay_1",
        "4200",
        &format!("http://127.0.0.1:{port}/notify"),
    )
    .await;
    mock.pay("pay_1").unwrap();
    let attempts = mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(attempts.len(), 8);
    assert!(attempts.iter().all(|a| a.status.is_none() && a.error.is_some()));
}

#[tokio::test]
async fn duplicate_notifications_are_each_delivered() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder().duplicate_notifications(3).start().await.unwrap();
    create(&mock, mock.base_url(), "pay_1", "4200", &merchant.url()).await;
    mock.pay("pay_1").unwrap();
    let attempts = mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(
        attempts
            .iter()
            .map(|a| (a.copy, a.attempt, a.acknowledged))
            .collect::<Vec<_>>(),
        vec![(1, 1, true), (2, 1, true), (3, 1, true)]
    );
    let received = merchant.verified();
    assert_eq!(received.len(), 3);
    assert!(
        received.iter().all(|r| r.body == received[0].body),
        "the same notification three times"
    );
}

#[tokio::test]
async fn a_notification_signed_with_the_wrong_key_is_rejected_by_the_merchant() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder()
        .time_scale(1_000_000.0)
        .sign_notifications_with_wrong_key(true)
        .start()
        .await
        .unwrap();
    create(&mock, mock.base_url(), "pay_1", "4200", &merchant.url()).await;
    mock.pay("pay_1").unwrap();
    let attempts = mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(attempts.len(), 8, "refused every time, so Antom keeps resending");
    assert!(attempts
        .iter()
        .all(|a| a.signed_with_wrong_key && a.status == Some(401) && !a.acknowledged));
    let received = merchant.received();
    assert_eq!(received.len(), 8);
    assert!(received.iter().all(|r| !r.verified));
    assert!(
        attempts[0].signature.contains("keyVersion=1"),
        "the normal keyVersion, the wrong key"
    );
}

#[tokio::test]
async fn a_stale_pending_notification_follows_the_final_one() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder()
        .stale_notification_after_final(true)
        .start()
        .await
        .unwrap();
    create(&mock, mock.base_url(), "pay_1", "4200", &merchant.url()).await;
    mock.pay("pay_1").unwrap();
    let attempts = mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(
        attempts
            .iter()
            .map(|a| (a.notify_type.as_str(), a.stale))
            .collect::<Vec<_>>(),
        vec![("PAYMENT_RESULT", false), ("PAYMENT_PENDING", true)]
    );
    let received = merchant.verified();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].json()["notifyType"], "PAYMENT_RESULT");
    assert_eq!(received[1].json()["notifyType"], "PAYMENT_PENDING");
    assert_eq!(received[1].json()["result"]["resultStatus"], "U");
    assert_eq!(received[1].json()["paymentId"], received[0].json()["paymentId"]);
}

#[tokio::test]
async fn refunds_are_notified_to_the_refund_notify_url() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder().start().await.unwrap();
    let client = Merchant::new(mock.base_url());
    client.call(CREATE, &session_request("pay_1", "4200", None)).await;
    mock.pay("pay_1").unwrap();
    let payment_id = mock.payment("pay_1").unwrap().payment_id;
    let reply = client
        .call(
            REFUND,
            &json!({
                "refundRequestId": "ref_1",
                "paymentId": payment_id,
                "refundAmount": {"currency": "SGD", "value": "1200"},
                "refundNotifyUrl": merchant.url(),
            }),
        )
        .await;
    assert_eq!(reply.result_code(), "SUCCESS");
    let attempts = mock.wait_for_acknowledged(1, WAIT).await.unwrap();
    assert_eq!(attempts.len(), 1, "no paymentNotifyUrl: only the refund is notified");
    assert_eq!(attempts[0].kind, NotificationKind::Refund);
    assert_eq!(attempts[0].refund_request_id.as_deref(), Some("ref_1"));
    let received = merchant.verified();
    match Notification::from_slice(received[0].body.as_bytes()).unwrap() {
        Notification::Refund(refund) => {
            assert_eq!(refund.refund_request_id, "ref_1");
            assert_eq!(refund.refund_status.as_str(), "SUCCESS");
            assert_eq!(refund.refund_amount.value(), 1200);
            assert_eq!(refund.refund_id, reply.json()["refundId"].as_str().unwrap());
        }
        other => panic!("expected a refund notification, got {other:?}"),
    }
}

#[tokio::test]
async fn the_default_notify_url_stands_in_for_a_missing_payment_notify_url() {
    let merchant = NotifyHarness::acking().await;
    let mock = MockAntom::builder()
        .default_notify_url(merchant.url())
        .start()
        .await
        .unwrap();
    Merchant::new(mock.base_url())
        .call(CREATE, &session_request("pay_1", "4200", None))
        .await;
    mock.pay("pay_1").unwrap();
    mock.wait_for_acknowledged(1, WAIT).await.unwrap();
    assert_eq!(merchant.verified().len(), 1);
}

#[tokio::test]
async fn notifications_never_leave_loopback() {
    let mock = MockAntom::builder().time_scale(1_000_000.0).start().await.unwrap();
    create(&mock, mock.base_url(), "pay_1", "4200", "http://203.0.113.7/notify").await;
    create(&mock, mock.base_url(), "pay_2", "4200", "https://127.0.0.1/notify").await;
    mock.pay("pay_1").unwrap();
    mock.pay("pay_2").unwrap();
    let attempts = mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(attempts.len(), 16);
    for a in &attempts {
        assert!(a.status.is_none(), "{a:?}");
        let error = a.error.as_deref().unwrap();
        if a.payment_request_id == "pay_1" {
            assert!(error.contains("not a loopback address"), "{error}");
        } else {
            assert!(error.contains("https is not supported"), "{error}");
        }
    }
    // The mock itself listens on loopback only.
    assert!(mock.local_addr().ip().is_loopback());
}

#[tokio::test]
async fn send_notification_signs_and_posts_once() {
    let merchant = NotifyHarness::acking().await;
    let body = mock::notifier::payment_notification_from_parts(
        "pay_cli",
        "2026010100000001",
        Amount::from_minor_units(4200, "SGD").unwrap(),
        ApiResult::success("success"),
    );
    let sent = mock::send_notification(&merchant.url(), &body, &keys::antom_private_key(), &Default::default())
        .await
        .unwrap();
    assert!(sent.acknowledged, "{sent:?}");
    assert_eq!(sent.status, 200);
    let received = merchant.verified();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body, sent.body);
    assert_eq!(received[0].json()["paymentRequestId"], "pay_cli");

    let refused = mock::send_notification(&merchant.url(), &body, &keys::wrong_private_key(), &Default::default())
        .await
        .unwrap();
    assert_eq!((refused.status, refused.acknowledged), (401, false));

    let options = mock::SendOptions {
        request_time: Some("2019-05-28T12:12:12+08:00".into()),
        ..Default::default()
    };
    let sent = mock::send_notification(&merchant.url(), &body, &keys::antom_private_key(), &options)
        .await
        .unwrap();
    assert!(sent.acknowledged);
    assert_eq!(
        merchant.received().last().unwrap().request_time,
        "2019-05-28T12:12:12+08:00"
    );

    let err = mock::send_notification(
        "https://127.0.0.1/x",
        &body,
        &keys::antom_private_key(),
        &Default::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, mock::SendError::InvalidUrl(_)), "{err}");
}

#[tokio::test]
async fn shutdown_cancels_pending_deliveries() {
    let merchant = NotifyHarness::start(Vec::new(), Answer::Status500).await;
    let mock = MockAntom::builder().start().await.unwrap(); // real schedule: attempt 2 is 2 min away
    create(&mock, mock.base_url(), "pay_1", "4200", &merchant.url()).await;
    mock.pay("pay_1").unwrap();
    mock.wait_for_notifications(1, WAIT).await.unwrap();
    assert_eq!(mock.log().pending_deliveries(), 1);
    mock.shutdown().await;
    mock.wait_until_idle(WAIT).await.unwrap();
    assert_eq!(mock.log().notifications().len(), 1);
    assert!(Merchant::new(mock.base_url())
        .try_send(CREATE, b"{}".to_vec(), &[])
        .await
        .is_err());
}
