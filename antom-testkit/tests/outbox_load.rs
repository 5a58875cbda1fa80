//! 10,000 notifications (duplicated, shuffled, concurrent) through the notify
//! route on each store, with one order-event consumer killed and restarted
//! mid-run and another stopped and restarted cleanly: every state change
//! yields exactly one event, every event reaches every consumer, a clean
//! restart repeats none, a kill repeats at most the batch it had in hand;
//! and two instances of one consumer on one PostgreSQL never handle the
//! same event. Figures are printed (RELIABILITY.md records them).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antom_testkit::keys;
use antom_testkit::mock::notifier::payment_notification_from_parts;
use antom_testkit::mock::SendOptions;
use antom_tower::store::{
    ConsumerHandle, EventConsumer, NewOrder, NewRefund, OrderEvent, OrderStore, PostgresOrderStore,
};
use antom_types::{Amount, ApiResult, NotifyRefund, NotifyType, RefundStatus, ResultCode, ResultStatus};
use serde_json::Value;
use tokio::sync::Semaphore;

mod checkout_support;
use checkout_support::*;

const ORDERS: usize = 2_000;
const CONCURRENCY: usize = 32;
const BATCH: usize = 50;

/// What each consumer handled: seq -> times.
#[derive(Clone, Default)]
struct Tally(Arc<Mutex<HashMap<u64, u32>>>);

impl Tally {
    fn consumer(&self, store: Arc<dyn OrderStore>, name: &str) -> ConsumerHandle {
        let tally = self.clone();
        EventConsumer::new(store, name)
            .batch(BATCH)
            .lease(Duration::from_millis(500))
            .idle_poll(Duration::from_millis(20))
            .spawn(move |event: OrderEvent| {
                let tally = tally.clone();
                async move {
                    *tally.0.lock().unwrap().entry(event.seq).or_insert(0) += 1;
                    // Some work per event, so that a kill lands inside a batch.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    Ok::<(), std::io::Error>(())
                }
            })
    }

    fn handled(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn repeats(&self) -> u32 {
        self.0.lock().unwrap().values().map(|n| n - 1).sum()
    }
}

/// A small deterministic shuffle (no rand dependency): Fisher-Yates over an LCG.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let j = (seed >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
}

