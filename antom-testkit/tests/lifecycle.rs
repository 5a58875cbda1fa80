//! After "the order is paid", end to end against the mock Antom on every
//! store: refunds through `Checkout::refund` and the refund route, disputes,
//! the notification inbox (refused, replayed, unmatched), cancellation, and
//! order events delivered once per consumer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use antom_testkit::mock::control::{DisputeOrder, RefundOrder};
use antom_tower::checkout::refunds::RefundError;
use antom_tower::store::{
    EventConsumer, InboxOutcome, InboxQuery, NewOrder, OrderEvent, OrderEventKind, OrderStatus, OrderStore,
    RefundState, StoreError,
};
use antom_types::{Amount, ApiResult};

mod checkout_support;
use checkout_support::*;

fn sgd(minor: u64) -> Amount {
    Amount::from_minor_units(minor, "SGD").unwrap()
}

/// The events a consumer handled, by order.
#[derive(Clone, Default)]
struct Handled(Arc<Mutex<Vec<OrderEvent>>>);

impl Handled {
    fn kinds(&self, order_id: &str) -> Vec<OrderEventKind> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.order_id == order_id)
            .map(|e| e.kind)
            .collect()
    }

    /// Runs `consumer` until it finds nothing more.
    async fn drain(&self, consumer: &EventConsumer) {
        let handled = self.clone();
        let handler = move |event: OrderEvent| {
            let handled = handled.clone();
            async move {
                handled.0.lock().unwrap().push(event);
                Ok::<(), std::io::Error>(())
            }
        };
        while consumer.run_once(&handler).await.unwrap() > 0 {}
    }
}

/// A paid order on `shop`.
async fn paid_order(shop: &Shop, amount: u64) -> String {
    let session = shop.paid_session(amount).await;
    let before = shop.mock.log().notifications().len();
    shop.mock.pay(&session.payment_request_id).unwrap();
    shop.mock.wait_for_acknowledged(before + 1, WAIT).await.unwrap();
    assert_eq!(shop.order(&session.order_id).await.status, "succeeded");
    session.order_id
}

