//! The notification inbox: `record_notification`, `inbox_entry`,
//! `inbox_entries` and `purge_inbox`.

use antom_tower::store::{
    ApplyOutcome, Effect, InboxOutcome, InboxQuery, InboxRetention, OrderStatus, OrderStore, PaymentOutcome,
    RefundOutcome, RefundResult, ResultSource, StoreError,
};

use super::support::*;

/// A payment notification is stored with its headers (in order) and its
/// body byte for byte, non-UTF-8 bytes too, with the order it was matched
/// to, and applied in the same call.
pub async fn inbox_stores_notifications_byte_for_byte<S: OrderStore>(store: S) {
    let order = created(&store, "inbox-bytes", sgd(4200)).await;
    let result = payment(&order, PaymentOutcome::Succeeded);
    let mut sent = payment_notification(&result);
    // Not UTF-8, a NUL, a quote, a backslash: what the signature covers is kept exactly.
    sent.body
        .extend_from_slice(&[0xff, 0xfe, 0x00, b'"', b'\\', 0x80, b'\n']);
    sent.headers
        .push(("x-note".to_owned(), "caf\u{e9} \"quoted\", \\ back".to_owned()));
    let recorded = record(&store, &sent, &Effect::Payment(result.clone())).await;
    assert_eq!(recorded.outcome, InboxOutcome::Applied);
    assert_eq!(
        recorded.result.as_ref().ok(),
        Some(&applied(OrderStatus::Created, OrderStatus::Succeeded))
    );
    assert_eq!(
        reread(&store, &order).await.status,
        OrderStatus::Succeeded,
        "applied with the record"
    );

    let stored = entry(&store, recorded.inbox_id).await;
    assert_eq!(stored.id, recorded.inbox_id);
    assert_eq!(stored.key, sent.key);
    assert_eq!(stored.notify_type, "PAYMENT_RESULT");
    assert_eq!(
        stored.payment_request_id.as_deref(),
        Some(order.payment_request_id.as_str())
    );
    assert_eq!(stored.order_id.as_deref(), Some(order.order_id.as_str()));
    assert_eq!(stored.outcome, InboxOutcome::Applied);
    assert_eq!(stored.reason, None);
    assert_eq!(
        (stored.method.as_str(), stored.path.as_str()),
        ("POST", sent.path.as_str())
    );
    assert_eq!(stored.headers, sent.headers, "headers round-trip, in order");
    assert_eq!(stored.body, sent.body, "the body round-trips byte for byte");
    assert_eq!(stored.deliveries, 1);
    assert_eq!(
        (stored.first_received_at_ms, stored.last_received_at_ms),
        (sent.received_at_ms, sent.received_at_ms)
    );
    assert!(store.inbox_entry(u64::MAX >> 2).await.expect("inbox_entry").is_none());

    // An empty body and no headers are kept as such.
    let mut bare = notification(&unique("bare"), "UNKNOWN", None, b"");
    bare.headers.clear();
    let recorded = record(&store, &bare, &Effect::NotHandled).await;
    let stored = entry(&store, recorded.inbox_id).await;
    assert!(stored.body.is_empty() && stored.headers.is_empty(), "{stored:?}");
}

/// A resend (same key) updates the one entry: `Duplicate` answered, the
/// entry stays `applied`, deliveries counted, the latest arrival kept; the
/// order changes once and yields one event.
pub async fn inbox_resend_counts_deliveries_and_keeps_applied<S: OrderStore>(store: S) {
    let order = created(&store, "inbox-resend", sgd(4200)).await;
    let result = payment(&order, PaymentOutcome::Succeeded);
    let first = payment_notification(&result);
    let effect = Effect::Payment(result.clone());
    let recorded = record(&store, &first, &effect).await;
    let id = recorded.inbox_id;
    for n in 2..=4u32 {
        let mut again = first.clone();
        again.received_at_ms = first.received_at_ms + i64::from(n) * 1000;
        again.headers[0].1 = format!("signature-of-delivery-{n}");
        let recorded = record(&store, &again, &effect).await;
        assert_eq!(recorded.inbox_id, id, "the same entry");
        assert_eq!(
            recorded.outcome,
            InboxOutcome::Duplicate,
            "this delivery said nothing new"
        );
        assert_eq!(
            recorded.result.as_ref().ok(),
            Some(&ApplyOutcome::AlreadyApplied {
                status: OrderStatus::Succeeded
            })
        );
        let stored = entry(&store, id).await;
        assert_eq!(stored.outcome, InboxOutcome::Applied, "a resend keeps `applied`");
        assert_eq!(stored.deliveries, n);
        assert_eq!(stored.first_received_at_ms, first.received_at_ms);
        assert_eq!(stored.last_received_at_ms, again.received_at_ms);
        assert_eq!(stored.headers, again.headers, "the latest delivery's headers");
    }
    assert_eq!(changes(&store, &order).await.len(), 1, "one state change");
    assert_eq!(event_kinds(&store, &order).await.len(), 1, "one event");
    let mine = store
        .inbox_entries(&InboxQuery {
            order_id: Some(order.order_id.clone()),
            ..InboxQuery::default()
        })
        .await
        .expect("inbox_entries");
    assert_eq!(mine.len(), 1, "one entry for all deliveries");
}

