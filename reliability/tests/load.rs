//! Load and races: 10,000 notifications for 1,000 orders through the real
//! notify route (the checkout router on axum on 127.0.0.1), on each store.
//!
//! Each order has three distinct signed notifications: its final
//! `PAYMENT_RESULT`, the same result re-signed with a later `request-time`
//! (a resend with other bytes on the wire), and a non-final `PAYMENT_PENDING`.
//! They are delivered 4 + 3 + 3 times, shuffled together (seeded), 32 in
//! flight at once, so duplicates race each other and the non-final result
//! arrives before, between and after the final one. 90% of the orders were
//! marked pending first (a session was created); the rest are still
//! `Created`, so a `PAYMENT_PENDING` may move them first.
//!
//! Proved for each store: every notification is acknowledged (HTTP 200 and
//! exactly Antom's ACK body), every order ends in exactly its final state,
//! and its state change log (`OrderStore::state_changes`, the store's own
//! record) is consistent with exactly one change into the final state and
//! nothing counted twice. The notifications are signed once, ahead of time,
//! with the testkit's Antom key, so the CPU goes to the server.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use antom_reliability::plan::{Checked, Copies, Plan};
use antom_reliability::send::{deliver_all, Answer};
use antom_reliability::shop::{Shop, ShopConfig};
use antom_reliability::{pg, report, seed};
use antom_tower::store::{MemoryOrderStore, OrderStore, SqliteOrderStore};

const ORDERS: usize = 1_000;
const COPIES: Copies = Copies {
    final_result: 4,
    resigned: 3,
    pending: 3,
};
const CONCURRENCY: usize = 32;

static PLAN: OnceLock<Plan> = OnceLock::new();

/// The plan, signed once for every test of this file.
async fn plan() -> &'static Plan {
    tokio::task::spawn_blocking(|| PLAN.get_or_init(|| Plan::new(seed(), ORDERS, COPIES)))
        .await
        .expect("signing")
}

fn assert_all_acknowledged(answers: &[Result<Answer, String>]) -> usize {
    let refused: Vec<String> = answers
        .iter()
        .filter_map(|answer| match answer {
            Ok(answer) if answer.is_ack() => None,
            Ok(answer) => Some(format!("HTTP {}: {}", answer.status, answer.text())),
            Err(error) => Some(error.clone()),
        })
        .collect();
    assert!(
        refused.is_empty(),
        "{} of {} well-signed notifications not acknowledged, e.g. {:?}",
        refused.len(),
        answers.len(),
        &refused[..refused.len().min(5)]
    );
    answers.len()
}

async fn assert_checked(plan: &Plan, store: &dyn OrderStore) -> Checked {
    match plan.check(store).await {
        Ok(checked) => {
            assert_eq!(checked.orders, ORDERS);
            checked
        }
        Err(problems) => panic!(
            "{} of {ORDERS} orders wrong, e.g.:\n{}",
            problems.len(),
            problems[..problems.len().min(10)].join("\n")
        ),
    }
}

fn figures(test: &str, deliveries: usize, acked: usize, checked: &Checked, plan: &Plan, started: Instant) {
    report(
        test,
        &[
            ("seed", plan.seed.to_string()),
            ("orders", ORDERS.to_string()),
            ("notifications_sent", deliveries.to_string()),
            ("distinct_signed", plan.notifications.len().to_string()),
            ("acknowledged", acked.to_string()),
            ("state_changes", checked.state_changes.to_string()),
            ("changes_by_notification", checked.by_notification.to_string()),
            (
                "duplicate_or_stale_deliveries",
                (deliveries - checked.by_notification).to_string(),
            ),
            ("orders_checked", checked.orders.to_string()),
            ("lost", "0".to_string()),
            ("seconds", format!("{:.1}", started.elapsed().as_secs_f64())),
        ],
    );
}

/// Creates the orders in `store`, serves it, delivers every notification, checks.
async fn load_on(test: &str, store: Arc<dyn OrderStore>) {
    let plan = plan().await;
    let started = Instant::now();
    plan.create_orders(&*store).await;
    let shop = Shop::start(Arc::clone(&store), ShopConfig::default()).await;
    let deliveries = plan.deliveries(seed() ^ 0x10ad);
    let count = deliveries.len();
    assert_eq!(count, ORDERS * COPIES.per_order());
    let answers = deliver_all(&shop.http, &shop.notify_url(), deliveries, CONCURRENCY).await;
    let acked = assert_all_acknowledged(&answers);
    let checked = assert_checked(plan, &*store).await;
    figures(test, count, acked, &checked, plan, started);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_notifications_on_the_memory_store() {
    load_on("load_memory", Arc::new(MemoryOrderStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_notifications_on_a_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteOrderStore::open(dir.path().join("orders.db").to_string_lossy())
        .await
        .expect("open SQLite");
    load_on("load_sqlite", Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_notifications_on_postgresql() {
    let Some(server) = pg::server("ten_thousand_notifications_on_postgresql").await else {
        return;
    };
    let schema = server.fresh_schema("load").await;
    let store = server.store(&schema, &pg::unique("antom-rel-load"), 10).await;
    load_on("load_postgres", Arc::new(store)).await;
    server.cleanup().await;
}

/// Two merchant servers with a store each (two pools, as two processes) on one
/// PostgreSQL schema; each gets its own shuffled copy of all 10,000
/// notifications, both at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_sharing_postgresql_receive_the_same_notifications() {
    let Some(server) = pg::server("two_servers_sharing_postgresql_receive_the_same_notifications").await else {
        return;
    };
    let plan = plan().await;
    let started = Instant::now();
    let schema = server.fresh_schema("two").await;
    let a: Arc<dyn OrderStore> = Arc::new(server.store(&schema, &pg::unique("antom-rel-a"), 8).await);
    let b: Arc<dyn OrderStore> = Arc::new(server.store(&schema, &pg::unique("antom-rel-b"), 8).await);
    plan.create_orders(&*a).await;
    let shop_a = Shop::start(Arc::clone(&a), ShopConfig::default()).await;
    let shop_b = Shop::start(Arc::clone(&b), ShopConfig::default()).await;
    let to_a = plan.deliveries(seed() ^ 0xa);
    let to_b = plan.deliveries(seed() ^ 0xb);
    let count = to_a.len() + to_b.len();
    let (url_a, url_b) = (shop_a.notify_url(), shop_b.notify_url());
    let (answers_a, answers_b) = tokio::join!(
        deliver_all(&shop_a.http, &url_a, to_a, CONCURRENCY / 2),
        deliver_all(&shop_b.http, &url_b, to_b, CONCURRENCY / 2),
    );
    let acked = assert_all_acknowledged(&answers_a) + assert_all_acknowledged(&answers_b);
    // Both servers see the same orders: check through each.
    let checked = assert_checked(plan, &*a).await;
    assert_eq!(assert_checked(plan, &*b).await, checked);
    figures("load_postgres_two_servers", count, acked, &checked, plan, started);
    server.cleanup().await;
}
