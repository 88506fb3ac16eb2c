//! Server functions of the editor: read and save a photo's edit (one-line adapters over the
//! renderer's service). Saving never touches the staged original; the edit is a list of
//! operations rendered on demand.

use leptos::prelude::*;

use super::ops::Edit;
use crate::{error::AppError, model::PhotoView};

#[cfg(feature = "ssr")]
use crate::{
    editor::server::Renderer,
    infra::http::{request_headers, service},
};

/// The photo's saved edit (`None` = unedited).
#[server(prefix = "/api", endpoint = "photos/edit/get")]
pub async fn get_edit(sid: String, id: String) -> Result<Option<Edit>, AppError> {
    service::<Renderer>()?.get_edit(&sid, &request_headers()?, &id).await
}

/// Saves the photo's edit; `None` (or no operations) resets it to the original. Sent as JSON:
/// a list of tagged operations does not survive URL encoding.
#[server(prefix = "/api", endpoint = "photos/edit/save", input = leptos::server_fn::codec::Json)]
pub async fn save_edit(sid: String, id: String, edit: Option<Edit>) -> Result<PhotoView, AppError> {
    service::<Renderer>()?
        .save_edit(&sid, &request_headers()?, &id, edit)
        .await
}
