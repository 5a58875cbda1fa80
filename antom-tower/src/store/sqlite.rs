//! [`SqliteOrderStore`]: orders in one SQLite file (feature `sqlite`).

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Sqlite;

use super::sql::{
    change_from_row, claim_sql, db_err, is_unique_violation, order_from_row, release_sql, signed, sort_claimed,
    WriteTx, CHANGE_COLUMNS, HEALTH_SQL, ORDER_COLUMNS,
};
use super::state::{self, Change, Plan};
use super::{
    now_ms, ApplyOutcome, IdempotencyClaim, IdempotencyRecord, IdempotentResponse, InquiryClaim, NewIdempotencyKey,
    NewOrder, Order, OrderStore, PaymentResult, RefundResult, StateChange, StoreError, MAX_CAS_ATTEMPTS,
};

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
];

/// Orders in a SQLite database file.
///
/// Opened in WAL mode with `synchronous = FULL`, so a change is on disk
/// before a method returns `Ok` (and before you acknowledge to Antom), with
/// a busy timeout so concurrent writers wait rather than fail. Every write
/// runs in a `BEGIN IMMEDIATE` transaction: writers are serialized and
/// each read-decide-write sees the latest state.
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
}

#[derive(Clone, Copy)]
enum Key<'a> {
    OrderId(&'a str),
    PaymentRequestId(&'a str),
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
        let store = SqliteOrderStore { pool };
        store.migrate().await?;
        Ok(store)
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
                sqlx::Executor::execute(tx.conn(), sql).await.map_err(db_err)?;
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

    async fn fetch(executor: impl sqlx::SqliteExecutor<'_>, key: Key<'_>) -> Result<Option<Order>, StoreError> {
        let (column, value) = match key {
            Key::OrderId(id) => ("order_id", id),
            Key::PaymentRequestId(id) => ("payment_request_id", id),
        };
        let sql = format!("SELECT {ORDER_COLUMNS} FROM antom_orders WHERE {column} = ?");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(executor)
            .await
            .map_err(db_err)?;
        row.map(|row| order_from_row!(&row)).transpose()
    }

    /// Writes `change` if the order is still at the version read. `Ok(false)`
    /// when another writer got there first (the caller re-reads).
    async fn write(conn: &mut SqliteConnection, order: &Order, change: &Change) -> Result<bool, StoreError> {
        let now = now_ms();
        let updated = sqlx::query(
            "UPDATE antom_orders SET status = ?, payment_id = ?, refunded_minor = ?, updated_at_ms = ?, \
             version = version + 1 WHERE order_id = ? AND version = ?",
        )
        .bind(change.to.as_str())
        .bind(change.payment_id.as_deref())
        .bind(signed(change.refunded)?)
        .bind(now)
        .bind(&order.order_id)
        .bind(signed(order.version)?)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
        if updated.rows_affected() != 1 {
            return Ok(false);
        }
        let inserted = sqlx::query(
            "INSERT INTO antom_order_state_changes (order_id, version, from_status, to_status, source, change_key, \
             refund_id, refund_amount_minor, result_code, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&order.order_id)
        .bind(signed(order.version + 1)?)
        .bind(change.from.as_str())
        .bind(change.to.as_str())
        .bind(change.source.as_str())
        .bind(&change.change_key)
        .bind(change.refund_id.as_deref())
        .bind(change.refund_amount.map(signed).transpose()?)
        .bind(change.result_code.as_deref())
        .bind(now)
        .execute(&mut *conn)
        .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(db_err(e)),
        }
    }

    /// Read, plan, compare-and-set, in `BEGIN IMMEDIATE` transactions, up to
    /// [`MAX_CAS_ATTEMPTS`] times.
    async fn apply(
        &self,
        key: Key<'_>,
        refund_id: Option<&str>,
        plan: impl Fn(&Order, Option<u64>) -> Result<Plan, StoreError> + Send + Sync,
    ) -> Result<ApplyOutcome, StoreError> {
        let not_found = || StoreError::NotFound {
            id: match key {
                Key::OrderId(id) | Key::PaymentRequestId(id) => id.to_owned(),
            },
        };
        for _ in 0..MAX_CAS_ATTEMPTS {
            let mut tx = self.begin_immediate().await?;
            // Refusals end the transaction cleanly; only database errors (`?`) leave
            // it to `WriteTx`'s drop, which closes the connection.
            let Some(order) = Self::fetch(tx.conn(), key).await? else {
                tx.rollback().await?;
                return Err(not_found());
            };
            let previous = match refund_id {
                Some(refund_id) => sqlx::query_scalar::<_, Option<i64>>(
                    "SELECT refund_amount_minor FROM antom_order_state_changes WHERE order_id = ? AND refund_id = ?",
                )
                .bind(&order.order_id)
                .bind(refund_id)
                .fetch_optional(tx.conn())
                .await
                .map_err(db_err)?
                .flatten()
                .map(|v| u64::try_from(v).unwrap_or(0)),
                None => None,
            };
            let planned = match plan(&order, previous) {
                Ok(planned) => planned,
                Err(refused) => {
                    tx.rollback().await?;
                    return Err(refused);
                }
            };
            match planned {
                Plan::Unchanged(outcome) => {
                    tx.commit().await?;
                    return Ok(outcome);
                }
                Plan::Change(change) => {
                    if Self::write(tx.conn(), &order, &change).await? {
                        tx.commit().await?;
                        return Ok(change.outcome());
                    }
                    tx.rollback().await?;
                }
            }
        }
        Err(StoreError::unavailable(format!(
            "order changed concurrently {MAX_CAS_ATTEMPTS} times in a row; retry later"
        )))
    }
}

#[async_trait]
impl OrderStore for SqliteOrderStore {
    async fn create_order(&self, new: NewOrder) -> Result<Order, StoreError> {
        let order = Order::from_new(new, now_ms());
        let result = sqlx::query(
            "INSERT INTO antom_orders (order_id, payment_request_id, amount_minor, currency, description, \
             payment_method_type, buyer_id, status, payment_id, refunded_minor, created_at_ms, updated_at_ms, version, \
             session_expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, 1, ?)",
        )
        .bind(&order.order_id)
        .bind(&order.payment_request_id)
        .bind(signed(order.amount.value())?)
        .bind(order.amount.currency().as_str())
        .bind(&order.description)
        .bind(&order.payment_method_type)
        .bind(order.buyer_id.as_deref())
        .bind(order.status.as_str())
        .bind(order.created_at_ms)
        .bind(order.updated_at_ms)
        .bind(order.session_expires_at_ms)
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(order),
            Err(e) if is_unique_violation(&e) => Err(StoreError::DuplicateOrder {
                order_id: order.order_id,
                payment_request_id: order.payment_request_id,
            }),
            Err(e) => Err(db_err(e)),
        }
    }

    async fn get_order(&self, order_id: &str) -> Result<Option<Order>, StoreError> {
        Self::fetch(&self.pool, Key::OrderId(order_id)).await
    }

    async fn get_by_payment_request_id(&self, payment_request_id: &str) -> Result<Option<Order>, StoreError> {
        Self::fetch(&self.pool, Key::PaymentRequestId(payment_request_id)).await
    }

    async fn mark_pending(&self, order_id: &str) -> Result<ApplyOutcome, StoreError> {
        self.apply(Key::OrderId(order_id), None, |order, _| {
            Ok(state::plan_mark_pending(order))
        })
        .await
    }

    async fn apply_payment_result(&self, result: &PaymentResult) -> Result<ApplyOutcome, StoreError> {
        self.apply(Key::PaymentRequestId(&result.payment_request_id), None, |order, _| {
            state::plan_payment(order, result)
        })
        .await
    }

    async fn apply_refund_result(&self, result: &RefundResult) -> Result<ApplyOutcome, StoreError> {
        self.apply(
            Key::PaymentRequestId(&result.payment_request_id),
            Some(&result.refund_id),
            |order, previous| state::plan_refund(order, result, previous),
        )
        .await
    }

    async fn list_pending(&self, limit: usize) -> Result<Vec<Order>, StoreError> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM antom_orders WHERE status IN ('created', 'pending') \
             ORDER BY created_at_ms, seq LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(|row| order_from_row!(row)).collect()
    }

    async fn claim_for_inquiry(&self, claim: &InquiryClaim) -> Result<Vec<Order>, StoreError> {
        // One statement, so atomic; writers are serialized by SQLite's lock.
        let rows = sqlx::query(&claim_sql(""))
            .bind(claim.now_ms)
            .bind(claim.lease_until_ms)
            .bind(claim.created_before_ms)
            .bind(claim.inquired_before_ms)
            .bind(i64::try_from(claim.limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let mut orders = rows
            .iter()
            .map(|row| order_from_row!(row))
            .collect::<Result<Vec<_>, _>>()?;
        sort_claimed(&mut orders);
        Ok(orders)
    }

    async fn release_inquiry_claims(&self, order_ids: &[String], lease_until_ms: i64) -> Result<(), StoreError> {
        if order_ids.is_empty() {
            return Ok(());
        }
        let sql = release_sql(order_ids.len());
        let mut query = sqlx::query(&sql).bind(lease_until_ms);
        for id in order_ids {
            query = query.bind(id);
        }
        query.execute(&self.pool).await.map_err(db_err)?;
        Ok(())
    }

    async fn check_writable(&self) -> Result<(), StoreError> {
        sqlx::query(HEALTH_SQL)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn state_changes(&self, order_id: &str) -> Result<Vec<StateChange>, StoreError> {
        let sql = format!("SELECT {CHANGE_COLUMNS} FROM antom_order_state_changes WHERE order_id = ? ORDER BY version");
        let rows = sqlx::query(&sql)
            .bind(order_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(|row| change_from_row!(row)).collect()
    }

    async fn claim_idempotency_key(&self, new: &NewIdempotencyKey) -> Result<IdempotencyClaim, StoreError> {
        self.sql_claim_idempotency_key(new).await
    }

    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.sql_idempotency_record(key).await
    }

    async fn record_idempotent_response(&self, key: &str, response: &IdempotentResponse) -> Result<(), StoreError> {
        self.sql_record_idempotent_response(key, response).await
    }

    async fn release_idempotency_key(&self, key: &str, order_id: &str) -> Result<(), StoreError> {
        self.sql_release_idempotency_key(key, order_id).await
    }

    async fn purge_idempotency_keys(&self, created_before_ms: i64) -> Result<u64, StoreError> {
        self.sql_purge_idempotency_keys(created_before_ms).await
    }
}

super::idempotency::sql::sql_idempotency_methods!(SqliteOrderStore);

/// Whether opening failed only because another connection held the file's lock.
fn is_locked(error: &StoreError) -> bool {
    matches!(error, StoreError::Unavailable(source) if source.to_string().contains("database is locked"))
}
