//! The outbox: `order_events`, `claim_events`, `ack_events` and
//! `retry_events`. Claims are filtered to the check's own orders, so a
//! database shared with other checks does not disturb them; each check uses
//! consumer names of its own.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use antom_tower::store::{
    CaptureResult, DisputeUpdate, Effect, EventClaim, NewRefund, Order, OrderEvent, OrderEventKind, OrderStore,
    PaymentOutcome, RefundOutcome, RefundResult, ResultSource, StoreError,
};
use tokio::sync::Barrier;

use super::support::*;

const LEASE_MS: i64 = 60_000;

fn claim(consumer: &str, limit: usize, now_ms: i64) -> EventClaim {
    EventClaim {
        consumer: consumer.to_owned(),
        limit,
        now_ms,
        lease_until_ms: now_ms + LEASE_MS,
    }
}

/// Claims batches at `now` until one comes back empty; the events of
/// `orders`, in the order claimed. Other events are acknowledged on the way
/// so that they never come back to this consumer.
async fn claim_mine<S: OrderStore + ?Sized>(
    store: &S,
    consumer: &str,
    limit: usize,
    now: i64,
    orders: &HashSet<String>,
) -> Vec<OrderEvent> {
    let mut mine = Vec::new();
    for _ in 0..100_000 {
        let batch = store
            .claim_events(&claim(consumer, limit, now))
            .await
            .expect("claim_events failed");
        assert!(batch.len() <= limit, "a claim returned more than its limit");
        if batch.is_empty() {
            return mine;
        }
        let (ours, theirs): (Vec<OrderEvent>, Vec<OrderEvent>) =
            batch.into_iter().partition(|e| orders.contains(&e.order_id));
        let foreign: Vec<u64> = theirs.iter().map(|e| e.seq).collect();
        store.ack_events(consumer, &foreign).await.expect("ack_events failed");
        mine.extend(ours);
    }
    panic!("claims never ran dry: leased events are claimed again");
}

fn ids(orders: &[&Order]) -> HashSet<String> {
    orders.iter().map(|o| o.order_id.clone()).collect()
}

fn seqs(events: &[OrderEvent]) -> Vec<u64> {
    events.iter().map(|e| e.seq).collect()
}

/// Orders with a few events each, for the claim checks: three paid orders
/// (one then partially refunded).
async fn orders_with_events<S: OrderStore + ?Sized>(store: &S, tag: &str) -> (Vec<Order>, Vec<OrderEvent>) {
    let mut orders = Vec::new();
    for i in 0..3 {
        orders.push(paid(store, &format!("{tag}-{i}"), sgd(1000)).await);
    }
    apply_refund(store, &refund(&orders[0], "part", sgd(100), RefundOutcome::Succeeded)).await;
    let mut events = Vec::new();
    for order in &orders {
        events.extend(store.order_events(&order.order_id).await.expect("order_events"));
    }
    events.sort_by_key(|e| e.seq);
    assert_eq!(events.len(), 4);
    (orders, events)
}

