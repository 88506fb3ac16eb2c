//! Server functions over the session's staged photos: one-line adapters over the staging
//! service. Every one names its launch session and is checked against this browser's cookie; the
//! patient always comes from the session.

use leptos::prelude::*;

use super::lesion::LesionView;
use crate::{error::AppError, metadata::tags::TagPatch, model::PhotoView};

#[cfg(feature = "ssr")]
use crate::{
    infra::http::{request_headers, service},
    staging::service::Photos,
};

/// The session's photos that are not removed, oldest first.
#[server(prefix = "/api", endpoint = "photos/list")]
pub async fn list_photos(sid: String) -> Result<Vec<PhotoView>, AppError> {
    service::<Photos>()?.list(&sid, &request_headers()?).await
}

/// Applies one tag change to several photos at once ("apply to all / to selected").
#[server(prefix = "/api", endpoint = "photos/tag")]
pub async fn tag_photos(sid: String, ids: Vec<String>, patch: TagPatch) -> Result<Vec<PhotoView>, AppError> {
    service::<Photos>()?.tag(&sid, &request_headers()?, ids, patch).await
}

/// Removes a photo that is not committed (undo with `restore_photo`).
#[server(prefix = "/api", endpoint = "photos/remove")]
pub async fn remove_photo(sid: String, id: String) -> Result<PhotoView, AppError> {
    service::<Photos>()?
        .set_removed(&sid, &request_headers()?, &id, true)
        .await
}

#[server(prefix = "/api", endpoint = "photos/restore")]
pub async fn restore_photo(sid: String, id: String) -> Result<PhotoView, AppError> {
    service::<Photos>()?
        .set_removed(&sid, &request_headers()?, &id, false)
        .await
}

/// The session's lesions (skin check), by number.
#[server(prefix = "/api", endpoint = "lesions/list")]
pub async fn list_lesions(sid: String) -> Result<Vec<LesionView>, AppError> {
    service::<Photos>()?.list_lesions(&sid, &request_headers()?).await
}

/// Marks a lesion in a region of the body map (`metadata::body_map` id), with an optional note.
#[server(prefix = "/api", endpoint = "lesions/mark")]
pub async fn mark_lesion(sid: String, region: String, note: String) -> Result<LesionView, AppError> {
    service::<Photos>()?
        .mark_lesion(&sid, &request_headers()?, &region, &note)
        .await
}

/// Changes a lesion's note, or (`note = None`) removes the lesion.
#[server(prefix = "/api", endpoint = "lesions/change")]
pub async fn change_lesion(sid: String, id: String, note: Option<String>) -> Result<Option<LesionView>, AppError> {
    service::<Photos>()?
        .change_lesion(&sid, &request_headers()?, &id, note)
        .await
}

/// Links photos to a lesion (copying its site and side), or (`lesion = None`) unlinks them.
#[server(prefix = "/api", endpoint = "lesions/assign")]
pub async fn assign_lesion(sid: String, lesion: Option<String>, ids: Vec<String>) -> Result<Vec<PhotoView>, AppError> {
    service::<Photos>()?
        .assign_lesion(&sid, &request_headers()?, lesion, ids)
        .await
}
