//! "It is in Medtech — mark as saved" (ssr only): after an unknown outcome the GP has checked
//! Medtech and found the photo there. It becomes committed with no ALEX id — shown as saved,
//! confirmed by the GP — and is never sent again. Audited with who confirmed.

use rusqlite::params;

use super::{
    documents::{DocState, ScanDoc},
    server::{OUTCOME_UNKNOWN, check_owner},
};
use crate::{
    commit::service::Committer,
    error::{AppError, ErrorKind},
    infra::{audit::append_audit, time::now_secs},
    launch::session::LaunchSession,
    model::{PhotoState, PhotoTarget},
    staging::{
        record::PhotoRecord,
        service::store_error,
        store::{PhotoStore, StoreError},
    },
};

/// `failure_kind` of a committed photo the GP confirmed is in Medtech (it has no ALEX id).
pub const CONFIRMED_BY_GP: &str = "confirmed_by_gp";
/// The audit event of that confirmation (its `practitioner_id` is who confirmed).
pub const CONFIRMED_EVENT: &str = "confirmed_in_medtech";

impl PhotoStore {
    /// Moves a photo whose last commit had an unknown outcome to `committed` (confirmed by the
    /// GP) — or, with `complete = false`, to `staged` when only one half of a commit to both
    /// targets was confirmed and the other is still to go. Answers whether it moved.
    pub async fn confirm_in_medtech(
        &self,
        session: &LaunchSession,
        record: &PhotoRecord,
        complete: bool,
        detail: String,
    ) -> Result<bool, StoreError> {
        let (rec, sid, prac) = (record.clone(), session.id.clone(), session.practitioner_id.clone());
        Ok(self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let moved = tx.execute(
                    "UPDATE photos SET state = CASE WHEN ?1 THEN 'committed' ELSE 'staged' END,
                     failure_kind = CASE WHEN ?1 THEN ?2 ELSE NULL END, failure = NULL, updated_at = ?3
                     WHERE id = ?4 AND session_id = ?5 AND state = 'failed' AND failure_kind = ?6",
                    params![complete, CONFIRMED_BY_GP, now_secs(), rec.id, sid, OUTCOME_UNKNOWN],
                )?;
                if moved == 1 {
                    append_audit(&tx, &rec.audit(CONFIRMED_EVENT, prac.as_deref(), Some(&detail)))?;
                }
                tx.commit()?;
                Ok(moved == 1)
            })
            .await?)
    }
}

fn conflict(message: &str) -> AppError {
    AppError::new(ErrorKind::Conflict, message)
}

/// The GP says photo `id` is in Medtech. When its Inbox-Scan PDF was the unknown part, the
/// whole document is confirmed, so every photo in it is answered.
pub async fn confirm_in_medtech(
    state: &Committer,
    session: &LaunchSession,
    id: &str,
) -> Result<Vec<PhotoRecord>, AppError> {
    let patient = session.patient.as_ref().ok_or_else(AppError::no_patient)?;
    let get = |id: String| async move {
        state
            .photos
            .get(&session.id, &id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| store_error(StoreError::NotFound))
    };
    let record = get(id.to_string()).await?;
    check_owner(&record, session, patient)?;
    if record.state != PhotoState::Failed || record.failure_kind.as_deref() != Some(OUTCOME_UNKNOWN) {
        return Err(conflict(
            "Only a photo whose arrival Medtech did not confirm can be marked as saved.",
        ));
    }
    let doc: Option<ScanDoc> = match record.scan_doc.as_deref() {
        Some(d) if record.target.is_some_and(PhotoTarget::has_scan_doc) => {
            state.photos.scan_doc(&session.id, d).await.map_err(store_error)?
        }
        _ => None,
    };
    let mut out = Vec::new();
    match doc {
        Some(doc) if doc.state == DocState::Unknown => {
            state
                .photos
                .set_scan_doc_state(&doc, DocState::Sent, None, None, None)
                .await
                .map_err(store_error)?;
            let detail = format!("scan_{} document {}", doc.kind.as_str(), doc.id);
            for photo in &doc.photo_ids {
                let r = get(photo.clone()).await?;
                // Also going as a Media that is not in yet: that half is still to go.
                let complete = !(r.target == Some(PhotoTarget::Both) && r.alex_id.is_none());
                state
                    .photos
                    .confirm_in_medtech(session, &r, complete, detail.clone())
                    .await
                    .map_err(store_error)?;
                out.push(get(photo.clone()).await?);
            }
        }
        doc => {
            if record.target == Some(PhotoTarget::Both) && !doc.is_some_and(|d| d.state == DocState::Sent) {
                return Err(conflict(
                    "This photo's PDF has not reached Medtech yet: send it again so both parts arrive.",
                ));
            }
            state
                .photos
                .confirm_in_medtech(
                    session,
                    &record,
                    true,
                    record.target.unwrap_or(PhotoTarget::Media).as_str().to_string(),
                )
                .await
                .map_err(store_error)?;
            out.push(get(id.to_string()).await?);
        }
    }
    tracing::info!(photo = %record.id, photos = out.len(), "photo confirmed in Medtech by the GP");
    Ok(out)
}
