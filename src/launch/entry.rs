//! `/launch` (ssr only): Medtech Evolution opens it with an encrypted context and a signature.
//! The pair is checked for shape, rate, age, replay and facility, decoded through ALEX, and opens
//! a launch session bound to a fresh browser secret.

use crate::infra::sql::{Sql, params};
use axum::{
    Extension,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{
    clock::{self, Verdict},
    server::{Sessions, browser_cookie, browser_secret},
    session::{SessionPatient, short},
};
use crate::{
    alex::{AlexError, fhir::Patient, segments::is_launch_token},
    infra::{
        crypto::{random_token, sha256_hex},
        http::Client,
        time::{format_date, now_secs},
    },
};

/// Why a launch was refused; each has its own page (`/problem/{reason}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchProblem {
    Missing,
    Invalid,
    /// ALEX said the launch has expired.
    Expired,
    /// Its `createdTime` is fresh under no reading: `seen_secs` old (negative: from the future).
    TooOld {
        seen_secs: i64,
    },
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
            LaunchProblem::Expired | LaunchProblem::TooOld { .. } => "launch-expired",
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
    State(state): State<Sessions>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    Query(q): Query<LaunchQuery>,
) -> Response {
    let engine = super::engine::of(&headers);
    let resp = open(&state, client, &headers, q, engine).await;
    super::engine::count(engine, &resp);
    resp
}

/// Opens a session for a launch pair, or sends the browser to the page that says why not.
async fn open(
    state: &Sessions,
    client: Client,
    headers: &HeaderMap,
    q: LaunchQuery,
    engine: super::engine::Engine,
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
    match start_session(state, headers, &context, &signature).await {
        Ok((sid, secret)) => {
            tracing::info!(session = %short(&sid), engine = engine.family.slug(), "launch session created");
            super::engine::record(state, &sid, engine).await;
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
    // The clock difference seen goes with the page that explains it: a number, nothing else.
    let seen = match p {
        LaunchProblem::TooOld { seen_secs } => format!("?seen={seen_secs}"),
        _ => String::new(),
    };
    let mut resp = Redirect::to(&format!("/problem/{}{seen}", p.slug())).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Opens a session for a verified launch pair. Answers its id and the browser's new secret.
async fn start_session(
    state: &Sessions,
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
    match clock::judge(
        decoded.created_time.as_deref(),
        state.settings.launch_max_age_seconds,
        chrono::Utc::now(),
    ) {
        Verdict::Fresh(reading) => clock::note(reading),
        Verdict::Unchecked => {}
        Verdict::TooOld { seen_secs } => {
            tracing::warn!(
                seen_secs,
                "launch refused: its createdTime is too old under every reading"
            );
            return Err(LaunchProblem::TooOld { seen_secs });
        }
        Verdict::Unreadable => return Err(LaunchProblem::Expired),
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
                "INSERT INTO used_launches (hash, expires_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
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
            let (sid, browser, facility, patient, pr_id, pr_name) = &row;
            let mut tx = c.transaction()?;
            if let Some(previous) = &previous {
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
