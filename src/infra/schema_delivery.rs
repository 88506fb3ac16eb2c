//! The record store's schema step for delivery the server owns (ssr only; `schema` lists it):
//! each part of a commit is a row of `deliveries` (its photos in `delivery_photos`), claimed by
//! one worker at a time with a lease; each practice's pacing and backoff in
//! `delivery_facilities`; a photo's place in the queue (`photos.delivery`, `photos.next_try_at`)
//! freezes its tags and edits. The same tables on both engines (integers are BIGINT on PostgreSQL).

/// The step's statements, with `$int` as the engines' 64-bit integer type.
macro_rules! delivery_step {
    ($int:literal) => {
        concat!(
            "CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        facility TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        part TEXT NOT NULL,
        targets TEXT NOT NULL,
        photo_ids TEXT NOT NULL,
        context TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts ",
            $int,
            " NOT NULL DEFAULT 0,
        next_at ",
            $int,
            " NOT NULL,
        lease_until ",
            $int,
            " NOT NULL DEFAULT 0,
        claimed_by TEXT,
        claim TEXT,
        resend ",
            $int,
            " NOT NULL DEFAULT 0,
        failure_kind TEXT,
        failure TEXT,
        created_at ",
            $int,
            " NOT NULL,
        updated_at ",
            $int,
            " NOT NULL,
        give_up_at ",
            $int,
            " NOT NULL
    );
    CREATE INDEX deliveries_due ON deliveries(state, next_at);
    CREATE INDEX deliveries_patient ON deliveries(facility, patient_id, state);
    CREATE TABLE delivery_photos (
        delivery_id TEXT NOT NULL,
        photo_id TEXT NOT NULL,
        PRIMARY KEY (delivery_id, photo_id)
    );
    CREATE INDEX delivery_photos_photo ON delivery_photos(photo_id);
    CREATE TABLE delivery_facilities (
        facility TEXT PRIMARY KEY,
        sends TEXT NOT NULL DEFAULT '[]',
        failures ",
            $int,
            " NOT NULL DEFAULT 0,
        open_until ",
            $int,
            " NOT NULL DEFAULT 0,
        outage_since ",
            $int,
            ",
        updated_at ",
            $int,
            " NOT NULL
    );
    ALTER TABLE photos ADD COLUMN delivery TEXT;
    ALTER TABLE photos ADD COLUMN next_try_at ",
            $int,
            ";"
        )
    };
}

/// SQLite's step 13.
pub(super) const SQLITE_13: &str = delivery_step!("INTEGER");

/// PostgreSQL's step 2.
pub(super) const POSTGRES_2: &str = delivery_step!("BIGINT");
