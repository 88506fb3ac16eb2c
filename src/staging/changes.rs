//! How a photo's record changes (ssr only): tags, edits, removal, the commit's states. Each change
//! is one guarded UPDATE that names the states it leaves from, with its audit entry in the same
//! transaction.

use crate::infra::sql::{OptionalExtension, Sql, params};

use super::{
    record::{COLUMNS, PhotoRecord, from_row, moved},
    store::{PhotoStore, StoreError},
};
use crate::{
    infra::{
        audit::{Audit, append_audit},
        time::now_secs,
    },
    launch::session::LaunchSession,
    metadata::tags::TagPatch,
    model::PhotoState,
};

impl PhotoStore {
    /// Applies a tag change to photos of this session that can still change (not committed, not
    /// queued); a photo of another session (or none) refuses the whole change.
    pub async fn update_tags(
        &self,
        session: &LaunchSession,
        ids: Vec<String>,
        patch: TagPatch,
    ) -> Result<Vec<PhotoRecord>, StoreError> {
        let (sid, prac) = (session.id.clone(), session.practitioner_id.clone());
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let mut changed = Vec::new();
                for id in &ids {
                    let Some(mut r) = tx
                        .query_row(
                            &format!("SELECT {COLUMNS} FROM photos WHERE id = ?1 AND session_id = ?2"),
                            params![id, sid],
                            from_row,
                        )
                        .optional()?
                    else {
                        // Not a photo of this session: the whole change is refused, nothing written.
                        return Ok(Err(StoreError::NotFound));
                    };
                    // Committed, or queued (its tags as committed are frozen): not changed.
                    if !matches!(r.state, PhotoState::Staged | PhotoState::Failed)
                        || r.delivery.is_some_and(|d| d.is_frozen())
                    {
                        continue;
                    }
                    patch.apply(&mut r.tags);
                    let json = serde_json::to_string(&r.tags).unwrap_or_else(|_| "{}".into());
                    tx.execute(
                        "UPDATE photos SET tags = ?1, updated_at = ?2 WHERE id = ?3",
                        params![json, now_secs(), r.id],
                    )?;
                    append_audit(&mut tx, &r.audit("tagged", prac.as_deref(), Some(&json)))?;
                    changed.push(r);
                }
                tx.commit()?;
                Ok(Ok(changed))
            })
            .await?
    }

    /// Saves (or, with `None`, clears) the editor's operations for a photo that can still change.
    /// The original image is never touched; `detail` goes to the `edited` audit entry.
    pub async fn set_edit(
        &self,
        session: &LaunchSession,
        id: &str,
        edit: Option<String>,
        detail: String,
    ) -> Result<PhotoRecord, StoreError> {
        let (sid, id, prac) = (session.id.clone(), id.to_string(), session.practitioner_id.clone());
        let result = self
            .db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let changed = tx.execute(
                    "UPDATE photos SET edit = ?1, updated_at = ?2 WHERE id = ?3 AND session_id = ?4 AND state IN ('staged', 'failed') AND (delivery IS NULL OR delivery = 'needs_you')",
                    params![edit, now_secs(), id, sid],
                )?;
                let r = tx
                    .query_row(&format!("SELECT {COLUMNS} FROM photos WHERE id = ?1 AND session_id = ?2"), params![id, sid], from_row)
                    .optional()?;
                if let (1, Some(r)) = (changed, &r) {
                    append_audit(&mut tx, &r.audit("edited", prac.as_deref(), Some(&detail)))?;
                }
                tx.commit()?;
                Ok((changed, r))
            })
            .await?;
        moved(result)
    }

    /// Removes (or, with `removed = false`, restores) a photo that is not committed.
    pub async fn set_removed(
        &self,
        session: &LaunchSession,
        id: &str,
        removed: bool,
    ) -> Result<PhotoRecord, StoreError> {
        let (from, to, event) = if removed {
            (
                &[PhotoState::Staged, PhotoState::Failed][..],
                PhotoState::Removed,
                "removed",
            )
        } else {
            (&[PhotoState::Removed][..], PhotoState::Staged, "restored")
        };
        self.transition(session, id, from, to, event, None).await
    }

    /// Moves one photo to `to` when its current state is one of `from`, with an audit entry;
    /// answers the photo as it now is, or why it could not move.
    pub async fn transition(
        &self,
        session: &LaunchSession,
        id: &str,
        from: &[PhotoState],
        to: PhotoState,
        event: &'static str,
        detail: Option<String>,
    ) -> Result<PhotoRecord, StoreError> {
        let (sid, id, prac) = (session.id.clone(), id.to_string(), session.practitioner_id.clone());
        let me = self.db.instance().to_string();
        // A GP's removal never takes a photo out of the delivery queue (withdrawing does).
        let guard_queued = to == PhotoState::Removed;
        // The states it may leave from, as SQL literals made from the enum (never from input).
        let from_sql = from
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let result = self
            .db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let moved = tx.execute(
                    &format!(
                        "UPDATE photos SET state = ?1, updated_at = ?2, claimed_by = ?5 WHERE id = ?3 AND session_id = ?4 AND state IN ({from_sql}) AND (?6 = 0 OR delivery IS NULL)"
                    ),
                    params![to.as_str(), now_secs(), id, sid, me, guard_queued],
                )?;
                let r = tx
                    .query_row(
                        &format!("SELECT {COLUMNS} FROM photos WHERE id = ?1 AND session_id = ?2"),
                        params![id, sid],
                        from_row,
                    )
                    .optional()?;
                if let (1, Some(r)) = (moved, &r) {
                    append_audit(&mut tx, &r.audit(event, prac.as_deref(), detail.as_deref()))?;
                }
                tx.commit()?;
                Ok((moved, r))
            })
            .await?;
        moved(result)
    }

    /// Records the outcome of a commit attempt that began with `transition(... Committing)`.
    pub async fn finish_commit(
        &self,
        session: &LaunchSession,
        record: &PhotoRecord,
        outcome: Result<String, (String, String)>,
        correlation_id: Option<String>,
    ) -> Result<PhotoRecord, StoreError> {
        let (id, prac) = (record.id.clone(), session.practitioner_id.clone());
        let rec = record.clone();
        let r = self
            .db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let now = now_secs();
                match &outcome {
                    Ok(alex_id) => tx.execute(
                        "UPDATE photos SET state = 'committed', alex_id = ?1, failure_kind = NULL, failure = NULL, updated_at = ?2 WHERE id = ?3",
                        params![alex_id, now, id],
                    )?,
                    Err((kind, message)) => tx.execute(
                        "UPDATE photos SET state = 'failed', failure_kind = ?1, failure = ?2, updated_at = ?3 WHERE id = ?4",
                        params![kind, message, now, id],
                    )?,
                };
                let event = if outcome.is_ok() { "committed" } else { "failed" };
                append_audit(&mut tx, &Audit {
                    alex_id: outcome.as_ref().ok().map(String::as_str),
                    correlation_id: correlation_id.as_deref(),
                    ..rec.audit(event, prac.as_deref(), outcome.as_ref().err().map(|(k, _)| k.as_str()))
                })?;
                let r = tx.query_row(&format!("SELECT {COLUMNS} FROM photos WHERE id = ?1"), params![id], from_row)?;
                tx.commit()?;
                Ok(r)
            })
            .await?;
        Ok(r)
    }

    /// A photo left "committing" by an instance that is gone (this one before a restart, or
    /// another that died: see `infra::instances`) may or may not have reached Medtech: mark it
    /// failed with an unknown outcome, so it is never re-sent without the GP checking first.
    /// Parts (a Media, a document) left on their way by such an instance become unknown too.
    pub async fn recover_interrupted(&self) -> Result<usize, StoreError> {
        let alive_since = crate::infra::instances::alive_since(&self.db);
        let gone = crate::infra::instances::unclaimed("claimed_by", 1);
        Ok(self
            .db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let stuck: Vec<PhotoRecord> = tx.query_map(
                    &format!("SELECT {COLUMNS} FROM photos WHERE state = 'committing' AND {gone}"),
                    params![alive_since],
                    from_row,
                )?;
                for r in &stuck {
                    tx.execute(
                        "UPDATE photos SET state = 'failed', failure_kind = 'outcome_unknown', failure = ?1, updated_at = ?2 WHERE id = ?3",
                        params![crate::alex::AlexError::OutcomeUnknown { detail: String::new() }.gp_message(), now_secs(), r.id],
                    )?;
                    append_audit(&mut tx, &r.audit("failed", None, Some("outcome_unknown: interrupted by restart")))?;
                }
                // A Media on its way when the server stopped may or may not be in Medtech.
                tx.execute(
                    &format!("UPDATE photos SET media_state = 'unknown' WHERE media_state = 'sending' AND {gone}"),
                    params![alive_since],
                )?;
                PhotoStore::recover_scan_docs(&mut tx, alive_since)?;
                tx.commit()?;
                Ok(stuck.len())
            })
            .await?)
    }
}
