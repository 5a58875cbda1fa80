//! The conformance check of [`OrderStore::list_orders`]: filters, order
//! (newest first) and paging. Self-contained, so it runs against stores
//! that share one database: every order it creates has its own payment
//! method name, and every listing filters by it.

use std::time::Duration;

use antom_tower::store::{
    NewOrder, Order, OrderCursor, OrderQuery, OrderStatus, OrderStore, PaymentOutcome, PaymentResult, ResultSource,
};
use antom_types::Amount;

/// `list_orders`: status, payment method and created range filters; newest
/// first (`created_at_ms`, then order id, descending); the limit; and paging
/// with [`OrderQuery::after`] that yields every order exactly once.
pub async fn list_orders_filters_and_pages<S: OrderStore>(store: S) {
    let tag = unique_tag();
    let method = format!("CONFORMANCE_{tag}");
    let mut created = Vec::new();
    for i in 0..7 {
        let order = store
            .create_order(NewOrder {
                order_id: format!("list-{tag}-o{i}"),
                payment_request_id: format!("list-{tag}-p{i}"),
                amount: Amount::from_minor_units(100 + i, "SGD").unwrap(),
                description: format!("order {i}"),
                payment_method_type: method.clone(),
                buyer_id: None,
                session_expires_at_ms: None,
            })
            .await
            .expect("create_order");
        created.push(order);
        // Some orders share a millisecond, most do not: both orders are exercised.
        if i % 2 == 1 {
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
    }
    // Another method: never listed under `method`.
    store
        .create_order(NewOrder {
            order_id: format!("list-{tag}-other"),
            payment_request_id: format!("list-{tag}-pother"),
            amount: Amount::from_minor_units(100, "SGD").unwrap(),
            description: "other".into(),
            payment_method_type: format!("{method}_OTHER"),
            buyer_id: None,
            session_expires_at_ms: None,
        })
        .await
        .expect("create_order");
    for order in [&created[0], &created[3], &created[5]] {
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        store
            .apply_payment_result(&PaymentResult {
                payment_request_id: order.payment_request_id.clone(),
                payment_id: Some(format!("{}-paid", order.payment_request_id)),
                amount: order.amount,
                outcome: PaymentOutcome::Succeeded,
                source: ResultSource::Notification,
                result_code: Some("SUCCESS".into()),
            })
            .await
            .expect("apply_payment_result");
    }

    let by_method = |query: OrderQuery| OrderQuery {
        payment_method_type: Some(method.clone()),
        ..query
    };
    let ids = |orders: &[Order]| orders.iter().map(|o| o.order_id.clone()).collect::<Vec<_>>();
    let mut expected = created.clone();
    expected.sort_by(|a, b| (b.created_at_ms, &b.order_id).cmp(&(a.created_at_ms, &a.order_id)));

    let all = store
        .list_orders(&by_method(OrderQuery::default()))
        .await
        .expect("list_orders");
    assert_eq!(ids(&all), ids(&expected), "all orders of the method, newest first");
    assert_eq!(all[0].payment_method_type, method);
    let paid = all.iter().filter(|o| o.status == OrderStatus::Succeeded).count();
    assert_eq!(paid, 3, "the listed orders carry their current status");

    let succeeded = store
        .list_orders(&by_method(OrderQuery {
            status: Some(OrderStatus::Succeeded),
            ..OrderQuery::default()
        }))
        .await
        .expect("list_orders");
    let mut want: Vec<String> = expected
        .iter()
        .filter(|o| {
            [&created[0], &created[3], &created[5]]
                .iter()
                .any(|p| p.order_id == o.order_id)
        })
        .map(|o| o.order_id.clone())
        .collect();
    assert_eq!(ids(&succeeded), want, "status filter");
    let created_only = store
        .list_orders(&by_method(OrderQuery {
            status: Some(OrderStatus::Created),
            ..OrderQuery::default()
        }))
        .await
        .expect("list_orders");
    assert_eq!(created_only.len(), 4, "status filter: still created");
    let nothing = store
        .list_orders(&OrderQuery {
            payment_method_type: Some(format!("{method}_NONE")),
            ..OrderQuery::default()
        })
        .await
        .expect("list_orders");
    assert!(nothing.is_empty(), "an unknown payment method lists nothing");

    // The created range: since is inclusive, before exclusive.
    let since = created[2].created_at_ms;
    let before = created[6].created_at_ms;
    let in_range = store
        .list_orders(&by_method(OrderQuery {
            created_since_ms: Some(since),
            created_before_ms: Some(before),
            ..OrderQuery::default()
        }))
        .await
        .expect("list_orders");
    want = expected
        .iter()
        .filter(|o| o.created_at_ms >= since && o.created_at_ms < before)
        .map(|o| o.order_id.clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&in_range), want, "created range");

    let two = store
        .list_orders(&by_method(OrderQuery {
            limit: 2,
            ..OrderQuery::default()
        }))
        .await
        .expect("list_orders");
    assert_eq!(ids(&two), ids(&expected[..2]), "limit");

    // Pages of three: 3, 3, 1, then nothing; every order once, in order.
    let mut paged = Vec::new();
    let mut after: Option<OrderCursor> = None;
    let mut sizes = Vec::new();
    loop {
        let page = store
            .list_orders(&by_method(OrderQuery {
                after: after.clone(),
                limit: 3,
                ..OrderQuery::default()
            }))
            .await
            .expect("list_orders");
        sizes.push(page.len());
        let Some(last) = page.last() else { break };
        after = Some(OrderCursor::after(last));
        paged.extend(page);
        assert!(sizes.len() <= 4, "paging does not end: {sizes:?}");
    }
    assert_eq!(sizes, vec![3, 3, 1, 0], "page sizes");
    assert_eq!(ids(&paged), ids(&expected), "paging yields every order once, in order");
}

fn unique_tag() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
