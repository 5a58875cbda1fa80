//! Refund results applied to orders: partial and full, each refund id
//! counted once, over-refunds and unpaid orders refused, racing refunds.

use std::sync::Arc;

use antom_tower::store::{
    ApplyOutcome, OrderStatus, OrderStore, PaymentOutcome, RefundOutcome, ResultSource, StoreError,
};
use tokio::sync::Barrier;

use super::support::*;

/// A partial refund, then the rest: `PartiallyRefunded` then `Refunded`,
/// the refunded total in minor units, one logged change per refund.
pub async fn refunds_partial_then_full<S: OrderStore>(store: S) {
    let order = paid(&store, "refund", sgd(1000)).await;
    let first = refund(&order, "r1", sgd(300), RefundOutcome::Succeeded);
    assert_eq!(
        apply_refund(&store, &first).await,
        applied(OrderStatus::Succeeded, OrderStatus::PartiallyRefunded)
    );
    let read = reread(&store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::PartiallyRefunded, 300));
    assert_eq!(read.refunded_amount(), sgd(300));

    let second = refund(&order, "r2", sgd(200), RefundOutcome::Succeeded);
    assert_eq!(
        apply_refund(&store, &second).await,
        applied(OrderStatus::PartiallyRefunded, OrderStatus::PartiallyRefunded)
    );
    assert_eq!(reread(&store, &order).await.refunded, 500);

    let rest = refund(&order, "r3", sgd(500), RefundOutcome::Succeeded);
    assert_eq!(
        apply_refund(&store, &rest).await,
        applied(OrderStatus::PartiallyRefunded, OrderStatus::Refunded)
    );
    let read = reread(&store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::Refunded, 1000));
    assert_eq!(read.payment_id, order.payment_id, "the paymentId survives refunds");
    assert!(read.status.is_final() && read.status.is_paid());

    // A duplicate success notification after the refunds is harmless.
    assert_eq!(
        apply(&store, &payment(&order, PaymentOutcome::Succeeded)).await,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Refunded
        }
    );
    assert!(matches!(
        store
            .apply_payment_result(&payment(&order, PaymentOutcome::Failed))
            .await,
        Err(StoreError::IllegalTransition {
            from: OrderStatus::Refunded,
            ..
        })
    ));

    let log = store.state_changes(&order.order_id).await.expect("state_changes");
    assert_eq!(log.len(), 4, "{log:?}");
    let refunds: Vec<(Option<&str>, Option<u64>)> = log[1..]
        .iter()
        .map(|c| (c.refund_id.as_deref(), c.refund_amount))
        .collect();
    assert_eq!(
        refunds,
        vec![
            (Some(first.refund_id.as_str()), Some(300)),
            (Some(second.refund_id.as_str()), Some(200)),
            (Some(rest.refund_id.as_str()), Some(500)),
        ]
    );
    assert_eq!(log.iter().map(|c| c.version).collect::<Vec<_>>(), vec![2, 3, 4, 5]);

    // A single full refund goes straight to Refunded.
    let order = paid(&store, "refund-full", sgd(1000)).await;
    assert_eq!(
        apply_refund(&store, &refund(&order, "all", sgd(1000), RefundOutcome::Succeeded)).await,
        applied(OrderStatus::Succeeded, OrderStatus::Refunded)
    );
}

/// The same refund id twice is counted once (`AlreadyApplied`); the same id
/// with another amount is refused.
pub async fn duplicate_refund_id_counted_once<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-dup", sgd(1000)).await;
    let result = refund(&order, "r1", sgd(400), RefundOutcome::Succeeded);
    assert_eq!(
        apply_refund(&store, &result).await,
        applied(OrderStatus::Succeeded, OrderStatus::PartiallyRefunded)
    );
    let mut inquiry = result.clone();
    inquiry.source = ResultSource::Inquiry;
    for again in [&result, &inquiry] {
        assert_eq!(
            apply_refund(&store, again).await,
            ApplyOutcome::AlreadyApplied {
                status: OrderStatus::PartiallyRefunded
            }
        );
    }
    let mut changed = result.clone();
    changed.amount = sgd(500);
    assert!(
        matches!(
            store.apply_refund_result(&changed).await,
            Err(StoreError::AmountMismatch { .. })
        ),
        "a known refund id with another amount is refused"
    );
    let read = reread(&store, &order).await;
    assert_eq!(read.refunded, 400, "counted once");
    assert_eq!(read.version, 3);
    assert_eq!(changes(&store, &order).await.len(), 2);
}

/// A refund past the order's amount is refused with `RefundExceedsOrder`
/// and changes nothing; what fits still applies.
pub async fn over_refund_refused<S: OrderStore>(store: S) {
    let order = paid(&store, "over", sgd(1000)).await;
    let err = store
        .apply_refund_result(&refund(&order, "too-much", sgd(1001), RefundOutcome::Succeeded))
        .await
        .expect_err("refunding more than paid must be refused");
    assert!(
        matches!(err, StoreError::RefundExceedsOrder { refunded: 0, .. }),
        "{err:?}"
    );
    assert!(!err.is_transient());
    assert_eq!(reread(&store, &order).await, order);

    apply_refund(&store, &refund(&order, "r1", sgd(600), RefundOutcome::Succeeded)).await;
    let err = store
        .apply_refund_result(&refund(&order, "r2", sgd(401), RefundOutcome::Succeeded))
        .await
        .expect_err("the total must not exceed the order");
    assert!(
        matches!(err, StoreError::RefundExceedsOrder { refunded: 600, .. }),
        "{err:?}"
    );
    assert_eq!(reread(&store, &order).await.refunded, 600);
    apply_refund(&store, &refund(&order, "r2", sgd(400), RefundOutcome::Succeeded)).await;
    let err = store
        .apply_refund_result(&refund(&order, "r3", sgd(1), RefundOutcome::Succeeded))
        .await
        .expect_err("nothing is left to refund");
    assert!(
        matches!(err, StoreError::RefundExceedsOrder { refunded: 1000, .. }),
        "{err:?}"
    );
    let read = reread(&store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::Refunded, 1000));
    assert_eq!(changes(&store, &order).await.len(), 3);
}

