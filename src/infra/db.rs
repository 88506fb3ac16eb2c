//! The record store: launch sessions, photo records, phone links, documents, limits and the audit
//! trail. Embedded SQLite by default (durable, nothing to install, one instance); PostgreSQL when
//! `DATABASE_URL=postgres://…` is set, so that several instances share one store. Domains write
//! each call once against `infra::sql` and run it with `Db::call`; calls run on the blocking pool
//! so they never stall the runtime.
//!
//! On SQLite calls run one at a time (one connection). On PostgreSQL each call is one
//! SERIALIZABLE transaction, run again when PostgreSQL reports a serialization conflict: calls
//! still behave as if one ran at a time, across every instance.

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use postgres::{IsolationLevel, NoTls};
use r2d2_postgres::PostgresConnectionManager;
use rusqlite::Connection;

use super::{
    schema,
    sql::{self, Conn},
};

type PgPool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

#[derive(Clone)]
pub struct Db(Arc<Inner>);

struct Inner {
    engine: Engine,
    /// This process's id among the instances sharing the store (a fresh random id per start).
    instance: String,
    /// An instance not heard from for this many seconds is gone (see `infra::instances`).
    live_secs: i64,
}

enum Engine {
    Lite(Mutex<Connection>),
    /// The pool is `None` only while the store is being dropped.
    Pg {
        pool: Option<PgPool>,
        url: String,
    },
}

impl Drop for Inner {
    /// PostgreSQL's sync client closes its connection by blocking on a runtime of its own, which
    /// must not happen on a runtime's thread: the last handle's pool is closed on a thread of its own.
    fn drop(&mut self) {
        if let Engine::Pg { pool, .. } = &mut self.engine
            && let Some(pool) = pool.take()
        {
            std::thread::spawn(move || drop(pool));
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sql(#[from] sql::Error),
    #[error("database task failed")]
    Join,
    #[error("DATABASE_URL: {0}")]
    Url(String),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sql(e.into())
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> Self {
        DbError::Sql(e.into())
    }
}

/// How many times a call is run when PostgreSQL keeps reporting serialization conflicts.
const ATTEMPTS: u32 = 12;

impl Db {
    /// The embedded SQLite store at `path` (created and migrated when needed).
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        conn.busy_timeout(Duration::from_secs(5))?;
        migrate(&conn)?;
        Ok(Db::with(Engine::Lite(Mutex::new(conn))))
    }

    /// The PostgreSQL store at `url` (`postgres://user:password@host:port/database`, or
    /// `postgres://user@/database?host=/run/postgresql` for a Unix socket), at most `pool_size`
    /// connections; migrated under an advisory lock, so instances may start together.
    pub fn connect(url: &str, pool_size: u32) -> Result<Db, DbError> {
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| DbError::Url(e.to_string()))?;
        let mut client = config.connect(NoTls)?;
        migrate_pg(&mut client)?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(2))
            .connection_timeout(Duration::from_secs(10))
            .build(PostgresConnectionManager::new(config, NoTls))
            .map_err(sql::Error::from)?;
        Ok(Db::with(Engine::Pg {
            pool: Some(pool),
            url: url.to_string(),
        }))
    }

    /// SQLite at `{data_dir}/clinical-images.sqlite3`, or PostgreSQL when `DATABASE_URL` is a
    /// `postgres://` URL (`DATABASE_POOL_SIZE` connections, default 16; an instance silent for
    /// `DATABASE_INSTANCE_TIMEOUT_SECONDS`, default 30, is gone).
    pub async fn from_env(data_dir: &Path, env: &impl Fn(&str) -> Option<String>) -> Result<Db, DbError> {
        let mut db = Db::from_url(data_dir, env).await?;
        if let Some(secs) = env("DATABASE_INSTANCE_TIMEOUT_SECONDS").and_then(|v| v.parse::<i64>().ok())
            && let Some(inner) = Arc::get_mut(&mut db.0)
        {
            inner.live_secs = secs.max(2);
        }
        Ok(db)
    }

