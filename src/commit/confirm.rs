//! "It is in Medtech — mark as saved" (ssr only): after an unknown outcome the GP has checked
//! Medtech and found the photo there. It becomes committed with no ALEX id — shown as saved,
//! confirmed by the GP — and is never sent again. Audited with who confirmed.

use std::collections::BTreeSet;

use super::{
    documents::{DocKind, DocState, ScanDoc},
    server::{OUTCOME_UNKNOWN, check_owner},
};
use crate::{
    commit::service::Committer,
    error::{AppError, ErrorKind},
    launch::session::LaunchSession,
    model::{CommitTarget, PartState, PhotoState, Targets},
    staging::{record::PhotoRecord, service::store_error, store::StoreError},
};

pub use crate::model::CONFIRMED_BY_GP;
/// The audit event of that confirmation (its `practitioner_id` is who confirmed).
pub const CONFIRMED_EVENT: &str = "confirmed_in_medtech";

fn conflict(message: &str) -> AppError {
    AppError::new(ErrorKind::Conflict, message)
}

/// The GP says photo `id` is in Medtech: every part of its commit whose arrival Medtech did not
/// confirm — its Media, its Inbox-Scan PDF or TIFF — is marked as in Medtech. A confirmed
/// document is confirmed whole, so every photo in it is answered. A photo whose every part is
/// then in Medtech is committed; one with parts still to go waits for them.
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
    let targets = record.target.unwrap_or(Targets::one(CommitTarget::Media));
    let mut docs: Vec<ScanDoc> = Vec::new();
    for kind in [DocKind::Pdf, DocKind::Tiff] {
        let Some(doc) = kind.doc_of(&record).filter(|_| targets.contains(kind.target())) else {
            continue;
        };
        if let Some(d) = state.photos.scan_doc(&session.id, doc).await.map_err(store_error)? {
            if d.state == DocState::Unknown {
                docs.push(d);
            }
        }
    }
    // Its Media is unknown when recorded so — or, on a record older than per-part states, when
    // no document explains the unknown outcome.
    let media_unknown = targets.media
        && (record.media_state == Some(PartState::Unknown) || docs.is_empty() && record.media_state.is_none());
    if docs.is_empty() && !media_unknown {
        return Err(conflict(
            "Nothing of this photo is waiting for Medtech's confirmation: send it again instead.",
        ));
    }
    let mut touched = BTreeSet::new();
    for doc in &docs {
        state
            .photos
            .set_scan_doc_state(doc, DocState::Sent, None, None, None)
            .await
            .map_err(store_error)?;
        let detail = format!("scan_{} document {}", doc.kind.as_str(), doc.id);
        for photo in &doc.photo_ids {
            confirm_part(
                state,
                session,
                &get(photo.clone()).await?,
                doc.kind.target(),
                detail.clone(),
            )
            .await?;
            touched.insert(photo.clone());
        }
    }
    if media_unknown {
        confirm_part(
            state,
            session,
            &get(id.to_string()).await?,
            CommitTarget::Media,
            "media".into(),
        )
        .await?;
        touched.insert(id.to_string());
    }
    let mut out = Vec::new();
    for photo in touched {
        out.push(get(photo).await?);
    }
    tracing::info!(photo = %record.id, photos = out.len(), "photo confirmed in Medtech by the GP");
    Ok(out)
}

/// Records that part `this` of photo `r` is in Medtech, as the GP confirmed.
async fn confirm_part(
    state: &Committer,
    session: &LaunchSession,
    r: &PhotoRecord,
    this: CommitTarget,
    detail: String,
) -> Result<(), AppError> {
    let targets = r.target.unwrap_or(Targets::one(this));
    let mut others = state.photos.parts(r, targets).await.map_err(store_error)?;
    others.retain(|(t, _)| *t != this);
    state
        .photos
        .finish_target(session, r, this, Ok(None), others, None, Some(detail))
        .await
        .map_err(store_error)?;
    Ok(())
}
