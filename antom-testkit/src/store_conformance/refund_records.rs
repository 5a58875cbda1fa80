//! Refunds the merchant starts: `create_refund`, the `REFUND_RESULT` that
//! settles them (found by `refundRequestId`), `refund`, `refunds`,
//! `pending_refunds` and `refund_candidates`.

use std::sync::Arc;

use antom_tower::store::{
    ApplyOutcome, Effect, NewRefund, OrderEventKind, OrderStatus, OrderStore, PaymentOutcome, RefundClaim,
    RefundOutcome, RefundResult, RefundState, ResultSource, StoreError,
};
use antom_types::Amount;
use tokio::sync::Barrier;

use super::support::*;

fn new_refund(order: &antom_tower::store::Order, tag: &str, amount: Amount) -> NewRefund {
    NewRefund {
        refund_request_id: format!("refund-{}", unique(tag)),
        order_id: order.order_id.clone(),
        amount,
        reason: Some(format!("conformance {tag}")),
    }
}

async fn create<S: OrderStore + ?Sized>(store: &S, refund: &NewRefund) -> RefundClaim {
    store
        .create_refund(refund)
        .await
        .unwrap_or_else(|e| panic!("create_refund({}) failed: {e}", refund.refund_request_id))
}

/// The `REFUND_RESULT` of `refund` as notifyRefund carries it: no
/// paymentRequestId, the refund's `refundRequestId`.
fn refund_result(refund: &NewRefund, refund_id: &str, amount: Amount, outcome: RefundOutcome) -> RefundResult {
    RefundResult {
        payment_request_id: None,
        refund_id: format!("{refund_id}-{}", refund.refund_request_id),
        refund_request_id: Some(refund.refund_request_id.clone()),
        amount,
        outcome,
        source: ResultSource::Notification,
        result_code: match outcome {
            RefundOutcome::Failed => Some("REFUND_AMOUNT_EXCEED".to_owned()),
            _ => None,
        },
    }
}

/// A refund of a paid order is recorded pending with every field, listed
/// by `refund`, `refunds` and `pending_refunds`; the order is unchanged and
/// no event is written until Antom's result.
pub async fn refund_created_pending_on_a_paid_order<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-record", sgd(1000)).await;
    let new = new_refund(&order, "record", sgd(300));
    let before = now_ms();
    let RefundClaim::Created(record) = create(&store, &new).await else {
        panic!("a new refund must be Created");
    };
    assert_eq!(record.refund_request_id, new.refund_request_id);
    assert_eq!(record.order_id, order.order_id);
    assert_eq!(record.amount, sgd(300));
    assert_eq!(record.reason, new.reason);
    assert_eq!(record.state, RefundState::Pending);
    assert_eq!(
        (record.refund_id.as_deref(), record.failure_code.as_deref()),
        (None, None)
    );
    assert!(record.created_at_ms >= before - 1000 && record.updated_at_ms >= record.created_at_ms);
    assert_eq!(
        store.refund(&new.refund_request_id).await.expect("refund"),
        Some(record.clone())
    );
    assert_eq!(
        store.refunds(&order.order_id).await.expect("refunds"),
        vec![record.clone()]
    );
    let pending = store.pending_refunds(100_000).await.expect("pending_refunds");
    assert!(pending.contains(&record), "listed as pending");
    assert_eq!(
        reread(&store, &order).await,
        order,
        "creating a refund does not touch the order"
    );
    assert_eq!(event_kinds(&store, &order).await, vec![OrderEventKind::Paid]);
    assert!(store.refund("refund-nobody").await.expect("refund").is_none());
    assert!(store.refunds("order-nobody").await.expect("refunds").is_empty());
}

