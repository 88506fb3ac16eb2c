//! JSON test-control endpoints (the app mounts them under `/sim/api` in simulator mode only),
//! so browser tests can drive the simulator over HTTP.
//!
//! - `POST /faults` body: a [`Fault`] (`{"endpoint":"Media","kind":{"kind":"drop"},"count":1}`);
//!   the flat form `{"endpoint":"Media","kind":"throttled","retry_after_secs":2,"count":1}` is
//!   accepted too. `GET /faults` lists the queue, `DELETE /faults` clears it.
//! - `GET /received?type=Media` (or `DocumentReference`, `Task`) → array of [`super::Received`] (base64 `data` included).
//! - `GET /stats` → `{"token_fetches": n, "requests": {"Token": n, …, "Any": total}}`.
//! - `POST /reset`, `POST /revoke-tokens` → 204.
//! - `POST /launch` body `{"facility", "patient_id" | null, "provider_id"}` → `{context, signature}`.
//! - `GET /seed` → facilities with their patients and practitioners (all fake).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Endpoint, Fault, FaultKind, Simulator};

/// The test-control router (stateless `Router<()>`; the simulator handle is baked in).
pub fn admin_router(sim: Simulator) -> Router {
    Router::new()
        .route("/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/received", get(received))
        .route("/stats", get(stats))
        .route("/reset", post(reset))
        .route("/revoke-tokens", post(revoke_tokens))
        .route("/launch", post(launch))
        .route("/seed", get(seed))
        .with_state(sim)
}

fn bad_request(msg: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": msg }))).into_response()
}

/// A fault in the flat form `{"endpoint":…, "kind":"throttled", "retry_after_secs":2, "count":1}`.
#[derive(Deserialize)]
struct FlatFault {
    endpoint: Endpoint,
    #[serde(flatten)]
    kind: FaultKind,
    #[serde(default = "super::one")]
    count: u32,
}

async fn add_fault(State(sim): State<Simulator>, body: String) -> Response {
    let fault = match serde_json::from_str::<Fault>(&body) {
        Ok(f) => f,
        Err(nested_err) => match serde_json::from_str::<FlatFault>(&body) {
            Ok(f) => Fault {
                endpoint: f.endpoint,
                kind: f.kind,
                count: f.count,
            },
            Err(_) => return bad_request(format!("not a Fault: {nested_err}")),
        },
    };
    sim.inject(fault.clone());
    (StatusCode::OK, Json(json!({ "queued": fault }))).into_response()
}

async fn list_faults(State(sim): State<Simulator>) -> Response {
    Json(sim.pending_faults()).into_response()
}

async fn clear_faults(State(sim): State<Simulator>) -> StatusCode {
    sim.clear_faults();
    StatusCode::NO_CONTENT
}

async fn received(State(sim): State<Simulator>, Query(q): Query<HashMap<String, String>>) -> Response {
    let wanted = q.get("type").filter(|t| !t.is_empty());
    let items: Vec<_> = sim
        .received()
        .into_iter()
        .filter(|r| wanted.is_none_or(|t| &r.resource_type == t))
        .collect();
    Json(items).into_response()
}

async fn stats(State(sim): State<Simulator>) -> Response {
    let requests: serde_json::Map<String, Value> = Endpoint::ALL
        .iter()
        .map(|ep| (format!("{ep:?}"), json!(sim.request_count(*ep))))
        .collect();
    Json(json!({ "token_fetches": sim.token_fetches(), "requests": requests })).into_response()
}

async fn reset(State(sim): State<Simulator>) -> StatusCode {
    sim.reset();
    StatusCode::NO_CONTENT
}

async fn revoke_tokens(State(sim): State<Simulator>) -> StatusCode {
    sim.revoke_tokens();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct LaunchRequest {
    facility: String,
    #[serde(default)]
    patient_id: Option<String>,
    provider_id: String,
}

async fn launch(State(sim): State<Simulator>, body: String) -> Response {
    match serde_json::from_str::<LaunchRequest>(&body) {
        Ok(r) => Json(sim.mint_launch(&r.facility, r.patient_id.as_deref(), &r.provider_id)).into_response(),
        Err(e) => bad_request(format!("expected {{facility, patient_id, provider_id}}: {e}")),
    }
}

async fn seed(State(sim): State<Simulator>) -> Response {
    let facilities: Vec<Value> = sim
        .facilities()
        .into_iter()
        .map(|f| {
            json!({
                "id": f.id,
                "name": f.name,
                "mapped": f.mapped,
                "patients": sim.patients(&f.id),
                "practitioners": sim.practitioners(&f.id),
            })
        })
        .collect();
    Json(facilities).into_response()
}
