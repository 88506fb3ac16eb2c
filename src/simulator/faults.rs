//! Fault injection: the queue, and the responses of the faults that replace normal handling.
//! (`Delay`, `Drop` and `DropAfterProcessing` are applied around routing in `mod.rs`; the
//! connection itself is closed by the accept loop when a response carries `DropConnection`.)

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};

use super::{DropConnection, Endpoint, FaultKind, SimState, lock, respond};

/// Take the first queued fault matching `endpoint` (or `Any`), decrementing its count.
pub(crate) fn take(state: &SimState, endpoint: Option<Endpoint>) -> Option<FaultKind> {
    let mut faults = lock(&state.faults);
    let i = faults
        .iter()
        .position(|f| f.count > 0 && (f.endpoint == Endpoint::Any || Some(f.endpoint) == endpoint))?;
    let kind = faults[i].kind.clone();
    faults[i].count -= 1;
    if faults[i].count == 0 {
        faults.remove(i);
    }
    Some(kind)
}

/// A placeholder response that tells the accept loop to close the connection unanswered.
pub(crate) fn dropped() -> Response<Body> {
    let mut resp = Response::new(Body::empty());
    resp.extensions_mut().insert(DropConnection);
    resp
}

/// The response of a fault that answers instead of the endpoint.
pub(crate) fn immediate(kind: &FaultKind) -> Response<Body> {
    match kind {
        FaultKind::Unauthorized => respond::unauthorized(),
        FaultKind::Throttled { retry_after_secs } => {
            let mut resp = respond::gateway(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Rate limit is exceeded. Try again in {retry_after_secs} seconds."),
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
        FaultKind::Unavailable => respond::outcome(
            StatusCode::SERVICE_UNAVAILABLE,
            "exception",
            respond::FACILITY_UNREACHABLE,
        ),
        FaultKind::Forbidden => respond::authorization_failed(),
        // Handled by the caller; answering normally-shaped here keeps this total.
        FaultKind::Delay { .. } | FaultKind::DropAfterProcessing | FaultKind::Drop => dropped(),
    }
}
