//! Helpers the checks share.

use std::sync::atomic::{AtomicU64, Ordering};

use antom_tower::store::{
    ApplyOutcome, Effect, InboundNotification, InboxEntry, NewOrder, Order, OrderEventKind, OrderStatus, OrderStore,
    PaymentOutcome, PaymentResult, Recorded, RefundOutcome, RefundResult, ResultSource,
};
use antom_types::{Amount, Currency};

// Helpers.

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A prefix unique in this process and, most likely, across processes.
pub(crate) fn unique(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{tag}-{}-{nanos:x}-{n}", std::process::id())
}

pub(crate) fn money(currency: &str, minor_units: u64) -> Amount {
    Amount::new(Currency::new(currency).expect("valid currency"), minor_units).expect("valid amount")
}

pub(crate) fn sgd(minor_units: u64) -> Amount {
    money("SGD", minor_units)
}

pub(crate) fn new_order(tag: &str, amount: Amount) -> NewOrder {
    let id = unique(tag);
    NewOrder {
        order_id: format!("order-{id}"),
        payment_request_id: format!("pay-{id}"),
        amount,
        description: format!("conformance order {tag}"),
        payment_method_type: "ALIPAY_CN".to_owned(),
        buyer_id: Some(format!("buyer-{id}")),
        session_expires_at_ms: None,
    }
}

pub(crate) async fn created<S: OrderStore + ?Sized>(store: &S, tag: &str, amount: Amount) -> Order {
    store
        .create_order(new_order(tag, amount))
        .await
        .unwrap_or_else(|e| panic!("create_order({tag}) failed: {e}"))
}

pub(crate) fn payment(order: &Order, outcome: PaymentOutcome) -> PaymentResult {
    PaymentResult {
        payment_request_id: order.payment_request_id.clone(),
        payment_id: Some(format!("antom-{}", order.payment_request_id)),
        amount: order.amount,
        outcome,
        source: ResultSource::Notification,
        result_code: Some(
            match outcome {
                PaymentOutcome::Succeeded => "SUCCESS",
                PaymentOutcome::Processing => "PAYMENT_IN_PROCESS",
                _ => "ORDER_IS_CLOSED",
            }
            .to_owned(),
        ),
    }
}

pub(crate) fn refund(order: &Order, refund_id: &str, amount: Amount, outcome: RefundOutcome) -> RefundResult {
    RefundResult {
        payment_request_id: Some(order.payment_request_id.clone()),
        refund_id: format!("{refund_id}-{}", order.order_id),
        // Unique per order: a refundRequestId names one refund in the whole store.
        refund_request_id: Some(format!("refund-request-{refund_id}-{}", order.order_id)),
        amount,
        outcome,
        source: ResultSource::Notification,
        result_code: None,
    }
}

pub(crate) async fn apply<S: OrderStore + ?Sized>(store: &S, result: &PaymentResult) -> ApplyOutcome {
    store
        .apply_payment_result(result)
        .await
        .unwrap_or_else(|e| panic!("apply_payment_result({:?}) failed: {e}", result.outcome))
}

pub(crate) async fn apply_refund<S: OrderStore + ?Sized>(store: &S, result: &RefundResult) -> ApplyOutcome {
    store
        .apply_refund_result(result)
        .await
        .unwrap_or_else(|e| panic!("apply_refund_result({}) failed: {e}", result.refund_id))
}

pub(crate) async fn reread<S: OrderStore + ?Sized>(store: &S, order: &Order) -> Order {
    store
        .get_order(&order.order_id)
        .await
        .expect("get_order failed")
        .unwrap_or_else(|| panic!("order {} vanished", order.order_id))
}

pub(crate) async fn changes<S: OrderStore + ?Sized>(store: &S, order: &Order) -> Vec<(OrderStatus, OrderStatus)> {
    store
        .state_changes(&order.order_id)
        .await
        .expect("state_changes failed")
        .into_iter()
        .map(|c| (c.from, c.to))
        .collect()
}

