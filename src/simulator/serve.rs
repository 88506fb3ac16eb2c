//! Serving the simulator: its accept loop (hyper directly, so a fault can close a connection
//! without any answer), fault handling and routing.

use std::{sync::Arc, time::Duration};

use axum::body::Body;
use axum::http::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use super::{
    DropConnection, DroppedByFault, Endpoint, FaultKind, MAX_BODY_BYTES, SimState, auth, faults, fhir, launch, respond,
};

/// Accept connections and serve each with hyper directly, so that a service error can close
/// the connection without any HTTP response (the `Drop` faults).
pub(super) async fn accept_loop(listener: TcpListener, state: Arc<SimState>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(target: "simulator", error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let state = state.clone();
                async move {
                    // Handle on its own task so that a client hanging up (e.g. after its own
                    // timeout) does not cancel the work: like ALEX, the outcome is then unknown
                    // to the client but the request is processed.
                    let resp = match tokio::spawn(handle(state, req.map(Body::new))).await {
                        Ok(resp) => resp,
                        Err(_) => respond::outcome(
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                            "exception",
                            "Internal simulator error",
                        ),
                    };
                    if resp.extensions().get::<DropConnection>().is_some() {
                        Err(DroppedByFault)
                    } else {
                        Ok(resp)
                    }
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!(target: "simulator", error = %e, "connection closed");
            }
        });
    }
}

/// Which counted endpoint a request is for (`None` for paths the simulator does not serve).
fn classify(path: &str) -> Option<Endpoint> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with("/oauth2/v2.0/token") {
        return Some(Endpoint::Token);
    }
    if lower.starts_with(launch::DECODE_PREFIX) {
        return Some(Endpoint::Launch);
    }
    let rest = fhir::strip_fhir_prefix(path)?;
    let ty = rest.trim_start_matches('/').split(['/', '?']).next().unwrap_or("");
    match ty {
        "Patient" => Some(Endpoint::Patient),
        "Location" => Some(Endpoint::Location),
        "Practitioner" => Some(Endpoint::Practitioner),
        "Media" => Some(Endpoint::Media),
        "DocumentReference" => Some(Endpoint::DocumentReference),
        "Task" => Some(Endpoint::Task),
        _ => None,
    }
}

/// One request: count it, fire a queued fault if any, else route it; log without PHI.
pub(crate) async fn handle(state: Arc<SimState>, req: Request<Body>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let correlation_id = respond::header(req.headers(), "mt-correlationid");
    let endpoint = classify(&path);
    state.count(endpoint);
    if !state.config.latency.is_zero() {
        tokio::time::sleep(state.config.latency).await;
    }

    let resp = match faults::take(&state, endpoint) {
        None => route(&state, req).await,
        Some(FaultKind::Delay { ms }) => {
            // Take the whole request in first (as the gateway would), then wait.
            let (parts, body) = req.into_parts();
            match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
                Ok(bytes) => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    route(&state, Request::from_parts(parts, Body::from(bytes))).await
                }
                Err(_) => respond::outcome(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "too-costly",
                    "Request body too large or unreadable",
                ),
            }
        }
        Some(FaultKind::Drop) => faults::dropped(),
        Some(FaultKind::DropAfterProcessing) => {
            let mut resp = route(&state, req).await;
            resp.extensions_mut().insert(DropConnection);
            resp
        }
        Some(kind) => faults::immediate(&kind),
    };

    // The route's shape, never a patient's id or a launch token: this is our server's log too.
    let log_path = if endpoint == Some(Endpoint::Launch) {
        launch::DECODE_PREFIX.to_string()
    } else {
        crate::alex::wire::loggable_path(&path)
    };
    let dropped = resp.extensions().get::<DropConnection>().is_some();
    tracing::info!(
        target: "simulator",
        method = %method,
        path = %log_path,
        status = resp.status().as_u16(),
        dropped,
        correlation_id = correlation_id.as_deref().unwrap_or("-"),
        "ALEX simulator request"
    );
    resp
}

/// Normal handling, no faults.
pub(crate) async fn route(state: &Arc<SimState>, req: Request<Body>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let lower = path.to_ascii_lowercase();
    if lower.ends_with("/oauth2/v2.0/token") {
        return auth::token(state, req).await;
    }
    if lower.starts_with(launch::DECODE_PREFIX) {
        return launch::decode_handler(state, req);
    }
    if fhir::strip_fhir_prefix(&path).is_some() {
        return fhir::handle(state, req).await;
    }
    if req.method() == Method::GET && (path == "/" || path.is_empty()) {
        return respond::json(
            axum::http::StatusCode::OK,
            serde_json::json!({ "service": "ALEX simulator", "fhir": state.fhir_base() }),
        );
    }
    respond::not_found_gateway()
}
