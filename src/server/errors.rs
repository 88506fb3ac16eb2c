//! One place sets the HTTP status of a failed server function. Leptos answers every `Err` with
//! 500; this reads our typed `AppError` from such an answer and gives it the status its kind calls
//! for (404, 409, 410, 503, …), so no server function sets a status itself.

use axum::{
    body::Body,
    extract::Request,
    http::{Method, StatusCode},
    middleware::Next,
    response::Response,
};

use crate::error::AppError;

/// Largest error answer read back (ours are a kind and a sentence).
const MAX_ERROR_BYTES: usize = 64 * 1024;

pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let server_fn = req.method() == Method::POST && req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    if !server_fn || resp.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(e) = serde_json::from_slice::<AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(e.status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
