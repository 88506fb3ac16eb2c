//! The record store's schema, one list of steps per engine (ssr only). SQLite's steps are the
//! history of the embedded store and never change once released; PostgreSQL starts from the
//! schema they add up to, with the same tables, columns and meanings (integers are BIGINT; the
//! audit trail is append-only by trigger on both). A new step goes into both lists.

/// SQLite's schema steps, applied in order once each (tracked by `PRAGMA user_version`).
pub const SQLITE: &[&str] = &[
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
    // 12: several instances (the same on PostgreSQL): each instance's heartbeat, the instance that
    // last moved a photo or a document (a commit in flight belongs to a live instance, or is
    // recovered as outcome-unknown; a follow-up task goes stale by time instead), and failed
    // phone-code guesses (the limit holds across instances).
    "CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,
        seen_at INTEGER NOT NULL
    );
    CREATE TABLE code_guesses (
        bucket TEXT NOT NULL,
        at_ms INTEGER NOT NULL
    );
    CREATE INDEX code_guesses_at ON code_guesses(at_ms);
    CREATE INDEX code_guesses_bucket ON code_guesses(bucket, at_ms);
    ALTER TABLE photos ADD COLUMN claimed_by TEXT;
    ALTER TABLE scan_documents ADD COLUMN claimed_by TEXT;
    CREATE INDEX photos_in_flight ON photos(id) WHERE state = 'committing' OR media_state = 'sending';
    CREATE INDEX scan_documents_sending ON scan_documents(id) WHERE state = 'sending';",
    // 13: delivery the server owns (see `schema_delivery`).
    super::schema_delivery::SQLITE_13,
];

/// PostgreSQL's schema steps, applied in order once each (tracked in `schema_version`, under an
/// advisory lock so that instances starting together apply each step once).
pub const POSTGRES: &[&str] = &[
    // 1: everything SQLite's steps 1–12 made.
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
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        ended_at BIGINT,
        consent_kind TEXT,
        consent_reason TEXT,
        consent_at BIGINT,
        closing_at BIGINT
    );
    CREATE TABLE used_launches (
        hash TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE photos (
        id TEXT PRIMARY KEY,
        rowid BIGINT GENERATED ALWAYS AS IDENTITY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        facility TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        state TEXT NOT NULL,
        blob_key TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        width BIGINT NOT NULL,
        height BIGINT NOT NULL,
        source TEXT NOT NULL,
        taken_at BIGINT NOT NULL,
        tags TEXT NOT NULL DEFAULT '{}',
        alex_id TEXT,
        failure_kind TEXT,
        failure TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        edit TEXT,
        target TEXT,
        scan_doc TEXT,
        upload_key TEXT,
        tiff_doc TEXT,
        media_state TEXT,
        lesion_id TEXT,
        claimed_by TEXT
    );
    CREATE INDEX photos_session ON photos(session_id, created_at);
    CREATE UNIQUE INDEX photos_upload_key ON photos(session_id, upload_key);
    CREATE INDEX photos_state ON photos(state);
    CREATE INDEX photos_in_flight ON photos(id) WHERE state = 'committing' OR media_state = 'sending';
    CREATE TABLE audit (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
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
    CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
    CREATE TRIGGER audit_append_only_change BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
    CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
    CREATE TABLE handoffs (
        token_hash TEXT PRIMARY KEY,
        code TEXT UNIQUE,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT
    );
    CREATE INDEX handoffs_session ON handoffs(session_id);
    CREATE TABLE scan_documents (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        facility TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        photo_ids TEXT NOT NULL,
        part BIGINT NOT NULL,
        parts BIGINT NOT NULL,
        state TEXT NOT NULL,
        blob_key TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        pages BIGINT NOT NULL,
        alex_id TEXT,
        correlation_id TEXT,
        failure_kind TEXT,
        failure TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'pdf',
        claimed_by TEXT
    );
    CREATE INDEX scan_documents_session ON scan_documents(session_id, created_at);
    CREATE INDEX scan_documents_sending ON scan_documents(id) WHERE state = 'sending';
    CREATE TABLE follow_up_tasks (
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
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (session_id, idem_key)
    );
    CREATE TABLE lesions (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        facility TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        number BIGINT NOT NULL,
        view TEXT NOT NULL,
        x BIGINT NOT NULL,
        y BIGINT NOT NULL,
        site TEXT NOT NULL,
        laterality TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        removed_at BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (session_id, number)
    );
    CREATE TABLE launch_engines (
        session_id TEXT PRIMARY KEY,
        engine TEXT NOT NULL,
        major BIGINT,
        wasm BIGINT NOT NULL DEFAULT 0,
        at BIGINT NOT NULL
    );
    CREATE INDEX launch_engines_at ON launch_engines(at);
    CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        started_at BIGINT NOT NULL,
        seen_at BIGINT NOT NULL
    );
    CREATE TABLE code_guesses (
        bucket TEXT NOT NULL,
        at_ms BIGINT NOT NULL
    );
    CREATE INDEX code_guesses_at ON code_guesses(at_ms);
    CREATE INDEX code_guesses_bucket ON code_guesses(bucket, at_ms);",
    // 2: SQLite's step 13 (see `schema_delivery`).
    super::schema_delivery::POSTGRES_2,
];
