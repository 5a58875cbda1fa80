//! The SQLite store passes the conformance suite, in memory and on files,
//! keeps orders across reopening, and stays consistent when two stores
//! (two pools, as two processes would) write to one file at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use antom_testkit::store_conformance::run_all;
use antom_tower::store::{
    ApplyOutcome, NewOrder, OrderStatus, OrderStore, PaymentOutcome, PaymentResult, RefundOutcome, RefundResult,
    ResultSource, SqliteOrderStore, StoreError,
};
use antom_types::{Amount, Currency};

fn sgd(value: u64) -> Amount {
    Amount::new(Currency::new("SGD").unwrap(), value).unwrap()
}

fn new_order(id: &str, amount: Amount) -> NewOrder {
    NewOrder {
        order_id: format!("order-{id}"),
        payment_request_id: format!("pay-{id}"),
        amount,
        description: "test".into(),
        payment_method_type: "CARD".into(),
        buyer_id: None,
        session_expires_at_ms: None,
    }
}

fn success(id: &str, amount: Amount) -> PaymentResult {
    PaymentResult {
        payment_request_id: format!("pay-{id}"),
        payment_id: Some(format!("antom-{id}")),
        amount,
        outcome: PaymentOutcome::Succeeded,
        source: ResultSource::Notification,
        result_code: Some("SUCCESS".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_memory_sqlite_passes_conformance() {
    run_all(|| async {
        tokio::spawn(SqliteOrderStore::in_memory())
            .await
            .unwrap()
            .expect("in-memory SQLite")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn file_sqlite_passes_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    run_all(|| {
        let path = dir
            .path()
            .join(format!("orders-{}.db", n.fetch_add(1, Ordering::Relaxed)));
        async move {
            SqliteOrderStore::open(path.to_str().unwrap())
                .await
                .expect("open SQLite file")
        }
    })
    .await;
}

#[tokio::test]
async fn orders_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // The parent directory does not exist yet: open creates it.
    let path = dir.path().join("nested/dir/orders.db");
    let path = path.to_str().unwrap();
    {
        let store = SqliteOrderStore::open(path).await.unwrap();
        store.create_order(new_order("keep", sgd(4200))).await.unwrap();
        store.create_order(new_order("open", sgd(100))).await.unwrap();
        store.mark_pending("order-keep").await.unwrap();
        store.apply_payment_result(&success("keep", sgd(4200))).await.unwrap();
        let refund = RefundResult {
            payment_request_id: Some("pay-keep".into()),
            refund_id: "refund-1".into(),
            refund_request_id: None,
            amount: sgd(200),
            outcome: RefundOutcome::Succeeded,
            source: ResultSource::Notification,
            result_code: None,
        };
        store.apply_refund_result(&refund).await.unwrap();
        store.close().await;
    }
    // Reopen as a URL this time; migrations run again and change nothing.
    let store = SqliteOrderStore::open(format!("sqlite://{path}")).await.unwrap();
    let order = store
        .get_order("order-keep")
        .await
        .unwrap()
        .expect("the order survived");
    assert_eq!(order.status, OrderStatus::PartiallyRefunded);
    assert_eq!(order.amount, sgd(4200));
    assert_eq!(order.refunded, 200);
    assert_eq!(order.payment_id.as_deref(), Some("antom-keep"));
    assert_eq!(order.version, 4);
    let log = store.state_changes("order-keep").await.unwrap();
    let steps: Vec<_> = log.iter().map(|c| (c.from, c.to)).collect();
    assert_eq!(
        steps,
        vec![
            (OrderStatus::Created, OrderStatus::Pending),
            (OrderStatus::Pending, OrderStatus::Succeeded),
            (OrderStatus::Succeeded, OrderStatus::PartiallyRefunded),
        ]
    );
    // The duplicates after the restart are still recognised.
    assert_eq!(
        store.apply_payment_result(&success("keep", sgd(4200))).await.unwrap(),
        ApplyOutcome::AlreadyApplied {
            status: OrderStatus::PartiallyRefunded
        }
    );
    assert!(matches!(
        store.create_order(new_order("keep", sgd(4200))).await,
        Err(StoreError::DuplicateOrder { .. })
    ));
    let pending = store.list_pending(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].order_id, "order-open");
}

#[tokio::test]
async fn the_file_is_in_wal_mode_with_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteOrderStore::open(dir.path().join("orders.db").to_str().unwrap())
        .await
        .unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(synchronous, 2, "synchronous = FULL: durable before the ack");
}

/// Two stores on one file (two pools, as two server processes would have)
/// receive the same notification and a conflicting one at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_record_one_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let path = path.to_str().unwrap();
    // Opened from spawned tasks: the constructors' futures are `Send`.
    let (a, b) = (path.to_owned(), path.to_owned());
    let (a, b) = tokio::join!(
        tokio::spawn(async move { SqliteOrderStore::open(a).await }),
        tokio::spawn(async move { SqliteOrderStore::open(b).await })
    );
    let stores = [Arc::new(a.unwrap().unwrap()), Arc::new(b.unwrap().unwrap())];
    for round in 0..5 {
        let id = format!("shared-{round}");
        stores[0].create_order(new_order(&id, sgd(4200))).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..20 {
            let store = stores[i % 2].clone();
            let mut result = success(&id, sgd(4200));
            if i % 4 == 3 {
                result.outcome = PaymentOutcome::Failed;
            }
            tasks.push(tokio::spawn(async move { store.apply_payment_result(&result).await }));
        }
        let mut applied = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(ApplyOutcome::Applied { .. }) => applied += 1,
                Ok(ApplyOutcome::AlreadyApplied { .. }) | Err(StoreError::IllegalTransition { .. }) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(applied, 1);
        assert_eq!(stores[1].state_changes(&format!("order-{id}")).await.unwrap().len(), 1);
    }
}
