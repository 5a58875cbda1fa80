//! Reconciliation claims (`claim_for_inquiry`, `release_inquiry_claims`)
//! and `check_writable`.

use std::sync::Arc;

use antom_tower::store::{InquiryClaim, Order, OrderStore, PaymentOutcome};
use tokio::sync::Barrier;

use super::support::*;

// Reconciliation claims. The checks filter what a claim returns to their own
// orders, so a database shared with other checks does not disturb them.

/// A claim at `now` for a sweep that started at `now`, taking orders created
/// up to an hour ahead, leased for a minute.
pub(crate) fn sweep_claim(limit: usize, now: i64) -> InquiryClaim {
    InquiryClaim {
        limit,
        now_ms: now,
        created_before_ms: now + 3_600_000,
        inquired_before_ms: now,
        lease_until_ms: now + 60_000,
    }
}

/// Claims with `claim` until a claim comes back empty; the orders whose id
/// starts with `prefix`, in the order claimed.
pub(crate) async fn claim_all<S: OrderStore + ?Sized>(store: &S, claim: InquiryClaim, prefix: &str) -> Vec<Order> {
    let mut mine = Vec::new();
    for _ in 0..10_000 {
        let batch = store.claim_for_inquiry(&claim).await.expect("claim_for_inquiry failed");
        assert!(batch.len() <= claim.limit, "a claim returned more than its limit");
        if batch.is_empty() {
            return mine;
        }
        mine.extend(batch.into_iter().filter(|o| o.order_id.starts_with(prefix)));
    }
    panic!("claims never ran dry: the same orders are claimed again within one sweep");
}

