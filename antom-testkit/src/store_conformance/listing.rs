//! Order listings for admin pages and reports (`list_orders`), and limits
//! and ids past what a database integer holds.

use antom_tower::store::{InboxQuery, Order, OrderCursor, OrderQuery, OrderStatus, OrderStore, PaymentOutcome};

use super::support::*;

/// `list_orders` answers orders newest first (creation time, then order id,
/// both descending), filtered by status, payment method and creation time,
/// a page at a time after a cursor; every order exactly once across pages.
pub async fn list_orders_filters_and_pages_newest_first<S: OrderStore>(store: S) {
    // A payment method of this check's own: the filter that isolates it in a shared database.
    let method = format!("METHOD_{}", unique("list").replace('-', "_").to_uppercase());
    let mut orders: Vec<Order> = Vec::new();
    for i in 0..7u64 {
        let mut new = new_order(&format!("list-orders-{i}"), sgd(100 + i));
        new.payment_method_type.clone_from(&method);
        let order = store.create_order(new).await.expect("create_order");
        if i % 3 == 0 {
            apply(&store, &payment(&order, PaymentOutcome::Succeeded)).await;
        }
        orders.push(order);
        if i % 2 == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }
    let mut newest_first = orders.clone();
    newest_first.sort_by(|a, b| (b.created_at_ms, &b.order_id).cmp(&(a.created_at_ms, &a.order_id)));
    let ids = |list: &[Order]| list.iter().map(|o| o.order_id.clone()).collect::<Vec<_>>();
    let query = OrderQuery {
        payment_method_type: Some(method.clone()),
        ..OrderQuery::default()
    };
    let all = store.list_orders(&query).await.expect("list_orders");
    assert_eq!(ids(&all), ids(&newest_first), "newest first, then by order id");
    let paid = store
        .list_orders(&OrderQuery {
            status: Some(OrderStatus::Succeeded),
            ..query.clone()
        })
        .await
        .expect("list_orders");
    assert_eq!(paid.len(), 3, "orders 0, 3 and 6 are paid: {:?}", ids(&paid));
    assert!(paid.iter().all(|o| o.status == OrderStatus::Succeeded));
    // Pages of two, after the last order of each page.
    let mut paged = Vec::new();
    let mut after: Option<OrderCursor> = None;
    for _ in 0..10 {
        let page = store
            .list_orders(&OrderQuery {
                after: after.clone(),
                limit: 2,
                ..query.clone()
            })
            .await
            .expect("list_orders");
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(OrderCursor::after(last));
        paged.extend(page);
    }
    assert_eq!(ids(&paged), ids(&newest_first), "every order once across the pages");
    // Creation time bounds: since is inclusive, before exclusive.
    let middle = &newest_first[3];
    let since = store
        .list_orders(&OrderQuery {
            created_since_ms: Some(middle.created_at_ms),
            ..query.clone()
        })
        .await
        .expect("list_orders");
    assert!(since.iter().all(|o| o.created_at_ms >= middle.created_at_ms));
    assert!(since.iter().any(|o| o.order_id == middle.order_id));
    let before = store
        .list_orders(&OrderQuery {
            created_before_ms: Some(middle.created_at_ms),
            ..query.clone()
        })
        .await
        .expect("list_orders");
    assert!(before.iter().all(|o| o.created_at_ms < middle.created_at_ms));
    assert_eq!(
        since.len() + before.len(),
        orders.len(),
        "the two bounds split the listing"
    );
    let none = store
        .list_orders(&OrderQuery {
            payment_method_type: Some(format!("{method}_NONE")),
            ..OrderQuery::default()
        })
        .await
        .expect("list_orders");
    assert!(none.is_empty());
}

/// Limits and ids past what a database integer holds are answered, not
/// errors: `inbox_entry(u64::MAX)` is `None`, huge limits list everything.
pub async fn huge_ids_and_limits_are_fine<S: OrderStore>(store: S) {
    let order = paid(&store, "huge", sgd(100)).await;
    assert!(store.inbox_entry(u64::MAX).await.expect("inbox_entry").is_none());
    let query = InboxQuery {
        before_id: Some(u64::MAX),
        limit: usize::MAX,
        ..InboxQuery::default()
    };
    store.inbox_entries(&query).await.expect("inbox_entries");
    let candidates = store
        .refund_candidates("SGD", 0, 0, usize::MAX)
        .await
        .expect("refund_candidates");
    assert!(candidates.iter().any(|o| o.order_id == order.order_id));
    store.pending_refunds(usize::MAX).await.expect("pending_refunds");
    store.list_pending(usize::MAX).await.expect("list_pending");
    let claim = antom_tower::store::EventClaim {
        consumer: format!("huge-{}", unique("c")),
        limit: usize::MAX,
        now_ms: now_ms(),
        lease_until_ms: now_ms() + 1000,
    };
    let events = store.claim_events(&claim).await.expect("claim_events");
    assert!(events.iter().any(|e| e.order_id == order.order_id));
}
