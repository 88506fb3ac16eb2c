//! The launch handler and the launch-session store (ssr only).
//!
//! A session is bound to the browser that opened it: the browser holds a random secret in an
//! HttpOnly cookie, the session stores its hash. Pages name their session in the path
//! (`/w/{id}`), so two launches in two tabs of one browser stay two sessions.

use axum::{
    Extension,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use cookie::{Cookie, SameSite};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use crate::{
    alex::{AlexError, client::is_launch_token, fhir::Patient},
    error::AppError,
    infra::{
        audit::{Audit, append_audit},
        crypto::{constant_time_eq, is_token, random_token, sha256_hex},
        time::{format_date, now_secs},
    },
    server::{security::Client, state::AppState},
    model::PatientSummary,
};

use super::api::SessionView;

pub const BROWSER_COOKIE: &str = "ci_browser";

#[derive(Debug, Clone)]
pub struct LaunchSession {
    pub id: String,
    pub facility: String,
    pub patient: Option<SessionPatient>,
    pub practitioner_id: Option<String>,
    pub practitioner_name: Option<String>,
    pub expires_at: i64,
    /// (kind, reason) once the patient's consent is recorded.
    pub consent: Option<(String, Option<String>)>,
    /// Its page was closed moments ago (the session ends unless the page comes back).
    pub closing: bool,
}

#[derive(Debug, Clone)]
pub struct SessionPatient {
    pub id: String,
    pub name: String,
    pub birth_date: String,
    pub nhi: String,
}

impl LaunchSession {
    pub fn view(&self, settings: &crate::config::Settings) -> SessionView {
        SessionView {
            limits: crate::model::ClientLimits {
                max_long_edge_px: settings.max_long_edge_px,
                max_image_bytes: settings.max_image_bytes,
                required_fields: settings.required_fields.clone(),
                phone_handoff: settings.phone_handoff,
                consent_required: settings.consent == "required",
                commit_targets: settings.commit_targets.clone(),
            },
            consent: self
                .consent
                .as_ref()
                .and_then(|(k, r)| super::api::consent_words(k, r.as_deref())),
            facility: self.facility.clone(),
            patient: self.patient.as_ref().map(|p| PatientSummary {
                name: p.name.clone(),
                birth_date: p.birth_date.clone(),
                nhi: p.nhi.clone(),
            }),
            practitioner: self.practitioner_name.clone(),
        }
    }
}

/// Why a launch was refused; each has its own page (`/problem/{reason}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchProblem {
    Missing,
    Invalid,
    Expired,
    Replayed,
    Facility,
    Unavailable,
    /// Too many launches from one address in a short time.
    TooMany,
}

impl LaunchProblem {
    pub fn slug(self) -> &'static str {
        match self {
            LaunchProblem::Missing => "launch-missing",
            LaunchProblem::Invalid => "launch-invalid",
            LaunchProblem::Expired => "launch-expired",
            LaunchProblem::Replayed => "launch-used",
            LaunchProblem::Facility => "practice-not-enabled",
            LaunchProblem::Unavailable => "medtech-unavailable",
            LaunchProblem::TooMany => "too-many-launches",
        }
    }
}

#[derive(Deserialize)]
pub struct LaunchQuery {
    context: Option<String>,
    signature: Option<String>,
}