/// Refunding an order that was never paid is an `IllegalTransition`.
pub async fn refund_of_unpaid_order_refused<S: OrderStore>(store: S) {
    let created_order = created(&store, "unpaid", sgd(1000)).await;
    let failed = created(&store, "unpaid-failed", sgd(1000)).await;
    apply(&store, &payment(&failed, PaymentOutcome::Failed)).await;
    for (order, from) in [(&created_order, OrderStatus::Created), (&failed, OrderStatus::Failed)] {
        let before = reread(&store, order).await;
        let err = store
            .apply_refund_result(&refund(order, "r1", sgd(100), RefundOutcome::Succeeded))
            .await
            .expect_err("an unpaid order cannot be refunded");
        assert!(
            matches!(err, StoreError::IllegalTransition { from: f, to: OrderStatus::PartiallyRefunded } if f == from),
            "{err:?}"
        );
        assert_eq!(reread(&store, order).await, before);
    }
}

/// A refund in another currency is refused with `AmountMismatch`.
pub async fn refund_currency_mismatch_refused<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-currency", sgd(1000)).await;
    let err = store
        .apply_refund_result(&refund(&order, "r1", money("USD", 100), RefundOutcome::Succeeded))
        .await
        .expect_err("a refund in another currency must be refused");
    assert!(matches!(err, StoreError::AmountMismatch { .. }), "{err:?}");
    assert_eq!(reread(&store, &order).await, order);
}

/// Failed and processing refunds change nothing (`Ignored`) and do not use
/// up their refund id.
pub async fn refund_not_succeeded_ignored<S: OrderStore>(store: S) {
    let order = paid(&store, "refund-fail", sgd(1000)).await;
    for outcome in [RefundOutcome::Processing, RefundOutcome::Failed] {
        assert_eq!(
            apply_refund(&store, &refund(&order, "r1", sgd(100), outcome)).await,
            ApplyOutcome::Ignored {
                status: OrderStatus::Succeeded
            }
        );
    }
    assert_eq!(reread(&store, &order).await, order);
    // The same refund id succeeding later counts.
    assert_eq!(
        apply_refund(&store, &refund(&order, "r1", sgd(100), RefundOutcome::Succeeded)).await,
        applied(OrderStatus::Succeeded, OrderStatus::PartiallyRefunded)
    );
    assert_eq!(reread(&store, &order).await.refunded, 100);
}

/// Racing refunds: 30 distinct refunds of 50 on an order of 1000 (room for
/// 20), each sent twice at once. Exactly 20 refund ids count, once each;
/// the others are `RefundExceedsOrder`; the total is exactly 1000.
pub async fn concurrent_refunds_counted_exactly<S: OrderStore>(store: S) {
    const REFUNDS: usize = 30;
    let store = Arc::new(store);
    let order = paid(&*store, "race-refund", sgd(1000)).await;
    let barrier = Arc::new(Barrier::new(2 * REFUNDS));
    let mut tasks = Vec::new();
    for i in 0..REFUNDS {
        let result = refund(&order, &format!("r{i}"), sgd(50), RefundOutcome::Succeeded);
        for _ in 0..2 {
            let (store, result, barrier) = (store.clone(), result.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                (result.refund_id.clone(), store.apply_refund_result(&result).await)
            }));
        }
    }
    let mut counted = std::collections::HashMap::<String, usize>::new();
    let mut exceeded = 0;
    for task in tasks {
        let (refund_id, result) = task.await.expect("task panicked");
        match result {
            Ok(ApplyOutcome::Applied { .. }) => *counted.entry(refund_id).or_default() += 1,
            Ok(ApplyOutcome::AlreadyApplied { .. }) => {}
            Err(StoreError::RefundExceedsOrder { .. }) => exceeded += 1,
            other => panic!("unexpected outcome for {refund_id}: {other:?}"),
        }
    }
    assert_eq!(counted.len(), 20, "exactly 20 refund ids fit: {counted:?}");
    assert!(
        counted.values().all(|&n| n == 1),
        "each refund id counted once: {counted:?}"
    );
    assert!(
        exceeded >= 10,
        "the 10 refunds that do not fit are refused ({exceeded} refusals)"
    );
    let read = reread(&*store, &order).await;
    assert_eq!((read.status, read.refunded), (OrderStatus::Refunded, 1000));
    let log = store.state_changes(&order.order_id).await.expect("state_changes");
    assert_eq!(log.len(), 21, "the payment plus 20 refunds");
    let logged: u64 = log.iter().filter_map(|c| c.refund_amount).sum();
    assert_eq!(logged, 1000);
}