/// Refused notifications (unknown order, amount mismatch, illegal
/// transition) are stored as `refused` with the reason, answered with the
/// refusal, and change nothing else: no state change, no event.
pub async fn inbox_refusals_stored_and_nothing_else_changes<S: OrderStore>(store: S) {
    // Unknown order.
    let ghost = new_order("inbox-ghost", sgd(100));
    let stranger = antom_tower::store::PaymentResult {
        payment_request_id: ghost.payment_request_id.clone(),
        payment_id: Some(unique("payment")),
        amount: sgd(100),
        outcome: PaymentOutcome::Succeeded,
        source: ResultSource::Notification,
        result_code: None,
    };
    let recorded = record(&store, &payment_notification(&stranger), &Effect::Payment(stranger)).await;
    assert_eq!(recorded.outcome, InboxOutcome::Refused);
    assert!(
        matches!(recorded.result, Err(StoreError::NotFound { .. })),
        "{:?}",
        recorded.result
    );
    let stored = entry(&store, recorded.inbox_id).await;
    assert_eq!(
        (stored.outcome, stored.order_id.as_deref()),
        (InboxOutcome::Refused, None)
    );
    assert!(stored.reason.as_deref().is_some_and(|r| !r.is_empty()), "{stored:?}");
    assert_eq!(store.get_order(&ghost.order_id).await.expect("get_order"), None);

    // Amount mismatch.
    let order = created(&store, "inbox-mismatch", sgd(4200)).await;
    let mut forged = payment(&order, PaymentOutcome::Succeeded);
    forged.amount = sgd(1);
    let recorded = record(&store, &payment_notification(&forged), &Effect::Payment(forged)).await;
    assert_eq!(recorded.outcome, InboxOutcome::Refused);
    assert!(
        matches!(recorded.result, Err(StoreError::AmountMismatch { .. })),
        "{:?}",
        recorded.result
    );
    let stored = entry(&store, recorded.inbox_id).await;
    assert_eq!(stored.outcome, InboxOutcome::Refused);
    assert_eq!(
        stored.order_id.as_deref(),
        Some(order.order_id.as_str()),
        "matched, then refused"
    );
    assert!(stored.reason.is_some());
    assert_eq!(reread(&store, &order).await, order, "the order is unchanged");
    assert!(changes(&store, &order).await.is_empty());
    assert!(event_kinds(&store, &order).await.is_empty());

    // Illegal transition: a failure after the success.
    let paid_order = paid(&store, "inbox-illegal", sgd(4200)).await;
    let events_before = event_kinds(&store, &paid_order).await;
    let mut failure = payment(&paid_order, PaymentOutcome::Failed);
    failure.payment_id = Some(unique("other-payment"));
    let recorded = record(&store, &payment_notification(&failure), &Effect::Payment(failure)).await;
    assert_eq!(recorded.outcome, InboxOutcome::Refused);
    assert!(
        matches!(recorded.result, Err(StoreError::IllegalTransition { .. })),
        "{:?}",
        recorded.result
    );
    assert!(entry(&store, recorded.inbox_id).await.reason.is_some());
    assert_eq!(reread(&store, &paid_order).await, paid_order);
    assert_eq!(changes(&store, &paid_order).await.len(), 1);
    assert_eq!(event_kinds(&store, &paid_order).await, events_before);

    // Listed for replay.
    let refused = store
        .inbox_entries(&InboxQuery {
            outcome: Some(InboxOutcome::Refused),
            limit: 1000,
            ..InboxQuery::default()
        })
        .await
        .expect("inbox_entries");
    assert!(refused.iter().all(|e| e.outcome == InboxOutcome::Refused));
    assert!(refused
        .iter()
        .any(|e| e.order_id.as_deref() == Some(order.order_id.as_str())));
}

