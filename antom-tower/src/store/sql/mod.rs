//! Shared pieces of the SQL stores: row conversions, the write
//! transaction, and (in [`engine`]) every operation written once for both
//! dialects.

use std::fmt;

use crate::store::*;
use antom_types::{Amount, Currency};

pub(crate) mod engine;
pub(crate) mod engine_helpers;
pub(crate) mod group_commit;
pub(crate) mod resends;
pub(crate) mod statements;

/// A notification's headers as the inbox's `headers` column holds them (JSON).
pub(crate) fn headers_json(n: &InboundNotification) -> Result<String, StoreError> {
    serde_json::to_string(&n.headers).map_err(StoreError::unavailable)
}

/// An amount from its two columns, for the record of `owner`.
pub(crate) fn amount_from_columns(owner: &str, minor: i64, currency: String) -> Result<Amount, StoreError> {
    let currency = Currency::new(&currency).map_err(|e| StoreError::Corrupt(format!("{owner}: {e}")))?;
    Amount::new(currency, unsigned("amount", minor)?).map_err(|e| StoreError::Corrupt(format!("{owner}: {e}")))
}

/// The columns of an order row, as the SQL stores read them.
pub(crate) struct OrderRow {
    pub order_id: String,
    pub payment_request_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
    pub payment_method_type: String,
    pub buyer_id: Option<String>,
    pub status: String,
    pub payment_id: Option<String>,
    pub refunded_minor: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub version: i64,
    pub session_expires_at_ms: Option<i64>,
    pub last_inquiry_at_ms: Option<i64>,
}

pub(crate) const ORDER_COLUMNS: &str = "order_id, payment_request_id, amount_minor, currency, description, \
     payment_method_type, buyer_id, status, payment_id, refunded_minor, created_at_ms, updated_at_ms, version, \
     session_expires_at_ms, last_inquiry_at_ms";

pub(crate) const CHANGE_COLUMNS: &str =
    "order_id, version, from_status, to_status, source, refund_id, refund_amount_minor, result_code, at_ms";

fn unsigned(what: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}: {value}")))
}

/// A limit or an id bound as a BIGINT: one past `i64::MAX` means "no bound"
/// (a huge limit lists everything, a huge id names no row), so it saturates.
pub(crate) fn saturating_signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn signed(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("value {value} does not fit a BIGINT")))
}

impl OrderRow {
    pub(crate) fn into_order(self) -> Result<Order, StoreError> {
        let currency =
            Currency::new(&self.currency).map_err(|e| StoreError::Corrupt(format!("order {}: {e}", self.order_id)))?;
        let amount = Amount::new(currency, unsigned("amount", self.amount_minor)?)
            .map_err(|e| StoreError::Corrupt(format!("order {}: {e}", self.order_id)))?;
        let status = self
            .status
            .parse::<OrderStatus>()
            .map_err(|e| StoreError::Corrupt(format!("order {}: {e}", self.order_id)))?;
        Ok(Order {
            order_id: self.order_id,
            payment_request_id: self.payment_request_id,
            amount,
            description: self.description,
            payment_method_type: self.payment_method_type,
            buyer_id: self.buyer_id,
            status,
            payment_id: self.payment_id,
            refunded: unsigned("refunded", self.refunded_minor)?,
            created_at_ms: self.created_at_ms,
            updated_at_ms: self.updated_at_ms,
            version: unsigned("version", self.version)?,
            session_expires_at_ms: self.session_expires_at_ms,
            last_inquiry_at_ms: self.last_inquiry_at_ms,
        })
    }
}

