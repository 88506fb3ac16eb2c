//! Operations endpoints: ALEX connectivity check, token status, and what this deployment offers.
//! All but `/api/capabilities` are closed unless OPS_TOKEN is set, and then need
//! `Authorization: Bearer $OPS_TOKEN`.

use std::time::Instant;

use axum::{
    Extension, Json,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::state::AppState;
use crate::infra::http::Client;
use crate::{alex::AlexError, metadata::codes, nhi::Nhi};

/// The simulator's (and Medtech UAT's) test practice, used when nothing else names a facility.
pub const TEST_FACILITY: &str = "F2N060-E";

/// The operations endpoints are closed unless `OPS_TOKEN` is set, and then need it as a
/// bearer token. Those that reach ALEX are also limited per address.
#[allow(clippy::result_large_err)] // a ready response, on a cold path
pub(super) fn authorised(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    let Some(expected) = &state.ops_token else {
        return Err((
            StatusCode::NOT_FOUND,
            Json(
                json!({"error": "disabled", "message": "Operations endpoints are off: set OPS_TOKEN to enable them."}),
            ),
        )
            .into_response());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if crate::infra::crypto::constant_time_eq(given.as_bytes(), expected.expose_secret().as_bytes()) {
        Ok(())
    } else {
        Err((
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({"error": "unauthorized", "message": "This endpoint needs the operations token."})),
        )
            .into_response())
    }
}

/// As `authorised`, for an endpoint that calls ALEX: also at most 30 calls a minute per address.
#[allow(clippy::result_large_err)]
fn authorised_to_call_alex(state: &AppState, headers: &HeaderMap, client: Client) -> Result<(), Response> {
    authorised(state, headers)?;
    if !state.ops_limiter.allow(client.ip) {
        return Err((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "60")],
            Json(json!({"error": "rate_limited", "message": "Too many calls: wait a minute."})),
        )
            .into_response());
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct TestQuery {
    nhi: Option<String>,
    facility: Option<String>,
}

#[derive(Serialize)]
struct Step {
    step: &'static str,
    ok: bool,
    ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    detail: String,
}

impl Step {
    fn from<T>(
        step: &'static str,
        started: Instant,
        r: &Result<T, AlexError>,
        ok_detail: impl FnOnce(&T) -> String,
    ) -> Step {
        let ms = started.elapsed().as_millis() as u64;
        match r {
            Ok(v) => Step {
                step,
                ok: true,
                ms,
                error: None,
                detail: ok_detail(v),
            },
            Err(e) => Step {
                step,
                ok: false,
                ms,
                error: Some(e.kind()),
                detail: e.gp_message(),
            },
        }
    }
}

/// `GET /api/alex/test?nhi=ZZZ0016[&facility=F2N060-E]`: token, patient lookup and Location,
/// each with its status and timing. Answers nothing about the patient beyond "found".
pub async fn alex_test(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    Query(q): Query<TestQuery>,
) -> Response {
    if let Err(denied) = authorised_to_call_alex(&state, &headers, client) {
        return denied;
    }
    let nhi = match Nhi::parse(q.nhi.as_deref().unwrap_or("")) {
        Ok(n) => n,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_nhi", "message": format!("That NHI is not valid: {e}.")})),
            )
                .into_response();
        }
    };
    // Only a practice this server serves: one on the allow-list (the simulator's test practice
    // when the simulator stands in and no list is set).
    let facility = match (q.facility, state.alex.facility_allowlist()) {
        (Some(f), _) => f,
        (None, Some(list)) if !list.is_empty() => list[0].clone(),
        (None, _) => TEST_FACILITY.to_string(),
    };
    if state.simulator.is_none() && state.alex.facility_allowlist().is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "no_allowlist", "message": "Set ALEX_FACILITY_ALLOWLIST to the practices this server serves."})),
        )
            .into_response();
    }
    if let Err(e) = state.alex.check_facility(&facility) {
        return (
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            Json(json!({"error": e.kind(), "message": e.gp_message()})),
        )
            .into_response();
    }
    let mut steps = Vec::new();
    let t = Instant::now();
    let token = state.alex.check_token().await;
    steps.push(Step::from("token", t, &token, |_| "token issued".into()));
    if token.is_ok() {
        let t = Instant::now();
        let patient = state.alex.patient_by_nhi(&facility, &nhi).await;
        steps.push(Step::from("patient", t, &patient, |p| {
            if p.is_some() {
                "patient found".into()
            } else {
                "no patient with that NHI in this facility".into()
            }
        }));
        let t = Instant::now();
        let location = state.alex.location(&facility).await;
        steps.push(Step::from("location", t, &location, |l| {
            format!("location {}", l.name.as_deref().unwrap_or("(unnamed)"))
        }));
    }
    let ok = steps.iter().all(|s| s.ok);
    let status = if ok { StatusCode::OK } else { StatusCode::BAD_GATEWAY };
    (
        status,
        Json(json!({"ok": ok, "facility": facility, "simulator": state.simulator.is_some(), "steps": steps})),
    )
        .into_response()
}

