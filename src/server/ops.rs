//! Operations endpoints: ALEX connectivity check, token status, and what this deployment offers.
//! `/api/alex/*` require `Authorization: Bearer $OPS_TOKEN` when OPS_TOKEN is set.

use std::time::Instant;

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::state::AppState;
use crate::{alex::AlexError, metadata::codes, nhi::Nhi};

/// The simulator's (and Medtech UAT's) test practice, used when nothing else names a facility.
pub const TEST_FACILITY: &str = "F2N060-E";

fn authorised(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    let Some(expected) = &state.ops_token else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if constant_time_eq(given.as_bytes(), expected.expose_secret().as_bytes()) {
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

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    // Compare digests so neither length nor content leaks through timing.
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    da.iter().zip(db.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
pub async fn alex_test(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<TestQuery>) -> Response {
    if let Err(denied) = authorised(&state, &headers) {
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
    let facility = q
        .facility
        .or_else(|| state.alex.facility_allowlist().and_then(|l| l.first().cloned()))
        .unwrap_or_else(|| TEST_FACILITY.to_string());
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
pub async fn token_info(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(denied) = authorised(&state, &headers) {
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