/// Every state change yields exactly one event of its kind (paid, failed,
/// expired, cancelled, partially refunded, refunded, disputed, captured,
/// refund failed), with its amount and reference; `mark_pending`,
/// duplicates, stale and refused results yield none.
pub async fn every_state_change_yields_one_event<S: OrderStore>(store: S) {
    use OrderEventKind as K;
    // Pending, then paid: one event; the resend none.
    let paid_order = created(&store, "events-paid", sgd(1000)).await;
    store.mark_pending(&paid_order.order_id).await.expect("mark_pending");
    assert!(
        event_kinds(&store, &paid_order).await.is_empty(),
        "mark_pending yields no event"
    );
    let success = payment(&paid_order, PaymentOutcome::Succeeded);
    apply(&store, &success).await;
    apply(&store, &success).await;
    apply(&store, &payment(&paid_order, PaymentOutcome::Processing)).await;
    assert!(store
        .apply_payment_result(&payment(&paid_order, PaymentOutcome::Failed))
        .await
        .is_err());
    let events = store.order_events(&paid_order.order_id).await.expect("order_events");
    assert_eq!(events.iter().map(|e| e.kind).collect::<Vec<_>>(), vec![K::Paid]);
    let event = &events[0];
    assert_eq!(event.order_id, paid_order.order_id);
    assert_eq!(event.amount, Some(sgd(1000)));
    assert_eq!(event.reference, success.payment_id);
    assert!(event.seq > 0 && event.at_ms > 0 && !event.key.is_empty());

    for (outcome, kind) in [
        (PaymentOutcome::Failed, K::Failed),
        (PaymentOutcome::Expired, K::Expired),
        (PaymentOutcome::Cancelled, K::Cancelled),
    ] {
        let order = created(&store, "events-closed", sgd(1000)).await;
        apply(&store, &payment(&order, outcome)).await;
        apply(&store, &payment(&order, outcome)).await;
        assert_eq!(event_kinds(&store, &order).await, vec![kind], "{outcome:?}");
    }

    // Refunds: partially, then refunded; a duplicate and an over-refund none.
    let first = refund(&paid_order, "r1", sgd(400), RefundOutcome::Succeeded);
    apply_refund(&store, &first).await;
    apply_refund(&store, &first).await;
    assert!(store
        .apply_refund_result(&refund(&paid_order, "r2", sgd(601), RefundOutcome::Succeeded))
        .await
        .is_err());
    apply_refund(&store, &refund(&paid_order, "r3", sgd(600), RefundOutcome::Succeeded)).await;
    let events = store.order_events(&paid_order.order_id).await.expect("order_events");
    assert_eq!(
        events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![K::Paid, K::PartiallyRefunded, K::Refunded]
    );
    assert_eq!(events[1].amount, Some(sgd(400)));
    assert_eq!(events[1].reference.as_deref(), Some(first.refund_id.as_str()));
    assert_eq!(events[2].amount, Some(sgd(600)));
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "oldest first");
    let keys: HashSet<&str> = events.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys.len(), events.len(), "keys are unique per order");

    // A dispute, a capture and a failed refund on another order.
    let order = paid(&store, "events-facts", sgd(1000)).await;
    let dispute = DisputeUpdate {
        dispute_id: unique("dispute"),
        payment_request_id: order.payment_request_id.clone(),
        notification_type: "DISPUTE_CREATED".to_owned(),
        amount: Some(sgd(1000)),
        reason_code: None,
        reason_message: None,
        dispute_time: None,
        defense_due_time: None,
        judged_result: None,
        judged_amount: None,
        source: ResultSource::Notification,
    };
    for _ in 0..2 {
        store
            .apply_effect(&Effect::Dispute(dispute.clone()))
            .await
            .expect("dispute");
    }
    let capture = CaptureResult {
        capture_id: unique("capture"),
        capture_request_id: None,
        payment_id: order.payment_id.clone().expect("paymentId"),
        amount: sgd(1000),
        succeeded: true,
        capture_time: None,
        result_code: None,
        source: ResultSource::Notification,
    };
    for _ in 0..2 {
        store
            .apply_effect(&Effect::Capture(capture.clone()))
            .await
            .expect("capture");
    }
    let refund_request_id = format!("refund-{}", unique("events"));
    store
        .create_refund(&NewRefund {
            refund_request_id: refund_request_id.clone(),
            order_id: order.order_id.clone(),
            amount: sgd(500),
            reason: None,
        })
        .await
        .expect("create_refund");
    let failed = RefundResult {
        payment_request_id: None,
        refund_id: unique("antom-refund"),
        refund_request_id: Some(refund_request_id),
        amount: sgd(500),
        outcome: RefundOutcome::Failed,
        source: ResultSource::Notification,
        result_code: Some("REFUND_FAIL".to_owned()),
    };
    for _ in 0..2 {
        store
            .apply_effect(&Effect::Refund(failed.clone()))
            .await
            .expect("refund failure");
    }
    assert_eq!(
        event_kinds(&store, &order).await,
        vec![K::Paid, K::Disputed, K::Captured, K::RefundFailed]
    );
    assert!(store
        .order_events("order-nobody")
        .await
        .expect("order_events")
        .is_empty());
}

