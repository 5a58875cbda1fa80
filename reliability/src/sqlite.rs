//! SQLite files for the tests, and the faults injected into them.

use std::path::Path;
use std::time::Duration;

use antom_tower::store::SqliteOrderStore;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};

/// Opens the store on `path` configured as [`SqliteOrderStore::open`] does
/// (WAL, `synchronous = FULL`, foreign keys, 4 connections), but with
/// `busy_timeout`: how long a writer waits for a lock before the store
/// answers `Unavailable`. `open` waits 30 s, longer than Antom waits for an
/// answer, so a locked database would show as timeouts rather than as errors.
pub async fn open_with_busy_timeout(path: &Path, busy_timeout: Duration) -> SqliteOrderStore {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(busy_timeout)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .expect("open the SQLite file");
    SqliteOrderStore::from_pool(pool)
        .await
        .expect("SqliteOrderStore::from_pool")
}

/// Another process's connection holding the database's write lock
/// (`BEGIN EXCLUSIVE`): every writer of the store gets `SQLITE_BUSY`.
pub struct WriteLock {
    conn: SqliteConnection,
}

/// Takes the write lock of the database at `path` from a connection of its own.
pub async fn lock_for_writes(path: &Path) -> WriteLock {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_secs(10));
    let mut conn = SqliteConnection::connect_with(&options).await.expect("connect");
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut conn)
        .await
        .expect("BEGIN EXCLUSIVE");
    WriteLock { conn }
}

impl WriteLock {
    /// Ends the transaction, releasing the lock.
    pub async fn release(mut self) {
        sqlx::query("ROLLBACK").execute(&mut self.conn).await.expect("ROLLBACK");
        let _ = self.conn.close().await;
    }
}

/// Moves an order's creation time `by` into the past, as if that much time
/// had gone by (reconciliation closes a never-sent order only after 15 minutes).
pub async fn age_order(path: &Path, order_id: &str, by: Duration) {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_secs(10));
    let mut conn = SqliteConnection::connect_with(&options).await.expect("connect");
    let by_ms = i64::try_from(by.as_millis()).expect("duration fits");
    let updated = sqlx::query("UPDATE antom_orders SET created_at_ms = created_at_ms - ? WHERE order_id = ?")
        .bind(by_ms)
        .bind(order_id)
        .execute(&mut conn)
        .await
        .expect("UPDATE");
    assert_eq!(updated.rows_affected(), 1, "order {order_id} exists");
    let _ = conn.close().await;
}
