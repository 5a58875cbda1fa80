//! [`SqliteOrderStore`]: orders in one SQLite file (feature `sqlite`).

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Sqlite;

use super::sql::group_commit::GroupCommit;
use super::sql::{db_err, WriteTx};
use super::{now_ms, StoreError};

/// The schema migrations, in order: (version, name, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "orders", include_str!("../../migrations/sqlite/0001_orders.sql")),
    (
        2,
        "reconciliation",
        include_str!("../../migrations/sqlite/0002_reconciliation.sql"),
    ),
    (
        3,
        "idempotency_keys",
        include_str!("../../migrations/sqlite/0003_idempotency_keys.sql"),
    ),
    (
        4,
        "inbox_refunds_events",
        include_str!("../../migrations/shared/0004_inbox_refunds_events.sql"),
    ),
];

/// Orders in a SQLite database file.
///
/// Opened in WAL mode with `synchronous = FULL`, so a change is on disk
/// before a method returns `Ok` (and before you acknowledge to Antom), with
/// a busy timeout so concurrent writers wait rather than fail. Every write
/// runs in a `BEGIN IMMEDIATE` transaction: writers are serialized and
/// each read-decide-write sees the latest state.
///
/// Notifications are group-committed: concurrent
/// [`record_notification`](super::OrderStore::record_notification) calls
/// share one transaction and one flush to disk through a writer task the
/// constructor starts on the current Tokio runtime, each caller answered
/// once its change is durable. A resend of a notification already applied
/// is answered from a read, without the write lock; only its delivery is
/// counted in the next group commit.
///
/// A write that fails half-way (a full disk, an I/O error) or whose caller
/// is dropped mid-transaction closes its connection rather than return it to
/// the pool, so one transient fault never wedges the store: the next write
/// gets a fresh connection and succeeds once the fault has cleared.
///
/// Tables: `antom_orders`, `antom_order_state_changes`, `antom_store_health`
/// and `antom_store_migrations`, created by [`SqliteOrderStore::open`].
#[derive(Debug, Clone)]
pub struct SqliteOrderStore {
    pool: SqlitePool,
    /// `None` in the writer's own copy, which records directly.
    group_commit: Option<GroupCommit>,
}

impl SqliteOrderStore {
    /// Opens (creating it, and its parent directory, if missing) the
    /// database at `path_or_url`: a file path, or a `sqlite:` URL such as
    /// `sqlite:///var/lib/shop/orders.db` or `sqlite://orders.db?mode=rwc`.
    /// Runs the migrations.
    pub async fn open(path_or_url: impl AsRef<str>) -> Result<SqliteOrderStore, StoreError> {
        let text = path_or_url.as_ref();
        let options = if text.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(text).map_err(StoreError::unavailable)?
        } else {
            SqliteConnectOptions::new().filename(text)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() && !parent.exists() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(StoreError::unavailable)?;
            }
        }
        // Two processes opening a new file at once can meet SQLITE_BUSY while one
        // switches it to WAL, before any busy handler applies: retry that briefly.
        let mut attempt = 0u64;
        loop {
            let opened = match SqlitePoolOptions::new()
                .max_connections(4)
                // A local file has no connection to lose while idle, and sqlx
                // still checks each one on release: a check on acquire too would
                // add a round trip to the connection's thread to every call.
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await
            {
                Ok(pool) => SqliteOrderStore::from_pool(pool).await,
                Err(e) => Err(db_err(e)),
            };
            match opened {
                Err(e) if attempt < 20 && is_locked(&e) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(25 * attempt)).await;
                }
                other => return other,
            }
        }
    }

    /// A private in-memory database, gone when the store is dropped: for tests.
    /// Uses one connection (each SQLite in-memory connection is its own
    /// database), so a database error in a write, which closes the
    /// connection, also loses the data: use a file for anything else.
    pub async fn in_memory() -> Result<SqliteOrderStore, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(StoreError::unavailable)?
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(db_err)?;
        SqliteOrderStore::from_pool(pool).await
    }

    /// Uses a pool you configured, and runs the migrations. Configure it as
    /// [`open`](Self::open) does (WAL, `synchronous = FULL`, a busy timeout):
    /// the store relies on them for durability and for waiting on locks.
    pub async fn from_pool(pool: SqlitePool) -> Result<SqliteOrderStore, StoreError> {
        let store = SqliteOrderStore {
            pool,
            group_commit: None,
        };
        store.migrate().await?;
        Ok(store.with_writer())
    }

    /// The underlying pool.
    pub fn pool(&self) -> &SqlitePool {
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
            let mut tx = self.begin_immediate().await?;
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS antom_store_migrations (\
                     version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)",
            )
            .execute(tx.conn())
            .await
            .map_err(db_err)?;
            let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM antom_store_migrations")
                .fetch_one(tx.conn())
                .await
                .map_err(db_err)?;
            for &(version, name, sql) in MIGRATIONS {
                if version <= current {
                    continue;
                }
                // Several statements: sent unprepared (`&str` without arguments).
                sqlx::Executor::execute(tx.conn(), sqlite_dialect(sql).as_str())
                    .await
                    .map_err(db_err)?;
                sqlx::query("INSERT INTO antom_store_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)")
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

    async fn begin_immediate(&self) -> Result<WriteTx<Sqlite>, StoreError> {
        WriteTx::begin(&self.pool, "BEGIN IMMEDIATE").await
    }
}

super::sql::engine::sql_order_store!(SqliteOrderStore, Sqlite, begin: "BEGIN IMMEDIATE", lock: "", skip_locked: "");

/// Whether opening failed only because another connection held the file's lock.
fn is_locked(error: &StoreError) -> bool {
    matches!(error, StoreError::Unavailable(source) if source.to_string().contains("database is locked"))
}

/// A migration shared with PostgreSQL, in SQLite's words: the identity
/// column becomes SQLite's rowid alias, BYTEA a BLOB.
fn sqlite_dialect(sql: &str) -> String {
    sql.replace(
        "BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "INTEGER PRIMARY KEY AUTOINCREMENT",
    )
    .replace("BYTEA", "BLOB")
}
