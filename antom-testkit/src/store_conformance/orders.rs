//! Orders and payment results: creating and reading, the state machine,
//! amount checks, `list_pending`, and racing payment results.

use antom_tower::store::{
    ApplyOutcome, Order, OrderStatus, OrderStore, PaymentOutcome, PaymentResult, RefundOutcome, RefundResult,
    ResultSource, StoreError,
};

use super::support::*;

/// A created order reads back equal, by order id and by `paymentRequestId`.
pub async fn create_and_read_by_both_ids<S: OrderStore>(store: S) {
    let new = new_order("read", sgd(4200));
    let order = store.create_order(new.clone()).await.expect("create_order");
    assert_eq!(order.order_id, new.order_id);
    assert_eq!(order.payment_request_id, new.payment_request_id);
    assert_eq!(order.amount, sgd(4200));
    assert_eq!(order.description, new.description);
    assert_eq!(order.payment_method_type, new.payment_method_type);
    assert_eq!(order.buyer_id, new.buyer_id);
    assert_eq!(order.status, OrderStatus::Created);
    assert_eq!(order.payment_id, None);
    assert_eq!(order.refunded, 0);
    assert_eq!(order.version, 1);
    assert!(order.created_at_ms > 0 && order.updated_at_ms >= order.created_at_ms);

    let by_id = store.get_order(&new.order_id).await.expect("get_order");
    assert_eq!(by_id.as_ref(), Some(&order), "get_order returns the created order");
    let by_request = store
        .get_by_payment_request_id(&new.payment_request_id)
        .await
        .expect("get_by_payment_request_id");
    assert_eq!(
        by_request.as_ref(),
        Some(&order),
        "get_by_payment_request_id returns it"
    );
    assert!(
        store
            .state_changes(&new.order_id)
            .await
            .expect("state_changes")
            .is_empty(),
        "creating records no transition"
    );

    // A buyer-less order keeps its None.
    let mut anonymous = new_order("read-anon", money("JPY", 500));
    anonymous.buyer_id = None;
    let stored = store.create_order(anonymous.clone()).await.expect("create_order");
    let read = store.get_order(&anonymous.order_id).await.expect("get_order");
    assert_eq!(read, Some(stored));
    assert_eq!(read.and_then(|o| o.buyer_id), None);
}

/// A second order with the same order id, or the same `paymentRequestId`,
/// is refused with `DuplicateOrder`, and the first is unchanged.
pub async fn duplicate_order_refused<S: OrderStore>(store: S) {
    let first = created(&store, "dup", sgd(100)).await;

    let mut same_order_id = new_order("dup-a", sgd(999));
    same_order_id.order_id = first.order_id.clone();
    let err = store
        .create_order(same_order_id)
        .await
        .expect_err("same order id must be refused");
    assert!(
        matches!(err, StoreError::DuplicateOrder { .. }),
        "same order id: {err:?}"
    );
    assert!(!err.is_transient());

    let mut same_request_id = new_order("dup-b", sgd(999));
    same_request_id.payment_request_id = first.payment_request_id.clone();
    let other_order_id = same_request_id.order_id.clone();
    let err = store
        .create_order(same_request_id)
        .await
        .expect_err("same paymentRequestId must be refused");
    assert!(
        matches!(err, StoreError::DuplicateOrder { .. }),
        "same paymentRequestId: {err:?}"
    );
    assert_eq!(store.get_order(&other_order_id).await.expect("get_order"), None);

    assert_eq!(reread(&store, &first).await, first, "the first order is unchanged");
}