/// A `REFUND_RESULT` the store cannot place (no refund recorded under its
/// `refundRequestId`) is stored `unmatched` and changes nothing; once the
/// refund is applied from another source (an inquiry naming the order and
/// the same `refundId`), the entry settles to `applied`.
pub async fn inbox_unmatched_refund_settles_once_applied<S: OrderStore>(store: S) {
    let order = paid(&store, "inbox-unmatched", sgd(1000)).await;
    let mut notified = refund(&order, "outside", sgd(300), RefundOutcome::Succeeded);
    notified.payment_request_id = None;
    let recorded = record(
        &store,
        &refund_notification(&notified),
        &Effect::Refund(notified.clone()),
    )
    .await;
    assert_eq!(recorded.outcome, InboxOutcome::Unmatched);
    assert!(
        matches!(recorded.result, Err(StoreError::NotFound { .. })),
        "{:?}",
        recorded.result
    );
    let stored = entry(&store, recorded.inbox_id).await;
    assert_eq!(
        (stored.outcome, stored.order_id.as_deref()),
        (InboxOutcome::Unmatched, None)
    );
    assert!(stored.reason.is_some());
    assert_eq!(reread(&store, &order).await, order, "nothing refunded yet");
    let unmatched = store
        .inbox_entries(&InboxQuery {
            outcome: Some(InboxOutcome::Unmatched),
            limit: 1000,
            ..InboxQuery::default()
        })
        .await
        .expect("inbox_entries");
    assert!(unmatched.iter().any(|e| e.id == recorded.inbox_id));

    // Reconciliation learns the refund with the order's paymentRequestId.
    let learned = RefundResult {
        payment_request_id: Some(order.payment_request_id.clone()),
        source: ResultSource::Inquiry,
        ..notified.clone()
    };
    assert_eq!(
        store
            .apply_effect(&Effect::Refund(learned.clone()))
            .await
            .expect("apply_effect"),
        applied(OrderStatus::Succeeded, OrderStatus::PartiallyRefunded)
    );
    let settled = entry(&store, recorded.inbox_id).await;
    assert_eq!(settled.outcome, InboxOutcome::Applied, "{settled:?}");
    assert_eq!(settled.order_id.as_deref(), Some(order.order_id.as_str()));
    assert_eq!(settled.reason, None);
    assert_eq!(settled.body, refund_notification(&notified).body);
    assert_eq!(reread(&store, &order).await.refunded, 300);
    // The inquiry again, and the notification again: counted once.
    assert!(matches!(
        store.apply_effect(&Effect::Refund(learned)).await,
        Ok(ApplyOutcome::AlreadyApplied { .. })
    ));
    record(
        &store,
        &refund_notification(&notified),
        &Effect::Refund(notified.clone()),
    )
    .await;
    assert_eq!(entry(&store, recorded.inbox_id).await.outcome, InboxOutcome::Applied);
    assert_eq!(reread(&store, &order).await.refunded, 300);
    assert_eq!(event_kinds(&store, &order).await.len(), 2, "paid, partially refunded");

    // Learned without its refundRequestId (nothing links the notification to
    // the order): a resend of the notification still cannot be placed, but
    // its entry stays settled.
    let mut anonymous = refund(&order, "anonymous", sgd(200), RefundOutcome::Succeeded);
    anonymous.payment_request_id = None;
    let sent = refund_notification(&anonymous);
    let first = record(&store, &sent, &Effect::Refund(anonymous.clone())).await;
    assert_eq!(first.outcome, InboxOutcome::Unmatched);
    let inquiry = RefundResult {
        payment_request_id: Some(order.payment_request_id.clone()),
        refund_request_id: None,
        source: ResultSource::Inquiry,
        ..anonymous.clone()
    };
    store
        .apply_effect(&Effect::Refund(inquiry))
        .await
        .expect("apply_effect");
    assert_eq!(entry(&store, first.inbox_id).await.outcome, InboxOutcome::Applied);
    let resent = record(&store, &sent, &Effect::Refund(anonymous)).await;
    assert_eq!(resent.inbox_id, first.inbox_id);
    let settled = entry(&store, first.inbox_id).await;
    assert_eq!(
        (settled.outcome, settled.deliveries),
        (InboxOutcome::Applied, 2),
        "{settled:?}"
    );
    assert_eq!(settled.order_id.as_deref(), Some(order.order_id.as_str()));
    assert_eq!(reread(&store, &order).await.refunded, 500);
}