/// A consumer claims its events oldest first within the limit; what it
/// acknowledges never comes back (even past the lease, even when handed
/// back); what it hands back (`retry_events`) comes back from the retry
/// time on. Consumer names are checked.
pub async fn events_claimed_acked_and_retried<S: OrderStore>(store: S) {
    let (orders, events) = orders_with_events(&store, "events-claim").await;
    let mine = ids(&orders.iter().collect::<Vec<_>>());
    let consumer = format!("fulfil-{}", unique("c").replace('-', "_"));
    let t = now_ms();
    let claimed = claim_mine(&store, &consumer, 3, t, &mine).await;
    assert_eq!(seqs(&claimed), seqs(&events), "every event once, oldest first");
    assert_eq!(claimed, events, "claimed as stored");

    // Ack the first two, hand the others back for t + 5 s.
    let (done, later) = claimed.split_at(2);
    store.ack_events(&consumer, &seqs(done)).await.expect("ack_events");
    store
        .retry_events(&consumer, &seqs(later), t + 5_000)
        .await
        .expect("retry_events");
    assert!(
        claim_mine(&store, &consumer, 10, t + 4_999, &mine).await.is_empty(),
        "not before the retry time"
    );
    let again = claim_mine(&store, &consumer, 10, t + 5_000, &mine).await;
    assert_eq!(seqs(&again), seqs(later), "handed back, then claimed again");
    store.ack_events(&consumer, &seqs(&again)).await.expect("ack_events");
    // Acknowledged is final: not past the lease, not when handed back.
    store
        .retry_events(&consumer, &seqs(&events), t)
        .await
        .expect("retry_events");
    assert!(claim_mine(&store, &consumer, 10, t + 10 * LEASE_MS, &mine)
        .await
        .is_empty());
    store
        .ack_events(&consumer, &seqs(done))
        .await
        .expect("acking twice is fine");
    store.ack_events(&consumer, &[]).await.expect("acking nothing is fine");

    // New events after the acknowledged ones are claimed.
    let newer = paid(&store, "events-claim-new", sgd(100)).await;
    let mut mine = mine;
    mine.insert(newer.order_id.clone());
    let fresh = claim_mine(&store, &consumer, 10, t + 10 * LEASE_MS, &mine).await;
    assert_eq!(fresh.len(), 1);
    assert_eq!(
        (fresh[0].order_id.as_str(), fresh[0].kind),
        (newer.order_id.as_str(), OrderEventKind::Paid)
    );

    for bad in ["", "has space", "slash/name", &"x".repeat(101)] {
        let err = store
            .claim_events(&claim(bad, 1, t))
            .await
            .expect_err("a bad consumer name is refused");
        assert!(matches!(err, StoreError::InvalidInput(_)), "{bad:?}: {err:?}");
        assert!(matches!(
            store.ack_events(bad, &[1]).await,
            Err(StoreError::InvalidInput(_))
        ));
    }
}

/// A claim leases its events to the consumer name until `lease_until_ms`:
/// another claim under the same name skips them until then (a crashed
/// holder's events come back once the lease ran out), and a claim of zero
/// gets nothing.
pub async fn event_leases_hold_until_they_expire<S: OrderStore>(store: S) {
    let (orders, events) = orders_with_events(&store, "events-lease").await;
    let mine = ids(&orders.iter().collect::<Vec<_>>());
    let consumer = format!("lease.{}", unique("c"));
    let t = now_ms();
    assert!(store
        .claim_events(&claim(&consumer, 0, t))
        .await
        .expect("claim")
        .is_empty());
    let first = claim_mine(&store, &consumer, 2, t, &mine).await;
    assert_eq!(seqs(&first), seqs(&events));
    // The holder "crashed": nobody acknowledged. Within the lease: nothing.
    assert!(claim_mine(&store, &consumer, 10, t + 1, &mine).await.is_empty());
    assert!(claim_mine(&store, &consumer, 10, t + LEASE_MS - 1, &mine)
        .await
        .is_empty());
    // Once it ran out: all of them again, leased anew.
    let second = claim_mine(&store, &consumer, 10, t + LEASE_MS, &mine).await;
    assert_eq!(seqs(&second), seqs(&events), "expired leases are claimed again");
    assert!(claim_mine(&store, &consumer, 10, t + LEASE_MS + 1, &mine)
        .await
        .is_empty());
    store.ack_events(&consumer, &seqs(&second)).await.expect("ack_events");
    assert!(claim_mine(&store, &consumer, 10, t + 100 * LEASE_MS, &mine)
        .await
        .is_empty());
}

/// Two consumer names each see every event, whatever the other acknowledged
/// or holds.
pub async fn each_consumer_name_sees_every_event<S: OrderStore>(store: S) {
    let (orders, events) = orders_with_events(&store, "events-names").await;
    let mine = ids(&orders.iter().collect::<Vec<_>>());
    let base = unique("c");
    let (shipping, mail) = (format!("shipping-{base}"), format!("mail-{base}"));
    let t = now_ms();
    let shipped = claim_mine(&store, &shipping, 10, t, &mine).await;
    assert_eq!(seqs(&shipped), seqs(&events));
    store.ack_events(&shipping, &seqs(&shipped)).await.expect("ack_events");
    let mailed = claim_mine(&store, &mail, 1, t, &mine).await;
    assert_eq!(seqs(&mailed), seqs(&events), "the other name sees them all");
    // `mail` holds leases; `shipping` acknowledged: neither affects the other.
    assert!(claim_mine(&store, &shipping, 10, t + 2 * LEASE_MS, &mine)
        .await
        .is_empty());
    let again = claim_mine(&store, &mail, 10, t + 2 * LEASE_MS, &mine).await;
    assert_eq!(seqs(&again), seqs(&events), "unacknowledged under `mail`");
}

