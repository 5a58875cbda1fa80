//! More of the notification inbox: how deliveries arrive in practice
//! (concurrently, unreadable, as real notifyRefund requests).

use std::collections::HashSet;
use std::sync::Arc;

use antom_tower::store::{
    Effect, InboxOutcome, OrderStore, PaymentOutcome, RefundOutcome, RefundResult, ResultSource, StoreError,
};
use tokio::sync::Barrier;

use super::support::*;

/// 20 deliveries of one notification at once (Antom resending while the
/// first is still being stored), for a known order and for one the store
/// cannot match: every delivery is stored (no store error), in one entry
/// counting 20 deliveries; the order changes once.
pub async fn concurrent_deliveries_of_one_notification<S: OrderStore>(store: S) {
    const TASKS: usize = 20;
    let store = Arc::new(store);
    let order = created(&*store, "inbox-race", sgd(4200)).await;
    let result = payment(&order, PaymentOutcome::Succeeded);
    let known = (payment_notification(&result), Effect::Payment(result));
    let stray = notification(&unique("inbox-race-other"), "OTHER", None, b"{}");
    let unknown = (stray, Effect::NotHandled);
    for (sent, effect) in [known, unknown] {
        let barrier = Arc::new(Barrier::new(TASKS));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (store, barrier, sent, effect) = (store.clone(), barrier.clone(), sent.clone(), effect.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.record_notification(&sent, &effect).await
                })
            })
            .collect();
        let mut ids = HashSet::new();
        for task in tasks {
            let recorded = task
                .await
                .expect("task panicked")
                .unwrap_or_else(|e| panic!("a concurrent delivery of {} failed: {e}", sent.key));
            ids.insert(recorded.inbox_id);
        }
        assert_eq!(ids.len(), 1, "one entry: {ids:?}");
        let stored = entry(&*store, ids.into_iter().next().unwrap_or_default()).await;
        assert_eq!(stored.deliveries, TASKS as u32, "every delivery counted");
    }
    assert_eq!(changes(&*store, &order).await.len(), 1);
    assert_eq!(event_kinds(&*store, &order).await.len(), 1);
}

/// 30 resends at once of a notification already applied, each delivered at
/// its own time with its own headers, some with a changed body (a store may
/// answer a byte-identical resend without deciding it again, and count many
/// in one write): each is answered as a duplicate of the one entry, every
/// delivery is counted, the entry keeps the time and headers of one and the
/// same delivery (never one's headers with another's time), and the order
/// changed once.
pub async fn concurrent_resends_of_an_applied_notification<S: OrderStore>(store: S) {
    const TASKS: usize = 30;
    let store = Arc::new(store);
    let order = created(&*store, "inbox-resends", sgd(4200)).await;
    let result = payment(&order, PaymentOutcome::Succeeded);
    let first = payment_notification(&result);
    let effect = Effect::Payment(result);
    let applied = store
        .record_notification(&first, &effect)
        .await
        .expect("first delivery");
    assert_eq!(applied.outcome, InboxOutcome::Applied);
    let barrier = Arc::new(Barrier::new(TASKS));
    let resends: Vec<_> = (0..TASKS)
        .map(|i| {
            let mut resend = first.clone();
            // Times before and after the first's, in no order.
            resend.received_at_ms = first.received_at_ms - 10_000 + (i as i64 * 37 % TASKS as i64) * 1_000;
            resend.headers[0].1 = format!("algorithm=RSA256,keyVersion=1,signature=resend-{i}");
            if i % 7 == 3 {
                // Reordered fields: the same notification, not the same bytes.
                resend.body = format!(" {}", String::from_utf8_lossy(&first.body)).into_bytes();
            }
            resend
        })
        .collect();
    let mut deliveries = resends.clone();
    deliveries.push(first.clone());
    let tasks: Vec<_> = resends
        .into_iter()
        .map(|resend| {
            let (store, barrier, effect) = (store.clone(), barrier.clone(), effect.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.record_notification(&resend, &effect).await
            })
        })
        .collect();
    for task in tasks {
        let recorded = task.await.expect("task panicked").expect("a resend failed");
        assert_eq!(recorded.inbox_id, applied.inbox_id, "one entry");
        assert_eq!(recorded.outcome, InboxOutcome::Duplicate);
    }
    let stored = entry(&*store, applied.inbox_id).await;
    assert_eq!(stored.deliveries, TASKS as u32 + 1, "every delivery counted");
    assert_eq!(stored.outcome, InboxOutcome::Applied);
    let kept = deliveries
        .iter()
        .find(|n| n.headers == stored.headers)
        .unwrap_or_else(|| panic!("stored headers are no delivery's: {:?}", stored.headers));
    assert_eq!(
        stored.last_received_at_ms, kept.received_at_ms,
        "the time of the delivery whose headers are kept"
    );
    assert!(deliveries.iter().any(|n| n.body == stored.body), "a delivered body");
    assert_eq!(changes(&*store, &order).await.len(), 1);
    assert_eq!(event_kinds(&*store, &order).await.len(), 1);
}

