//! Server functions about the launch session, and what they return.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, ui::frame::PatientSummary};

/// What a page shows about its launch session. Display strings only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub facility: String,
    /// None when Medtech had no patient open at launch.
    pub patient: Option<PatientSummary>,
    pub practitioner: Option<String>,
    pub limits: ClientLimits,
}

/// The deployment's settings the browser needs to prepare and check photos.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientLimits {
    pub max_long_edge_px: u32,
    pub max_image_bytes: u64,
    pub required_fields: Vec<String>,
    pub phone_handoff: bool,
}

/// The launch session `sid`, if this browser opened it and it has not expired.
#[server(prefix = "/api", endpoint = "session")]
pub async fn get_session(sid: String) -> Result<SessionView, AppError> {
    use crate::{error::with_status, server::state::app_state};
    let state = app_state().map_err(|_| AppError::internal())?;
    let session = super::server::authorise(&state, &sid).await.map_err(with_status)?;
    Ok(session.view(&state.settings))
}
