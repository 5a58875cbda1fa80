//! [`PostgresOrderStore`]: orders in PostgreSQL (feature `postgres`).

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::Postgres;

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
}

#[derive(Clone, Copy)]
enum Key<'a> {
    OrderId(&'a str),
    PaymentRequestId(&'a str),
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
        let store = PostgresOrderStore { pool };
        store.migrate().await?;
        Ok(store)
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

    async fn fetch(
        executor: impl sqlx::PgExecutor<'_>,
        key: Key<'_>,
        for_update: bool,
    ) -> Result<Option<Order>, StoreError> {
        let (column, value) = match key {
            Key::OrderId(id) => ("order_id", id),
            Key::PaymentRequestId(id) => ("payment_request_id", id),
        };
        let lock = if for_update { " FOR UPDATE" } else { "" };
        let sql = format!("SELECT {ORDER_COLUMNS} FROM antom_orders WHERE {column} = $1{lock}");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(executor)
            .await
            .map_err(db_err)?;
        row.map(|row| order_from_row!(&row)).transpose()
    }

    /// Writes `change` if the order is still at the version read. `Ok(false)`
    /// when another writer got there first (the caller re-reads).
    async fn write(conn: &mut PgConnection, order: &Order, change: &Change) -> Result<bool, StoreError> {
        let now = now_ms();
        let updated = sqlx::query(
            "UPDATE antom_orders SET status = $1, payment_id = $2, refunded_minor = $3, updated_at_ms = $4, \
             version = version + 1 WHERE order_id = $5 AND version = $6",
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
             refund_id, refund_amount_minor, result_code, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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

    /// Lock, read, plan, compare-and-set, up to [`MAX_CAS_ATTEMPTS`] times.
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
            let mut tx = WriteTx::<Postgres>::begin(&self.pool, BEGIN).await?;
            // Refusals end the transaction cleanly; only database errors (`?`) leave
            // it to `WriteTx`'s drop, which closes the connection.
            let Some(order) = Self::fetch(tx.conn(), key, true).await? else {
                tx.rollback().await?;
                return Err(not_found());
            };
            let previous = match refund_id {
                Some(refund_id) => sqlx::query_scalar::<_, Option<i64>>(
                    "SELECT refund_amount_minor FROM antom_order_state_changes WHERE order_id = $1 AND refund_id = $2",
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
impl OrderStore for PostgresOrderStore {
    async fn create_order(&self, new: NewOrder) -> Result<Order, StoreError> {
        let order = Order::from_new(new, now_ms());
        let result = sqlx::query(
            "INSERT INTO antom_orders (order_id, payment_request_id, amount_minor, currency, description, \
             payment_method_type, buyer_id, status, payment_id, refunded_minor, created_at_ms, updated_at_ms, version, \
             session_expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, 0, $9, $10, 1, $11)",
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
        Self::fetch(&self.pool, Key::OrderId(order_id), false).await
    }

    async fn get_by_payment_request_id(&self, payment_request_id: &str) -> Result<Option<Order>, StoreError> {
        Self::fetch(&self.pool, Key::PaymentRequestId(payment_request_id), false).await
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
             ORDER BY created_at_ms, seq LIMIT $1"
        );
        let rows = sqlx::query(&sql)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(|row| order_from_row!(row)).collect()
    }

    async fn claim_for_inquiry(&self, claim: &InquiryClaim) -> Result<Vec<Order>, StoreError> {
        // SKIP LOCKED: an instance claiming at the same time passes over the
        // rows this one is taking instead of waiting for them or taking them too.
        let rows = sqlx::query(&claim_sql(" FOR UPDATE SKIP LOCKED"))
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
        let sql =
            format!("SELECT {CHANGE_COLUMNS} FROM antom_order_state_changes WHERE order_id = $1 ORDER BY version");
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

super::idempotency::sql::sql_idempotency_methods!(PostgresOrderStore);
