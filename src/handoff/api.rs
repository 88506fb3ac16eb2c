//! Server functions for the phone handoff: one-line adapters over the handoff service.

use leptos::prelude::*;

use super::{HandoffView, MobileView};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::service::Handoffs;
#[cfg(feature = "ssr")]
use crate::infra::http::{client, request_headers, service};

/// Starts (or restarts) phone capture for a desktop session: a new link and code; any earlier
/// one is revoked.
#[server(prefix = "/api", endpoint = "handoff/start")]
pub async fn start_handoff(sid: String) -> Result<HandoffView, AppError> {
    service::<Handoffs>()?
        .start_for(&sid, &request_headers()?, client()?.https)
        .await
}

/// "Stop phone capture": the link and code stop working at once.
#[server(prefix = "/api", endpoint = "handoff/stop")]
pub async fn stop_handoff(sid: String) -> Result<(), AppError> {
    service::<Handoffs>()?.stop_for(&sid, &request_headers()?).await
}

/// Exchanges a typed code for the phone link's token (rate-limited per address).
#[server(prefix = "/api", endpoint = "handoff/redeem")]
pub async fn redeem_code(code: String) -> Result<String, AppError> {
    super::service::redeem(&service::<Handoffs>()?, client()?.ip, &code).await
}

/// The phone's view of its link: the patient, the limits, when it expires.
#[server(prefix = "/api", endpoint = "handoff/session")]
pub async fn mobile_session(token: String) -> Result<MobileView, AppError> {
    super::service::mobile_view(&service::<Handoffs>()?, client()?.ip, &token).await
}