/// Refusals: unpaid orders (`NotRefundable`), more than is neither
/// refunded nor reserved by pending refunds (`RefundExceedsOrder`), another
/// currency, zero, an unknown order; the same refund again is `Existing`,
/// another refund under the same `refundRequestId` a `RefundRequestConflict`.
pub async fn refund_creation_refusals<S: OrderStore>(store: S) {
    let unpaid = created(&store, "refund-unpaid", sgd(1000)).await;
    let failed = created(&store, "refund-failed-order", sgd(1000)).await;
    apply(&store, &payment(&failed, PaymentOutcome::Failed)).await;
    for (order, status) in [(&unpaid, OrderStatus::Created), (&failed, OrderStatus::Failed)] {
        let err = store
            .create_refund(&new_refund(order, "unpaid", sgd(100)))
            .await
            .expect_err("an unpaid order cannot be refunded");
        assert!(
            matches!(err, StoreError::NotRefundable { status: s } if s == status),
            "{err:?}"
        );
        assert!(store.refunds(&order.order_id).await.expect("refunds").is_empty());
    }

    let order = paid(&store, "refund-room", sgd(1000)).await;
    let first = new_refund(&order, "first", sgd(600));
    create(&store, &first).await;
    let err = store
        .create_refund(&new_refund(&order, "too-much", sgd(401)))
        .await
        .expect_err("the pending refund reserves its amount");
    assert!(
        matches!(err, StoreError::RefundExceedsOrder { refunded: 600, .. }),
        "{err:?}"
    );
    let err = store
        .create_refund(&new_refund(&order, "currency", money("USD", 100)))
        .await
        .expect_err("another currency");
    assert!(matches!(err, StoreError::AmountMismatch { .. }), "{err:?}");
    let err = store
        .create_refund(&new_refund(&order, "zero", sgd(0)))
        .await
        .expect_err("a refund of nothing");
    assert!(matches!(err, StoreError::InvalidInput(_)), "{err:?}");
    let mut ghost = new_refund(&order, "ghost", sgd(1));
    ghost.order_id = format!("order-{}", unique("nobody"));
    let err = store.create_refund(&ghost).await.expect_err("unknown order");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");

    // The same refund again: the record, unchanged.
    let existing = store
        .refund(&first.refund_request_id)
        .await
        .expect("refund")
        .expect("kept");
    assert_eq!(create(&store, &first).await, RefundClaim::Existing(existing.clone()));
    // The same id for another amount, or another order: a conflict.
    let other_amount = NewRefund {
        amount: sgd(100),
        ..first.clone()
    };
    let err = store.create_refund(&other_amount).await.expect_err("another amount");
    assert!(matches!(err, StoreError::RefundRequestConflict { .. }), "{err:?}");
    let elsewhere = paid(&store, "refund-elsewhere", sgd(1000)).await;
    let other_order = NewRefund {
        order_id: elsewhere.order_id.clone(),
        ..first.clone()
    };
    let err = store.create_refund(&other_order).await.expect_err("another order");
    assert!(matches!(err, StoreError::RefundRequestConflict { .. }), "{err:?}");
    assert!(store.refunds(&elsewhere.order_id).await.expect("refunds").is_empty());

    let last = new_refund(&order, "fits", sgd(400));
    assert!(
        matches!(create(&store, &last).await, RefundClaim::Created(_)),
        "400 still fits"
    );
    assert_eq!(store.refunds(&order.order_id).await.expect("refunds").len(), 2);
    assert_eq!(reread(&store, &order).await.refunded, 0, "reserved, not refunded");
}

/// A `REFUND_RESULT` with no paymentRequestId finds the order through the
/// refund's `refundRequestId`: the order is partially refunded (then
/// refunded), the record succeeded with Antom's refund id, one event each;
/// a resend counts once.
pub async fn refund_result_found_by_refund_request_id<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-result", sgd(1000)).await;
    let part = new_refund(&order, "part", sgd(300));
    create(&store, &part).await;
    let result = refund_result(&part, "antom-refund", sgd(300), RefundOutcome::Succeeded);
    let effect = Effect::Refund(result.clone());
    assert_eq!(
        store.apply_effect(&effect).await.expect("apply_effect"),
        applied(OrderStatus::Succeeded, OrderStatus::PartiallyRefunded)
    );
    let read = reread(&store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::PartiallyRefunded, 300));
    let settled = store
        .refund(&part.refund_request_id)
        .await
        .expect("refund")
        .expect("kept");
    assert_eq!(settled.state, RefundState::Succeeded);
    assert_eq!(settled.refund_id.as_deref(), Some(result.refund_id.as_str()));
    assert!(!store
        .pending_refunds(100_000)
        .await
        .expect("pending_refunds")
        .iter()
        .any(|r| r.refund_request_id == part.refund_request_id));
    let events = store.order_events(&order.order_id).await.expect("order_events");
    assert_eq!(events.len(), 2, "paid, then one refund event: {events:?}");
    assert_eq!(events[1].kind, OrderEventKind::PartiallyRefunded);
    assert_eq!(events[1].amount, Some(sgd(300)));
    assert_eq!(events[1].reference.as_deref(), Some(result.refund_id.as_str()));
    // Antom resends; an inquiry confirms: counted once.
    for again in [
        result.clone(),
        RefundResult {
            source: ResultSource::Inquiry,
            ..result.clone()
        },
    ] {
        assert_eq!(
            store.apply_effect(&Effect::Refund(again)).await.expect("apply_effect"),
            ApplyOutcome::AlreadyApplied {
                status: OrderStatus::PartiallyRefunded
            }
        );
    }
    assert_eq!(reread(&store, &order).await.refunded, 300);
    assert_eq!(
        store.order_events(&order.order_id).await.expect("order_events").len(),
        2
    );

    // The rest, through the notification route: refunded.
    let rest = new_refund(&order, "rest", sgd(700));
    create(&store, &rest).await;
    let result = refund_result(&rest, "antom-refund", sgd(700), RefundOutcome::Succeeded);
    let recorded = record(&store, &refund_notification(&result), &Effect::Refund(result.clone())).await;
    assert_eq!(recorded.outcome, antom_tower::store::InboxOutcome::Applied);
    assert_eq!(
        entry(&store, recorded.inbox_id).await.order_id.as_deref(),
        Some(order.order_id.as_str())
    );
    let read = reread(&store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::Refunded, 1000));
    assert_eq!(
        event_kinds(&store, &order).await,
        vec![
            OrderEventKind::Paid,
            OrderEventKind::PartiallyRefunded,
            OrderEventKind::Refunded
        ]
    );
    let refunds = store.refunds(&order.order_id).await.expect("refunds");
    assert_eq!(refunds.len(), 2);
    assert!(refunds.iter().all(|r| r.state == RefundState::Succeeded), "{refunds:?}");
}

