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

/// A small tmpfs mounted for one test, so that it can fill the disk under a
/// SQLite file (`SQLITE_FULL`) and free it again. Mounting needs root (as on
/// the project's machines and CI); [`FullDisk::mount`] answers `None`
/// otherwise, and the caller skips (or fails, when `CI` is set).
pub struct FullDisk {
    dir: tempfile::TempDir,
    filler: std::path::PathBuf,
}

impl FullDisk {
    /// Mounts a tmpfs of `size_kib` KiB on a fresh directory.
    pub fn mount(size_kib: u32) -> Result<FullDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_kib}k"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !status.success() {
            return Err("mount -t tmpfs failed (needs root)".into());
        }
        let filler = dir.path().join("filler");
        Ok(FullDisk { dir, filler })
    }

    /// The mounted directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the file system to the last byte.
    pub fn fill(&self) {
        use std::io::Write;
        let mut file = std::fs::File::create(&self.filler).expect("create the filler");
        let chunk = vec![0u8; 4096];
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        // Byte-sized remains of the last block, then flush what is buffered.
        while matches!(file.write(&[0u8]), Ok(1)) {}
        let _ = file.sync_all();
    }

    /// Frees the space again.
    pub fn free(&self) {
        std::fs::remove_file(&self.filler).expect("remove the filler");
    }
}

impl Drop for FullDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Empties the SQLite file's write-ahead log (`wal_checkpoint(TRUNCATE)`), so
/// the next write has to grow the file and meets a full disk at once.
pub async fn truncate_wal(path: &Path) {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_secs(10));
    let mut conn = SqliteConnection::connect_with(&options).await.expect("connect");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .expect("checkpoint");
    let _ = conn.close().await;
}
