//! Server functions over the session's staged photos: one-line adapters over the staging
//! service. Every one names its launch session and is checked against this browser's cookie; the
//! patient always comes from the session.

use leptos::prelude::*;

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