/// A failed `REFUND_RESULT`: the record fails with Antom's result code, its
/// reservation is released, one `refund_failed` event; a resend changes
/// nothing more.
pub async fn refund_failure_releases_the_reservation<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-fails", sgd(1000)).await;
    let whole = new_refund(&order, "whole", sgd(1000));
    create(&store, &whole).await;
    assert!(
        store
            .create_refund(&new_refund(&order, "blocked", sgd(1)))
            .await
            .is_err(),
        "the whole amount is reserved"
    );
    let result = refund_result(&whole, "antom-refund", sgd(1000), RefundOutcome::Failed);
    assert_eq!(
        store
            .apply_effect(&Effect::Refund(result.clone()))
            .await
            .expect("apply_effect"),
        ApplyOutcome::Recorded {
            status: OrderStatus::Succeeded
        }
    );
    let record = store
        .refund(&whole.refund_request_id)
        .await
        .expect("refund")
        .expect("kept");
    assert_eq!(record.state, RefundState::Failed);
    assert_eq!(record.failure_code.as_deref(), Some("REFUND_AMOUNT_EXCEED"));
    let read = reread(&store, &order).await;
    assert_eq!(
        (read.status, read.refunded, read.version),
        (order.status, 0, order.version)
    );
    let events = store.order_events(&order.order_id).await.expect("order_events");
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[1].kind, OrderEventKind::RefundFailed);
    assert_eq!(events[1].reference.as_deref(), Some(whole.refund_request_id.as_str()));
    assert_eq!(events[1].detail.as_deref(), Some("REFUND_AMOUNT_EXCEED"));
    // A resend: a duplicate, nothing more.
    let again = store.apply_effect(&Effect::Refund(result)).await.expect("apply_effect");
    assert_eq!(
        again,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Succeeded
        }
    );
    assert_eq!(
        store.order_events(&order.order_id).await.expect("order_events").len(),
        2
    );
    // Released: the whole amount can be refunded again.
    assert!(matches!(
        create(&store, &new_refund(&order, "retry", sgd(1000))).await,
        RefundClaim::Created(_)
    ));
}

