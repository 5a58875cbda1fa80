//! Racing payment results and `mark_pending`: exactly one state change.

use std::sync::Arc;

use antom_tower::store::{ApplyOutcome, OrderStatus, OrderStore, PaymentOutcome, StoreError};
use tokio::sync::Barrier;

use super::support::*;

/// 50 tasks apply the same success at once: exactly one `Applied`, 49
/// `AlreadyApplied`, one state change.
pub async fn concurrent_same_success_applied_once<S: OrderStore>(store: S) {
    const TASKS: usize = 50;
    let store = Arc::new(store);
    let order = created(&*store, "race-same", sgd(4200)).await;
    let result = payment(&order, PaymentOutcome::Succeeded);
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (store, result, barrier) = (store.clone(), result.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.apply_payment_result(&result).await
        }));
    }
    let (mut applied_count, mut already) = (0, 0);
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(ApplyOutcome::Applied { from, to }) => {
                assert_eq!((from, to), (OrderStatus::Created, OrderStatus::Succeeded));
                applied_count += 1;
            }
            Ok(ApplyOutcome::AlreadyApplied {
                status: OrderStatus::Succeeded,
            }) => already += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((applied_count, already), (1, TASKS - 1), "exactly one Applied");
    assert_eq!(
        changes(&*store, &order).await,
        vec![(OrderStatus::Created, OrderStatus::Succeeded)],
        "exactly one state change"
    );
    let read = reread(&*store, &order).await;
    assert_eq!((read.status, read.version), (OrderStatus::Succeeded, 2));
}

/// Successes and failures for one order race: exactly one wins; the same
/// kind answers `AlreadyApplied`, the other kind `IllegalTransition`; one
/// state change. Repeated over several orders.
pub async fn concurrent_success_and_failure_one_wins<S: OrderStore>(store: S) {
    const ROUNDS: usize = 5;
    const PER_KIND: usize = 10;
    let store = Arc::new(store);
    for round in 0..ROUNDS {
        let order = created(&*store, &format!("race-conflict{round}"), sgd(4200)).await;
        store.mark_pending(&order.order_id).await.expect("mark_pending");
        let barrier = Arc::new(Barrier::new(2 * PER_KIND));
        let mut tasks = Vec::new();
        for i in 0..2 * PER_KIND {
            // Interleave the kinds so neither always starts first.
            let outcome = if (i + round) % 2 == 0 {
                PaymentOutcome::Succeeded
            } else {
                PaymentOutcome::Failed
            };
            let (store, result, barrier) = (store.clone(), payment(&order, outcome), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                (outcome, store.apply_payment_result(&result).await)
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task panicked"));
        }
        let winners: Vec<OrderStatus> = results
            .iter()
            .filter_map(|(_, r)| match r {
                Ok(ApplyOutcome::Applied { to, .. }) => Some(*to),
                _ => None,
            })
            .collect();
        assert_eq!(winners.len(), 1, "exactly one result wins: {results:?}");
        let winner = winners[0];
        for (outcome, result) in &results {
            let same_kind = outcome_status(*outcome) == winner;
            match result {
                Ok(ApplyOutcome::Applied { .. }) => assert!(same_kind),
                Ok(ApplyOutcome::AlreadyApplied { status }) => assert!(same_kind && *status == winner),
                Err(StoreError::IllegalTransition { from, to }) => {
                    assert!(!same_kind, "{outcome:?} refused though it matches the winner");
                    assert_eq!((*from, *to), (winner, outcome_status(*outcome)));
                }
                other => panic!("unexpected outcome for {outcome:?}: {other:?}"),
            }
        }
        assert_eq!(
            changes(&*store, &order).await,
            vec![
                (OrderStatus::Created, OrderStatus::Pending),
                (OrderStatus::Pending, winner)
            ],
            "exactly one payment state change"
        );
        assert_eq!(reread(&*store, &order).await.status, winner);
    }
}

/// 20 tasks mark one order pending at once: one `Applied`, one state change.
pub async fn concurrent_mark_pending_applied_once<S: OrderStore>(store: S) {
    const TASKS: usize = 20;
    let store = Arc::new(store);
    let order = created(&*store, "race-pending", sgd(4200)).await;
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (store, id, barrier) = (store.clone(), order.order_id.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.mark_pending(&id).await
        }));
    }
    let mut applied_count = 0;
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(ApplyOutcome::Applied { .. }) => applied_count += 1,
            Ok(ApplyOutcome::AlreadyApplied {
                status: OrderStatus::Pending,
            }) => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(applied_count, 1);
    assert_eq!(
        changes(&*store, &order).await,
        vec![(OrderStatus::Created, OrderStatus::Pending)]
    );
}