/// The largest Antom amount (16 digits) and zero-decimal and three-decimal
/// currencies round-trip exactly.
pub async fn large_and_zero_decimal_amounts_round_trip<S: OrderStore>(store: S) {
    for amount in [
        sgd(9_999_999_999_999_999),
        money("KRW", 15_000),
        money("BHD", 1_234),
        sgd(1),
    ] {
        let order = created(&store, "amounts", amount).await;
        let read = reread(&store, &order).await;
        assert_eq!(read.amount, amount);
        assert_eq!(read.amount.currency().as_str(), amount.currency().as_str());
        let outcome = apply(&store, &payment(&order, PaymentOutcome::Succeeded)).await;
        assert_eq!(
            outcome,
            applied(OrderStatus::Created, OrderStatus::Succeeded),
            "{amount}"
        );
    }
}

/// `mark_pending`, then a success: two transitions, logged with their
/// sources; `mark_pending` is idempotent and ignored once final.
pub async fn pending_then_succeeded<S: OrderStore>(store: S) {
    let order = created(&store, "pending", sgd(4200)).await;
    let outcome = store.mark_pending(&order.order_id).await.expect("mark_pending");
    assert_eq!(outcome, applied(OrderStatus::Created, OrderStatus::Pending));
    let outcome = store.mark_pending(&order.order_id).await.expect("mark_pending again");
    assert_eq!(
        outcome,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Pending
        }
    );
    let pending = reread(&store, &order).await;
    assert_eq!((pending.status, pending.version), (OrderStatus::Pending, 2));

    let result = payment(&order, PaymentOutcome::Succeeded);
    let outcome = apply(&store, &result).await;
    assert_eq!(outcome, applied(OrderStatus::Pending, OrderStatus::Succeeded));
    let done = reread(&store, &order).await;
    assert_eq!(done.status, OrderStatus::Succeeded);
    assert_eq!(done.payment_id, result.payment_id, "the paymentId is stored");
    assert_eq!(done.version, 3);
    assert_eq!(done.amount, order.amount);
    assert!(done.updated_at_ms >= order.updated_at_ms);

    let outcome = store
        .mark_pending(&order.order_id)
        .await
        .expect("mark_pending after success");
    assert_eq!(
        outcome,
        ApplyOutcome::Ignored {
            status: OrderStatus::Succeeded
        }
    );

    let log = store.state_changes(&order.order_id).await.expect("state_changes");
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        (log[0].from, log[0].to, log[0].source, log[0].version),
        (OrderStatus::Created, OrderStatus::Pending, ResultSource::Api, 2)
    );
    assert_eq!(
        (log[1].from, log[1].to, log[1].source, log[1].version),
        (
            OrderStatus::Pending,
            OrderStatus::Succeeded,
            ResultSource::Notification,
            3
        )
    );
    assert_eq!(log[1].result_code.as_deref(), Some("SUCCESS"));
    assert_eq!(log[1].order_id, order.order_id);
    assert!(log[0].at_ms > 0 && log[1].at_ms >= log[0].at_ms);
    assert_eq!(reread(&store, &order).await, done, "ignored calls change nothing");
}

/// A `Processing` result moves a created order to pending, once.
pub async fn processing_moves_created_to_pending<S: OrderStore>(store: S) {
    let order = created(&store, "processing", sgd(100)).await;
    let mut result = payment(&order, PaymentOutcome::Processing);
    result.source = ResultSource::Inquiry;
    result.payment_id = None;
    assert_eq!(
        apply(&store, &result).await,
        applied(OrderStatus::Created, OrderStatus::Pending)
    );
    assert_eq!(
        apply(&store, &result).await,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Pending
        }
    );
    assert_eq!(reread(&store, &order).await.payment_id, None);
    let log = store.state_changes(&order.order_id).await.expect("state_changes");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].source, ResultSource::Inquiry);
    // The success that follows carries the paymentId.
    let success = payment(&order, PaymentOutcome::Succeeded);
    assert_eq!(
        apply(&store, &success).await,
        applied(OrderStatus::Pending, OrderStatus::Succeeded)
    );
    assert_eq!(reread(&store, &order).await.payment_id, success.payment_id);
}