/// A write transaction on a pooled connection, begun and ended with plain
/// `BEGIN` / `COMMIT` / `ROLLBACK` statements.
///
/// Why not sqlx's `Transaction`: after a write error (a full disk, an I/O
/// error) SQLite has already rolled back, sqlx's own `ROLLBACK` then fails
/// and leaves the connection marked as inside a transaction, so every later
/// write on it fails; and a future dropped mid-transaction (a client that
/// hung up) hands the connection back to the pool. Here a connection whose
/// transaction did not end cleanly is closed instead of returned: the
/// database rolls back what was not committed, and the pool opens a fresh
/// connection for the next caller.
pub(crate) struct WriteTx<DB: sqlx::Database> {
    conn: sqlx::pool::PoolConnection<DB>,
    open: bool,
}

impl<DB: sqlx::Database> WriteTx<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    /// Takes a connection from `pool` and runs `begin` on it.
    pub(crate) async fn begin(pool: &sqlx::Pool<DB>, begin: &'static str) -> Result<Self, StoreError> {
        let conn = pool.acquire().await.map_err(db_err)?;
        // Marked open before BEGIN is sent: if it fails or is dropped half-way, the state is unknown.
        let mut tx = WriteTx { conn, open: true };
        sqlx::Executor::execute(&mut *tx.conn, begin).await.map_err(db_err)?;
        Ok(tx)
    }

    /// The connection, for the statements of the transaction.
    pub(crate) fn conn(&mut self) -> &mut DB::Connection {
        &mut self.conn
    }

    /// Commits; `Ok` once the database says the change is durable.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        sqlx::Executor::execute(&mut *self.conn, "COMMIT")
            .await
            .map_err(db_err)?;
        self.open = false;
        Ok(())
    }

    /// Rolls back.
    pub(crate) async fn rollback(mut self) -> Result<(), StoreError> {
        sqlx::Executor::execute(&mut *self.conn, "ROLLBACK")
            .await
            .map_err(db_err)?;
        self.open = false;
        Ok(())
    }
}

impl<DB: sqlx::Database> Drop for WriteTx<DB> {
    fn drop(&mut self) {
        if self.open {
            tracing::debug!("closing a store connection whose transaction did not end cleanly");
            self.conn.close_on_drop();
        }
    }
}

/// Claims orders for reconciliation ([`OrderStore::claim_for_inquiry`]) in
/// one statement, the same in both dialects but for the row lock PostgreSQL
/// takes to skip what another instance is claiming (`lock`). Parameters:
/// `$1` now, `$2` lease until, `$3` created before, `$4` inquired before,
/// `$5` limit.
pub(crate) fn claim_sql(lock: &str) -> String {
    format!(
        "UPDATE antom_orders SET last_inquiry_at_ms = $1, inquiry_lease_until_ms = $2 \
         WHERE seq IN (SELECT seq FROM antom_orders WHERE status IN ('created', 'pending') \
         AND created_at_ms <= $3 AND (last_inquiry_at_ms IS NULL OR last_inquiry_at_ms < $4) \
         AND (inquiry_lease_until_ms IS NULL OR inquiry_lease_until_ms <= $1) \
         ORDER BY last_inquiry_at_ms NULLS FIRST, seq LIMIT $5{lock}) \
         RETURNING {ORDER_COLUMNS}"
    )
}

/// Releases a claim's leases ([`OrderStore::release_inquiry_claims`]) on
/// `ids` orders, both dialects. `$1`: the lease; `$2`...: the order ids.
pub(crate) fn release_sql(ids: usize) -> String {
    let placeholders: Vec<String> = (0..ids).map(|i| format!("${}", i + 2)).collect();
    format!(
        "UPDATE antom_orders SET inquiry_lease_until_ms = NULL \
         WHERE inquiry_lease_until_ms = $1 AND order_id IN ({})",
        placeholders.join(", ")
    )
}

/// Sorts claimed orders as the claim chose them (`RETURNING` keeps no order).
pub(crate) fn sort_claimed(orders: &mut [Order]) {
    orders.sort_by_key(|o| (o.created_at_ms, o.order_id.clone()));
}

