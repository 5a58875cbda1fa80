//! The mock's dispute and capture triggers, received by a merchant endpoint
//! on 127.0.0.1 that verifies with antom-tower's `VerifyNotificationLayer`
//! and parses with `VerifiedNotification<Notification>`: every body the mock
//! (and `antom trigger`) sends is a typed `NotifyDispute` / `NotifyCapture`.

mod mock_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use antom_testkit::mock::control::DISPUTE_NOTIFICATION_TYPES;
use antom_testkit::mock::{CaptureOrder, ControlError, DisputeOrder, MockAntom, NotificationKind};
use antom_testkit::trigger;
use antom_tower::extract::VerifiedNotification;
use antom_tower::VerifyNotificationLayer;
use antom_types::{
    DisputeJudgedResult, DisputeNotificationType, DisputeType, Notification, NotifyType, NOTIFICATION_ACK_SUCCESS,
};
use axum::routing::post;
use axum::Router;
use mock_support::*;
use serde_json::json;

/// A merchant's notify route as README's quick start has it: verified, then
/// parsed as any `Notification`, kept, acknowledged.
struct TypedMerchant {
    url: String,
    received: Arc<Mutex<Vec<Notification>>>,
}

impl TypedMerchant {
    async fn start(mock: &MockAntom) -> TypedMerchant {
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&received);
        let router = Router::new()
            .route(
                "/antom/notify",
                post(move |notification: VerifiedNotification<Notification>| {
                    let kept = Arc::clone(&kept);
                    async move {
                        kept.lock().unwrap().push(notification.payload);
                        NOTIFICATION_ACK_SUCCESS
                    }
                }),
            )
            .route_layer(VerifyNotificationLayer::new(
                mock.client_id(),
                mock.antom_public_key_ring(),
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/antom/notify", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        TypedMerchant { url, received }
    }

    fn received(&self) -> Vec<Notification> {
        self.received.lock().unwrap().clone()
    }
}

async fn paid_payment(mock: &MockAntom, base_url: &str, id: &str, notify_url: &str) {
    let reply = Merchant::new(base_url)
        .call(CREATE, &session_request(id, "4200", Some(notify_url)))
        .await;
    assert_eq!(reply.result_code(), "SUCCESS", "{}", reply.text());
    mock.pay(id).unwrap();
}

#[tokio::test]
async fn every_dispute_the_mock_sends_is_a_typed_notify_dispute() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = TypedMerchant::start(&mock).await;
    paid_payment(&mock, mock.base_url(), "pay_1", &merchant.url).await;
    let payment = mock.payment("pay_1").unwrap();
    let control = Merchant::new(mock.base_url());

    for (n, kind) in DISPUTE_NOTIFICATION_TYPES.iter().enumerate() {
        let body = json!({"type": kind, "amount": 1000, "disputeId": "d_1", "judgedResult": "ACCEPT_BY_CUSTOMER"});
        let reply = control
            .post_raw(
                &format!("{}/mock/payments/pay_1/dispute", mock.base_url()),
                body.to_string().into_bytes(),
            )
            .await;
        assert_eq!(reply.status, 200, "{kind}: {}", reply.text());
        // The payment's result plus one dispute per type, each acknowledged.
        mock.wait_for_acknowledged(n + 2, WAIT).await.unwrap();
        let received = merchant.received();
        let Notification::Dispute(dispute) = received.last().unwrap() else {
            panic!("{kind}: expected a dispute, got {:?}", received.last());
        };
        let expected = DisputeNotificationType::from_wire(kind);
        assert!(expected.is_known(), "{kind}");
        assert_eq!(dispute.dispute_notification_type, expected);
        assert_eq!(dispute.dispute_id, "d_1");
        assert_eq!(dispute.payment_request_id, "pay_1");
        assert_eq!(dispute.payment_id, payment.payment_id);
        assert_eq!(
            dispute
                .dispute_amount
                .map(|a| (a.value(), a.currency().as_str().to_owned())),
            Some((1000, "SGD".to_owned()))
        );
        assert_eq!(dispute.dispute_type, Some(DisputeType::Chargeback));
        assert_eq!(dispute.dispute_reason_code.as_deref(), Some("4853"));
        assert!(dispute.dispute_time.is_some());
        assert!(
            dispute.extra.is_empty(),
            "{kind}: fields the model lacks: {:?}",
            dispute.extra
        );
        let judged = expected == DisputeNotificationType::DisputeJudged;
        assert_eq!(dispute.dispute_judged_result.is_some(), judged, "{kind}");
        if judged {
            assert_eq!(
                dispute.dispute_judged_result,
                Some(DisputeJudgedResult::AcceptByCustomer)
            );
            assert_eq!(dispute.dispute_judged_amount, dispute.dispute_amount);
            assert!(dispute.dispute_judged_time.is_some());
        }
        let due = matches!(kind, &"DISPUTE_CREATED" | &"DEFENSE_DUE_ALERT");
        assert_eq!(dispute.defense_due_time.is_some(), due, "{kind}");
        assert_eq!(received.last().unwrap().idempotency_key(), Some(format!("{kind}:d_1")));
        // What the control API answered is what was sent.
        assert_eq!(reply.json(), serde_json::to_value(received.last().unwrap()).unwrap());
    }
    let attempts = mock.log().notifications();
    assert!(attempts[1..].iter().all(|a| a.kind == NotificationKind::Dispute));