/// The same result twice (Antom resends, or an inquiry confirms the
/// notification): `AlreadyApplied`, exactly one state change.
pub async fn same_result_twice_is_already_applied<S: OrderStore>(store: S) {
    let order = created(&store, "twice", sgd(4200)).await;
    let result = payment(&order, PaymentOutcome::Succeeded);
    assert_eq!(
        apply(&store, &result).await,
        applied(OrderStatus::Created, OrderStatus::Succeeded)
    );
    let after_first = reread(&store, &order).await;
    let mut inquiry = result.clone();
    inquiry.source = ResultSource::Inquiry;
    for again in [&result, &inquiry, &result] {
        assert_eq!(
            apply(&store, again).await,
            ApplyOutcome::AlreadyApplied {
                status: OrderStatus::Succeeded
            }
        );
    }
    assert_eq!(reread(&store, &order).await, after_first, "nothing changed");
    assert_eq!(
        changes(&store, &order).await,
        vec![(OrderStatus::Created, OrderStatus::Succeeded)],
        "exactly one state change"
    );

    // The same holds for a failure.
    let failed = created(&store, "twice-failed", sgd(4200)).await;
    let result = payment(&failed, PaymentOutcome::Failed);
    assert_eq!(
        apply(&store, &result).await,
        applied(OrderStatus::Created, OrderStatus::Failed)
    );
    assert_eq!(
        apply(&store, &result).await,
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::Failed
        }
    );
    assert_eq!(changes(&store, &failed).await.len(), 1);
}

/// A `PROCESSING` inquiry answer arriving after the success: `Ignored`.
pub async fn processing_after_succeeded_is_ignored<S: OrderStore>(store: S) {
    let order = paid(&store, "stale", sgd(4200)).await;
    let mut stale = payment(&order, PaymentOutcome::Processing);
    stale.source = ResultSource::Inquiry;
    assert_eq!(
        apply(&store, &stale).await,
        ApplyOutcome::Ignored {
            status: OrderStatus::Succeeded
        }
    );
    assert_eq!(reread(&store, &order).await, order, "nothing changed");
    assert_eq!(changes(&store, &order).await.len(), 1);
}

/// A failure after a success is refused as `IllegalTransition`; the order
/// and its log are unchanged.
pub async fn succeeded_then_failed_is_illegal<S: OrderStore>(store: S) {
    let order = paid(&store, "illegal", sgd(4200)).await;
    for outcome in [
        PaymentOutcome::Failed,
        PaymentOutcome::Cancelled,
        PaymentOutcome::Expired,
    ] {
        let err = store
            .apply_payment_result(&payment(&order, outcome))
            .await
            .expect_err("a contradicting result must be refused");
        assert!(
            matches!(err, StoreError::IllegalTransition { from: OrderStatus::Succeeded, to } if to == outcome_status(outcome)),
            "{outcome:?} after success: {err:?}"
        );
        assert!(!err.is_transient());
    }
    assert_eq!(reread(&store, &order).await, order, "state unchanged");
    assert_eq!(changes(&store, &order).await.len(), 1);
}

/// A success after a failure is refused too: final is final.
pub async fn failed_then_succeeded_is_illegal<S: OrderStore>(store: S) {
    let order = created(&store, "failed", sgd(4200)).await;
    apply(&store, &payment(&order, PaymentOutcome::Failed)).await;
    let failed = reread(&store, &order).await;
    let err = store
        .apply_payment_result(&payment(&order, PaymentOutcome::Succeeded))
        .await
        .expect_err("success after failure must be refused");
    assert!(
        matches!(
            err,
            StoreError::IllegalTransition {
                from: OrderStatus::Failed,
                to: OrderStatus::Succeeded
            }
        ),
        "{err:?}"
    );
    assert_eq!(reread(&store, &order).await, failed);
    assert_eq!(
        changes(&store, &order).await,
        vec![(OrderStatus::Created, OrderStatus::Failed)]
    );
}

