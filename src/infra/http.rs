//! The request as every domain sees it (ssr only): who is calling (decided once by the guard in
//! the composition root), the request's headers inside a server function, a service handle from
//! the request's context, and a refusal as our JSON error with its HTTP status.

use std::net::IpAddr;

use axum::{
    Json,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use crate::error::AppError;

/// What the guard learnt about the caller; handlers read it as a request extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// The socket's address, or the client a trusted proxy forwarded for.
    pub ip: IpAddr,
    /// The request reached us over https (directly, or as a trusted proxy says).
    pub https: bool,
}

/// A service handle the composition root provided to this request (inside a server function).
pub fn service<T: Clone + Send + Sync + 'static>() -> Result<T, AppError> {
    leptos::prelude::use_context::<T>().ok_or_else(|| {
        tracing::error!(
            service = std::any::type_name::<T>(),
            "service missing from the request context"
        );
        AppError::internal()
    })
}

/// The request being answered (inside a server function).
pub fn request() -> Result<axum::http::request::Parts, AppError> {
    leptos::prelude::use_context::<axum::http::request::Parts>().ok_or_else(AppError::internal)
}

/// The request's headers (inside a server function).
pub fn request_headers() -> Result<HeaderMap, AppError> {
    Ok(request()?.headers)
}

/// The caller as the guard saw it (inside a server function).
pub fn client() -> Result<Client, AppError> {
    request()?
        .extensions
        .get::<Client>()
        .copied()
        .ok_or_else(AppError::internal)
}

/// A refusal as an HTTP answer: our JSON error, with the status its kind calls for.
pub fn error_response(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

/// HTML-escapes text for an element's content or an attribute.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