async fn wait_for<F: Fn() -> Fut, Fut: std::future::Future<Output = bool>>(what: &str, check: F) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refunds_through_the_checkout_end_recorded_with_one_event_each() {
    for (name, store) in every_store().await {
        let shop = shop_with(store.clone(), true).await;
        let order_id = paid_order(&shop, 4200).await;

        let first = shop
            .checkout
            .refund(&order_id, sgd(1000), Some("damaged in transit"))
            .await
            .unwrap();
        assert_eq!(first.state, RefundState::Succeeded, "{name}: {first:?}");
        assert!(first.refund_id.is_some());
        // Refused before Antom is called: more than what is left.
        let refunds_sent = shop.mock.log().requests_for("refund").len();
        let over = shop.checkout.refund(&order_id, sgd(3201), None).await;
        assert!(
            matches!(over, Err(RefundError::Store(StoreError::RefundExceedsOrder { .. }))),
            "{name}: {over:?}"
        );
        assert_eq!(shop.mock.log().requests_for("refund").len(), refunds_sent, "{name}");
        let rest = shop.checkout.refund(&order_id, sgd(3200), None).await.unwrap();
        assert_eq!(rest.state, RefundState::Succeeded);

        // Antom's REFUND_RESULT notifications (no paymentId in them) arrive and
        // are matched through their refundRequestId: counted once, acknowledged.
        wait_for("both refund notifications acknowledged", || async {
            let entries = store
                .inbox_entries(&InboxQuery {
                    order_id: Some(order_id.clone()),
                    ..InboxQuery::default()
                })
                .await
                .unwrap();
            entries.iter().filter(|e| e.notify_type == "REFUND_RESULT").count() == 2
        })
        .await;
        let order = store.get_order(&order_id).await.unwrap().unwrap();
        assert_eq!((order.status, order.refunded), (OrderStatus::Refunded, 4200), "{name}");
        let refunds = store.refunds(&order_id).await.unwrap();
        assert_eq!(refunds.len(), 2, "{name}");
        assert!(refunds.iter().all(|r| r.state == RefundState::Succeeded));
        assert_eq!(refunds[0].reason.as_deref(), Some("damaged in transit"));
        let entries = store
            .inbox_entries(&InboxQuery {
                order_id: Some(order_id.clone()),
                ..InboxQuery::default()
            })
            .await
            .unwrap();
        assert!(
            entries
                .iter()
                .all(|e| matches!(e.outcome, InboxOutcome::Applied | InboxOutcome::Duplicate)),
            "{name}: {entries:?}"
        );
        // Calling the same refund again (same id and amount) refunds nothing more.
        let again = shop
            .checkout
            .refund_with_id(&order_id, sgd(3200), None, &rest.refund_request_id)
            .await
            .unwrap();
        assert_eq!(again.refund_request_id, rest.refund_request_id);
        assert_eq!(store.get_order(&order_id).await.unwrap().unwrap().refunded, 4200);

        // Two consumers each see paid, partially refunded, refunded: once.
        for consumer in ["shipping", "accounting"] {
            let handled = Handled::default();
            let consumer = shop.checkout.event_consumer(consumer);
            handled.drain(&consumer).await;
            handled.drain(&consumer).await;
            assert_eq!(
                handled.kinds(&order_id),
                vec![
                    OrderEventKind::Paid,
                    OrderEventKind::PartiallyRefunded,
                    OrderEventKind::Refunded
                ],
                "{name}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dispute_is_recorded_on_the_order_and_emitted_once() {
    for (name, store) in every_store().await {
        let shop = shop_with(store.clone(), true).await;
        let order_id = paid_order(&shop, 4200).await;
        let order = store.get_order(&order_id).await.unwrap().unwrap();
        for kind in ["DISPUTE_CREATED", "DISPUTE_JUDGED"] {
            let before = shop.mock.log().notifications().len();
            shop.mock
                .mock()
                .dispute(
                    &order.payment_request_id,
                    DisputeOrder {
                        notification_type: Some(kind.into()),
                        amount: Some(4200),
                        dispute_id: Some(format!("dispute-{order_id}")),
                        ..DisputeOrder::default()
                    },
                )
                .unwrap();
            shop.mock.wait_for_acknowledged(before + 1, WAIT).await.unwrap();
        }
        let disputes = store.disputes(&order_id).await.unwrap();
        assert_eq!(disputes.len(), 1, "{name}: {disputes:?}");
        assert_eq!(disputes[0].state, "DISPUTE_JUDGED", "{name}");
        assert_eq!(disputes[0].amount, Some(sgd(4200)));
        assert!(disputes[0].reason_code.is_some());
        let handled = Handled::default();
        handled.drain(&shop.checkout.event_consumer("risk")).await;
        assert_eq!(
            handled.kinds(&order_id),
            vec![OrderEventKind::Paid, OrderEventKind::Disputed, OrderEventKind::Disputed],
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_notification_is_kept_and_replayed_once_the_cause_is_fixed() {
    for (name, store) in every_store().await {
        let shop = shop_with(store.clone(), true).await;
        // A payment for an order this shop does not have (yet): refused, kept.
        let body = antom_testkit::mock::notifier::payment_notification_from_parts(
            "pay_restored_later",
            "2026082300000077",
            sgd(900),
            ApiResult::success("success"),
        );
        let sent = shop.notify_signed(&body).await;
        assert_eq!((sent.status, sent.acknowledged), (404, false), "{name}");
        let refused = store
            .inbox_entries(&InboxQuery {
                outcome: Some(InboxOutcome::Refused),
                ..InboxQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(refused.len(), 1, "{name}");
        assert!(refused[0]
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("pay_restored_later"));
        assert_eq!(
            serde_json::from_slice::<antom_types::NotifyPayment>(&refused[0].body).unwrap(),
            body
        );

        // The merchant restores the order (from a backup, say) and replays.
        store
            .create_order(NewOrder {
                order_id: "restored-1".into(),
                payment_request_id: "pay_restored_later".into(),
                amount: sgd(900),
                description: "restored".into(),
                payment_method_type: "ALIPAY_CN".into(),
                buyer_id: None,
                session_expires_at_ms: None,
            })
            .await
            .unwrap();
        let replayed = shop.checkout.replay(refused[0].id).await.unwrap();
        assert_eq!(replayed.outcome, InboxOutcome::Applied, "{name}: {replayed:?}");
        assert_eq!(
            store.get_order("restored-1").await.unwrap().unwrap().status,
            OrderStatus::Succeeded
        );
        let entry = store.inbox_entry(refused[0].id).await.unwrap().unwrap();
        assert_eq!(entry.outcome, InboxOutcome::Applied);
        assert_eq!(entry.order_id.as_deref(), Some("restored-1"));
        // Replaying again is a harmless duplicate.
        let again = shop.checkout.replay(refused[0].id).await.unwrap();
        assert!(again.result.is_ok(), "{name}: {again:?}");
        assert_eq!(
            store.inbox_entry(refused[0].id).await.unwrap().unwrap().outcome,
            InboxOutcome::Applied
        );
        assert_eq!(store.order_events("restored-1").await.unwrap().len(), 1, "{name}");
        // Tampered bytes never replay.
        assert!(shop.checkout.replay(999_999).await.is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_started_outside_the_checkout_is_kept_unmatched_then_found_by_reconciliation() {
    for (name, store) in every_store().await {
        let shop = shop_with(store.clone(), true).await;
        let order_id = paid_order(&shop, 4200).await;
        let order = store.get_order(&order_id).await.unwrap().unwrap();
        // A refund from Antom's Dashboard: its notification names no payment and
        // a refundRequestId this store never recorded.
        let before = shop.mock.log().notifications().len();
        shop.mock
            .mock()
            .refund_payment(
                &order.payment_request_id,
                RefundOrder {
                    amount: Some(700),
                    ..RefundOrder::default()
                },
            )
            .unwrap();
        shop.mock.wait_for_acknowledged(before + 1, WAIT).await.unwrap();
        let unmatched = store
            .inbox_entries(&InboxQuery {
                outcome: Some(InboxOutcome::Unmatched),
                ..InboxQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(unmatched.len(), 1, "{name}");
        assert_eq!(store.get_order(&order_id).await.unwrap().unwrap().refunded, 0);

        let report = shop.checkout.reconciler().inquiries_per_second(1000).run_once().await;
        assert_eq!(report.refunds_matched, 1, "{name}: {report:?}");
        let order = store.get_order(&order_id).await.unwrap().unwrap();
        assert_eq!(
            (order.status, order.refunded),
            (OrderStatus::PartiallyRefunded, 700),
            "{name}"
        );
        let entry = store.inbox_entry(unmatched[0].id).await.unwrap().unwrap();
        assert_eq!(entry.outcome, InboxOutcome::Applied);
        assert_eq!(entry.order_id.as_deref(), Some(order_id.as_str()));
        // A second sweep finds nothing more and counts nothing twice.
        let again = shop.checkout.reconciler().inquiries_per_second(1000).run_once().await;
        assert_eq!(again.refunds_matched, 0);
        assert_eq!(store.get_order(&order_id).await.unwrap().unwrap().refunded, 700);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_closes_an_unpaid_order_and_refuses_a_paid_one() {
    for (name, store) in every_store().await {
        let shop = shop_with(store.clone(), true).await;
        let unpaid = shop.paid_session(1500).await;
        let cancelled = shop.checkout.cancel(&unpaid.order_id).await.unwrap();
        assert_eq!(cancelled.status, OrderStatus::Cancelled, "{name}");
        assert_eq!(
            shop.mock
                .payment(&unpaid.payment_request_id)
                .unwrap()
                .status
                .to_string(),
            "CANCELLED"
        );
        let paid = paid_order(&shop, 2500).await;
        let refused = shop.checkout.cancel(&paid).await;
        assert!(
            matches!(refused, Err(RefundError::NotCancellable(OrderStatus::Succeeded))),
            "{name}: {refused:?}"
        );
        // A refund of an unpaid order is refused by the store, before Antom.
        let other = shop.paid_session(1000).await;
        let refund = shop.checkout.refund(&other.order_id, sgd(100), None).await;
        assert!(
            matches!(refund, Err(RefundError::Store(StoreError::NotRefundable { .. }))),
            "{name}: {refund:?}"
        );
        let handled = Handled::default();
        handled.drain(&shop.checkout.event_consumer("ops")).await;
        assert_eq!(handled.kinds(&unpaid.order_id), vec![OrderEventKind::Cancelled]);
    }
}

#[tokio::test]
async fn the_refund_route_is_mounted_only_behind_the_merchants_authorization() {
    let shop = shop().await;
    let order_id = paid_order(&shop, 4200).await;
    // The merchant's layer: a bearer token.
    let authorize = axum::middleware::from_fn(
        |request: axum::extract::Request, next: axum::middleware::Next| async move {
            let ok = request
                .headers()
                .get("authorization")
                .is_some_and(|v| v == "Bearer s3cret");
            if ok {
                next.run(request).await
            } else {
                axum::response::IntoResponse::into_response(axum::http::StatusCode::UNAUTHORIZED)
            }
        },
    );
    let app = shop.checkout.refund_router(authorize);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let route = format!("{url}/antom/orders/{order_id}/refunds");
    let body = serde_json::json!({"amount": 500, "reason": "late delivery"});
    let (status, _, _) = shop.http.post_json_with(&route, &body, &[]).await;
    assert_eq!(status, 401);
    let (status, _, _) = shop
        .http
        .post_json_with(&route, &body, &[("authorization", "Bearer wrong")])
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        shop.checkout
            .store()
            .get_order(&order_id)
            .await
            .unwrap()
            .unwrap()
            .refunded,
        0
    );
    let auth = [("authorization", "Bearer s3cret")];
    let (status, answer, _) = shop.http.post_json_with(&route, &body, &auth).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["state"], "succeeded");
    let (status, answer, _) = shop
        .http
        .post_json_with(&route, &serde_json::json!({"amount": 4000}), &auth)
        .await;
    assert_eq!((status, answer["error"].as_str()), (409, Some("refund_exceeds_order")));
    let (status, _, _) = shop
        .http
        .post_json_with(&format!("{url}/antom/orders/nobody/refunds"), &body, &auth)
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = shop
        .http
        .post_json_with(&route, &serde_json::json!({"amount": "lots"}), &auth)
        .await;
    assert_eq!(status, 400);
    // The checkout's own router has no refund route.
    let (status, _, _) = shop
        .http
        .post_json_with(&format!("{}/antom/orders/{order_id}/refunds", shop.url), &body, &auth)
        .await;
    assert!(status == 404 || status == 405, "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_asynchronous_refund_stays_pending_until_its_notification() {
    for (name, store) in every_store().await {
        let shop = shop_with(store.clone(), true).await;
        let order_id = paid_order(&shop, 4200).await;
        // The mock runs 100,000 times faster than real time: about a second.
        shop.mock.mock().set_async_refunds(Some(Duration::from_secs(100_000)));
        let refund = shop.checkout.refund(&order_id, sgd(1200), None).await.unwrap();
        // Antom answered "in process": recorded as pending, the amount reserved.
        assert_eq!(refund.state, RefundState::Pending, "{name}: {refund:?}");
        let over = shop.checkout.refund(&order_id, sgd(3001), None).await;
        assert!(
            matches!(over, Err(RefundError::Store(StoreError::RefundExceedsOrder { .. }))),
            "{name}"
        );
        wait_for("the refund notification", || async {
            store.refund(&refund.refund_request_id).await.unwrap().unwrap().state == RefundState::Succeeded
        })
        .await;
        let order = store.get_order(&order_id).await.unwrap().unwrap();
        assert_eq!(
            (order.status, order.refunded),
            (OrderStatus::PartiallyRefunded, 1200),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reconciliation_settles_a_refund_whose_notification_was_lost() {
    for (name, store) in every_store().await {
        // Every notification is lost: only inquiries tell the shop anything.
        let shop = shop_with(store.clone(), false).await;
        let session = shop.paid_session(4200).await;
        shop.mock.pay(&session.payment_request_id).unwrap();
        let reconciler = || {
            shop.checkout
                .reconciler()
                .min_age(Duration::ZERO)
                .inquiries_per_second(1000)
        };
        reconciler().run_once().await;
        assert_eq!(
            store.get_order(&session.order_id).await.unwrap().unwrap().status,
            OrderStatus::Succeeded,
            "{name}"
        );
        // The mock runs 100,000 times faster than real time: about a second.
        shop.mock.mock().set_async_refunds(Some(Duration::from_secs(100_000)));
        let refund = shop
            .checkout
            .refund(&session.order_id, sgd(4200), Some("lost"))
            .await
            .unwrap();
        assert_eq!(refund.state, RefundState::Pending);
        wait_for("Antom to finish the refund", || async {
            shop.mock.mock().refund(&refund.refund_request_id).unwrap().status == antom_types::RefundStatus::Success
        })
        .await;
        let report = reconciler().run_once().await;
        assert_eq!(report.refunds_settled, 1, "{name}: {report:?}");
        let order = store.get_order(&session.order_id).await.unwrap().unwrap();
        assert_eq!((order.status, order.refunded), (OrderStatus::Refunded, 4200), "{name}");
        let record = store.refund(&refund.refund_request_id).await.unwrap().unwrap();
        assert_eq!(record.state, RefundState::Succeeded);
        assert!(record.refund_id.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_capture_result_is_recorded_on_the_order_once() {
    for (name, store) in every_store().await {
        let shop = shop_with(store.clone(), true).await;
        let order_id = paid_order(&shop, 4200).await;
        let order = store.get_order(&order_id).await.unwrap().unwrap();
        let before = shop.mock.log().notifications().len();
        shop.mock
            .mock()
            .capture(
                &order.payment_request_id,
                antom_testkit::mock::control::CaptureOrder::default(),
            )
            .unwrap();
        shop.mock.wait_for_acknowledged(before + 1, WAIT).await.unwrap();
        let captures = store.captures(&order_id).await.unwrap();
        assert_eq!(captures.len(), 1, "{name}");
        assert!(captures[0].succeeded);
        assert_eq!(captures[0].amount, sgd(4200));
        let kinds: Vec<_> = store
            .order_events(&order_id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, vec![OrderEventKind::Paid, OrderEventKind::Captured], "{name}");
    }
}