/// The readiness write ([`OrderStore::check_writable`]), both dialects. `$1`: now.
pub(crate) const HEALTH_SQL: &str = "INSERT INTO antom_store_health (id, checked_at_ms) VALUES (1, $1) \
     ON CONFLICT (id) DO UPDATE SET checked_at_ms = excluded.checked_at_ms";

/// Maps a sqlx error: undecodable data is [`StoreError::Corrupt`],
/// everything else (I/O, pool, database errors) [`StoreError::Unavailable`].
pub(crate) fn db_err(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
            StoreError::Corrupt(error.to_string())
        }
        other => StoreError::Unavailable(Box::new(other)),
    }
}

/// Whether the error is a unique constraint violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Reads an [`Order`] from a row with [`ORDER_COLUMNS`] (any backend).
macro_rules! order_from_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        let read = || -> Result<$crate::store::sql::OrderRow, sqlx::Error> {
            Ok($crate::store::sql::OrderRow {
                order_id: row.try_get("order_id")?,
                payment_request_id: row.try_get("payment_request_id")?,
                amount_minor: row.try_get("amount_minor")?,
                currency: row.try_get("currency")?,
                description: row.try_get("description")?,
                payment_method_type: row.try_get("payment_method_type")?,
                buyer_id: row.try_get("buyer_id")?,
                status: row.try_get("status")?,
                payment_id: row.try_get("payment_id")?,
                refunded_minor: row.try_get("refunded_minor")?,
                created_at_ms: row.try_get("created_at_ms")?,
                updated_at_ms: row.try_get("updated_at_ms")?,
                version: row.try_get("version")?,
                session_expires_at_ms: row.try_get("session_expires_at_ms")?,
                last_inquiry_at_ms: row.try_get("last_inquiry_at_ms")?,
            })
        };
        read().map_err($crate::store::sql::db_err)?.into_order()
    }};
}
pub(crate) use order_from_row;

/// Reads a [`StateChange`] from a row with [`CHANGE_COLUMNS`] (any backend).
macro_rules! change_from_row {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        let read = || -> Result<$crate::store::sql::ChangeRow, sqlx::Error> {
            Ok($crate::store::sql::ChangeRow {
                order_id: row.try_get("order_id")?,
                version: row.try_get("version")?,
                from_status: row.try_get("from_status")?,
                to_status: row.try_get("to_status")?,
                source: row.try_get("source")?,
                refund_id: row.try_get("refund_id")?,
                refund_amount_minor: row.try_get("refund_amount_minor")?,
                result_code: row.try_get("result_code")?,
                at_ms: row.try_get("at_ms")?,
            })
        };
        read().map_err($crate::store::sql::db_err)?.into_change()
    }};
}
pub(crate) use change_from_row;

/// The columns of a state change row.
pub(crate) struct ChangeRow {
    pub order_id: String,
    pub version: i64,
    pub from_status: String,
    pub to_status: String,
    pub source: String,
    pub refund_id: Option<String>,
    pub refund_amount_minor: Option<i64>,
    pub result_code: Option<String>,
    pub at_ms: i64,
}

impl ChangeRow {
    pub(crate) fn into_change(self) -> Result<StateChange, StoreError> {
        let corrupt = |e: &dyn fmt::Display| StoreError::Corrupt(format!("state change of {}: {e}", self.order_id));
        let from = self.from_status.parse::<OrderStatus>().map_err(|e| corrupt(&e))?;
        let to = self.to_status.parse::<OrderStatus>().map_err(|e| corrupt(&e))?;
        let source = self.source.parse::<ResultSource>().map_err(|e| corrupt(&e))?;
        let refund_amount = self
            .refund_amount_minor
            .map(|v| unsigned("refund amount", v))
            .transpose()?;
        Ok(StateChange {
            version: unsigned("version", self.version)?,
            order_id: self.order_id,
            from,
            to,
            source,
            refund_id: self.refund_id,
            refund_amount,
            result_code: self.result_code,
            at_ms: self.at_ms,
        })
    }
}
