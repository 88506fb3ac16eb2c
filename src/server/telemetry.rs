//! Logs and the HTTP middleware around every request: request ids, tracing spans that never
//! carry bodies, query strings or capability tokens, security headers, and a panic guard.

use std::any::Any;

use axum::{
    Router,
    body::Body,
    http::{HeaderName, HeaderValue, Request, Response, StatusCode, header},
};
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
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
}

/// Headers every response carries. `frame_ancestors` decides who may embed the widget.
pub fn with_security_headers<S: Clone + Send + Sync + 'static>(router: Router<S>, frame_ancestors: &str) -> Router<S> {
    let csp = format!("frame-ancestors {frame_ancestors}; object-src 'none'; base-uri 'self'");
    let csp = HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'"));
    router
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
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
    use super::loggable_path;

    #[test]
    fn capability_segments_are_redacted() {
        assert_eq!(loggable_path("/w/abc123/photos"), "/w/…/photos");
        assert_eq!(loggable_path("/m/tok"), "/m/…");
        assert_eq!(loggable_path("/launch"), "/launch");
        assert_eq!(loggable_path("/"), "/");
    }
}
