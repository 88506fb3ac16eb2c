//! The commit server function: one photo per call, so the page shows per-photo progress.

use leptos::prelude::*;

use crate::{error::AppError, model::PhotoView};

#[cfg(feature = "ssr")]
mod ssr {
    use crate::{
        error::{AppError, with_status},
        launch::server::{LaunchSession, authorise},
        server::state::{AppState, app_state},
        model::PhotoView,
        staging::store::PhotoRecord,
    };

    /// The app and the launch session `sid`, if this browser opened it.
    pub async fn authorised(sid: &str) -> Result<(AppState, LaunchSession), AppError> {
        let state = app_state().map_err(|_| AppError::internal())?;
        let session = authorise(&state, sid).await.map_err(with_status)?;
        Ok((state, session))
    }

    /// The photos a call touched, as the page shows them (or its error, with its status).
    pub fn views(
        state: &AppState,
        sid: &str,
        records: Result<Vec<PhotoRecord>, AppError>,
    ) -> Result<Vec<PhotoView>, AppError> {
        let records = records.map_err(with_status)?;
        Ok(records
            .iter()
            .map(|r| r.view(&state.settings.required_fields, sid))
            .collect())
    }
}

/// Sends one photo to Medtech as a FHIR Media. Committed photos are answered as they are
/// (never sent twice). A photo whose last attempt had an unknown outcome is only sent again
/// with `resend_unknown`, after the GP has checked Medtech.
#[server(prefix = "/api", endpoint = "photos/commit")]
pub async fn commit_photo(sid: String, id: String, resend_unknown: bool) -> Result<PhotoView, AppError> {
    let (state, session) = ssr::authorised(&sid).await?;
    super::server::commit_one(&state, &session, &id, resend_unknown)
        .await
        .map(|r| r.view(&state.settings.required_fields, &sid))
        .map_err(crate::error::with_status)
}

/// Most photos one Scan request takes (they are all held in memory while the PDFs are made);
/// the commit bar sends more in batches of this size.
pub const SCAN_BATCH: usize = 50;

/// Sends photos to Medtech as PDF documents in the patient's Inbox Scan folder (split when one
/// would be too large); `with_media` when they also go as Media (then `commit_photo` follows). Answers every photo touched. Committed photos are skipped; a document
/// whose arrival Medtech did not confirm is resent, byte for byte, only with `resend_unknown`.
#[server(prefix = "/api", endpoint = "photos/commit-scan")]
pub async fn commit_scan(
    sid: String,
    ids: Vec<String>,
    resend_unknown: bool,
    with_media: bool,
) -> Result<Vec<PhotoView>, AppError> {
    let (state, session) = ssr::authorised(&sid).await?;
    let records = super::scan::commit_scan(&state, &session, &ids, resend_unknown, with_media).await;
    ssr::views(&state, &sid, records)
}

/// "It is in Medtech — mark as saved": after an unknown outcome the GP checked Medtech and found
/// the photo there. It becomes committed (confirmed by the GP, audited with who confirmed) and is
/// never sent again. Answers every photo touched (all of a confirmed Inbox-Scan document's).
#[server(prefix = "/api", endpoint = "photos/confirm-in-medtech")]
pub async fn confirm_in_medtech(sid: String, id: String) -> Result<Vec<PhotoView>, AppError> {
    let (state, session) = ssr::authorised(&sid).await?;
    let records = super::confirm::confirm_in_medtech(&state, &session, &id).await;
    ssr::views(&state, &sid, records)
}
