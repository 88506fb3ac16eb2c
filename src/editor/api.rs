//! Server functions of the editor: read and save a photo's edit. Saving never touches the
//! staged original; the edit is a list of operations rendered on demand.

use leptos::prelude::*;

use super::ops::Edit;
use crate::{error::AppError, model::PhotoView};

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::{
        editor::server::edit_of,
        error::with_status,
        launch::server::{LaunchSession, authorise},
        server::state::{AppState, app_state},
        staging::{
            server::store_error,
            store::{PhotoRecord, StoreError},
        },
    };

    pub async fn session(sid: &str) -> Result<(AppState, LaunchSession), crate::error::AppError> {
        let state = app_state().map_err(|_| crate::error::AppError::internal())?;
        let s = authorise(&state, sid).await.map_err(with_status)?;
        Ok((state, s))
    }

    pub async fn record(
        state: &AppState,
        session: &LaunchSession,
        id: &str,
    ) -> Result<PhotoRecord, crate::error::AppError> {
        state
            .photos
            .get(&session.id, id)
            .await
            .map_err(|e| with_status(store_error(e)))?
            .ok_or_else(|| with_status(store_error(StoreError::NotFound)))
    }
}

/// The photo's saved edit (`None` = unedited).
#[server(prefix = "/api", endpoint = "photos/edit/get")]
pub async fn get_edit(sid: String, id: String) -> Result<Option<Edit>, AppError> {
    let (state, session) = ssr::session(&sid).await?;
    let record = ssr::record(&state, &session, &id).await?;
    ssr::edit_of(&record).map_err(ssr::with_status)
}

/// Saves the photo's edit; `None` (or no operations) resets it to the original. Sent as JSON:
/// a list of tagged operations does not survive URL encoding.
#[server(prefix = "/api", endpoint = "photos/edit/save", input = leptos::server_fn::codec::Json)]
pub async fn save_edit(sid: String, id: String, edit: Option<Edit>) -> Result<PhotoView, AppError> {
    let (state, session) = ssr::session(&sid).await?;
    let record = ssr::record(&state, &session, &id).await?;
    let edit = edit.filter(|e| !e.ops.is_empty());
    if let Some(e) = &edit {
        e.validate(record.width, record.height)
            .map_err(|e| ssr::with_status(AppError::invalid(e.to_string())))?;
    }
    let detail = edit.clone().unwrap_or_default().summary();
    let json = edit.map(|e| serde_json::to_string(&e).unwrap_or_default());
    let r = state
        .photos
        .set_edit(&session, &id, json, detail)
        .await
        .map_err(|e| ssr::with_status(ssr::store_error(e)))?;
    Ok(r.view(&state.settings.required_fields, &sid))
}