/// Eight tasks claim under one consumer name at once, three events a claim,
/// acknowledging what they get: every event is handed to exactly one of
/// them (on PostgreSQL: the lock on the consumer's row and the lease upsert).
pub async fn concurrent_event_claims_never_share_an_event<S: OrderStore>(store: S) {
    const TASKS: usize = 8;
    let store = Arc::new(store);
    let mut orders = Vec::new();
    for i in 0..12 {
        let order = paid(&*store, &format!("events-race-{i}"), sgd(1000)).await;
        apply_refund(&*store, &refund(&order, "part", sgd(10), RefundOutcome::Succeeded)).await;
        orders.push(order);
    }
    let mine: Arc<HashSet<String>> = Arc::new(orders.iter().map(|o| o.order_id.clone()).collect());
    let consumer = format!("race-{}", unique("c"));
    let t = now_ms();
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, barrier, consumer) = (store.clone(), barrier.clone(), consumer.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut got = Vec::new();
                loop {
                    let batch = store.claim_events(&claim(&consumer, 3, t)).await.expect("claim_events");
                    if batch.is_empty() {
                        return got;
                    }
                    let seqs = seqs(&batch);
                    store.ack_events(&consumer, &seqs).await.expect("ack_events");
                    got.extend(batch);
                }
            })
        })
        .collect();
    let mut handed = HashMap::<u64, usize>::new();
    let mut ours = Vec::new();
    for task in tasks {
        for event in task.await.expect("claimer panicked") {
            *handed.entry(event.seq).or_default() += 1;
            if mine.contains(&event.order_id) {
                ours.push(event.seq);
            }
        }
    }
    let twice: Vec<_> = handed.iter().filter(|(_, &n)| n > 1).collect();
    assert!(twice.is_empty(), "events handed to two claimers: {twice:?}");
    ours.sort_unstable();
    let mut expected = Vec::new();
    for order in &orders {
        expected.extend(seqs(&store.order_events(&order.order_id).await.expect("order_events")));
    }
    expected.sort_unstable();
    assert_eq!(expected.len(), 24);
    assert_eq!(ours, expected, "every event claimed once across all claimers");
}

/// Six consumer names claim at once, round after round: each claim gets
/// every event the name has not yet been handed, in one batch and oldest
/// first. One name's claim never makes another name's come back short
/// (on PostgreSQL: a claim must not lock the events themselves).
pub async fn concurrent_claims_of_other_names_never_come_back_short<S: OrderStore>(store: S) {
    const NAMES: usize = 6;
    const ROUNDS: i64 = 20;
    let store = Arc::new(store);
    let (orders, events) = orders_with_events(&*store, "events-names-race").await;
    let mine: Arc<HashSet<String>> = Arc::new(ids(&orders.iter().collect::<Vec<_>>()));
    let expected = seqs(&events);
    let base = unique("c");
    let t = now_ms();
    for round in 0..ROUNDS {
        // Each round is past the previous round's leases: everything is claimable again.
        let now = t + round * 2 * LEASE_MS;
        let barrier = Arc::new(Barrier::new(NAMES));
        let tasks: Vec<_> = (0..NAMES)
            .map(|n| {
                let (store, barrier, mine) = (store.clone(), barrier.clone(), mine.clone());
                let consumer = format!("name{n}-{base}");
                tokio::spawn(async move {
                    barrier.wait().await;
                    let batch = store
                        .claim_events(&claim(&consumer, 100_000, now))
                        .await
                        .expect("claim_events");
                    let ours: Vec<OrderEvent> = batch.into_iter().filter(|e| mine.contains(&e.order_id)).collect();
                    (consumer, seqs(&ours))
                })
            })
            .collect();
        for task in tasks {
            let (consumer, got) = task.await.expect("claimer panicked");
            assert_eq!(got, expected, "round {round}: {consumer}'s one claim");
        }
    }
}