/// `pending_refunds`: pending ones only, oldest first, up to the limit.
pub async fn pending_refunds_oldest_first<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-pending", sgd(1000)).await;
    let mut mine = Vec::new();
    for i in 0..4 {
        let new = new_refund(&order, &format!("pending-{i}"), sgd(100));
        create(&store, &new).await;
        mine.push(new.refund_request_id);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let settled = store.refund(&mine[1]).await.expect("refund").expect("kept");
    let result = RefundResult {
        payment_request_id: None,
        refund_id: unique("antom-refund"),
        refund_request_id: Some(settled.refund_request_id.clone()),
        amount: settled.amount,
        outcome: RefundOutcome::Succeeded,
        source: ResultSource::Inquiry,
        result_code: None,
    };
    store.apply_effect(&Effect::Refund(result)).await.expect("apply_effect");
    let listed: Vec<String> = store
        .pending_refunds(100_000)
        .await
        .expect("pending_refunds")
        .into_iter()
        .inspect(|r| assert_eq!(r.state, RefundState::Pending))
        .map(|r| r.refund_request_id)
        .filter(|id| mine.contains(id))
        .collect();
    assert_eq!(listed, vec![mine[0].clone(), mine[2].clone(), mine[3].clone()]);
    let all = store.pending_refunds(100_000).await.expect("pending_refunds");
    assert!(
        all.windows(2).all(|w| w[0].created_at_ms <= w[1].created_at_ms),
        "oldest first"
    );
    let two = store.pending_refunds(2).await.expect("pending_refunds");
    assert_eq!(two, all[..2].to_vec(), "the limit takes the oldest");
}

/// `refund_candidates`: paid, not fully refunded orders in the currency,
/// of at least the amount, created since the time given; newest first.
pub async fn refund_candidates_filters<S: OrderStore>(store: S) {
    let since = now_ms() - 1;
    let small = paid(&store, "cand-small", sgd(50)).await;
    let usd = paid(&store, "cand-usd", money("USD", 5000)).await;
    let unpaid = created(&store, "cand-unpaid", sgd(5000)).await;
    let full = paid(&store, "cand-full", sgd(5000)).await;
    apply_refund(&store, &refund(&full, "all", sgd(5000), RefundOutcome::Succeeded)).await;
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let partly = paid(&store, "cand-partly", sgd(5000)).await;
    apply_refund(&store, &refund(&partly, "some", sgd(100), RefundOutcome::Succeeded)).await;
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let whole = paid(&store, "cand-whole", sgd(1000)).await;
    let mine = [&small, &usd, &unpaid, &full, &partly, &whole].map(|o| o.order_id.clone());

    let candidates = store
        .refund_candidates("SGD", 100, since, 100_000)
        .await
        .expect("refund_candidates");
    let found: Vec<String> = candidates
        .iter()
        .map(|o| o.order_id.clone())
        .filter(|id| mine.contains(id))
        .collect();
    assert_eq!(
        found,
        vec![whole.order_id.clone(), partly.order_id.clone()],
        "newest first"
    );
    for order in &candidates {
        assert!(
            matches!(order.status, OrderStatus::Succeeded | OrderStatus::PartiallyRefunded),
            "{order:?}"
        );
        assert_eq!(order.amount.currency().as_str(), "SGD");
        assert!(order.amount.value() >= 100 && order.created_at_ms >= since);
    }
    assert!(candidates.windows(2).all(|w| w[0].created_at_ms >= w[1].created_at_ms));
    let usd_found = store
        .refund_candidates("USD", 1, since, 100_000)
        .await
        .expect("refund_candidates");
    assert!(usd_found.iter().any(|o| o.order_id == usd.order_id));
    let later = store
        .refund_candidates("SGD", 1, whole.created_at_ms + 1, 100_000)
        .await
        .expect("refund_candidates");
    assert!(
        !later.iter().any(|o| mine.contains(&o.order_id)),
        "created before the cut-off"
    );
    let one = store
        .refund_candidates("SGD", 100, since, 1)
        .await
        .expect("refund_candidates");
    assert_eq!(one.len(), 1);
    assert!(one[0].created_at_ms >= whole.created_at_ms);
}

/// 20 tasks create distinct refunds of 100 on an order of 1000 at once:
/// exactly 10 are recorded, the others refused; never more than the order.
pub async fn concurrent_refund_creation_never_over_reserves<S: OrderStore>(store: S) {
    const TASKS: usize = 20;
    let store = Arc::new(store);
    let order = paid(&*store, "refund-race", sgd(1000)).await;
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for i in 0..TASKS {
        let (store, barrier) = (store.clone(), barrier.clone());
        let new = new_refund(&order, &format!("race-{i}"), sgd(100));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.create_refund(&new).await
        }));
    }
    let (mut created_count, mut refused) = (0, 0);
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(RefundClaim::Created(_)) => created_count += 1,
            Err(StoreError::RefundExceedsOrder { .. }) => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created_count, refused), (10, 10));
    let reserved: u64 = store
        .refunds(&order.order_id)
        .await
        .expect("refunds")
        .iter()
        .map(|r| r.amount.value())
        .sum();
    assert_eq!(reserved, 1000);
}

