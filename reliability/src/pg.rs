//! A throwaway PostgreSQL for the tests: a fresh schema per test on the
//! server named by `ANTOM_TEST_POSTGRES_URL` (start one with
//! `scripts/postgres-test-server.sh`), and the faults injected into it.
//!
//! Without the variable a test prints `skipped: ...` and passes, except when
//! `CI` is set: then it fails, so CI cannot pass without PostgreSQL.
//! The faults touch only this test's own connections (found by their
//! `application_name`) and tables, so other tests can share the server.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use antom_tower::store::PostgresOrderStore;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Postgres;

/// The variable holding the server's URL.
pub const URL_VAR: &str = "ANTOM_TEST_POSTGRES_URL";

/// The test server: an admin pool, and the schemas made (dropped by [`PgServer::cleanup`]).
pub struct PgServer {
    url: String,
    admin: PgPool,
    schemas: Mutex<Vec<String>>,
}

fn skip_or_fail(test: &str, reason: String) -> Option<PgServer> {
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {reason} (CI is set, so the PostgreSQL tests must run: export \"$(scripts/postgres-test-server.sh)\")");
    }
    eprintln!("skipped: {test}: {reason}; to run it: export \"$(scripts/postgres-test-server.sh)\"");
    println!("skipped: {test}: {reason}");
    None
}

/// The server, or `None` (with a printed reason) when the tests are to be skipped.
pub async fn server(test: &str) -> Option<PgServer> {
    let url = match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => return skip_or_fail(test, format!("{URL_VAR} is not set")),
    };
    let admin = PgPoolOptions::new()
        .max_connections(3)
        .acquire_timeout(Duration::from_secs(10))
        .connect(&url)
        .await;
    match admin {
        Ok(admin) => Some(PgServer {
            url,
            admin,
            schemas: Mutex::new(Vec::new()),
        }),
        Err(e) => skip_or_fail(test, format!("cannot connect to {URL_VAR}={url}: {e}")),
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name unique to this process and call.
pub fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{tag}_{}_{}_{:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos & 0xffff_ffff
    )
}

impl PgServer {
    /// Makes an empty schema with a unique name.
    pub async fn fresh_schema(&self, tag: &str) -> String {
        let schema = unique(&format!("antom_rel_{tag}"));
        sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
            .execute(&self.admin)
            .await
            .expect("CREATE SCHEMA");
        self.schemas
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(schema.clone());
        schema
    }

    /// A pool of up to `max_connections` whose connections use `schema` and
    /// carry `application_name` (how [`PgServer::terminate`] finds them).
    pub async fn pool(&self, schema: &str, application_name: &str, max_connections: u32) -> PgPool {
        let options = PgConnectOptions::from_str(&self.url)
            .expect("a valid URL")
            .application_name(application_name)
            .options([("search_path", schema)]);
        PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .expect("connect to the test server")
    }

    /// A store on `schema` (a process of its own, as far as PostgreSQL can tell).
    pub async fn store(&self, schema: &str, application_name: &str, max_connections: u32) -> PostgresOrderStore {
        PostgresOrderStore::from_pool(self.pool(schema, application_name, max_connections).await)
            .await
            .expect("PostgresOrderStore::from_pool")
    }

    /// Drops every server connection carrying `application_name`
    /// (`pg_terminate_backend`): what a network cut, a failover or an
    /// administrator does to a running application. Returns how many.
    pub async fn terminate(&self, application_name: &str) -> u64 {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND pid <> pg_backend_pid()) AS terminated",
        )
        .bind(application_name)
        .fetch_one(&self.admin)
        .await
        .map(|n| u64::try_from(n).unwrap_or(0))
        .unwrap_or(0)
    }

    /// Locks the schema's orders table (`ACCESS EXCLUSIVE`) from another
    /// connection, so that every store query on it waits, until released.
    pub async fn lock_orders(&self, schema: &str) -> PgTableLock {
        let mut conn = self.admin.acquire().await.expect("admin connection");
        sqlx::query("BEGIN").execute(&mut *conn).await.expect("BEGIN");
        sqlx::query(&format!(
            "LOCK TABLE \"{schema}\".antom_orders IN ACCESS EXCLUSIVE MODE"
        ))
        .execute(&mut *conn)
        .await
        .expect("LOCK TABLE");
        PgTableLock { conn }
    }

    /// Drops the schemas made and closes the admin pool.
    pub async fn cleanup(self) {
        let schemas = std::mem::take(&mut *self.schemas.lock().unwrap_or_else(|p| p.into_inner()));
        for schema in schemas {
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .execute(&self.admin)
                .await;
        }
        self.admin.close().await;
    }
}