    assert!(matches!(
        mock.dispute(
            "pay_1",
            DisputeOrder {
                notification_type: Some("DISPUTE_EXPLODED".into()),
                ..Default::default()
            }
        ),
        Err(ControlError::BadRequest(_))
    ));
    assert!(mock.dispute("nope", DisputeOrder::default()).is_err());
}

#[tokio::test]
async fn the_capture_trigger_sends_a_typed_capture_result() {
    let mock = MockAntom::builder().start().await.unwrap();
    let merchant = TypedMerchant::start(&mock).await;
    paid_payment(&mock, mock.base_url(), "pay_1", &merchant.url).await;
    let payment = mock.payment("pay_1").unwrap();
    let control = Merchant::new(mock.base_url());

    let reply = control
        .post_raw(
            &format!("{}/mock/payments/pay_1/capture", mock.base_url()),
            json!({"captureRequestId": "cap_1"}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let attempts = mock.wait_for_acknowledged(2, WAIT).await.unwrap();
    assert_eq!(attempts[1].kind, NotificationKind::Capture);
    assert_eq!(attempts[1].notify_type, "CAPTURE_RESULT");
    let received = merchant.received();
    let Notification::Capture(capture) = &received[1] else {
        panic!("expected a capture, got {:?}", received[1]);
    };
    assert_eq!(capture.notify_type, NotifyType::CaptureResult);
    assert!(capture.is_capture_success());
    assert_eq!(capture.capture_request_id, "cap_1");
    assert_eq!(capture.payment_id, payment.payment_id);
    assert_eq!(capture.capture_amount, payment.amount);
    assert!(capture.capture_time.is_some());
    assert!(!capture.capture_id.is_empty());
    assert!(capture.extra.is_empty(), "{:?}", capture.extra);
    assert_eq!(
        received[1].idempotency_key(),
        Some(format!("CAPTURE_RESULT:{}", capture.capture_id))
    );
    assert_eq!(reply.json(), serde_json::to_value(&received[1]).unwrap());

    // A failed partial capture, from Rust.
    let failed = mock
        .capture(
            "pay_1",
            CaptureOrder {
                amount: Some(1000),
                result_code: Some("PROCESS_FAIL".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(failed.result.is_failed());
    assert_eq!(failed.capture_time, None);
    assert_eq!(failed.capture_amount.value(), 1000);
    assert_ne!(failed.capture_id, capture.capture_id);
    mock.wait_for_acknowledged(3, WAIT).await.unwrap();
    assert_eq!(merchant.received()[2], Notification::Capture(Box::new(failed)));

    // Only a paid payment is captured; amounts stay within the payment.
    let unpaid = Merchant::new(mock.base_url())
        .call(CREATE, &session_request("pay_2", "4200", Some(&merchant.url)))
        .await;
    assert_eq!(unpaid.result_code(), "SUCCESS");
    let refused = control
        .post_raw(&format!("{}/mock/payments/pay_2/capture", mock.base_url()), Vec::new())
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text());
    let too_much = control
        .post_raw(
            &format!("{}/mock/payments/pay_1/capture", mock.base_url()),
            json!({"amount": 4201}).to_string().into_bytes(),
        )
        .await;
    assert_eq!(too_much.status, 400, "{}", too_much.text());
    let unknown = control
        .post_raw(&format!("{}/mock/payments/nope/capture", mock.base_url()), Vec::new())
        .await;
    assert_eq!(unknown.status, 404);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(mock.log().notifications().len(), 3, "refused captures send nothing");
}

#[test]
fn antom_trigger_dispute_and_capture_events_parse_as_typed_notifications() {
    let events = trigger::events();
    let mut disputes = 0;
    let mut captures = 0;
    for event in &events {
        let parsed = Notification::from_slice(&event.body);
        if event.name.starts_with("notify_dispute.") {
            let Ok(Notification::Dispute(dispute)) = parsed else {
                panic!("{}: {parsed:?}", event.name);
            };
            assert!(dispute.dispute_notification_type.is_known(), "{}", event.name);
            assert!(dispute.extra.is_empty(), "{}: {:?}", event.name, dispute.extra);
            disputes += 1;
        } else if event.name.starts_with("notify_capture.") {
            let Ok(Notification::Capture(capture)) = parsed else {
                panic!("{}: {parsed:?}", event.name);
            };
            assert_eq!(capture.is_capture_success(), event.name == "notify_capture.success");
            assert!(capture.extra.is_empty(), "{}: {:?}", event.name, capture.extra);
            captures += 1;
        }
    }
    assert_eq!(disputes, DISPUTE_NOTIFICATION_TYPES.len());
    assert_eq!(captures, 2);
}