/// `GET /launch?context=…&signature=…`
pub async fn launch(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    Query(q): Query<LaunchQuery>,
) -> Response {
    let (Some(context), Some(signature)) = (
        q.context.filter(|c| !c.is_empty()),
        q.signature.filter(|s| !s.is_empty()),
    ) else {
        return problem(LaunchProblem::Missing);
    };
    // Junk is refused before it costs an ALEX call; so is an address launching too often.
    if !is_launch_token(&context) || !is_launch_token(&signature) {
        tracing::warn!(
            problem = LaunchProblem::Invalid.slug(),
            "launch refused: malformed pair"
        );
        return problem(LaunchProblem::Invalid);
    }
    if !state.launch_limiter.allow(client.ip) {
        tracing::warn!(
            problem = LaunchProblem::TooMany.slug(),
            "launch refused: too many from one address"
        );
        return problem(LaunchProblem::TooMany);
    }
    match start_session(&state, &headers, &context, &signature).await {
        Ok((sid, secret)) => {
            tracing::info!(session = %short(&sid), "launch session created");
            let mut resp = Redirect::to(&format!("/w/{sid}")).into_response();
            if let Ok(v) = HeaderValue::from_str(&browser_cookie(&secret, client.https)) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(p) => {
            tracing::warn!(problem = p.slug(), "launch refused");
            problem(p)
        }
    }
}

fn problem(p: LaunchProblem) -> Response {
    let mut resp = Redirect::to(&format!("/problem/{}", p.slug())).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A session id as it may be logged: enough to correlate, not enough to use.
pub fn short(sid: &str) -> &str {
    &sid[..sid.len().min(6)]
}

/// Opens a session for a verified launch pair. Answers its id and the browser's new secret.
async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    context: &str,
    signature: &str,
) -> Result<(String, String), LaunchProblem> {
    let decoded = state
        .alex
        .decode_launch(context, signature)
        .await
        .map_err(|e| match e {
            e if e.is_transient() => LaunchProblem::Unavailable,
            AlexError::Rejected { ref detail, .. } if detail.to_ascii_lowercase().contains("expired") => {
                LaunchProblem::Expired
            }
            _ => LaunchProblem::Invalid,
        })?;
    if !launched_recently(
        decoded.created_time.as_deref(),
        state.settings.launch_max_age_seconds,
        chrono::Utc::now(),
    ) {
        return Err(LaunchProblem::Expired);
    }
    state
        .alex
        .check_facility(&decoded.facility_code)
        .map_err(|_| LaunchProblem::Facility)?;

    // A launch pair opens one session, once.
    let hash = sha256_hex(format!("{context}.{signature}").as_bytes());
    let keep_until = now_secs() + 24 * 3600;
    let fresh = state
        .db
        .call(move |c| {
            c.execute("DELETE FROM used_launches WHERE expires_at < ?1", params![now_secs()])?;
            c.execute(
                "INSERT OR IGNORE INTO used_launches (hash, expires_at) VALUES (?1, ?2)",
                params![hash, keep_until],
            )
        })
        .await
        .map_err(|_| LaunchProblem::Unavailable)?;
    if fresh == 0 {
        return Err(LaunchProblem::Replayed);
    }

    let facility = decoded.facility_code.clone();
    let patient = match decoded.patient_id.as_deref() {
        Some(id) => Some(summarise(state.alex.patient(&facility, id).await.map_err(map_alex)?)),
        None => None,
    };
    let (practitioner_id, practitioner_name) = match decoded.provider_id.as_deref() {
        Some(id) => match state.alex.practitioner(&facility, id).await {
            Ok(p) => (Some(p.id.clone()), p.display_name()),
            Err(e) if e.is_transient() => return Err(LaunchProblem::Unavailable),
            Err(_) => (Some(id.to_string()), None),
        },
        None => (None, None),
    };

    // A fresh browser secret at every launch (a secret planted in the browser before is never
    // adopted). Sessions this browser opened earlier, still live, move to the new secret, so
    // its other tabs keep working; whoever knew the old secret holds nothing any more.
    let previous = browser_secret(headers).map(|s| sha256_hex(s.as_bytes()));
    let secret = random_token();
    let sid = random_token();
    let now = now_secs();
    let expires = now + state.settings.launch_session_hours as i64 * 3600;
    let row = (
        sid.clone(),
        sha256_hex(secret.as_bytes()),
        facility,
        patient,
        practitioner_id,
        practitioner_name,
    );
    state
        .db
        .call(move |c| {
            let (sid, browser, facility, patient, pr_id, pr_name) = row;
            let tx = c.transaction()?;
            if let Some(previous) = previous {
                tx.execute(
                    "UPDATE sessions SET browser_hash = ?1 WHERE browser_hash = ?2 AND ended_at IS NULL AND expires_at > ?3",
                    params![browser, previous, now],
                )?;
            }
            tx.execute(
                "INSERT INTO sessions (id, browser_hash, facility, patient_id, patient_name, patient_birth_date,
                 patient_nhi, practitioner_id, practitioner_name, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    sid,
                    browser,
                    facility,
                    patient.as_ref().map(|p| &p.id),
                    patient.as_ref().map(|p| &p.name),
                    patient.as_ref().map(|p| &p.birth_date),
                    patient.as_ref().map(|p| &p.nhi),
                    pr_id,
                    pr_name,
                    now,
                    expires
                ],
            )?;
            tx.commit()
        })
        .await
        .map_err(|_| LaunchProblem::Unavailable)?;
    Ok((sid, secret))
}

/// Up to two minutes of clock difference between Medtech and us, into the future.
const CLOCK_SKEW_SECS: i64 = 120;

