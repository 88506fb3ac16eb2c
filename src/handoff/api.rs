//! Server functions for the phone handoff.

use leptos::prelude::*;

use super::{HandoffView, MobileView};
use crate::error::AppError;

/// Starts (or restarts) phone capture for a desktop session: a new link and code; any earlier
/// one is revoked.
#[server(prefix = "/api", endpoint = "handoff/start")]
pub async fn start_handoff(sid: String) -> Result<HandoffView, AppError> {
    use crate::{error::with_status, launch::server::authorise, server::state::app_state};
    let state = app_state().map_err(|_| AppError::internal())?;
    let session = authorise(&state, &sid).await.map_err(with_status)?;
    let parts = use_context::<axum::http::request::Parts>().ok_or_else(AppError::internal)?;
    let https = parts
        .extensions
        .get::<crate::server::security::Client>()
        .is_some_and(|c| c.https);
    super::server::start(&state, &session, &parts.headers, https)
        .await
        .map_err(with_status)
}

/// "Stop phone capture": the link and code stop working at once.
#[server(prefix = "/api", endpoint = "handoff/stop")]
pub async fn stop_handoff(sid: String) -> Result<(), AppError> {
    use crate::{error::with_status, launch::server::authorise, server::state::app_state};
    let state = app_state().map_err(|_| AppError::internal())?;
    let session = authorise(&state, &sid).await.map_err(with_status)?;
    super::server::revoke_session(&state, &session.id)
        .await
        .map_err(with_status)
}

/// Exchanges a typed code for the phone link's token (rate-limited per address).
#[server(prefix = "/api", endpoint = "handoff/redeem")]
pub async fn redeem_code(code: String) -> Result<String, AppError> {
    use crate::{error::with_status, server::state::app_state};
    let state = app_state().map_err(|_| AppError::internal())?;
    let ip = super::server::client_ip(&state.settings.trusted_proxies).await;
    super::server::redeem(&state, ip, &code).await.map_err(with_status)
}

/// The phone's view of its link: the patient, the limits, when it expires.
#[server(prefix = "/api", endpoint = "handoff/session")]
pub async fn mobile_session(token: String) -> Result<MobileView, AppError> {
    use crate::{error::with_status, server::state::app_state};
    let state = app_state().map_err(|_| AppError::internal())?;
    let ip = super::server::client_ip(&state.settings.trusted_proxies).await;
    super::server::mobile_view(&state, ip, &token)
        .await
        .map_err(with_status)
}
