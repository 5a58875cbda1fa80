//! [`PostgresOrderStore`]: orders in PostgreSQL (feature `postgres`).

use std::future::Future;
use std::pin::Pin;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Postgres;

use super::sql::group_commit::GroupCommit;
use super::sql::{db_err, WriteTx};
use super::{now_ms, StoreError};

/// The schema migrations, in order: (version, name, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "orders", include_str!("../../migrations/postgres/0001_orders.sql")),
    (
        2,
        "reconciliation",
        include_str!("../../migrations/postgres/0002_reconciliation.sql"),
    ),
    (
        3,
        "idempotency_keys",
        include_str!("../../migrations/postgres/0003_idempotency_keys.sql"),
    ),
    (
        4,
        "inbox_refunds_events",
        include_str!("../../migrations/shared/0004_inbox_refunds_events.sql"),
    ),
];

/// How long a caller waits for a pooled connection before the store answers
/// [`StoreError::Unavailable`] (see [`PostgresOrderStore::connect`]): well under
/// the time Antom waits for an answer, so an outage shows as a quick 503 and
/// Antom resends.
pub const DEFAULT_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The `BEGIN` of every write transaction.
const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

/// The first key of the advisory lock taken while migrating; the second is
/// the hash of the schema name, so stores in different schemas migrate in
/// parallel and two servers starting at once on one schema take turns.
const MIGRATION_LOCK_KEY: i32 = 0x616e_746f; // "anto"

/// Orders in PostgreSQL.
///
/// Tables (`antom_orders`, `antom_order_state_changes`,
/// `antom_store_migrations`) live in the first schema of the connection's
/// `search_path` (`public` by default); set `search_path` on the pool's
/// connections to use another schema. A change is committed (with the
/// server's default `synchronous_commit = on`: flushed to the WAL) before a
/// method returns `Ok`.
///
/// Writes lock the order row (`SELECT ... FOR UPDATE`) in a `READ COMMITTED`
/// transaction, decide, and update with compare-and-set on the row's version,
/// so concurrent results for one order are applied one after the other.
///
/// This crate enables no TLS for sqlx; for a remote server, enable one of
/// sqlx's TLS features (`tls-rustls`, `tls-native-tls`) in your own
/// `Cargo.toml` and set `sslmode` in the URL.
#[derive(Debug, Clone)]
pub struct PostgresOrderStore {
    pool: PgPool,
    /// Off unless [`with_group_commit`](Self::with_group_commit); `None` in
    /// the writer's own copy.
    group_commit: Option<GroupCommit>,
}

impl PostgresOrderStore {
    /// Connects to `url` (`postgres://user:password@host:5432/database`)
    /// with a pool of up to 10 connections and an acquire timeout of
    /// [`DEFAULT_ACQUIRE_TIMEOUT`], and runs the migrations.
    pub async fn connect(url: &str) -> Result<PostgresOrderStore, StoreError> {
        PostgresOrderStore::connect_with(url, Self::pool_options()).await
    }

    /// The pool options [`connect`](Self::connect) uses: 10 connections, a
    /// [`DEFAULT_ACQUIRE_TIMEOUT`] acquire timeout, each connection checked
    /// before use. Adjust and pass to [`connect_with`](Self::connect_with).
    pub fn pool_options() -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(DEFAULT_ACQUIRE_TIMEOUT)
            .test_before_acquire(true)
    }

    /// Connects to `url` with the pool `options`, and runs the migrations.
    /// Keep the acquire timeout well under Antom's notification timeout.
    pub async fn connect_with(url: &str, options: PgPoolOptions) -> Result<PostgresOrderStore, StoreError> {
        let pool = options.connect(url).await.map_err(db_err)?;
        PostgresOrderStore::from_pool(pool).await
    }

    /// Uses a pool you configured, and runs the migrations. Safe when several
    /// processes start at once: migrations run under an advisory lock.
    pub async fn from_pool(pool: PgPool) -> Result<PostgresOrderStore, StoreError> {
        let store = PostgresOrderStore {
            pool,
            group_commit: None,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Group-commits notifications, as [`SqliteOrderStore`](super::SqliteOrderStore)
    /// does: concurrent [`record_notification`](super::OrderStore::record_notification)
    /// calls share one transaction through a writer task on the current
    /// Tokio runtime (outside a runtime this returns the store unchanged).
    ///
    /// Off by default: PostgreSQL already shares one WAL flush among the
    /// transactions that commit at once on the pool's connections, a batch
    /// holds its orders' row locks until it commits (so instances sharing
    /// the database wait on each other's batches), and one writer connection
    /// runs the batch's statements one after another. BENCHMARKS.md has both
    /// measured.
    pub fn with_group_commit(self) -> PostgresOrderStore {
        if tokio::runtime::Handle::try_current().is_err() {
            tracing::warn!("PostgresOrderStore::with_group_commit outside a Tokio runtime: left off");
            return self;
        }
        self.with_writer()
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs the migrations in one transaction. Returns a boxed `Send` future:
    /// sqlx's executor lifetimes otherwise keep the compiler from proving
    /// that the constructors' futures are `Send` (so they could not be spawned).
    fn migrate(&self) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + '_>> {
        Box::pin(async move {
            let mut tx = WriteTx::<Postgres>::begin(&self.pool, BEGIN).await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))")
                .bind(MIGRATION_LOCK_KEY)
                .execute(tx.conn())
                .await
                .map_err(db_err)?;
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS antom_store_migrations (\
                     version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)",
            )
            .execute(tx.conn())
            .await
            .map_err(db_err)?;
            let current: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(version), 0)::BIGINT FROM antom_store_migrations")
                    .fetch_one(tx.conn())
                    .await
                    .map_err(db_err)?;
            for &(version, name, sql) in MIGRATIONS {
                if version <= current {
                    continue;
                }
                // Several statements: sent unprepared (`&str` without arguments).
                sqlx::Executor::execute(tx.conn(), sql).await.map_err(db_err)?;
                sqlx::query("INSERT INTO antom_store_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)")
                    .bind(version)
                    .bind(name)
                    .bind(now_ms())
                    .execute(tx.conn())
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await
        })
    }
}

super::sql::engine::sql_order_store!(
    PostgresOrderStore,
    Postgres,
    begin: BEGIN,
    lock: " FOR UPDATE",
    skip_locked: " FOR UPDATE SKIP LOCKED"
);
