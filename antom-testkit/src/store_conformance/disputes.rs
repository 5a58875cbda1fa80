//! Disputes (chargebacks) and capture results recorded on the order:
//! `apply_effect` with `Effect::Dispute` / `Effect::Capture`, `disputes`
//! and `captures`.

use antom_tower::store::{
    ApplyOutcome, CaptureResult, DisputeUpdate, Effect, OrderEventKind, OrderStatus, OrderStore, ResultSource,
    StoreError,
};

use super::support::*;

fn dispute(order: &antom_tower::store::Order, dispute_id: &str, notification_type: &str) -> DisputeUpdate {
    DisputeUpdate {
        dispute_id: dispute_id.to_owned(),
        payment_request_id: order.payment_request_id.clone(),
        notification_type: notification_type.to_owned(),
        amount: None,
        reason_code: None,
        reason_message: None,
        dispute_time: None,
        defense_due_time: None,
        judged_result: None,
        judged_amount: None,
        source: ResultSource::Notification,
    }
}

async fn apply_effect<S: OrderStore + ?Sized>(store: &S, effect: Effect) -> ApplyOutcome {
    store
        .apply_effect(&effect)
        .await
        .unwrap_or_else(|e| panic!("apply_effect({effect:?}) failed: {e}"))
}

/// A `DISPUTE_CREATED` is recorded with every field as sent, and one
/// `disputed` event; the order's status and log are unchanged; the same
/// notification again is `AlreadyApplied` with no second event.
pub async fn dispute_recorded_with_every_field<S: OrderStore>(store: S) {
    let order = paid(&store, "dispute", sgd(4200)).await;
    let id = unique("dispute");
    let update = DisputeUpdate {
        amount: Some(sgd(4200)),
        reason_code: Some("4837".to_owned()),
        reason_message: Some("No cardholder authorization".to_owned()),
        dispute_time: Some("2026-12-01T10:00:00+08:00".to_owned()),
        defense_due_time: Some("2026-12-08T23:59:59+08:00".to_owned()),
        ..dispute(&order, &id, "DISPUTE_CREATED")
    };
    let before = now_ms();
    assert_eq!(
        apply_effect(&store, Effect::Dispute(update.clone())).await,
        ApplyOutcome::Recorded {
            status: OrderStatus::Succeeded
        }
    );
    let disputes = store.disputes(&order.order_id).await.expect("disputes");
    assert_eq!(disputes.len(), 1, "{disputes:?}");
    let record = &disputes[0];
    assert_eq!(
        (record.dispute_id.as_str(), record.order_id.as_str()),
        (id.as_str(), order.order_id.as_str())
    );
    assert_eq!(record.state, "DISPUTE_CREATED");
    assert_eq!(record.amount, Some(sgd(4200)));
    assert_eq!(record.reason_code, update.reason_code);
    assert_eq!(record.reason_message, update.reason_message);
    assert_eq!(record.dispute_time, update.dispute_time);
    assert_eq!(record.defense_due_time, update.defense_due_time);
    assert_eq!((record.judged_result.as_deref(), record.judged_amount), (None, None));
    assert!(record.created_at_ms >= before - 1000 && record.updated_at_ms >= record.created_at_ms);
    let read = reread(&store, &order).await;
    assert_eq!(
        (read.status, read.version),
        (order.status, order.version),
        "a dispute is not a transition"
    );
    assert_eq!(changes(&store, &order).await.len(), 1);
    let events = store.order_events(&order.order_id).await.expect("order_events");
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[1].kind, OrderEventKind::Disputed);
    assert_eq!(events[1].reference.as_deref(), Some(id.as_str()));
    assert_eq!(events[1].detail.as_deref(), Some("DISPUTE_CREATED"));
    assert_eq!(events[1].amount, Some(sgd(4200)));

    assert_eq!(
        apply_effect(&store, Effect::Dispute(update)).await,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Succeeded
        }
    );
    assert_eq!(
        store.order_events(&order.order_id).await.expect("order_events").len(),
        2
    );
    assert_eq!(store.disputes(&order.order_id).await.expect("disputes").len(), 1);
    assert!(store.disputes("order-nobody").await.expect("disputes").is_empty());
}