/// A result for another amount is refused with `AmountMismatch` before any
/// state change, whatever its outcome.
pub async fn amount_mismatch_refused<S: OrderStore>(store: S) {
    let order = created(&store, "mismatch", sgd(4200)).await;
    store.mark_pending(&order.order_id).await.expect("mark_pending");
    let pending = reread(&store, &order).await;
    for (value, outcome) in [
        (4199, PaymentOutcome::Succeeded),
        (4201, PaymentOutcome::Succeeded),
        (1, PaymentOutcome::Failed),
        (0, PaymentOutcome::Processing),
    ] {
        let mut result = payment(&order, outcome);
        result.amount = sgd(value);
        let err = store
            .apply_payment_result(&result)
            .await
            .expect_err("another amount must be refused");
        match err {
            StoreError::AmountMismatch { expected, received } => {
                assert_eq!((expected, received), (sgd(4200), sgd(value)));
            }
            other => panic!("amount {value}: expected AmountMismatch, got {other:?}"),
        }
    }
    assert_eq!(reread(&store, &pending).await, pending, "state unchanged");
    assert_eq!(changes(&store, &order).await.len(), 1, "only mark_pending was recorded");
    // The right amount still goes through.
    assert_eq!(
        apply(&store, &payment(&order, PaymentOutcome::Succeeded)).await,
        applied(OrderStatus::Pending, OrderStatus::Succeeded)
    );
    // And a wrong amount after success is still refused, not AlreadyApplied.
    let mut late = payment(&order, PaymentOutcome::Succeeded);
    late.amount = sgd(1);
    assert!(matches!(
        store.apply_payment_result(&late).await,
        Err(StoreError::AmountMismatch { .. })
    ));
}

/// A result in another currency (same digits) is refused with `AmountMismatch`.
pub async fn currency_mismatch_refused<S: OrderStore>(store: S) {
    let order = created(&store, "currency", sgd(4200)).await;
    for currency in ["USD", "MYR", "JPY"] {
        let mut result = payment(&order, PaymentOutcome::Succeeded);
        result.amount = money(currency, 4200);
        let err = store
            .apply_payment_result(&result)
            .await
            .expect_err("another currency must be refused");
        match err {
            StoreError::AmountMismatch { expected, received } => {
                assert_eq!(expected, sgd(4200));
                assert_eq!(received.currency().as_str(), currency);
            }
            other => panic!("{currency}: expected AmountMismatch, got {other:?}"),
        }
    }
    assert_eq!(reread(&store, &order).await, order, "state unchanged");
    assert!(changes(&store, &order).await.is_empty());
}

/// Unknown ids: `None` from the getters, `NotFound` from the writers.
pub async fn unknown_ids_not_found<S: OrderStore>(store: S) {
    let known = created(&store, "known", sgd(100)).await;
    let ghost = new_order("ghost", sgd(100));
    assert_eq!(store.get_order(&ghost.order_id).await.expect("get_order"), None);
    assert_eq!(
        store
            .get_by_payment_request_id(&ghost.payment_request_id)
            .await
            .expect("get_by"),
        None
    );
    // An order id is not a paymentRequestId.
    assert_eq!(
        store.get_by_payment_request_id(&known.order_id).await.expect("get_by"),
        None
    );
    let result = PaymentResult {
        payment_request_id: ghost.payment_request_id.clone(),
        payment_id: None,
        amount: sgd(100),
        outcome: PaymentOutcome::Succeeded,
        source: ResultSource::Notification,
        result_code: None,
    };
    let err = store
        .apply_payment_result(&result)
        .await
        .expect_err("unknown paymentRequestId");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(!err.is_transient());
    let err = store.mark_pending(&ghost.order_id).await.expect_err("unknown order id");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let refund = RefundResult {
        payment_request_id: Some(ghost.payment_request_id.clone()),
        refund_id: "r".into(),
        refund_request_id: None,
        amount: sgd(1),
        outcome: RefundOutcome::Succeeded,
        source: ResultSource::Notification,
        result_code: None,
    };
    let err = store
        .apply_refund_result(&refund)
        .await
        .expect_err("unknown paymentRequestId");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(store
        .state_changes(&ghost.order_id)
        .await
        .expect("state_changes")
        .is_empty());
    assert_eq!(reread(&store, &known).await, known);
}