/// A notification type nobody acts on is stored `not_handled`, answered
/// `Ok`, and changes nothing.
pub async fn inbox_not_handled_stored<S: OrderStore>(store: S) {
    let order = paid(&store, "inbox-other", sgd(1000)).await;
    let body = br#"{"notifyType":"SOMETHING_NEW","paymentRequestId":"x"}"#;
    let sent = notification(
        &format!("sha256:{}", unique("digest")),
        "SOMETHING_NEW",
        Some(&order.payment_request_id),
        body,
    );
    let recorded = record(&store, &sent, &Effect::NotHandled).await;
    assert_eq!(recorded.outcome, InboxOutcome::NotHandled);
    assert!(recorded.result.is_ok(), "{:?}", recorded.result);
    let stored = entry(&store, recorded.inbox_id).await;
    assert_eq!(stored.outcome, InboxOutcome::NotHandled);
    assert_eq!(stored.notify_type, "SOMETHING_NEW");
    assert_eq!(stored.body, body.to_vec());
    assert_eq!(reread(&store, &order).await, order);
    assert_eq!(event_kinds(&store, &order).await.len(), 1, "only `paid`");
    let again = record(&store, &sent, &Effect::NotHandled).await;
    assert_eq!(
        (again.inbox_id, again.outcome),
        (recorded.inbox_id, InboxOutcome::NotHandled)
    );
    assert_eq!(entry(&store, recorded.inbox_id).await.deliveries, 2);
}

/// `inbox_entries` filters by outcome and by order, newest first, and pages
/// with `before_id` and `limit`.
pub async fn inbox_queries_filter_and_page_newest_first<S: OrderStore>(store: S) {
    let order = created(&store, "inbox-query", sgd(4200)).await;
    let other = created(&store, "inbox-query-other", sgd(4200)).await;
    let mut ids = Vec::new();
    // Three refusals and one success on `order`, one success on `other`.
    for value in [1, 2, 3] {
        let mut forged = payment(&order, PaymentOutcome::Succeeded);
        forged.amount = sgd(value);
        forged.payment_id = Some(unique("forged"));
        ids.push(
            record(&store, &payment_notification(&forged), &Effect::Payment(forged))
                .await
                .inbox_id,
        );
    }
    let good = payment(&order, PaymentOutcome::Succeeded);
    ids.push(
        record(&store, &payment_notification(&good), &Effect::Payment(good))
            .await
            .inbox_id,
    );
    let elsewhere = payment(&other, PaymentOutcome::Succeeded);
    let other_id = record(&store, &payment_notification(&elsewhere), &Effect::Payment(elsewhere))
        .await
        .inbox_id;
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]) && ids[3] < other_id,
        "ids grow: {ids:?}"
    );

    let query = |outcome: Option<InboxOutcome>, before_id: Option<u64>, limit: usize| InboxQuery {
        outcome,
        order_id: Some(order.order_id.clone()),
        before_id,
        limit,
    };
    let listed = |entries: Vec<antom_tower::store::InboxEntry>| entries.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let newest_first: Vec<u64> = ids.iter().rev().copied().collect();
    let all = store.inbox_entries(&query(None, None, 0)).await.expect("inbox_entries");
    assert!(all
        .iter()
        .all(|e| e.order_id.as_deref() == Some(order.order_id.as_str())));
    assert_eq!(listed(all), newest_first, "the order's entries, newest first");
    let refused = store
        .inbox_entries(&query(Some(InboxOutcome::Refused), None, 0))
        .await
        .expect("inbox_entries");
    assert_eq!(listed(refused), newest_first[1..].to_vec(), "only the refusals");
    // Pages of two.
    let page1 = store.inbox_entries(&query(None, None, 2)).await.expect("page 1");
    assert_eq!(listed(page1.clone()), newest_first[..2].to_vec());
    let page2 = store
        .inbox_entries(&query(None, page1.last().map(|e| e.id), 2))
        .await
        .expect("page 2");
    assert_eq!(listed(page2.clone()), newest_first[2..].to_vec());
    let page3 = store
        .inbox_entries(&query(None, page2.last().map(|e| e.id), 2))
        .await
        .expect("page 3");
    assert!(page3.is_empty());
    // Without an order filter: newest first across orders.
    let newest = store
        .inbox_entries(&InboxQuery {
            limit: 2,
            ..InboxQuery::default()
        })
        .await
        .expect("inbox_entries");
    assert_eq!(newest.len(), 2);
    assert!(newest[0].id > newest[1].id);
    assert!(newest[0].id >= other_id);
}