/// Sends every body until acknowledged, `CONCURRENCY` at a time, as Antom
/// resends what was not acknowledged. Answers how many attempts were made.
async fn deliver(url: &str, client_id: &str, bodies: Vec<Vec<u8>>) -> u64 {
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let attempts = Arc::new(AtomicU64::new(0));
    let key = Arc::new(keys::antom_private_key());
    let mut tasks = tokio::task::JoinSet::new();
    for body in bodies {
        let permit = permits.clone().acquire_owned().await.unwrap();
        let (url, attempts, key) = (url.to_owned(), attempts.clone(), key.clone());
        let options = SendOptions {
            client_id: client_id.to_owned(),
            ..Default::default()
        };
        tasks.spawn(async move {
            let _permit = permit;
            for _ in 0..200 {
                attempts.fetch_add(1, Ordering::Relaxed);
                let sent = antom_testkit::mock::notifier::send_notification_bytes(&url, body.clone(), &key, &options)
                    .await
                    .unwrap();
                if sent.acknowledged {
                    return;
                }
                assert!(sent.status >= 400, "{}", sent.response_body);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("never acknowledged: {}", String::from_utf8_lossy(&body));
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    attempts.load(Ordering::Relaxed)
}

fn sgd(minor: u64) -> Amount {
    Amount::from_minor_units(minor, "SGD").unwrap()
}

fn refund_body(refund_request_id: &str, refund_id: &str, amount: Amount, ok: bool) -> Vec<u8> {
    let notification = NotifyRefund {
        notify_type: NotifyType::RefundResult,
        result: if ok {
            ApiResult::success("success")
        } else {
            ApiResult::new(ResultCode::ProcessFail, ResultStatus::Failed, Some("failed".into()))
        },
        refund_status: if ok { RefundStatus::Success } else { RefundStatus::Fail },
        refund_request_id: refund_request_id.to_owned(),
        refund_id: refund_id.to_owned(),
        refund_amount: amount,
        refund_time: None,
        gross_settlement_amount: None,
        settlement_quote: None,
        extra: Default::default(),
    };
    serde_json::to_vec(&notification).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_notifications_each_state_change_one_event_per_consumer() {
    for (name, store) in every_store().await {
        run_load(name, store).await;
    }
}

async fn run_load(name: &str, store: Arc<dyn OrderStore>) {
    let shop = shop_with(store.clone(), true).await;
    let url = format!("{}/antom/notify", shop.url);
    let client_id = shop.mock.client_id().to_string();
    let started = Instant::now();
    let mut expected: HashSet<(String, String)> = HashSet::new();
    for i in 0..ORDERS {
        let order_id = format!("load-{i}");
        store
            .create_order(NewOrder {
                order_id: order_id.clone(),
                payment_request_id: format!("pay-load-{i}"),
                amount: sgd(1000 + i as u64),
                description: "load".into(),
                payment_method_type: "ALIPAY_CN".into(),
                buyer_id: None,
                session_expires_at_ms: None,
            })
            .await
            .unwrap();
        store.mark_pending(&order_id).await.unwrap();
    }

    // Consumers: one killed and restarted mid-run, one stopped and restarted cleanly.
    let killed = Tally::default();
    let clean = Tally::default();
    let killed_handle = killed.consumer(store.clone(), "fulfilment");
    let clean_handle = clean.consumer(store.clone(), "accounting");
    // Mid-run, once a few hundred events are handled: the fulfilment consumer
    // is killed (its batch in hand is handled again after its lease) and
    // restarted; the accounting one is stopped cleanly and restarted.
    let restarts = {
        let (killed, clean, store) = (killed.clone(), clean.clone(), store.clone());
        tokio::spawn(async move {
            while killed.handled() < 500 || clean.handled() < 500 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            killed_handle.abort();
            let killed_at = killed.handled();
            clean_handle.stop().await;
            (
                killed_at,
                killed.consumer(store.clone(), "fulfilment"),
                clean.consumer(store, "accounting"),
            )
        })
    };

    // Phase 1: a result per order (9 in 10 paid, 1 in 10 failed), each sent
    // twice, plus a stale PAYMENT_PENDING after it, all shuffled.
    let mut bodies = Vec::new();
    for i in 0..ORDERS {
        let paid = i % 10 != 0;
        let result = if paid {
            ApiResult::success("success")
        } else {
            ApiResult::new(
                ResultCode::Other("USER_BALANCE_NOT_ENOUGH".into()),
                ResultStatus::Failed,
                None,
            )
        };
        let mut notification = payment_notification_from_parts(
            format!("pay-load-{i}"),
            format!("2026{i:012}"),
            sgd(1000 + i as u64),
            result,
        );
        let body = serde_json::to_vec(&notification).unwrap();
        bodies.push(body.clone());
        bodies.push(body);
        notification.notify_type = NotifyType::PaymentPending;
        notification.result = ApiResult::success("success");
        bodies.push(serde_json::to_vec(&notification).unwrap());
        expected.insert((
            format!("load-{i}"),
            if paid { "succeeded" } else { "failed" }.to_owned(),
        ));
    }
    shuffle(&mut bodies, 42);
    let phase1 = bodies.len();
    let attempts1 = deliver(&url, &client_id, bodies).await;

    let (killed_before, killed_handle, clean_handle) = restarts.await.unwrap();

    // Phase 2: two refunds on each of half the paid orders (30 % then 70 %:
    // partially refunded, then refunded), one in ten of them failing first.
    let mut bodies = Vec::new();
    for i in (0..ORDERS).filter(|i| i % 10 != 0 && i % 2 == 1) {
        let order_id = format!("load-{i}");
        let total = 1000 + i as u64;
        let parts = [total * 3 / 10, total - total * 3 / 10];
        for (n, part) in parts.into_iter().enumerate() {
            let rrid = format!("rr-{i}-{n}");
            store
                .create_refund(&NewRefund {
                    refund_request_id: rrid.clone(),
                    order_id: order_id.clone(),
                    amount: sgd(part),
                    reason: None,
                })
                .await
                .unwrap();
            let body = refund_body(&rrid, &format!("refund-{i}-{n}"), sgd(part), true);
            bodies.push(body.clone());
            bodies.push(body);
            expected.insert((order_id.clone(), format!("refund:refund-{i}-{n}")));
        }
    }
    shuffle(&mut bodies, 7);
    let phase2 = bodies.len();
    let attempts2 = deliver(&url, &client_id, bodies).await;
    let delivered_in = started.elapsed();

    // Every state change is in the outbox exactly once.
    let mut outbox = Vec::new();
    for i in 0..ORDERS {
        outbox.extend(store.order_events(&format!("load-{i}")).await.unwrap());
    }
    let keys: HashSet<(String, String)> = outbox.iter().map(|e| (e.order_id.clone(), e.key.clone())).collect();
    assert_eq!(keys.len(), outbox.len(), "{name}: an event twice in the outbox");
    assert_eq!(keys, expected, "{name}");

    // Every event reaches both consumers.
    let deadline = Instant::now() + Duration::from_secs(60);
    while killed.handled() < outbox.len() || clean.handled() < outbox.len() {
        assert!(Instant::now() < deadline, "{name}: consumers did not catch up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    killed_handle.stop().await;
    clean_handle.stop().await;
    let seqs: HashSet<u64> = outbox.iter().map(|e| e.seq).collect();
    for tally in [&killed, &clean] {
        let handled: HashSet<u64> = tally.0.lock().unwrap().keys().copied().collect();
        assert_eq!(handled, seqs, "{name}");
    }
    assert_eq!(clean.repeats(), 0, "{name}: a clean restart repeats nothing");
    assert!(
        killed.repeats() as usize <= BATCH,
        "{name}: a kill repeats at most the batch in hand: {}",
        killed.repeats()
    );
    println!(
        "{name}: {} notifications ({} + {}) in {:.1} s ({} deliveries incl. resends), {} events, \
         fulfilment: {} handled before the kill, {} repeated after it; accounting: {} repeated",
        phase1 + phase2,
        phase1,
        phase2,
        delivered_in.as_secs_f64(),
        attempts1 + attempts2,
        outbox.len(),
        killed_before,
        killed.repeats(),
        clean.repeats()
    );
    assert!(phase1 + phase2 >= 10_000);
}

/// Two instances (two pools, as two processes) of one consumer on one
/// PostgreSQL schema: each event handled by exactly one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_of_one_consumer_on_postgresql_never_share_an_event() {
    let Some((a, b)) = postgres_pair().await else {
        return;
    };
    for i in 0..1_000 {
        let order_id = format!("pair-{i}");
        a.create_order(NewOrder {
            order_id: order_id.clone(),
            payment_request_id: format!("pay-pair-{i}"),
            amount: sgd(100),
            description: "pair".into(),
            payment_method_type: "ALIPAY_CN".into(),
            buyer_id: None,
            session_expires_at_ms: None,
        })
        .await
        .unwrap();
        let result = antom_tower::store::PaymentResult {
            payment_request_id: format!("pay-pair-{i}"),
            payment_id: Some(format!("p{i}")),
            amount: sgd(100),
            outcome: antom_tower::store::PaymentOutcome::Succeeded,
            source: antom_tower::store::ResultSource::Notification,
            result_code: None,
        };
        a.apply_payment_result(&result).await.unwrap();
    }
    let seen: Arc<Mutex<HashMap<u64, Vec<&'static str>>>> = Arc::default();
    let spawn = |store: Arc<dyn OrderStore>, instance: &'static str| {
        let seen = seen.clone();
        EventConsumer::new(store, "shared")
            .batch(20)
            .lease(Duration::from_secs(60))
            .idle_poll(Duration::from_millis(10))
            .spawn(move |event: OrderEvent| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().entry(event.seq).or_default().push(instance);
                    // Overlap the two instances' batches.
                    tokio::time::sleep(Duration::from_micros(200)).await;
                    Ok::<(), std::io::Error>(())
                }
            })
    };
    let first = spawn(a.clone(), "a");
    let second = spawn(b.clone(), "b");
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.lock().unwrap().len() < 1_000 {
        assert!(Instant::now() < deadline, "consumers did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.stop().await;
    second.stop().await;
    let seen = seen.lock().unwrap();
    let shared: Vec<_> = seen.iter().filter(|(_, by)| by.len() > 1).collect();
    assert!(shared.is_empty(), "events handled twice: {shared:?}");
    let by_a = seen.values().filter(|by| by[0] == "a").count();
    println!("postgres: 1000 events, instance a handled {by_a}, b {}", 1000 - by_a);
    assert!(by_a > 0 && by_a < 1000, "both instances took part: a {by_a}");
}

async fn postgres_pair() -> Option<(Arc<dyn OrderStore>, Arc<dyn OrderStore>)> {
    let url = match std::env::var("ANTOM_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ if std::env::var_os("CI").is_some() => panic!("CI is set: ANTOM_TEST_POSTGRES_URL is required"),
        _ => {
            eprintln!("skipped: ANTOM_TEST_POSTGRES_URL is not set");
            return None;
        }
    };
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let schema = format!("antom_pair_{}_{}", std::process::id(), uuid_like());
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&admin)
        .await
        .unwrap();
    let mut stores: Vec<Arc<dyn OrderStore>> = Vec::new();
    for _ in 0..2 {
        let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&url)
            .unwrap()
            .options([("search_path", schema.as_str())]);
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .unwrap();
        stores.push(Arc::new(PostgresOrderStore::from_pool(pool).await.unwrap()));
    }
    let b = stores.pop().unwrap();
    let a = stores.pop().unwrap();
    let _: Option<Value> = None;
    Some((a, b))
}
