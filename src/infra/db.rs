//! The embedded SQLite database: launch sessions, photo records and the audit trail, beside the
//! staged image files. SQLite because it is durable, needs no server, survives restarts and
//! handles a practice's load; calls run on the blocking pool so they never stall the runtime.

use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use rusqlite::Connection;

/// Schema steps, applied in order once each (tracked by `PRAGMA user_version`).
const MIGRATIONS: &[&str] = &[
    // 1: launch sessions and spent launch pairs.
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        browser_hash TEXT NOT NULL,
        facility TEXT NOT NULL,
        patient_id TEXT,
        patient_name TEXT,
        patient_birth_date TEXT,
        patient_nhi TEXT,
        practitioner_id TEXT,
        practitioner_name TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        ended_at INTEGER
    );
    CREATE TABLE used_launches (
        hash TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );",
    // 2: staged photos and the append-only audit trail.
    "CREATE TABLE photos (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        facility TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        state TEXT NOT NULL,
        blob_key TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        source TEXT NOT NULL,
        taken_at INTEGER NOT NULL,
        tags TEXT NOT NULL DEFAULT '{}',
        alex_id TEXT,
        failure_kind TEXT,
        failure TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX photos_session ON photos(session_id, created_at);
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        photo_id TEXT,
        session_id TEXT,
        facility TEXT,
        patient_id TEXT,
        practitioner_id TEXT,
        sha256 TEXT,
        alex_id TEXT,
        correlation_id TEXT,
        detail TEXT
    );
    CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
    CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;",
    // 3: phone handoffs (only the token's hash is stored).
    "CREATE TABLE handoffs (
        token_hash TEXT PRIMARY KEY,
        code TEXT UNIQUE,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE INDEX handoffs_session ON handoffs(session_id);",
    // 4: the patient's consent to photography, recorded once per launch session.
    "ALTER TABLE sessions ADD COLUMN consent_kind TEXT;
    ALTER TABLE sessions ADD COLUMN consent_reason TEXT;
    ALTER TABLE sessions ADD COLUMN consent_at INTEGER;",
    // 5: the editor's saved operations (JSON, NULL = unedited), the target a photo was committed
    // to, and the Inbox-Scan documents (identifier fixed before the POST, PDF kept for resends).
    "ALTER TABLE photos ADD COLUMN edit TEXT;
    ALTER TABLE photos ADD COLUMN target TEXT;
    ALTER TABLE photos ADD COLUMN scan_doc TEXT;
    CREATE TABLE scan_documents (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        facility TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        photo_ids TEXT NOT NULL,
        part INTEGER NOT NULL,
        parts INTEGER NOT NULL,
        state TEXT NOT NULL,
        blob_key TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        alex_id TEXT,
        correlation_id TEXT,
        failure_kind TEXT,
        failure TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX scan_documents_session ON scan_documents(session_id, created_at);",
    // 6: (a) photo ids are minted by the server; the browser's own id for an upload is only an
    // idempotency key, unique within its session (a retried upload finds the photo it staged).
    // (b) when the widget's page was closed (the session ends unless it is reopened at once).
    "ALTER TABLE photos ADD COLUMN upload_key TEXT;
    CREATE UNIQUE INDEX photos_upload_key ON photos(session_id, upload_key);
    ALTER TABLE sessions ADD COLUMN closing_at INTEGER;",
    // 7: an Inbox-Scan document is a PDF (of one or more photos) or a TIFF (of one photo).
    "ALTER TABLE scan_documents ADD COLUMN kind TEXT NOT NULL DEFAULT 'pdf';",
    // 8: commit targets are a set; each part of a photo's commit keeps its own state. A photo
    // points at its PDF (`scan_doc`) and its TIFF (`tiff_doc`); its Media part has `media_state`.
    // Older rows: a TIFF photo's document moves to `tiff_doc`; a Media in Medtech is `sent`; a
    // Media-bearing photo whose outcome was unknown keeps that unknown on its Media part.
    "ALTER TABLE photos ADD COLUMN tiff_doc TEXT;
    ALTER TABLE photos ADD COLUMN media_state TEXT;
    UPDATE photos SET tiff_doc = scan_doc, scan_doc = NULL WHERE target = 'scan_tiff';
    UPDATE photos SET media_state = 'sent'
        WHERE (target IN ('media', 'both') AND state = 'committed') OR (target = 'both' AND alex_id IS NOT NULL);
    UPDATE photos SET media_state = 'unknown'
        WHERE target IN ('media', 'both') AND media_state IS NULL AND state = 'failed' AND failure_kind = 'outcome_unknown';",
    // 9: follow-up tasks — the identifier sent to ALEX is fixed here before the POST, and the
    // browser's key is unique within its session (a double click is one task).
    "CREATE TABLE IF NOT EXISTS follow_up_tasks (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        idem_key TEXT NOT NULL,
        facility TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        due TEXT NOT NULL,
        description TEXT NOT NULL,
        focus TEXT NOT NULL,
        state TEXT NOT NULL,
        alex_id TEXT,
        correlation_id TEXT,
        failure_kind TEXT,
        failure TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (session_id, idem_key)
    );",
    // 10: lesions of a skin check (staging's): a number per session, a point on the body map, a
    // site and side, a note; a photo may belong to one. Removed lesions keep their number.
    "CREATE TABLE lesions (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        facility TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        view TEXT NOT NULL,
        x INTEGER NOT NULL,
        y INTEGER NOT NULL,
        site TEXT NOT NULL,
        laterality TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        removed_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (session_id, number)
    );
    ALTER TABLE photos ADD COLUMN lesion_id TEXT;",
    // 11: the browser engine of each opened launch (family and major version, never the
    // User-Agent) and whether its WebAssembly ran. No reference to sessions: the counts outlive
    // them (kept 90 days).
    "CREATE TABLE launch_engines (
        session_id TEXT PRIMARY KEY,
        engine TEXT NOT NULL,
        major INTEGER,
        wasm INTEGER NOT NULL DEFAULT 0,
        at INTEGER NOT NULL
    );
    CREATE INDEX launch_engines_at ON launch_engines(at);",
];

#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database task failed")]
    Join,
}

impl Db {
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&conn)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the blocking thread pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard).map_err(DbError::from)
        })
        .await
        .map_err(|_| DbError::Join)?
    }
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Applies the migrations not yet applied, up to (and including) number `last`.
fn migrate_to(conn: &Connection, last: usize) -> rusqlite::Result<()> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().take(last).skip(version) {
        conn.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", i + 1))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn migrations_apply_once_and_survive_reopen() {
        let dir = std::env::temp_dir().join(format!("ci-db-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.sqlite3");
        let db = Db::open(&path).unwrap();
        db.call(|c| c.execute("INSERT INTO used_launches VALUES ('h', 1)", []))
            .await
            .unwrap();
        drop(db);
        let db = Db::open(&path).unwrap();
        let n: i64 = db
            .call(|c| c.query_row("SELECT count(*) FROM used_launches", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(n, 1);
        let v: usize = db
            .call(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
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