/// `GET /api/alex/token-info`: cached or not, expires in, fetch count. Never the token.
pub async fn token_info(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = authorised_to_call_alex(&state, &headers, client) {
        return denied;
    }
    Json(state.alex.token_info().await).into_response()
}

/// `GET /api/capabilities`: feature switches and the coded lists the UI offers.
pub async fn capabilities(State(state): State<AppState>) -> Response {
    let s = &state.settings;
    Json(json!({
        "simulator": state.simulator.is_some(),
        "features": {
            "phone_handoff": s.phone_handoff,
            "follow_up_tasks": s.follow_up_tasks,
            "commit_targets": s.commit_targets,
            "required_fields": s.required_fields,
            "max_long_edge_px": s.max_long_edge_px,
            "max_image_bytes": s.max_image_bytes,
        },
        "codes": {
            "body_sites": codes::BODY_SITES,
            "lateralities": codes::LATERALITIES,
            "views": codes::VIEWS,
            "image_types": codes::IMAGE_TYPES,
        },
    }))
    .into_response()
}

#[derive(Deserialize)]
pub struct AuditQuery {
    session: Option<String>,
    photo: Option<String>,
    event: Option<String>,
    /// Seconds since the epoch, or an RFC 3339 time (`2026-03-01T09:00:00+13:00`).
    since: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/audit?session=…&photo=…&event=…&since=…[&limit=N]`: the audit trail, oldest first,
/// each filter optional. Identity lives here (never in logs), so it always needs
/// `Authorization: Bearer $OPS_TOKEN`, and is off when OPS_TOKEN is not set.
pub async fn audit(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<AuditQuery>) -> Response {
    if let Err(denied) = authorised(&state, &headers) {
        return denied;
    }
    let limit = q.limit.unwrap_or(500).min(5000);
    let since = match q.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => match s
            .parse::<i64>()
            .ok()
            .or_else(|| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp()))
        {
            Some(t) => t,
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error": "invalid_since", "message": "`since` is seconds since 1970 or an RFC 3339 time."})),
                )
                    .into_response();
            }
        },
    };
    let filter = crate::infra::audit::AuditFilter {
        session: q.session.unwrap_or_default(),
        photo: q.photo.unwrap_or_default(),
        event: q.event.unwrap_or_default(),
        since,
    };
    let rows = state
        .db
        .call(move |c| crate::infra::audit::read(c, &filter, limit))
        .await;
    match rows {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "audit query failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /api/ops/engines`: launches over the last 90 days by browser engine family, major version
/// and whether the page's WebAssembly ran (`wasm: false` — the engine opened the widget but could
/// not run it, or the page was closed first). Never a User-Agent, a session or a person.
pub async fn engines(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(denied) = authorised(&state, &headers) {
        return denied;
    }
    match crate::launch::engine::counts(&state.sessions).await {
        Ok(rows) => Json(json!({"days": crate::launch::engine::KEEP_DAYS, "engines": rows})).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Json(e)).into_response(),
    }
}