/// Notifications out of order: `DISPUTE_JUDGED` then `DISPUTE_CREATED`.
/// The record keeps the judged state and judgement; the late opening only
/// fills what the judgement did not say. One event per type.
pub async fn dispute_stages_out_of_order_keep_the_furthest<S: OrderStore>(store: S) {
    let order = paid(&store, "dispute-order", sgd(4200)).await;
    let id = unique("dispute");
    let judged = DisputeUpdate {
        amount: Some(sgd(4200)),
        judged_result: Some("ACCEPT_BY_MERCHANT".to_owned()),
        judged_amount: Some(sgd(4000)),
        ..dispute(&order, &id, "DISPUTE_JUDGED")
    };
    let opened = DisputeUpdate {
        amount: Some(sgd(4200)),
        reason_code: Some("10.4".to_owned()),
        reason_message: Some("Fraud".to_owned()),
        defense_due_time: Some("2026-12-08T23:59:59+08:00".to_owned()),
        ..dispute(&order, &id, "DISPUTE_CREATED")
    };
    apply_effect(&store, Effect::Dispute(judged)).await;
    assert_eq!(
        apply_effect(&store, Effect::Dispute(opened)).await,
        ApplyOutcome::Recorded {
            status: OrderStatus::Succeeded
        },
        "another stage of the dispute is recorded"
    );
    let disputes = store.disputes(&order.order_id).await.expect("disputes");
    assert_eq!(disputes.len(), 1, "{disputes:?}");
    let record = &disputes[0];
    assert_eq!(record.state, "DISPUTE_JUDGED", "a late opening does not reopen it");
    assert_eq!(record.judged_result.as_deref(), Some("ACCEPT_BY_MERCHANT"));
    assert_eq!(record.judged_amount, Some(sgd(4000)));
    assert_eq!(record.reason_code.as_deref(), Some("10.4"), "gaps are filled");
    assert_eq!(record.defense_due_time.as_deref(), Some("2026-12-08T23:59:59+08:00"));
    let details: Vec<(OrderEventKind, Option<String>)> = store
        .order_events(&order.order_id)
        .await
        .expect("order_events")
        .into_iter()
        .skip(1)
        .map(|e| (e.kind, e.detail))
        .collect();
    assert_eq!(
        details,
        vec![
            (OrderEventKind::Disputed, Some("DISPUTE_JUDGED".to_owned())),
            (OrderEventKind::Disputed, Some("DISPUTE_CREATED".to_owned())),
        ]
    );
}