/// `purge_inbox` removes entries last delivered before the cut-off, but
/// keeps refused and unmatched ones unless asked to remove them too; newer
/// entries stay.
pub async fn inbox_purge_keeps_unsettled_unless_asked<S: OrderStore>(store: S) {
    const DAY: i64 = 24 * 3600 * 1000;
    let long_ago = now_ms() - 10 * DAY;
    let order = created(&store, "inbox-purge", sgd(4200)).await;
    let old = |mut n: antom_tower::store::InboundNotification| {
        n.received_at_ms = long_ago;
        n
    };
    let mut forged = payment(&order, PaymentOutcome::Succeeded);
    forged.amount = sgd(1);
    forged.payment_id = Some(unique("forged"));
    let refused = record(&store, &old(payment_notification(&forged)), &Effect::Payment(forged)).await;
    let mut stray = refund(&order, "stray", sgd(1), RefundOutcome::Succeeded);
    stray.payment_request_id = None;
    let unmatched = record(&store, &old(refund_notification(&stray)), &Effect::Refund(stray)).await;
    let ignored = old(notification(&unique("purge-other"), "OTHER", None, b"{}"));
    let not_handled = record(&store, &ignored, &Effect::NotHandled).await;
    let good = payment(&order, PaymentOutcome::Succeeded);
    let applied_old = record(&store, &old(payment_notification(&good)), &Effect::Payment(good)).await;
    let fresh = record(
        &store,
        &notification(&unique("purge-fresh"), "OTHER", None, b"{}"),
        &Effect::NotHandled,
    )
    .await;
    assert_eq!(
        (
            refused.outcome,
            unmatched.outcome,
            not_handled.outcome,
            applied_old.outcome
        ),
        (
            InboxOutcome::Refused,
            InboxOutcome::Unmatched,
            InboxOutcome::NotHandled,
            InboxOutcome::Applied
        )
    );
    let exists = |id: u64| {
        let store = &store;
        async move { store.inbox_entry(id).await.expect("inbox_entry").is_some() }
    };

    let cutoff = now_ms() - 5 * DAY;
    let purged = store
        .purge_inbox(&InboxRetention {
            received_before_ms: cutoff,
            include_unsettled: false,
        })
        .await
        .expect("purge_inbox");
    assert!(purged >= 2, "the applied and the not handled entries: {purged}");
    assert!(!exists(applied_old.inbox_id).await && !exists(not_handled.inbox_id).await);
    assert!(exists(refused.inbox_id).await, "refused entries stay for replay");
    assert!(exists(unmatched.inbox_id).await, "unmatched entries stay");
    assert!(exists(fresh.inbox_id).await, "newer entries stay");

    let purged = store
        .purge_inbox(&InboxRetention {
            received_before_ms: cutoff,
            include_unsettled: true,
        })
        .await
        .expect("purge_inbox");
    assert!(purged >= 2, "{purged}");
    assert!(!exists(refused.inbox_id).await && !exists(unmatched.inbox_id).await);
    assert!(exists(fresh.inbox_id).await);
    // A purged key arriving again is a new entry with a new id.
    let mut again = payment(&order, PaymentOutcome::Succeeded);
    again.amount = sgd(1);
    let renewed = record(&store, &payment_notification(&again), &Effect::Payment(again)).await;
    assert!(renewed.inbox_id > fresh.inbox_id, "ids are never reused");
    assert_eq!(entry(&store, renewed.inbox_id).await.deliveries, 1);
}
