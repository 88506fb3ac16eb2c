//! A photo's place in the delivery queue, as the `photos` table holds it (ssr only). `delivery`
//! owns the queue itself (its `deliveries` table); these are the only statements it makes on
//! photos, each inside the transaction that changes the queue, so a photo's badge and its jobs
//! never disagree.

use crate::{
    infra::{
        audit::append_audit,
        sql::{OptionalExtension, Result, Sql, params},
        time::now_secs,
    },
    model::{DeliveryState, PhotoState, Targets},
};

use super::record::{COLUMNS, PhotoRecord, from_row};

/// The photo `id` of session `sid`, read inside a queue transaction.
pub fn read(tx: &mut impl Sql, sid: &str, id: &str) -> Result<Option<PhotoRecord>> {
    tx.query_row(
        &format!("SELECT {COLUMNS} FROM photos WHERE id = ?1 AND session_id = ?2"),
        params![id, sid],
        from_row,
    )
    .optional()
}

/// The photo `id`, whichever session staged it (the queue holds the session it belongs to).
pub fn read_any(tx: &mut impl Sql, id: &str) -> Result<Option<PhotoRecord>> {
    tx.query_row(
        &format!("SELECT {COLUMNS} FROM photos WHERE id = ?1"),
        params![id],
        from_row,
    )
    .optional()
}

/// Puts a staged or failed photo in the queue: its targets are fixed (kept if fixed before) and
/// its tags and edits freeze. Answers its targets, or `None` when it is no longer waiting to go
/// (committed, removed, or queued already by another request: nothing is queued twice).
pub fn enter(tx: &mut impl Sql, r: &PhotoRecord, targets: Targets, by: Option<&str>) -> Result<Option<Targets>> {
    let fixed: Option<Option<String>> = tx
        .query_row(
            "UPDATE photos SET target = COALESCE(target, ?1), delivery = 'queued', next_try_at = NULL, updated_at = ?2
             WHERE id = ?3 AND session_id = ?4 AND state IN ('staged', 'failed') AND (delivery IS NULL OR delivery = 'needs_you')
             RETURNING target",
            params![targets.as_string(), now_secs(), r.id, r.session_id],
            |row| row.get(0),
        )
        .optional()?;
    let Some(fixed) = fixed else { return Ok(None) };
    append_audit(tx, &r.audit("queued", by, None))?;
    Ok(Some(fixed.as_deref().and_then(Targets::parse).unwrap_or(targets)))
}

/// Sets where photo `id` is in the queue (`None`: out of it) and, while it waits, when it is
/// tried next (epoch seconds).
pub fn mark(tx: &mut impl Sql, id: &str, delivery: Option<DeliveryState>, next_try_at: Option<i64>) -> Result<()> {
    tx.execute(
        "UPDATE photos SET delivery = ?1, next_try_at = ?2 WHERE id = ?3",
        params![delivery.map(DeliveryState::as_str), next_try_at, id],
    )?;
    Ok(())
}

/// Takes a photo that has not started sending out of the queue, for good: it is removed, with
/// who withdrew it and why in the audit.
pub fn withdraw(tx: &mut impl Sql, r: &PhotoRecord, by: Option<&str>, reason: &str) -> Result<bool> {
    let moved = tx.execute(
        "UPDATE photos SET state = ?1, delivery = NULL, next_try_at = NULL, updated_at = ?2
         WHERE id = ?3 AND state IN ('staged', 'failed') AND delivery IS NOT NULL",
        params![PhotoState::Removed.as_str(), now_secs(), r.id],
    )?;
    if moved == 1 {
        append_audit(tx, &r.audit("withdrawn", by, Some(reason)))?;
    }
    Ok(moved == 1)
}

/// The photos of a patient at a practice that the queue still holds (queued, waiting or needing
/// a person), from launches other than `except_sid`, oldest first.
pub fn held_for(tx: &mut impl Sql, facility: &str, patient_id: &str, except_sid: &str) -> Result<Vec<PhotoRecord>> {
    tx.query_map(
        &format!(
            "SELECT {COLUMNS} FROM photos WHERE facility = ?1 AND patient_id = ?2 AND session_id != ?3
             AND delivery IS NOT NULL AND state IN ('staged', 'failed', 'committing') ORDER BY taken_at, id LIMIT 200"
        ),
        params![facility, patient_id, except_sid],
        from_row,
    )
}