/// A dispute for an amount in another currency, or more than the order, is
/// refused (`AmountMismatch`) and records nothing; an unknown order is
/// `NotFound`.
pub async fn dispute_amount_refused<S: OrderStore>(store: S) {
    let order = paid(&store, "dispute-amount", sgd(4200)).await;
    for amount in [money("USD", 4200), sgd(4201)] {
        let update = DisputeUpdate {
            amount: Some(amount),
            ..dispute(&order, &unique("dispute"), "DISPUTE_CREATED")
        };
        let err = store
            .apply_effect(&Effect::Dispute(update))
            .await
            .expect_err("the amount does not fit the order");
        assert!(matches!(err, StoreError::AmountMismatch { .. }), "{amount}: {err:?}");
    }
    let judged_in_usd = DisputeUpdate {
        judged_amount: Some(money("USD", 1)),
        ..dispute(&order, &unique("dispute"), "DISPUTE_JUDGED")
    };
    assert!(matches!(
        store.apply_effect(&Effect::Dispute(judged_in_usd)).await,
        Err(StoreError::AmountMismatch { .. })
    ));
    assert!(store.disputes(&order.order_id).await.expect("disputes").is_empty());
    assert_eq!(event_kinds(&store, &order).await, vec![OrderEventKind::Paid]);
    let mut ghost = dispute(&order, &unique("dispute"), "DISPUTE_CREATED");
    ghost.payment_request_id = format!("pay-{}", unique("nobody"));
    assert!(matches!(
        store.apply_effect(&Effect::Dispute(ghost)).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// A capture result finds its order by Antom's `paymentId`: recorded with
/// every field, one `captured` event; the same capture again is
/// `AlreadyApplied`; a failed capture yields `capture_failed`; amounts in
/// another currency or past the order are refused; an unknown paymentId is
/// `NotFound`.
pub async fn capture_recorded_by_payment_id<S: OrderStore>(store: S) {
    let order = paid(&store, "capture", sgd(4200)).await;
    let payment_id = order.payment_id.clone().expect("a paid order has a paymentId");
    let capture = CaptureResult {
        capture_id: unique("capture"),
        capture_request_id: Some(unique("capture-request")),
        payment_id: payment_id.clone(),
        amount: sgd(4200),
        succeeded: true,
        capture_time: Some("2026-12-02T12:00:00+08:00".to_owned()),
        result_code: Some("SUCCESS".to_owned()),
        source: ResultSource::Notification,
    };
    assert_eq!(
        apply_effect(&store, Effect::Capture(capture.clone())).await,
        ApplyOutcome::Recorded {
            status: OrderStatus::Succeeded
        }
    );
    let captures = store.captures(&order.order_id).await.expect("captures");
    assert_eq!(captures.len(), 1, "{captures:?}");
    let record = &captures[0];
    assert_eq!(
        (record.capture_id.as_str(), record.order_id.as_str()),
        (capture.capture_id.as_str(), order.order_id.as_str())
    );
    assert_eq!(record.capture_request_id, capture.capture_request_id);
    assert_eq!((record.amount, record.succeeded), (sgd(4200), true));
    assert_eq!(record.capture_time, capture.capture_time);
    assert_eq!(record.result_code, capture.result_code);
    assert!(record.at_ms > 0);
    assert_eq!(
        apply_effect(&store, Effect::Capture(capture.clone())).await,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Succeeded
        }
    );
    let failed = CaptureResult {
        capture_id: unique("capture"),
        succeeded: false,
        result_code: Some("PROCESS_FAIL".to_owned()),
        ..capture.clone()
    };
    apply_effect(&store, Effect::Capture(failed.clone())).await;
    let events = store.order_events(&order.order_id).await.expect("order_events");
    let kinds: Vec<OrderEventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            OrderEventKind::Paid,
            OrderEventKind::Captured,
            OrderEventKind::CaptureFailed
        ]
    );
    assert_eq!(events[1].reference.as_deref(), Some(capture.capture_id.as_str()));
    assert_eq!(events[1].amount, Some(sgd(4200)));
    assert_eq!(events[2].detail.as_deref(), Some("PROCESS_FAIL"));
    assert_eq!(store.captures(&order.order_id).await.expect("captures").len(), 2);
    let read = reread(&store, &order).await;
    assert_eq!((read.status, read.version), (order.status, order.version));

    for amount in [money("USD", 4200), sgd(4201)] {
        let wrong = CaptureResult {
            capture_id: unique("capture"),
            amount,
            ..capture.clone()
        };
        assert!(
            matches!(
                store.apply_effect(&Effect::Capture(wrong)).await,
                Err(StoreError::AmountMismatch { .. })
            ),
            "{amount}"
        );
    }
    let stranger = CaptureResult {
        capture_id: unique("capture"),
        payment_id: unique("payment-nobody"),
        ..capture
    };
    assert!(matches!(
        store.apply_effect(&Effect::Capture(stranger)).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.captures(&order.order_id).await.expect("captures").len(), 2);
}