/// A table lock held by [`PgServer::lock_orders`].
pub struct PgTableLock {
    conn: PoolConnection<Postgres>,
}

impl PgTableLock {
    /// Ends the locking transaction.
    pub async fn release(mut self) {
        sqlx::query("ROLLBACK")
            .execute(&mut *self.conn)
            .await
            .expect("ROLLBACK");
    }
}

/// A PostgreSQL server of one test's own (started by
/// `scripts/postgres-test-server.sh` on a free port, in a directory of its
/// own), so the test can stop and start it without touching the server the
/// other tests share. Stopped and removed when dropped.
pub struct OwnServer {
    dir: std::path::PathBuf,
    port: u16,
    url: String,
}

impl OwnServer {
    /// Starts one, or `None` (with a printed reason) when the PostgreSQL
    /// tests are skipped: [`URL_VAR`] unset and `CI` unset.
    pub async fn start(test: &str) -> Option<OwnServer> {
        if std::env::var(URL_VAR).map_or(true, |url| url.trim().is_empty()) {
            skip_or_fail(test, format!("{URL_VAR} is not set"))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(unique("antom-pg-own"));
        let mut server = OwnServer {
            dir,
            port,
            url: String::new(),
        };
        server.url = server.run_script().await;
        Some(server)
    }

    /// `postgres://postgres@127.0.0.1:<port>/antom_test`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the server (`pg_ctl stop -m fast`): every connection drops and
    /// new ones are refused.
    pub async fn stop(&self) {
        let status = self
            .as_owner(&pg_bin("pg_ctl"))
            .args(["-D", &self.data(), "-m", "fast", "-w", "stop"])
            .status()
            .await
            .expect("run pg_ctl");
        assert!(status.success(), "pg_ctl stop failed");
    }

    /// Starts the stopped server again on the same port and data.
    pub async fn restart(&self) {
        let url = self.run_script().await;
        assert_eq!(url, self.url);
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    async fn run_script(&self) -> String {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres-test-server.sh");
        let output = tokio::process::Command::new("bash")
            .arg(script)
            .env("ANTOM_PG_PORT", self.port.to_string())
            .env("ANTOM_PG_DIR", &self.dir)
            .stderr(std::process::Stdio::null())
            .output()
            .await
            .expect("run scripts/postgres-test-server.sh");
        assert!(output.status.success(), "scripts/postgres-test-server.sh failed");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().last().unwrap_or_default();
        line.strip_prefix(&format!("{URL_VAR}="))
            .unwrap_or_else(|| panic!("unexpected output of the script: {stdout}"))
            .to_owned()
    }

    /// A command run as the cluster's owner (the `postgres` user when root).
    fn as_owner(&self, program: &str) -> tokio::process::Command {
        if is_root() {
            let mut command = tokio::process::Command::new("runuser");
            command.args(["-u", "postgres", "--", program]);
            command
        } else {
            tokio::process::Command::new(program)
        }
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let mut command = if is_root() {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--", &pg_bin("pg_ctl")]);
            command
        } else {
            std::process::Command::new(pg_bin("pg_ctl"))
        };
        let _ = command
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A PostgreSQL server binary of the newest installed version.
fn pg_bin(name: &str) -> String {
    let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
    });
    dirs.into_iter()
        .rev()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| name.to_owned())
}