/// Whether a launch's `createdTime` is recent enough. ALEX's exact format is not published:
/// RFC 3339, or a date-time without offset read as New Zealand time. A missing or unreadable
/// time is refused (fail closed); `max_age_secs = 0` turns the check off.
pub fn launched_recently(created: Option<&str>, max_age_secs: u64, now: chrono::DateTime<chrono::Utc>) -> bool {
    if max_age_secs == 0 {
        return true;
    }
    let Some(created) = created.map(str::trim).and_then(parse_launch_time) else {
        return false;
    };
    let age = now.signed_duration_since(created).num_seconds();
    age >= -CLOCK_SKEW_SECS && age <= max_age_secs as i64
}

fn parse_launch_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    chrono_tz::Pacific::Auckland
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
}

fn map_alex(e: AlexError) -> LaunchProblem {
    if e.is_transient() {
        LaunchProblem::Unavailable
    } else if matches!(
        e,
        AlexError::FacilityNotMapped { .. } | AlexError::FacilityNotAllowed { .. }
    ) {
        LaunchProblem::Facility
    } else {
        LaunchProblem::Invalid
    }
}

fn summarise(p: Patient) -> SessionPatient {
    SessionPatient {
        name: p.display_name().unwrap_or_else(|| "(no name recorded)".into()),
        birth_date: p
            .birth_date
            .as_deref()
            .map(format_date)
            .unwrap_or_else(|| "unknown".into()),
        nhi: p.nhi().unwrap_or("none recorded").to_string(),
        id: p.id,
    }
}


/// The browser cookie. Over https it is `SameSite=None; Secure; Partitioned` so it survives
/// inside Medtech Evolution's embedded pane (a frame on another site); over plain http
/// (development on localhost) `SameSite=Lax`.
fn browser_cookie(secret: &str, https: bool) -> String {
    let mut c = Cookie::build((BROWSER_COOKIE, secret.to_string()))
        .path("/")
        .http_only(true);
    c = if https {
        c.secure(true).same_site(SameSite::None).partitioned(true)
    } else {
        c.same_site(SameSite::Lax)
    };
    c.build().to_string()
}

fn browser_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == BROWSER_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32)
}

/// The session `sid` if it exists, is live, and was opened by the browser making this request.
pub async fn authorise(state: &AppState, sid: &str) -> Result<LaunchSession, AppError> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>().ok_or_else(AppError::internal)?;
    authorise_headers(state, sid, &parts.headers).await
}

pub async fn authorise_headers(state: &AppState, sid: &str, headers: &HeaderMap) -> Result<LaunchSession, AppError> {
    let (browser_hash, session) = load_live(state, sid).await?;
    let Some(secret) = browser_secret(headers) else {
        return Err(AppError::not_this_browser());
    };
    if !constant_time_eq(sha256_hex(secret.as_bytes()).as_bytes(), browser_hash.as_bytes()) {
        return Err(AppError::not_this_browser());
    }
    if session.closing {
        // Its page closed a moment ago and is back (a reload): the session goes on.
        let sid = session.id.clone();
        state
            .db
            .call(move |c| c.execute("UPDATE sessions SET closing_at = NULL WHERE id = ?1", params![sid]))
            .await
            .map_err(|_| AppError::internal())?;
    }
    Ok(LaunchSession {
        closing: false,
        ..session
    })
}

/// A live (not ended, not expired) session by id, with the hash of its browser's secret.
/// Callers decide how the requester proves its right to it.
pub async fn load_live(state: &AppState, sid: &str) -> Result<(String, LaunchSession), AppError> {
    if !is_token(sid) {
        return Err(AppError::session_unknown());
    }
    let sid_owned = sid.to_string();
    let row = state
        .db
        .call(move |c| {
            c.query_row(
                "SELECT id, browser_hash, facility, patient_id, patient_name, patient_birth_date, patient_nhi,
                 practitioner_id, practitioner_name, expires_at, ended_at, consent_kind, consent_reason, closing_at
                 FROM sessions WHERE id = ?1",
                params![sid_owned],
                |r| {
                    let patient = match r.get::<_, Option<String>>(3)? {
                        Some(id) => Some(SessionPatient {
                            id,
                            name: r.get(4)?,
                            birth_date: r.get(5)?,
                            nhi: r.get(6)?,
                        }),
                        None => None,
                    };
                    Ok((
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<i64>>(10)?,
                        r.get::<_, Option<i64>>(13)?,
                        LaunchSession {
                            id: r.get(0)?,
                            facility: r.get(2)?,
                            patient,
                            practitioner_id: r.get(7)?,
                            practitioner_name: r.get(8)?,
                            expires_at: r.get(9)?,
                            consent: r
                                .get::<_, Option<String>>(11)?
                                .map(|k| (k, r.get::<_, Option<String>>(12).ok().flatten())),
                            closing: false,
                        },
                    ))
                },
            )
            .optional()
        })
        .await
        .map_err(|_| AppError::internal())?;
    let Some((browser_hash, ended_at, closing_at, session)) = row else {
        return Err(AppError::session_unknown());
    };
    let closed = closing_at.is_some_and(|t| now_secs() - t > CLOSE_GRACE_SECS);
    if ended_at.is_some() || closed || session.expires_at < now_secs() {
        return Err(AppError::session_expired());
    }
    Ok((
        browser_hash,
        LaunchSession {
            closing: closing_at.is_some(),
            ..session
        },
    ))
}