    async fn from_url(data_dir: &Path, env: &impl Fn(&str) -> Option<String>) -> Result<Db, DbError> {
        match env("DATABASE_URL").filter(|u| !u.trim().is_empty()) {
            None => Db::open(&data_dir.join("clinical-images.sqlite3")),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let size = env("DATABASE_POOL_SIZE").and_then(|v| v.parse().ok()).unwrap_or(16);
                tokio::task::spawn_blocking(move || Db::connect(&url, size))
                    .await
                    .map_err(|_| DbError::Join)?
            }
            Some(_) => Err(DbError::Url(
                "only postgres:// URLs are supported (unset it for the embedded SQLite store)".into(),
            )),
        }
    }

    fn with(engine: Engine) -> Db {
        Db(Arc::new(Inner {
            engine,
            instance: uuid::Uuid::new_v4().to_string(),
            live_secs: 30,
        }))
    }

    /// This instance's id (see `infra::instances`).
    pub fn instance(&self) -> &str {
        &self.0.instance
    }

    /// Seconds after which an instance not heard from is gone.
    pub fn live_secs(&self) -> i64 {
        self.0.live_secs
    }

    /// The PostgreSQL URL when the store is shared by several instances (`None` on SQLite).
    pub fn shared_url(&self) -> Option<&str> {
        match &self.0.engine {
            Engine::Pg { url, .. } => Some(url),
            Engine::Lite(_) => None,
        }
    }

    /// Runs `f` on the blocking thread pool with a connection. On PostgreSQL `f` runs inside one
    /// SERIALIZABLE transaction, committed when it answers `Ok`, and is run again (from the start)
    /// after a serialization conflict: `f` must do nothing but SQL.
    pub async fn call<T, F>(&self, mut f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnMut(&mut Conn<'_>) -> sql::Result<T> + Send + 'static,
    {
        let db = self.0.clone();
        tokio::task::spawn_blocking(move || match &db.engine {
            Engine::Lite(conn) => {
                let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                Ok(f(&mut Conn::Lite(&mut guard))?)
            }
            Engine::Pg { pool, .. } => {
                let mut client = pool.as_ref().ok_or(DbError::Join)?.get().map_err(sql::Error::from)?;
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let result = run_serializable(&mut client, &mut f);
                    match result {
                        Err(e) if e.is_retryable() && attempt < ATTEMPTS => {
                            metrics::counter!("clinical_images_db_retries_total").increment(1);
                            std::thread::sleep(backoff(attempt));
                        }
                        other => return Ok(other?),
                    }
                }
            }
        })
        .await
        .map_err(|_| DbError::Join)?
    }

    /// Runs `f` while holding the store-wide lock `name` when no other instance holds it;
    /// `Ok(None)` (without running `f`) when one does. On PostgreSQL an advisory lock on a
    /// connection of its own (released if this instance dies); on SQLite there is one instance.
    pub async fn exclusive<T, Fut>(&self, name: &str, f: impl FnOnce() -> Fut) -> Result<Option<T>, DbError>
    where
        Fut: std::future::Future<Output = T>,
    {
        let Engine::Pg { pool: Some(pool), .. } = &self.0.engine else {
            return Ok(Some(f().await));
        };
        let (pool, key) = (pool.clone(), lock_key(name));
        let held = tokio::task::spawn_blocking(move || -> Result<_, DbError> {
            let mut client = pool.get().map_err(sql::Error::from)?;
            let got: bool = client.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?.get(0);
            Ok(got.then_some(client))
        })
        .await
        .map_err(|_| DbError::Join)??;
        let Some(mut client) = held else {
            return Ok(None);
        };
        let out = f().await;
        tokio::task::spawn_blocking(move || {
            // Unlocked explicitly: the pooled connection outlives this call.
            let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&key]);
        })
        .await
        .map_err(|_| DbError::Join)?;
        Ok(Some(out))
    }
}

fn run_serializable<T>(
    client: &mut postgres::Client,
    f: &mut impl FnMut(&mut Conn<'_>) -> sql::Result<T>,
) -> sql::Result<T> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::Serializable)
        .start()?;
    let mut conn = Conn::Pg(tx);
    let value = f(&mut conn)?;
    if let Conn::Pg(tx) = conn {
        tx.commit()?;
    }
    Ok(value)
}

