//! Logs and the HTTP middleware around every request: request ids, tracing spans that never
//! carry bodies, query strings or capability tokens, security headers, and a panic guard.

use std::any::Any;

use axum::{
    Router,
    body::Body,
    http::{HeaderName, Request, Response, StatusCode, header},
};
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global subscriber. `RUST_LOG` filters (default `info`).
pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => registry.with(fmt::layer().json().flatten_event(true)).try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
}

/// The path as it may appear in a log: no query string (launch context, signatures) and the
/// capability segments of session and phone-handoff URLs replaced by `…`.
pub fn loggable_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut redact_next = false;
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if redact_next && !seg.is_empty() {
            out.push('…');
        } else {
            out.push_str(seg);
        }
        redact_next = matches!(seg, "w" | "m" | "handoff" | "s");
    }
    out
}

/// Request id (generated unless the caller sent one), one span per request, the id echoed back.
pub fn with_request_tracing<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "http",
                        request_id = %id,
                        method = %req.method(),
                        path = %loggable_path(req.uri().path()),
                    )
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::map_request(drop_unusable_request_id))
}

/// A request id the caller sent is echoed and logged only if it looks like one (letters,
/// digits, `-`, `_`, `.`, at most 64); anything else is dropped and a fresh one is made.
async fn drop_unusable_request_id(mut req: Request<Body>) -> Request<Body> {
    let usable = req
        .headers()
        .get(REQUEST_ID)
        .map(|v| is_usable_request_id(v.as_bytes()));
    if usable == Some(false) {
        req.headers_mut().remove(REQUEST_ID);
    }
    req
}

pub fn is_usable_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A handler that panicked answers 500 with a plain message; the panic text (which could
/// hold data) goes to the log only as "panic", never to the client.
pub fn panic_response(_err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    tracing::error!("request handler panicked");
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from("Something went wrong on our side. Please try again."))
        .expect("static response")
}

#[cfg(test)]
mod tests {
    use super::{is_usable_request_id, loggable_path};

    #[test]
    fn only_plain_request_ids_are_kept() {
        assert!(is_usable_request_id(b"3f2a-1b_c.9"));
        assert!(!is_usable_request_id(b""));
        assert!(!is_usable_request_id(b"a b"));
        assert!(!is_usable_request_id(b"ZZZ0016\nforged log line"));
        assert!(!is_usable_request_id(&[b'a'; 65]));
    }

    #[test]
    fn capability_segments_are_redacted() {
        assert_eq!(loggable_path("/w/abc123/photos"), "/w/…/photos");
        assert_eq!(loggable_path("/m/tok"), "/m/…");
        assert_eq!(loggable_path("/launch"), "/launch");
        assert_eq!(loggable_path("/"), "/");
    }
}
