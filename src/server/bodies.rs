//! Small bodies have a deadline (ssr only): every state-changing request but the photo uploads
//! (which keep a pace of their own, `staging::server::BodyPace`) must send its whole body within
//! a few seconds. A body that trickles in — an unauthenticated one on `/api/handoff/redeem`, say —
//! is cut with 408 before any handler waits on it, so slow sockets cannot hold the server.

use std::time::Duration;

use axum::{
    body::Body,
    extract::Request,
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    error::{AppError, ErrorKind},
    infra::http::error_response,
};

/// The whole of a small body must arrive within this.
const DEADLINE: Duration = Duration::from_secs(10);
/// Larger small bodies than this are refused (413); uploads have their own limits. The largest
/// real one, an editor save at its limits (50 operations, 5,000 points), is about 200 KB; the
/// server functions would buffer up to axum's 2 MB anyway, so this holds no more than before.
const MAX_BYTES: usize = 1 << 20;

/// The photo uploads: their bodies are read by their handlers, at their own pace.
fn is_upload(path: &str) -> bool {
    path.ends_with("/photos") && (path.starts_with("/api/w/") || path.starts_with("/api/m/") || path.starts_with("/w/"))
}

pub async fn small_body_deadline(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || is_upload(req.uri().path()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(DEADLINE, axum::body::to_bytes(body, MAX_BYTES)).await {
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Ok(Err(_)) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(AppError::new(ErrorKind::TooLarge, "This request is too large.")),
        )
            .into_response(),
        Err(_) => {
            tracing::info!("request cut: its body arrived too slowly");
            error_response(AppError::new(
                ErrorKind::TooSlow,
                "The request arrived too slowly and was stopped. Check the connection and try again.",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_photo_uploads_keep_their_own_pace() {
        for p in ["/api/w/s/photos", "/api/m/t/photos", "/w/s/basic/photos"] {
            assert!(super::is_upload(p), "{p}");
        }
        for p in [
            "/api/handoff/redeem",
            "/api/photos/tag",
            "/w/s/basic/photos/x/tags",
            "/api/w/s/close",
        ] {
            assert!(!super::is_upload(p), "{p}");
        }
    }
}
