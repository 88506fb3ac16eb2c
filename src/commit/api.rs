//! The commit server functions (one-line adapters over the commit service): one photo per call,
//! so the page shows per-photo progress.

use leptos::prelude::*;

use super::task_model::{PractitionerOption, TaskView};
#[cfg(feature = "ssr")]
use crate::commit::documents::DocKind;
use crate::{
    error::AppError,
    model::{PhotoView, Targets},
};

#[cfg(feature = "ssr")]
use crate::{
    commit::{service::Committer, task::FollowUp},
    infra::http::{request_headers, service},
};

/// Sends one photo to Medtech as a FHIR Media — the Media part of its commit. `targets` is where
/// the GP chose to send a photo never sent before (all its parts; Media alone when absent); a
/// photo sent before keeps its own. Committed photos are answered as they are (never sent
/// twice). A photo whose last attempt had an unknown outcome is only sent again with
/// `resend_unknown`, after the GP has checked Medtech.
#[server(prefix = "/api", endpoint = "photos/commit")]
pub async fn commit_photo(
    sid: String,
    id: String,
    resend_unknown: bool,
    #[server(default)] targets: Option<Targets>,
) -> Result<PhotoView, AppError> {
    service::<Committer>()?
        .commit_photo(&sid, &request_headers()?, &id, resend_unknown, targets)
        .await
}

/// Most photos one Scan request takes (they are all held in memory while the PDFs are made);
/// the commit bar sends more in batches of this size.
pub const SCAN_BATCH: usize = 50;

/// Sends photos to Medtech as PDF documents in the patient's Inbox Scan folder (split when one
/// would be too large) — the PDF part of their commit; `targets` as for `commit_photo` (the PDF
/// alone when absent). Answers every photo touched. Committed photos are skipped; a document
/// whose arrival Medtech did not confirm is resent, byte for byte, only with `resend_unknown`.
#[server(prefix = "/api", endpoint = "photos/commit-scan")]
pub async fn commit_scan(
    sid: String,
    ids: Vec<String>,
    resend_unknown: bool,
    #[server(default)] targets: Option<Targets>,
) -> Result<Vec<PhotoView>, AppError> {
    service::<Committer>()?
        .commit_scan(&sid, &request_headers()?, &ids, resend_unknown, DocKind::Pdf, targets)
        .await
}

/// Sends photos to Medtech as TIFF images in the patient's Inbox Scan folder, one document per
/// photo (the photo as a JPEG inside, its caption band below) — the TIFF part of their commit;
/// `targets` as for `commit_photo`. Answers every photo touched. Committed photos are skipped; a
/// TIFF whose arrival Medtech did not confirm is resent, byte for byte, only with `resend_unknown`.
#[server(prefix = "/api", endpoint = "photos/commit-tiff")]
pub async fn commit_tiff(
    sid: String,
    ids: Vec<String>,
    resend_unknown: bool,
    #[server(default)] targets: Option<Targets>,
) -> Result<Vec<PhotoView>, AppError> {
    service::<Committer>()?
        .commit_scan(&sid, &request_headers()?, &ids, resend_unknown, DocKind::Tiff, targets)
        .await
}

/// The practitioners of this practice a follow-up task may go to, the GP first. Refused when
/// follow-up tasks are off.
#[server(prefix = "/api", endpoint = "tasks/practitioners")]
pub async fn task_practitioners(sid: String) -> Result<Vec<PractitionerOption>, AppError> {
    service::<Committer>()?
        .follow_up_practitioners(&sid, &request_headers()?)
        .await
}

/// A follow-up task in Medtech about the committed photos `photo_ids`: for `owner_id` (a
/// practitioner of this practice), due in `days`, saying `text`. `key` is the browser's: the
/// same key is the same task (sent once). A task whose arrival Medtech did not confirm is only
/// sent again with `resend_unknown`. Refused when follow-up tasks are off.
#[server(prefix = "/api", endpoint = "tasks/follow-up")]
pub async fn follow_up_task(
    sid: String,
    key: String,
    owner_id: String,
    days: u32,
    text: String,
    #[server(default)] photo_ids: Vec<String>,
    resend_unknown: bool,
) -> Result<TaskView, AppError> {
    let req = FollowUp {
        key,
        owner_id,
        days,
        text,
        photo_ids,
    };
    service::<Committer>()?
        .follow_up_task(&sid, &request_headers()?, req, resend_unknown)
        .await
}

/// "It is in Medtech — mark as saved": after an unknown outcome the GP checked Medtech and found
/// the photo there. It becomes committed (confirmed by the GP, audited with who confirmed) and is
/// never sent again. Answers every photo touched (all of a confirmed Inbox-Scan document's).
#[server(prefix = "/api", endpoint = "photos/confirm-in-medtech")]
pub async fn confirm_in_medtech(sid: String, id: String) -> Result<Vec<PhotoView>, AppError> {
    service::<Committer>()?
        .confirm_in_medtech(&sid, &request_headers()?, &id)
        .await
}
