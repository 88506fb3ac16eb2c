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

use postgres::IsolationLevel;
use r2d2_postgres::PostgresConnectionManager;
use rusqlite::Connection;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{
    schema,
    sql::{self, Conn},
};

type PgPool = r2d2::Pool<PostgresConnectionManager<MakeRustlsConnect>>;

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
        config: tokio_postgres::Config,
        tls: MakeRustlsConnect,
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
    #[error("TLS to PostgreSQL: {0}")]
    Tls(String),
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
    /// With `sslmode=require` the connection is TLS, the server's certificate verified against
    /// the system's certificate authorities; any other mode is a plain connection (a private
    /// network or a Unix socket).
    pub fn connect(url: &str, pool_size: u32) -> Result<Db, DbError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| DbError::Url(e.to_string()))?;
        if config.get_ssl_mode() != SslMode::Require {
            config.ssl_mode(SslMode::Disable);
        }
        let tls = pg_tls()?;
        let sync = postgres::Config::from(config.clone());
        let mut client = sync.connect(tls.clone())?;
        migrate_pg(&mut client)?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(2))
            .connection_timeout(Duration::from_secs(10))
            .build(PostgresConnectionManager::new(sync, tls.clone()))
            .map_err(sql::Error::from)?;
        Ok(Db::with(Engine::Pg {
            pool: Some(pool),
            config,
            tls,
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

    /// Whether several instances may share this store (PostgreSQL; SQLite is one instance's).
    pub fn is_shared(&self) -> bool {
        matches!(self.0.engine, Engine::Pg { .. })
    }

    /// How to open a connection of one's own to the shared store (`infra::bus`'s listener).
    pub(crate) fn pg_connect_info(&self) -> Option<(tokio_postgres::Config, MakeRustlsConnect)> {
        match &self.0.engine {
            Engine::Pg { config, tls, .. } => Some((config.clone(), tls.clone())),
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
    /// `Ok(None)` (without running `f`) when one does. On PostgreSQL an advisory lock held by a
    /// connection of its own, never pooled: closing it releases the lock, whether `f` ends, this
    /// future is dropped midway (a stopping server) or the instance dies. On SQLite there is one
    /// instance.
    pub async fn exclusive<T, Fut>(&self, name: &str, f: impl FnOnce() -> Fut) -> Result<Option<T>, DbError>
    where
        Fut: std::future::Future<Output = T>,
    {
        let Some((config, tls)) = self.pg_connect_info() else {
            return Ok(Some(f().await));
        };
        let (client, connection) = config.connect(tls).await?;
        let driver = tokio::spawn(connection);
        let key = lock_key(name);
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
            .await?
            .get(0);
        let out = if got { Some(f().await) } else { None };
        if got {
            // Released at once (closing the connection would release it too, a moment later).
            client.execute("SELECT pg_advisory_unlock($1)", &[&key]).await?;
        }
        drop(client);
        let _ = driver.await;
        Ok(out)
    }
}

/// rustls (ring) with the system's certificate authorities.
fn pg_tls() -> Result<MakeRustlsConnect, DbError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
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
#[path = "db_tests.rs"]
mod tests;