pub(crate) async fn paid<S: OrderStore + ?Sized>(store: &S, tag: &str, amount: Amount) -> Order {
    let order = created(store, tag, amount).await;
    apply(store, &payment(&order, PaymentOutcome::Succeeded)).await;
    let order = reread(store, &order).await;
    assert_eq!(order.status, OrderStatus::Succeeded);
    order
}

pub(crate) fn applied(from: OrderStatus, to: OrderStatus) -> ApplyOutcome {
    ApplyOutcome::Applied { from, to }
}

pub(crate) fn outcome_status(outcome: PaymentOutcome) -> OrderStatus {
    match outcome {
        PaymentOutcome::Succeeded => OrderStatus::Succeeded,
        PaymentOutcome::Failed => OrderStatus::Failed,
        PaymentOutcome::Cancelled => OrderStatus::Cancelled,
        PaymentOutcome::Expired => OrderStatus::Expired,
        PaymentOutcome::Processing => OrderStatus::Pending,
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A verified notification as the notify route hands it to the store:
/// `key`, with the headers Antom signs and `body` as sent.
pub(crate) fn notification(
    key: &str,
    notify_type: &str,
    payment_request_id: Option<&str>,
    body: &[u8],
) -> InboundNotification {
    InboundNotification {
        key: key.to_owned(),
        notify_type: notify_type.to_owned(),
        payment_request_id: payment_request_id.map(str::to_owned),
        method: "POST".to_owned(),
        path: "/antom/notify?shop=conformance".to_owned(),
        headers: vec![
            (
                "signature".to_owned(),
                format!("algorithm=RSA256,keyVersion=1,signature={}", unique("sig")),
            ),
            ("client-id".to_owned(), "SANDBOX_5YBZ1234".to_owned()),
            ("request-time".to_owned(), "2026-12-02T12:00:00+08:00".to_owned()),
            ("content-type".to_owned(), "application/json; charset=UTF-8".to_owned()),
        ],
        body: body.to_vec(),
        received_at_ms: now_ms(),
    }
}

/// The notification of a payment result, keyed as the notify route keys it.
pub(crate) fn payment_notification(result: &PaymentResult) -> InboundNotification {
    let payment_id = result.payment_id.clone().unwrap_or_else(|| unique("payment"));
    let body = format!(
        r#"{{"notifyType":"PAYMENT_RESULT","paymentRequestId":"{}","paymentId":"{payment_id}"}}"#,
        result.payment_request_id
    );
    notification(
        &format!("PAYMENT_RESULT:{payment_id}"),
        "PAYMENT_RESULT",
        Some(&result.payment_request_id),
        body.as_bytes(),
    )
}

/// The notification of a refund result (`REFUND_RESULT:<refundId>`).
pub(crate) fn refund_notification(result: &RefundResult) -> InboundNotification {
    let body = format!(r#"{{"notifyType":"REFUND_RESULT","refundId":"{}"}}"#, result.refund_id);
    notification(
        &format!("REFUND_RESULT:{}", result.refund_id),
        "REFUND_RESULT",
        None,
        body.as_bytes(),
    )
}

/// Records `notification` with `effect`; panics on a store failure.
pub(crate) async fn record<S: OrderStore + ?Sized>(
    store: &S,
    notification: &InboundNotification,
    effect: &Effect,
) -> Recorded {
    store
        .record_notification(notification, effect)
        .await
        .unwrap_or_else(|e| panic!("record_notification({}) failed: {e}", notification.key))
}

/// The inbox entry `id`, which must exist.
pub(crate) async fn entry<S: OrderStore + ?Sized>(store: &S, id: u64) -> InboxEntry {
    store
        .inbox_entry(id)
        .await
        .expect("inbox_entry failed")
        .unwrap_or_else(|| panic!("inbox entry {id} vanished"))
}

/// The kinds of the order's outbox events, oldest first.
pub(crate) async fn event_kinds<S: OrderStore + ?Sized>(store: &S, order: &Order) -> Vec<OrderEventKind> {
    store
        .order_events(&order.order_id)
        .await
        .expect("order_events failed")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}
