//! Server functions about the launch session, and what they return.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    model::{ClientLimits, PatientSummary},
};

/// What a page shows about its launch session. Display strings only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub facility: String,
    /// None when Medtech had no patient open at launch.
    pub patient: Option<PatientSummary>,
    pub practitioner: Option<String>,
    pub limits: ClientLimits,
    /// The consent recorded for this session, in words (None: not yet recorded).
    pub consent: Option<String>,
}

/// How the patient consented to photography.
pub const CONSENT_KINDS: [(&str, &str); 3] = [
    ("verbal", "Verbal consent"),
    ("written", "Written consent"),
    ("not_obtainable", "Consent not obtainable"),
];

/// "Verbal consent", or "Consent not obtainable: unconscious" (None for an unknown kind).
pub fn consent_words(kind: &str, reason: Option<&str>) -> Option<String> {
    let label = CONSENT_KINDS.iter().find(|(k, _)| *k == kind)?.1;
    Some(match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) if kind == "not_obtainable" => format!("{label}: {r}"),
        _ => label.to_string(),
    })
}

/// The launch session `sid`, if this browser opened it and it has not expired.
#[server(prefix = "/api", endpoint = "session")]
pub async fn get_session(sid: String) -> Result<SessionView, AppError> {
    use crate::infra::http::{request_headers, service};
    let sessions = service::<super::server::Sessions>()?;
    let session = super::server::authorise(&sessions, &sid, &request_headers()?).await?;
    Ok(session.view(&sessions.settings))
}

/// Records the patient's consent for this session (before the first photo, where required).
#[server(prefix = "/api", endpoint = "consent")]
pub async fn record_consent(sid: String, kind: String, reason: Option<String>) -> Result<SessionView, AppError> {
    use crate::infra::http::{request_headers, service};
    let sessions = service::<super::server::Sessions>()?;
    let session = super::server::authorise(&sessions, &sid, &request_headers()?).await?;
    let session = super::server::record_consent(&sessions, &session, &kind, reason.as_deref()).await?;
    Ok(session.view(&sessions.settings))
}

/// The hydrated page of session `sid` says its WebAssembly ran: counted once per launch with the
/// launch's browser engine, for operators (`/api/ops/engines`). The session's id (unguessable,
/// known only to the page it was sent to) is enough: the browser cookie is not asked for, so a
/// page whose cookie an embedded engine dropped still counts as having run its WebAssembly.
#[server(prefix = "/api", endpoint = "launch/wasm")]
pub async fn wasm_ran(sid: String) -> Result<(), AppError> {
    use crate::infra::http::service;
    let sessions = service::<super::server::Sessions>()?;
    super::server::load_live(&sessions, &sid).await?;
    super::engine::wasm_ran(&sessions, &sid).await
}

/// Tells the server, once the page is interactive, that its WebAssembly runs (nothing is shown).
/// A launch whose page never says so is one where the engine could not run the widget.
#[component]
pub fn WasmBeacon(sid: String) -> impl IntoView {
    // Effects run only in the browser, after hydration: reaching this line is the proof.
    Effect::new(move |_| {
        let sid = sid.clone();
        leptos::task::spawn_local(async move {
            let _ = wasm_ran(sid).await;
        });
    });
}