/// A sweep (claims of 3 until none is left) gets every created or pending
/// order exactly once, and no final one; a further claim in the same sweep
/// gets none of them.
pub async fn claims_page_through_unsettled_orders_once<S: OrderStore>(store: S) {
    let tag = unique("claims-page");
    let mut unsettled = Vec::new();
    for i in 0..7 {
        let order = created(&store, &format!("{tag}-pending-{i}"), sgd(100 + i)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        unsettled.push(order.order_id);
    }
    for i in 0..3 {
        unsettled.push(
            created(&store, &format!("{tag}-created-{i}"), sgd(200 + i))
                .await
                .order_id,
        );
    }
    paid(&store, &format!("{tag}-paid"), sgd(300)).await;
    let failed = created(&store, &format!("{tag}-failed"), sgd(400)).await;
    apply(&store, &payment(&failed, PaymentOutcome::Failed)).await;

    let prefix = format!("order-{tag}");
    let now = now_ms() + 1;
    let claimed = claim_all(&store, sweep_claim(3, now), &prefix).await;
    let mut ids: Vec<String> = claimed.iter().map(|o| o.order_id.clone()).collect();
    ids.sort();
    unsettled.sort();
    assert_eq!(
        ids, unsettled,
        "every unsettled order claimed exactly once, no final one"
    );
    for order in &claimed {
        assert_eq!(
            order.last_inquiry_at_ms,
            Some(now),
            "claimed orders carry the claim time"
        );
        assert_eq!(reread(&store, order).await.last_inquiry_at_ms, Some(now), "and keep it");
    }
    assert!(
        claim_all(&store, sweep_claim(100, now + 1), &prefix).await.is_empty(),
        "the same sweep claims nothing twice"
    );
}

/// A leased order is not claimed again before its lease ran out, even by a
/// later sweep; once it has, the least recently inquired order comes first
/// (never inquired before all), then the oldest.
pub async fn claims_respect_leases_and_inquiry_order<S: OrderStore>(store: S) {
    let tag = unique("claims-lease");
    let prefix = format!("order-{tag}");
    let mut first = Vec::new();
    for name in ["a", "b", "c"] {
        let order = created(&store, &format!("{tag}-{name}"), sgd(100)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        first.push(order.order_id);
    }
    let t1 = now_ms() + 1;
    assert_eq!(claim_all(&store, sweep_claim(100, t1), &prefix).await.len(), 3);

    // A later sweep while the lease (one minute) holds: nothing of ours.
    let t2 = t1 + 1_000;
    assert!(
        claim_all(&store, sweep_claim(100, t2), &prefix).await.is_empty(),
        "leased orders are not claimed"
    );

    let newcomer = created(&store, &format!("{tag}-d"), sgd(100)).await;
    // After the lease: one at a time, in inquiry order.
    let t3 = t1 + 61_000;
    let order: Vec<String> = claim_all(&store, sweep_claim(1, t3), &prefix)
        .await
        .into_iter()
        .map(|o| o.order_id)
        .collect();
    let mut expected = vec![newcomer.order_id];
    expected.extend(first);
    assert_eq!(
        order, expected,
        "never inquired first, then least recently inquired, oldest first"
    );
}

/// `release_inquiry_claims` ends this claim's lease (and only this claim's):
/// a later sweep then gets the orders at once.
pub async fn released_claims_can_be_claimed_by_a_later_sweep<S: OrderStore>(store: S) {
    let tag = unique("claims-release");
    let prefix = format!("order-{tag}");
    let order = created(&store, &tag, sgd(100)).await;
    let t1 = now_ms() + 1;
    let claim = sweep_claim(100, t1);
    assert_eq!(claim_all(&store, claim, &prefix).await.len(), 1);
    let ids = vec![order.order_id.clone()];
    store
        .release_inquiry_claims(&ids, claim.lease_until_ms + 1)
        .await
        .expect("release_inquiry_claims");
    assert!(
        claim_all(&store, sweep_claim(100, t1 + 10), &prefix).await.is_empty(),
        "another claim's lease is not released"
    );
    store
        .release_inquiry_claims(&ids, claim.lease_until_ms)
        .await
        .expect("release_inquiry_claims");
    let again = claim_all(&store, sweep_claim(100, t1 + 20), &prefix).await;
    assert_eq!(again.len(), 1, "released: the next sweep claims it");
    assert_eq!(again[0].last_inquiry_at_ms, Some(t1 + 20));
    store
        .release_inquiry_claims(&[], 0)
        .await
        .expect("releasing nothing is fine");
}

/// Orders younger than `created_before_ms` are not claimed; claiming changes
/// neither status nor version nor the state change log.
pub async fn claims_leave_young_orders_and_state_alone<S: OrderStore>(store: S) {
    let tag = unique("claims-young");
    let prefix = format!("order-{tag}");
    let order = created(&store, &tag, sgd(100)).await;
    store.mark_pending(&order.order_id).await.expect("mark_pending");
    let before = reread(&store, &order).await;
    let now = now_ms() + 1;
    let young = InquiryClaim {
        created_before_ms: before.created_at_ms - 1,
        ..sweep_claim(100, now)
    };
    assert!(
        claim_all(&store, young, &prefix).await.is_empty(),
        "an order younger than the cut-off is left alone"
    );
    let claimed = claim_all(&store, sweep_claim(100, now), &prefix).await;
    assert_eq!(claimed.len(), 1);
    let after = reread(&store, &order).await;
    assert_eq!(
        (after.status, after.version, after.updated_at_ms),
        (before.status, before.version, before.updated_at_ms),
        "a claim is not a state change"
    );
    assert_eq!(changes(&store, &order).await, changes(&store, &before).await);
    assert_eq!(changes(&store, &order).await.len(), 1, "created -> pending only");
}

/// Eight claimers sweeping at once, two orders a claim: each order goes to
/// exactly one of them.
pub async fn concurrent_claims_never_share_an_order<S: OrderStore>(store: S) {
    let tag = unique("claims-race");
    let prefix = format!("order-{tag}");
    let mut ids = Vec::new();
    for i in 0..20 {
        let order = created(&store, &format!("{tag}-{i}"), sgd(100 + i)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        ids.push(order.order_id);
    }
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(8));
    let now = now_ms() + 1;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, barrier, prefix) = (store.clone(), barrier.clone(), prefix.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                claim_all(&*store, sweep_claim(2, now), &prefix).await
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.expect("claimer panicked").into_iter().map(|o| o.order_id));
    }
    claimed.sort();
    ids.sort();
    assert_eq!(claimed, ids, "every order claimed once across all claimers");
}

/// `check_writable` answers `Ok` on a store that takes writes.
pub async fn check_writable_on_a_healthy_store<S: OrderStore>(store: S) {
    store.check_writable().await.expect("a healthy store is writable");
    store.check_writable().await.expect("and stays so on a second check");
}
