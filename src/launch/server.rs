//! The launch-session service (ssr only): who may act for a session, its consent, and its end.
//! A session is bound to the browser that opened it: the browser holds a random secret in an
//! HttpOnly cookie, the session stores its hash. Pages name their session in the path
//! (`/w/{id}`), so two launches in two tabs of one browser stay two sessions.

use std::{ops::Deref, sync::Arc, time::Duration};

use crate::infra::sql::{OptionalExtension, Sql, params};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use cookie::{Cookie, SameSite};

use super::session::{LaunchSession, SessionPatient, short};
use crate::{
    alex::AlexClient,
    config::Settings,
    error::AppError,
    infra::{
        audit::{Audit, append_audit},
        crypto::{constant_time_eq, is_token, sha256_hex},
        db::Db,
        limits::AddressLimiter,
        time::now_secs,
    },
};

pub const BROWSER_COOKIE: &str = "ci_browser";

/// The launch-session service, built once by the composition root: the database (sessions and
/// spent launch pairs are this domain's tables), the ALEX gateway (launch decode, patient and
/// practitioner reads), the settings, and the per-address launch limit.
#[derive(Clone)]
pub struct Sessions(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub alex: Arc<AlexClient>,
    pub settings: Arc<Settings>,
    pub launch_limiter: AddressLimiter,
}

impl Deref for Sessions {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Sessions {
    pub fn new(db: Db, alex: Arc<AlexClient>, settings: Arc<Settings>) -> Sessions {
        let launch_limiter = AddressLimiter::new(settings.launch_limit_per_address, Duration::from_secs(600));
        Sessions(Arc::new(Inner {
            db,
            alex,
            settings,
            launch_limiter,
        }))
    }
}

/// The browser cookie. Over https it is `SameSite=None; Secure; Partitioned` so it survives
/// inside Medtech Evolution's embedded pane (a frame on another site); over plain http
/// (development on localhost) `SameSite=Lax`.
pub(super) fn browser_cookie(secret: &str, https: bool) -> String {
    embeddable(Cookie::build((BROWSER_COOKIE, secret.to_string())).path("/"), https)
        .build()
        .to_string()
}

/// A cookie's attributes as the browser cookie's: HttpOnly, and over https `SameSite=None;
/// Secure; Partitioned` (it must reach a frame inside Medtech Evolution), else `SameSite=Lax`.
pub fn embeddable(c: cookie::CookieBuilder<'static>, https: bool) -> cookie::CookieBuilder<'static> {
    let c = c.http_only(true);
    if https {
        c.secure(true).same_site(SameSite::None).partitioned(true)
    } else {
        c.same_site(SameSite::Lax)
    }
}

pub(super) fn browser_secret(headers: &HeaderMap) -> Option<String> {
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

/// The session `sid` if it exists, is live, and was opened by the browser making this request:
/// the one way every server function and handler authorises a request against its session.
pub async fn authorise(state: &Sessions, sid: &str, headers: &HeaderMap) -> Result<LaunchSession, AppError> {
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
pub async fn load_live(state: &Sessions, sid: &str) -> Result<(String, LaunchSession), AppError> {
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
pub async fn close_session(state: &Sessions, session: &LaunchSession) -> Result<(), AppError> {
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
    State(state): State<Sessions>,
    axum::extract::Path(sid): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let session = authorise(&state, &sid, &headers).await?;
        close_session(&state, &session).await
    }
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => crate::infra::http::error_response(e),
    }
}

/// Records consent once per session (a second call replaces it), with an audit entry.
pub async fn record_consent(
    state: &Sessions,
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
            let mut tx = c.transaction()?;
            tx.execute(
                "UPDATE sessions SET consent_kind = ?1, consent_reason = ?2, consent_at = ?3 WHERE id = ?4",
                params![k, r, now_secs(), sid],
            )?;
            append_audit(
                &mut tx,
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
pub fn require_consent(settings: &Settings, session: &LaunchSession) -> Result<(), AppError> {
    if settings.consent == crate::config::Consent::Required && session.consent.is_none() {
        return Err(AppError::new(
            crate::error::ErrorKind::Conflict,
            "Record the patient's consent on the computer before adding photos.",
        ));
    }
    Ok(())
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