/// A `PROCESSING` result gives the pending record Antom's `refundId` and
/// leaves it pending, reserving its amount, without an event; a refund
/// started elsewhere (the Dashboard) and learned with its
/// `refundRequestId` is recorded as succeeded, so the order lists it.
pub async fn refund_processing_and_refunds_learned_elsewhere<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-processing", sgd(1000)).await;
    let asked = new_refund(&order, "processing", sgd(400));
    create(&store, &asked).await;
    let processing = refund_result(&asked, "antom-refund", sgd(400), RefundOutcome::Processing);
    assert_eq!(
        store
            .apply_effect(&Effect::Refund(processing.clone()))
            .await
            .expect("apply_effect"),
        ApplyOutcome::Ignored {
            status: OrderStatus::Succeeded
        }
    );
    let record = store
        .refund(&asked.refund_request_id)
        .await
        .expect("refund")
        .expect("kept");
    assert_eq!(record.state, RefundState::Pending);
    assert_eq!(record.refund_id.as_deref(), Some(processing.refund_id.as_str()));
    assert_eq!(event_kinds(&store, &order).await, vec![OrderEventKind::Paid]);
    assert!(
        store
            .create_refund(&new_refund(&order, "blocked", sgd(601)))
            .await
            .is_err(),
        "still reserved"
    );

    let dashboard = RefundResult {
        payment_request_id: Some(order.payment_request_id.clone()),
        refund_id: unique("antom-refund"),
        refund_request_id: Some(format!("dashboard-{}", unique("refund"))),
        amount: sgd(100),
        outcome: RefundOutcome::Succeeded,
        source: ResultSource::Inquiry,
        result_code: None,
    };
    store
        .apply_effect(&Effect::Refund(dashboard.clone()))
        .await
        .expect("apply_effect");
    let learned = store
        .refund(dashboard.refund_request_id.as_deref().unwrap_or_default())
        .await
        .expect("refund")
        .expect("a learned refund is recorded");
    assert_eq!(learned.order_id, order.order_id);
    assert_eq!((learned.amount, learned.state), (sgd(100), RefundState::Succeeded));
    assert_eq!(learned.refund_id.as_deref(), Some(dashboard.refund_id.as_str()));
    assert_eq!(store.refunds(&order.order_id).await.expect("refunds").len(), 2);
    assert_eq!(reread(&store, &order).await.refunded, 100);
}

/// A refund counted before its record could be linked (an inquiry listed
/// it without the `refundRequestId`), then its `REFUND_RESULT`: the result
/// is a duplicate, and the record settles, so it no longer reserves its
/// amount nor stays pending. One refund event.
pub async fn refund_counted_before_its_record_settles_it<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-counted-first", sgd(1000)).await;
    let asked = new_refund(&order, "counted-first", sgd(300));
    create(&store, &asked).await;
    let notified = refund_result(&asked, "antom-refund", sgd(300), RefundOutcome::Succeeded);
    let inquiry = RefundResult {
        payment_request_id: Some(order.payment_request_id.clone()),
        refund_request_id: None,
        source: ResultSource::Inquiry,
        ..notified.clone()
    };
    assert_eq!(
        store
            .apply_effect(&Effect::Refund(inquiry))
            .await
            .expect("apply_effect"),
        applied(OrderStatus::Succeeded, OrderStatus::PartiallyRefunded)
    );
    assert_eq!(
        store
            .apply_effect(&Effect::Refund(notified.clone()))
            .await
            .expect("apply_effect"),
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::PartiallyRefunded
        }
    );
    let record = store
        .refund(&asked.refund_request_id)
        .await
        .expect("refund")
        .expect("kept");
    assert_eq!(record.state, RefundState::Succeeded, "{record:?}");
    assert_eq!(record.refund_id.as_deref(), Some(notified.refund_id.as_str()));
    assert!(!store
        .pending_refunds(100_000)
        .await
        .expect("pending_refunds")
        .iter()
        .any(|r| r.refund_request_id == asked.refund_request_id));
    assert_eq!(reread(&store, &order).await.refunded, 300);
    assert!(
        matches!(
            create(&store, &new_refund(&order, "rest", sgd(700))).await,
            RefundClaim::Created(_)
        ),
        "the rest is refundable: nothing reserved twice"
    );
    assert_eq!(
        event_kinds(&store, &order).await,
        vec![OrderEventKind::Paid, OrderEventKind::PartiallyRefunded]
    );
}