/// Expired and cancelled are final: a later success is illegal, a duplicate
/// is already applied, a stale processing is ignored.
pub async fn expired_and_cancelled_are_final<S: OrderStore>(store: S) {
    for (outcome, status) in [
        (PaymentOutcome::Expired, OrderStatus::Expired),
        (PaymentOutcome::Cancelled, OrderStatus::Cancelled),
    ] {
        let order = created(&store, "closed", sgd(4200)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        let mut result = payment(&order, outcome);
        result.source = ResultSource::Reconciliation;
        assert_eq!(apply(&store, &result).await, applied(OrderStatus::Pending, status));
        assert_eq!(apply(&store, &result).await, ApplyOutcome::AlreadyApplied { status });
        assert_eq!(
            apply(&store, &payment(&order, PaymentOutcome::Processing)).await,
            ApplyOutcome::Ignored { status }
        );
        let err = store
            .apply_payment_result(&payment(&order, PaymentOutcome::Succeeded))
            .await
            .expect_err("success after close must be refused");
        assert!(
            matches!(err, StoreError::IllegalTransition { from, to: OrderStatus::Succeeded } if from == status),
            "{err:?}"
        );
        let read = reread(&store, &order).await;
        assert_eq!(read.status, status);
        assert!(read.status.is_final());
        let log = store.state_changes(&order.order_id).await.expect("state_changes");
        assert_eq!(log.len(), 2);
        assert_eq!(log[1].source, ResultSource::Reconciliation);
    }
}

/// `list_pending` returns created and pending orders only, oldest first,
/// up to the limit.
pub async fn list_pending_contents_and_order<S: OrderStore>(store: S) {
    let mut orders = Vec::new();
    for i in 0..6 {
        orders.push(created(&store, &format!("list{i}"), sgd(100 + i)).await);
        if i % 2 == 0 {
            // Orders made in one millisecond must still come back in creation order.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }
    store.mark_pending(&orders[1].order_id).await.expect("mark_pending");
    apply(&store, &payment(&orders[2], PaymentOutcome::Succeeded)).await;
    apply(&store, &payment(&orders[3], PaymentOutcome::Failed)).await;
    store.mark_pending(&orders[4].order_id).await.expect("mark_pending");
    apply(&store, &payment(&orders[4], PaymentOutcome::Expired)).await;

    let ids = |list: Vec<Order>| list.into_iter().map(|o| o.order_id).collect::<Vec<_>>();
    let all = store.list_pending(100).await.expect("list_pending");
    for order in &all {
        assert!(!order.status.is_final(), "{} is {}", order.order_id, order.status);
    }
    let expected = vec![
        orders[0].order_id.clone(),
        orders[1].order_id.clone(),
        orders[5].order_id.clone(),
    ];
    let mine: Vec<String> = ids(all).into_iter().filter(|id| expected.contains(id)).collect();
    assert_eq!(mine, expected, "created and pending orders, oldest first");
    let statuses: Vec<OrderStatus> = store
        .list_pending(100)
        .await
        .expect("list_pending")
        .into_iter()
        .filter(|o| expected.contains(&o.order_id))
        .map(|o| o.status)
        .collect();
    assert_eq!(
        statuses,
        vec![OrderStatus::Created, OrderStatus::Pending, OrderStatus::Created]
    );

    assert_eq!(store.list_pending(0).await.expect("list_pending(0)").len(), 0);
    let two = store.list_pending(2).await.expect("list_pending(2)");
    assert_eq!(two.len(), 2, "the limit is honoured");
    let all = store.list_pending(100).await.expect("list_pending");
    assert_eq!(ids(two), ids(all)[..2].to_vec(), "the limit takes the oldest");
}
