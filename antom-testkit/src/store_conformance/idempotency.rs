//! Idempotency keys of the session route.

use std::sync::Arc;

use antom_tower::store::{IdempotencyClaim, IdempotentResponse, NewIdempotencyKey, OrderStore, StoreError};
use tokio::sync::Barrier;

use super::support::*;

pub(crate) fn idempotency_key(tag: &str) -> NewIdempotencyKey {
    let id = unique(tag);
    NewIdempotencyKey {
        key: format!("key-{id}"),
        fingerprint: format!("fingerprint-{id}"),
        order_id: format!("order-{id}"),
    }
}

/// A key is claimed once; later claims see the first record; the first
/// recorded answer stays; unknown keys are `NotFound` / `None`.
pub async fn idempotency_key_claimed_once_and_replayed<S: OrderStore>(store: S) {
    let new = idempotency_key("idem");
    let before = now_ms();
    assert_eq!(
        store.claim_idempotency_key(&new).await.expect("claim"),
        IdempotencyClaim::Claimed
    );
    let record = store.idempotency_record(&new.key).await.expect("read").expect("kept");
    assert_eq!(
        (
            record.key.as_str(),
            record.fingerprint.as_str(),
            record.order_id.as_str()
        ),
        (new.key.as_str(), new.fingerprint.as_str(), new.order_id.as_str())
    );
    assert!(record.response.is_none());
    assert!(record.created_at_ms >= before - 1000, "{record:?}");
    // Another claim of the key, even with another fingerprint and order: the first record.
    let again = NewIdempotencyKey {
        fingerprint: "other".into(),
        order_id: "order-other".into(),
        ..new.clone()
    };
    assert_eq!(
        store.claim_idempotency_key(&again).await.expect("claim again"),
        IdempotencyClaim::Existing(record.clone())
    );
    let first = IdempotentResponse {
        status: 200,
        body: r#"{"orderId":"x"}"#.into(),
    };
    store
        .record_idempotent_response(&new.key, &first)
        .await
        .expect("record");
    let second = IdempotentResponse {
        status: 502,
        body: "{}".into(),
    };
    store
        .record_idempotent_response(&new.key, &second)
        .await
        .expect("record again");
    let record = store.idempotency_record(&new.key).await.expect("read").expect("kept");
    assert_eq!(record.response, Some(first), "the first answer stays");
    // A claimed key with an answer is not released.
    store
        .release_idempotency_key(&new.key, &new.order_id)
        .await
        .expect("release");
    assert!(store.idempotency_record(&new.key).await.expect("read").is_some());
    assert!(store.idempotency_record("key-nobody").await.expect("read").is_none());
    assert!(matches!(
        store.record_idempotent_response("key-nobody", &second).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Release gives back only an unanswered key of the same order; purge
/// removes keys claimed before the time given and keeps newer ones.
pub async fn idempotency_key_released_and_purged<S: OrderStore>(store: S) {
    let new = idempotency_key("idem-release");
    store.claim_idempotency_key(&new).await.expect("claim");
    store
        .release_idempotency_key(&new.key, "order-someone-else")
        .await
        .expect("release");
    assert!(
        store.idempotency_record(&new.key).await.expect("read").is_some(),
        "another order's release"
    );
    store
        .release_idempotency_key(&new.key, &new.order_id)
        .await
        .expect("release");
    assert!(store.idempotency_record(&new.key).await.expect("read").is_none());
    assert_eq!(
        store.claim_idempotency_key(&new).await.expect("claim"),
        IdempotencyClaim::Claimed
    );
    // Purge: nothing before an hour ago; everything claimed before a minute from now.
    store.purge_idempotency_keys(now_ms() - 3_600_000).await.expect("purge");
    assert!(
        store.idempotency_record(&new.key).await.expect("read").is_some(),
        "a new key is kept"
    );
    let purged = store.purge_idempotency_keys(now_ms() + 60_000).await.expect("purge");
    assert!(purged >= 1, "{purged}");
    assert!(store.idempotency_record(&new.key).await.expect("read").is_none());
}

/// 50 tasks claim one key at once, each for its own order: exactly one wins,
/// the 49 others see the winner's record.
pub async fn concurrent_idempotency_claims_one_wins<S: OrderStore>(store: S) {
    const TASKS: usize = 50;
    let store = Arc::new(store);
    let base = idempotency_key("idem-race");
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for i in 0..TASKS {
        let new = NewIdempotencyKey {
            order_id: format!("{}-{i}", base.order_id),
            ..base.clone()
        };
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            (new.order_id.clone(), store.claim_idempotency_key(&new).await)
        }));
    }
    let mut winners = Vec::new();
    let mut seen = Vec::new();
    for task in tasks {
        match task.await.expect("task panicked") {
            (order_id, Ok(IdempotencyClaim::Claimed)) => winners.push(order_id),
            (_, Ok(IdempotencyClaim::Existing(record))) => seen.push(record.order_id),
            (_, other) => panic!("unexpected claim outcome {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one claim wins: {winners:?}");
    assert_eq!(seen.len(), TASKS - 1);
    assert!(
        seen.iter().all(|id| *id == winners[0]),
        "every loser sees the winner's order"
    );
    let record = store.idempotency_record(&base.key).await.expect("read").expect("kept");
    assert_eq!(record.order_id, winners[0]);
}
