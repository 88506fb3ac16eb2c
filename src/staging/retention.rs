//! Retention (ssr only): nothing staged outlives `retention_hours` — images and PDFs past it are
//! deleted (uncommitted photos become `expired`, committed ones keep their record for the audit),
//! and so is any stored object no record refers to.

use crate::infra::sql::{Sql, params};
use object_store::path::Path as BlobPath;

use super::{
    record::{COLUMNS, PhotoRecord, from_row},
    store::{PhotoStore, StoreError},
};
use crate::{
    infra::{audit::append_audit, time::now_secs},
    model::PhotoState,
};

/// How far ahead retention warns of photos not committed that it will expire.
const WARN_AHEAD_SECS: i64 = 3600;

impl PhotoStore {
    /// Retention: photos added more than `older_than_secs` ago lose their image. Those never
    /// committed become `expired`; committed ones keep their record (the audit needs it). A photo
    /// the delivery queue holds (queued, waiting, or needing a person) is kept until
    /// `hold_secs` instead, and its expiry then is audited as the end of that hold.
    /// Spent handoff links are forgotten too. Returns how many images were deleted.
    pub async fn purge(&self, older_than_secs: i64, hold_secs: i64) -> Result<usize, StoreError> {
        let cutoff = now_secs() - older_than_secs;
        let held_cutoff = now_secs() - hold_secs;
        let due: Vec<PhotoRecord> = self
            .db
            .call(move |c| {
                c.query_map(
                    &format!(
                        "SELECT {COLUMNS} FROM photos WHERE blob_key != '' AND state != 'committing'
                         AND created_at < CASE WHEN delivery IS NULL THEN ?1 ELSE ?2 END"
                    ),
                    params![cutoff, held_cutoff],
                    from_row,
                )
            })
            .await?;
        let held = due.iter().filter(|r| r.delivery.is_some()).count();
        if held > 0 {
            tracing::warn!(
                photos = held,
                "retention: photos that waited for delivery past the hold limit expire now (see the audit)"
            );
        }
        // Someone should hear of what is lost before it goes: a count, never who.
        let uncommitted = due
            .iter()
            .filter(|r| !matches!(r.state, PhotoState::Committed | PhotoState::Removed))
            .count();
        if uncommitted > 0 {
            tracing::warn!(
                photos = uncommitted,
                "retention: photos never committed are about to expire; their images are deleted now"
            );
        }
        let soon = self
            .uncommitted_due(older_than_secs, hold_secs, WARN_AHEAD_SECS)
            .await?;
        if soon > uncommitted as u64 {
            tracing::warn!(
                photos = soon - uncommitted as u64,
                within_minutes = WARN_AHEAD_SECS / 60,
                "retention: photos not committed will expire soon (see /ops/stuck)"
            );
        }
        for r in &due {
            self.delete_blob(&r.blob_key).await?;
            let r = r.clone();
            self.db
                .call(move |c| {
                    let mut tx = c.transaction()?;
                    let expire = r.state != PhotoState::Committed;
                    tx.execute(
                        "UPDATE photos SET blob_key = '', state = CASE WHEN ?1 = 1 THEN 'expired' ELSE state END,
                         delivery = NULL, next_try_at = NULL, updated_at = ?2 WHERE id = ?3",
                        params![expire, now_secs(), r.id],
                    )?;
                    let why = if r.delivery.is_some() {
                        "delivery_hold"
                    } else {
                        "retention"
                    };
                    append_audit(
                        &mut tx,
                        &r.audit(if expire { "expired" } else { "image_deleted" }, None, Some(why)),
                    )?;
                    tx.commit()
                })
                .await?;
        }
        let lesions = self.purge_lesions(cutoff).await?;
        if lesions > 0 {
            tracing::info!(lesions, "retention: lesions of past skin checks were deleted");
        }
        let orphans = self.sweep_orphans(cutoff).await?;
        if orphans > 0 {
            tracing::warn!(
                objects = orphans,
                "retention: stored objects no record refers to were deleted"
            );
        }
        Ok(due.len())
    }

    /// Deletes stored objects older than `cutoff` that no photo or document refers to (an
    /// upload cut short between its image and its record, a crash mid-write): nothing stored
    /// outlives retention. Returns how many were deleted.
    pub async fn sweep_orphans(&self, cutoff: i64) -> Result<usize, StoreError> {
        use futures::TryStreamExt;
        let known: std::collections::HashSet<String> = self
            .db
            .call(|c| {
                c.query_map(
                    "SELECT blob_key FROM photos WHERE blob_key != '' UNION SELECT blob_key FROM scan_documents WHERE blob_key != ''",
                    params![],
                    |r| r.get(0),
                )
            })
            .await?
            .into_iter()
            .collect();
        let cutoff = chrono::DateTime::from_timestamp(cutoff, 0).unwrap_or_default();
        let mut swept = 0;
        for prefix in ["photos", "scan"] {
            let objects: Vec<_> = self.blobs.list(Some(&BlobPath::from(prefix))).try_collect().await?;
            for o in objects {
                if o.last_modified < cutoff && !known.contains(o.location.as_ref()) {
                    self.delete_blob(o.location.as_ref()).await?;
                    swept += 1;
                }
            }
        }
        Ok(swept)
    }
}
