//! Server functions over the session's staged photos. Every one names its launch session and
//! is checked against this browser's cookie; the patient always comes from the session.

use leptos::prelude::*;

use crate::model::PhotoView;
use crate::{error::AppError, metadata::tags::TagPatch};

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::{
        error::with_status,
        launch::server::{LaunchSession, authorise},
        server::state::{AppState, app_state},
        staging::server::store_error,
    };

    pub async fn session(sid: &str) -> Result<(AppState, LaunchSession), crate::error::AppError> {
        let state = app_state().map_err(|_| crate::error::AppError::internal())?;
        let s = authorise(&state, sid).await.map_err(with_status)?;
        Ok((state, s))
    }
}

/// The session's photos that are not removed, oldest first.
#[server(prefix = "/api", endpoint = "photos/list")]
pub async fn list_photos(sid: String) -> Result<Vec<PhotoView>, AppError> {
    let (state, session) = ssr::session(&sid).await?;
    let records = state
        .photos
        .list(&session.id)
        .await
        .map_err(|e| ssr::with_status(ssr::store_error(e)))?;
    Ok(records
        .iter()
        .map(|r| r.view(&state.settings.required_fields, &sid))
        .collect())
}

/// Applies one tag change to several photos at once ("apply to all / to selected").
#[server(prefix = "/api", endpoint = "photos/tag")]
pub async fn tag_photos(sid: String, ids: Vec<String>, patch: TagPatch) -> Result<Vec<PhotoView>, AppError> {
    let (state, session) = ssr::session(&sid).await?;
    patch.validate().map_err(|m| ssr::with_status(AppError::invalid(m)))?;
    if ids.len() > 500 {
        return Err(ssr::with_status(AppError::invalid("Too many photos in one change.")));
    }
    let changed = state
        .photos
        .update_tags(&session, ids, patch)
        .await
        .map_err(|e| ssr::with_status(ssr::store_error(e)))?;
    Ok(changed
        .iter()
        .map(|r| r.view(&state.settings.required_fields, &sid))
        .collect())
}

/// Removes a photo that is not committed (undo with `restore_photo`).
#[server(prefix = "/api", endpoint = "photos/remove")]
pub async fn remove_photo(sid: String, id: String) -> Result<PhotoView, AppError> {
    let (state, session) = ssr::session(&sid).await?;
    let r = state
        .photos
        .set_removed(&session, &id, true)
        .await
        .map_err(|e| ssr::with_status(ssr::store_error(e)))?;
    Ok(r.view(&state.settings.required_fields, &sid))
}

#[server(prefix = "/api", endpoint = "photos/restore")]
pub async fn restore_photo(sid: String, id: String) -> Result<PhotoView, AppError> {
    let (state, session) = ssr::session(&sid).await?;
    let r = state
        .photos
        .set_removed(&session, &id, false)
        .await
        .map_err(|e| ssr::with_status(ssr::store_error(e)))?;
    Ok(r.view(&state.settings.required_fields, &sid))
}
