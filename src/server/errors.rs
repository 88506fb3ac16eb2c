//! One place sets the HTTP status of a failed server function. Leptos answers every `Err` with
//! 500; this reads our typed `AppError` from such an answer and gives it the status its kind calls
//! for (404, 409, 410, 503, …), so no server function sets a status itself. And a refusal of a
//! request with a body says it ends the connection (`close_after_refusal`).

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
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

/// A refused request that carried a body (an upload refused before its photo was read) ends its
/// connection and says so with `Connection: close`: the body may be unread, so the connection
/// cannot serve another request, and a keep-alive client that is not told sends its next
/// request into a socket about to close.
pub async fn close_after_refusal(req: Request, next: Next) -> Response {
    let headers = req.headers();
    let has_body = headers
        .get(header::CONTENT_LENGTH)
        .map_or(headers.contains_key(header::TRANSFER_ENCODING), |v| {
            v.as_bytes() != b"0"
        });
    let mut resp = next.run(req).await;
    if has_body && (resp.status().is_client_error() || resp.status().is_server_error()) {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}