/// A notification whose body could not be read (`Effect::Invalid`) is
/// stored `refused` with the reason, for a replay once the cause is fixed;
/// applied directly it is refused with `InvalidInput`.
pub async fn inbox_unreadable_notification_refused<S: OrderStore>(store: S) {
    let body = b"{\"notifyType\":\"PAYMENT_RESULT\",\"paymentAmount\":";
    let sent = notification(
        &format!("sha256:{}", unique("unreadable")),
        "PAYMENT_RESULT",
        None,
        body,
    );
    let invalid = Effect::Invalid("paymentAmount: EOF while parsing".to_owned());
    let recorded = record(&store, &sent, &invalid).await;
    assert_eq!(recorded.outcome, InboxOutcome::Refused);
    assert!(
        matches!(recorded.result, Err(StoreError::InvalidInput(_))),
        "{:?}",
        recorded.result
    );
    let stored = entry(&store, recorded.inbox_id).await;
    assert_eq!(stored.outcome, InboxOutcome::Refused);
    assert!(
        stored
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("EOF while parsing")),
        "{stored:?}"
    );
    assert_eq!(stored.body, body.to_vec());
    assert!(matches!(
        store.apply_effect(&invalid).await,
        Err(StoreError::InvalidInput(_))
    ));
}

/// The same as [`inbox_unmatched_refund_settles_once_applied`](super::inbox_unmatched_refund_settles_once_applied), with the
/// notification made from a real notifyRefund request by
/// `InboundNotification::from_request` and `Effect::from_notification` (as
/// the notify routes do): the key the
/// store settles is the key the routes store.
pub async fn inbox_unmatched_notify_refund_request_settles<S: OrderStore>(store: S) {
    let order = paid(&store, "inbox-notify-refund", sgd(1000)).await;
    let refund_id = unique("antom-refund");
    let body = format!(
        r#"{{"notifyType":"REFUND_RESULT","result":{{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}},"refundStatus":"SUCCESS","refundRequestId":"{}","refundId":"{refund_id}","refundAmount":{{"currency":"SGD","value":"250"}}}}"#,
        unique("dashboard-refund")
    );
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", http::HeaderValue::from_static("application/json"));
    let uri: http::Uri = "/antom/notify".parse().expect("a valid path");
    let inbound = antom_tower::store::InboundNotification::from_request(
        &http::Method::POST,
        &uri,
        &headers,
        body.as_bytes(),
        now_ms(),
    );
    let parsed = antom_types::Notification::from_slice(body.as_bytes()).expect("a valid notifyRefund");
    let effect = Effect::from_notification(&parsed);
    assert!(matches!(effect, Effect::Refund(_)), "{effect:?}");
    let recorded = record(&store, &inbound, &effect).await;
    assert_eq!(recorded.outcome, InboxOutcome::Unmatched);
    let inquiry = RefundResult {
        payment_request_id: Some(order.payment_request_id.clone()),
        refund_id,
        refund_request_id: None,
        amount: sgd(250),
        outcome: RefundOutcome::Succeeded,
        source: ResultSource::Inquiry,
        result_code: None,
    };
    store
        .apply_effect(&Effect::Refund(inquiry))
        .await
        .expect("apply_effect");
    let settled = entry(&store, recorded.inbox_id).await;
    assert_eq!(settled.outcome, InboxOutcome::Applied, "{settled:?}");
    assert_eq!(settled.order_id.as_deref(), Some(order.order_id.as_str()));
}