/// 2, 4, 8 … ms (at most 256), with up to as much again at random, so that conflicting calls
/// do not meet again at once.
fn backoff(attempt: u32) -> Duration {
    let base = 1u64 << attempt.min(8);
    Duration::from_millis(base + rand::random_range(0..=base))
}

/// A lock's name as PostgreSQL's 64-bit advisory key (stable across instances and releases).
fn lock_key(name: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("clinical-images:{name}"));
    i64::from_be_bytes(d[..8].try_into().unwrap_or([0; 8]))
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    migrate_to(conn, schema::SQLITE.len())
}

/// Applies the SQLite migrations not yet applied, up to (and including) number `last`.
fn migrate_to(conn: &Connection, last: usize) -> rusqlite::Result<()> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in schema::SQLITE.iter().enumerate().take(last).skip(version) {
        conn.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", i + 1))?;
    }
    Ok(())
}

/// Applies PostgreSQL's migrations not yet applied, each in its own transaction, holding an
/// advisory lock so that a second instance starting at the same moment waits, then finds them done.
fn migrate_pg(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let key = lock_key("migrate");
    client.execute("SELECT pg_advisory_lock($1)", &[&key])?;
    let result = (|| {
        client.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let done: i64 = client
            .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])?
            .get(0);
        for (i, step) in schema::POSTGRES.iter().enumerate().skip(done as usize) {
            let mut tx = client.transaction()?;
            tx.batch_execute(step)?;
            tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&(i as i64 + 1)])?;
            tx.commit()?;
        }
        Ok(())
    })();
    client.execute("SELECT pg_advisory_unlock($1)", &[&key])?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::sql::{Sql, params};

    #[tokio::test]
    async fn migrations_apply_once_and_survive_reopen() {
        let dir = std::env::temp_dir().join(format!("ci-db-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.sqlite3");
        let db = Db::open(&path).unwrap();
        db.call(|c| c.execute("INSERT INTO used_launches VALUES ('h', 1)", params![]))
            .await
            .unwrap();
        drop(db);
        let db = Db::open(&path).unwrap();
        let n: i64 = db
            .call(|c| c.query_row("SELECT count(*) FROM used_launches", params![], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(n, 1);
        let v: usize = db
            .call(|c| c.query_row("PRAGMA user_version", params![], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(v, schema::SQLITE.len());
    }

    #[test]
    fn older_commit_records_keep_their_meaning_as_targets_become_a_set() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
        migrate_to(&c, 7).unwrap();
        let photo = |id: &str, state: &str, target: &str, alex: Option<&str>, kind: Option<&str>| {
            c.execute(
                "INSERT INTO photos (id, session_id, facility, patient_id, state, blob_key, sha256, bytes, width, height,
                 source, taken_at, alex_id, failure_kind, target, scan_doc, created_at, updated_at)
                 VALUES (?1, 's', 'f', 'p', ?2, 'k', 'h', 1, 1, 1, 'desktop', 0, ?3, ?4, ?5, 'doc-' || ?1, 0, 0)",
                rusqlite::params![id, state, alex, kind, target],
            )
            .unwrap();
        };
        photo("tiff", "committed", "scan_tiff", Some("d1"), None);
        photo("both-media-done", "staged", "both", Some("m1"), None);
        photo("both-unknown", "failed", "both", None, Some("outcome_unknown"));
        photo("media-done", "committed", "media", Some("m2"), None);
        photo("pdf-done", "committed", "scan_pdf", Some("d2"), None);
        migrate(&c).unwrap();
        let row = |id: &str| -> (Option<String>, Option<String>, Option<String>) {
            c.query_row(
                "SELECT scan_doc, tiff_doc, media_state FROM photos WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            row("tiff"),
            (None, some("doc-tiff"), None),
            "a TIFF's document moves to tiff_doc"
        );
        assert_eq!(
            row("both-media-done"),
            (some("doc-both-media-done"), None, some("sent"))
        );
        assert_eq!(row("both-unknown").2, some("unknown"), "an unknown stays unknown");
        assert_eq!(row("media-done").2, some("sent"));
        assert_eq!(
            row("pdf-done"),
            (some("doc-pdf-done"), None, None),
            "a PDF photo has no Media part"
        );
    }
}
