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
