//! The checkout routes under test: `Checkout::router()` on each store, with
//! one order per distinct notification created before the load starts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use antom_tower::checkout::pricing::{self, PricingError, PricingRequest};
use antom_tower::checkout::Checkout;
use antom_tower::client::AntomClient;
use antom_tower::signing::PublicKeyRing;
use antom_tower::store::{MemoryOrderStore, NewOrder, OrderStore, PostgresOrderStore, SqliteOrderStore};
use antom_types::Amount;
use axum::Router;

use antom_benches::CLIENT_ID;

/// Which store the checkout route writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// `MemoryOrderStore`.
    Memory,
    /// `SqliteOrderStore::open` on a file (WAL, `synchronous=FULL`, the default).
    Sqlite,
    /// `PostgresOrderStore::connect` on a database of its own.
    Postgres,
    /// The same with `with_group_commit()`.
    PostgresGroupCommit,
}

impl StoreKind {
    /// The route name on the command line and in the table.
    pub fn route_name(self) -> &'static str {
        match self {
            StoreKind::Memory => "checkout-memory",
            StoreKind::Sqlite => "checkout-sqlite",
            StoreKind::Postgres => "checkout-postgres",
            StoreKind::PostgresGroupCommit => "checkout-postgres-group",
        }
    }
}

/// Where the SQL stores live.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// The directory of the SQLite file (a real disk: `/tmp` may be tmpfs).
    pub sqlite_dir: std::path::PathBuf,
    /// A PostgreSQL URL whose user may create databases.
    pub postgres_url: Option<String>,
}

/// A fresh store of `kind` holding an order for each of `payment_request_ids`,
/// and the checkout router over it, notifications verified with `keys`.
pub async fn checkout_router(
    kind: StoreKind,
    settings: &StoreSettings,
    keys: Arc<PublicKeyRing>,
    payment_request_ids: &[String],
) -> Result<(Router, Arc<dyn OrderStore>), String> {
    let store: Arc<dyn OrderStore> = match kind {
        StoreKind::Memory => Arc::new(MemoryOrderStore::new()),
        StoreKind::Sqlite => {
            std::fs::create_dir_all(&settings.sqlite_dir).map_err(|e| e.to_string())?;
            let path = settings.sqlite_dir.join("notify_load.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Arc::new(
                SqliteOrderStore::open(path.display().to_string())
                    .await
                    .map_err(|e| e.to_string())?,
            )
        }
        StoreKind::Postgres | StoreKind::PostgresGroupCommit => {
            let url = settings
                .postgres_url
                .as_deref()
                .ok_or("checkout-postgres needs --postgres-url or ANTOM_TEST_POSTGRES_URL")?;
            let store = fresh_postgres(url).await?;
            if kind == StoreKind::PostgresGroupCommit {
                Arc::new(store.with_group_commit())
            } else {
                Arc::new(store)
            }
        }
    };
    create_orders(&store, payment_request_ids).await?;
    // Never called: the notify route does not talk to Antom.
    let client = AntomClient::builder(CLIENT_ID)
        .private_key(antom_testkit::keys::merchant_private_key())
        .antom_public_keys(keys.clone())
        .base_url("http://127.0.0.1:9")
        .build()
        .map_err(|e| e.to_string())?;
    let checkout = Checkout::builder()
        .pricing(pricing::from_fn(|_: PricingRequest| async {
            Err::<pricing::PricedOrder, _>(PricingError::Invalid("the load test creates no sessions".into()))
        }))
        .client(client)
        .shared_store(store.clone())
        .notification_keys(CLIENT_ID, keys)
        .notify_url("http://127.0.0.1/antom/notify")
        .redirect_url("http://127.0.0.1/antom/return")
        .prefix("/antom")
        .build()
        .map_err(|e| e.to_string())?;
    Ok((checkout.router(), store))
}

/// A database of its own (dropped and created again), so that a run starts empty.
async fn fresh_postgres(url: &str) -> Result<PostgresOrderStore, String> {
    const DATABASE: &str = "antom_notify_load";
    let admin = PostgresOrderStore::connect(url).await.map_err(|e| e.to_string())?;
    for statement in [
        format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"),
        format!("CREATE DATABASE {DATABASE}"),
    ] {
        sqlx::query(&statement)
            .execute(admin.pool())
            .await
            .map_err(|e| format!("{statement}: {e}"))?;
    }
    admin.close().await;
    let (base, _) = url.rsplit_once('/').ok_or("a PostgreSQL URL ends with /database")?;
    PostgresOrderStore::connect(&format!("{base}/{DATABASE}"))
        .await
        .map_err(|e| e.to_string())
}

/// One order per payment request id, 1000 USD (what the notifications say),
/// created by 32 concurrent callers.
async fn create_orders(store: &Arc<dyn OrderStore>, payment_request_ids: &[String]) -> Result<(), String> {
    let ids: Arc<Vec<String>> = Arc::new(payment_request_ids.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers: tokio::task::JoinSet<Result<(), String>> = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (store, ids, next) = (store.clone(), ids.clone(), next.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = ids.get(i) else { return Ok(()) };
                let order = NewOrder {
                    order_id: format!("order-{id}"),
                    payment_request_id: id.clone(),
                    amount: Amount::from_minor_units(1000, "USD").map_err(|e| e.to_string())?,
                    description: "notify_load".into(),
                    payment_method_type: "ALIPAY_CN".into(),
                    buyer_id: None,
                    session_expires_at_ms: None,
                };
                store.create_order(order).await.map_err(|e| e.to_string())?;
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    Ok(())
}
