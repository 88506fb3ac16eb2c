//! Liveness and readiness probes for whatever runs the server.

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use super::state::AppState;

/// Liveness: the process answers HTTP.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: start-up finished (storage opened, simulator or gateway configured). Says which
/// record store this instance uses; never queries it (a store outage is not cured by taking
/// every instance out of the balancer).
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.is_ready() {
        let store = if state.db.is_shared() { "postgres" } else { "sqlite" };
        (
            StatusCode::OK,
            Json(json!({ "status": "ready", "simulator": state.simulator.is_some(), "store": store })),
        )
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "starting" })))
    }
}
