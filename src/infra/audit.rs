//! The audit trail: one append-only table (SQLite triggers refuse UPDATE and DELETE) of who did
//! what to which photo, for which patient. Stored, never logged. Every domain appends inside its
//! own transaction; only the operations endpoint reads it.

use crate::infra::sql::{Sql, params};

use super::time::now_secs;

/// An audit entry.
#[derive(Debug, Default, Clone)]
pub struct Audit<'a> {
    pub event: &'a str,
    pub photo_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub facility: Option<&'a str>,
    pub patient_id: Option<&'a str>,
    pub practitioner_id: Option<&'a str>,
    pub sha256: Option<&'a str>,
    pub alex_id: Option<&'a str>,
    pub correlation_id: Option<&'a str>,
    pub detail: Option<&'a str>,
}

pub fn append_audit(tx: &mut impl Sql, a: &Audit<'_>) -> crate::infra::sql::Result<()> {
    tx.execute(
        "INSERT INTO audit (at, event, photo_id, session_id, facility, patient_id, practitioner_id, sha256, alex_id, correlation_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![now_secs(), a.event, a.photo_id, a.session_id, a.facility, a.patient_id, a.practitioner_id, a.sha256, a.alex_id, a.correlation_id, a.detail],
    )?;
    Ok(())
}

/// Which entries to read: each field empty (or 0) matches any.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub session: String,
    pub photo: String,
    /// One event (`added`, `committed`, `failed`, `expired`, …).
    pub event: String,
    /// Entries at or after this time (seconds since the epoch).
    pub since: i64,
}

/// Entries matching `f`, oldest first, at most `limit`, as JSON.
pub fn read(c: &mut impl Sql, f: &AuditFilter, limit: u32) -> crate::infra::sql::Result<Vec<serde_json::Value>> {
    use serde_json::json;
    c.query_map(
        "SELECT seq, at, event, photo_id, session_id, facility, patient_id, practitioner_id, sha256, alex_id,
         correlation_id, detail FROM audit
         WHERE (?1 = '' OR session_id = ?1) AND (?2 = '' OR photo_id = ?2) AND (?3 = '' OR event = ?3)
         AND at >= ?4 ORDER BY seq LIMIT ?5",
        params![f.session, f.photo, f.event, f.since, limit],
        |r| {
            Ok(json!({
                "seq": r.get::<_, i64>(0)?,
                "at": chrono::DateTime::from_timestamp(r.get::<_, i64>(1)?, 0).map(|t| t.to_rfc3339()),
                "event": r.get::<_, String>(2)?,
                "photo_id": r.get::<_, Option<String>>(3)?,
                "session_id": r.get::<_, Option<String>>(4)?,
                "facility": r.get::<_, Option<String>>(5)?,
                "patient_id": r.get::<_, Option<String>>(6)?,
                "practitioner_id": r.get::<_, Option<String>>(7)?,
                "sha256": r.get::<_, Option<String>>(8)?,
                "alex_id": r.get::<_, Option<String>>(9)?,
                "correlation_id": r.get::<_, Option<String>>(10)?,
                "detail": r.get::<_, Option<String>>(11)?,
            }))
        },
    )
}