/// A page closed and not reopened within this many seconds has ended its session (a reload
/// comes back well within it).
pub const CLOSE_GRACE_SECS: i64 = 20;

/// The widget's page was closed: the session ends unless the page comes back within
/// `CLOSE_GRACE_SECS` (a reload). Its phone links stop at once (a phone link of a closing session
/// is refused: see `handoff::server::resolve`).
pub async fn close_session(state: &AppState, session: &LaunchSession) -> Result<(), AppError> {
    let sid = session.id.clone();
    state
        .db
        .call(move |c| {
            c.execute(
                "UPDATE sessions SET closing_at = ?1 WHERE id = ?2 AND ended_at IS NULL",
                params![now_secs(), sid],
            )
        })
        .await
        .map_err(|_| AppError::internal())?;
    tracing::info!(session = %short(&session.id), "widget closed");
    Ok(())
}

/// `POST /api/w/{sid}/close` — sent by the page as it goes away (`navigator.sendBeacon`).
pub async fn close(
    State(state): State<AppState>,
    axum::extract::Path(sid): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let session = authorise_headers(&state, &sid, &headers).await?;
        close_session(&state, &session).await
    }
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (status_of(&e), axum::Json(e)).into_response(),
    }
}

/// Records consent once per session (a second call replaces it), with an audit entry.
pub async fn record_consent(
    state: &AppState,
    session: &LaunchSession,
    kind: &str,
    reason: Option<&str>,
) -> Result<LaunchSession, AppError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty()).map(String::from);
    if super::api::consent_words(kind, None).is_none() {
        return Err(AppError::invalid("Choose verbal, written, or not obtainable."));
    }
    if kind == "not_obtainable" && reason.is_none() {
        return Err(AppError::invalid("Say why consent could not be obtained."));
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > 300) {
        return Err(AppError::invalid("The reason is limited to 300 characters."));
    }
    let patient = session.patient.as_ref().ok_or_else(AppError::no_patient)?;
    let (sid, k, r) = (session.id.clone(), kind.to_string(), reason.clone());
    let (fac, pid, prac) = (
        session.facility.clone(),
        patient.id.clone(),
        session.practitioner_id.clone(),
    );
    state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE sessions SET consent_kind = ?1, consent_reason = ?2, consent_at = ?3 WHERE id = ?4",
                params![k, r, now_secs(), sid],
            )?;
            append_audit(
                &tx,
                &Audit {
                    event: "consent",
                    session_id: Some(&sid),
                    facility: Some(&fac),
                    patient_id: Some(&pid),
                    practitioner_id: prac.as_deref(),
                    detail: Some(&k),
                    ..Default::default()
                },
            )?;
            tx.commit()
        })
        .await
        .map_err(|_| AppError::internal())?;
    Ok(LaunchSession {
        consent: Some((kind.to_string(), reason)),
        ..session.clone()
    })
}

/// Where consent is required, photos may only be added once it is recorded.
pub fn require_consent(state: &AppState, session: &LaunchSession) -> Result<(), AppError> {
    if state.settings.consent == "required" && session.consent.is_none() {
        return Err(AppError::new(
            crate::error::ErrorKind::Conflict,
            "Record the patient's consent on the computer before adding photos.",
        ));
    }
    Ok(())
}

/// For handlers outside Leptos: the session or an HTTP error.
pub fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes_fit_http_and_embedded_https() {
        let c = browser_cookie("s", true);
        for part in ["HttpOnly", "SameSite=None", "Secure", "Partitioned", "Path=/"] {
            assert!(c.contains(part), "{c}");
        }
        let c = browser_cookie("s", false);
        assert!(c.contains("SameSite=Lax") && !c.contains("Secure"), "{c}");
    }

}
