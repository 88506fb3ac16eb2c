//! The guard every request passes (ssr only): who is calling (address and scheme, believing
//! forwarding headers only from `trusted_proxies`), whether a state-changing request comes from
//! our own pages (never from another site), and the headers every answer carries — a CSP with a
//! per-request script nonce, framing rules for old and new engines, HSTS over https, and
//! `no-store` on everything but the hashed static bundle (patient data never stays in a cache).

use std::net::{IpAddr, SocketAddr};

use axum::{
    Json,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    error::{AppError, ErrorKind},
    infra::http::Client,
};

/// This request's script nonce (a request extension, provided to Leptos for its scripts).
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The guard's settings, built once.
#[derive(Debug, Clone)]
pub struct Guard {
    frame_ancestors: String,
    trusted_proxies: Vec<IpAddr>,
    /// The authority (`host[:port]`) of `public_url`, when set: also our own origin.
    public_authority: Option<String>,
    /// `connect-src` for cargo-leptos' live-reload socket, in watch mode only.
    reload_socket: Option<String>,
}

impl Guard {
    pub fn new(settings: &crate::config::Settings, reload_port: u32) -> Guard {
        let watching = std::env::var_os("LEPTOS_WATCH").is_some();
        Guard {
            frame_ancestors: settings.frame_ancestors.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            public_authority: authority(settings.public_url.trim()).map(str::to_ascii_lowercase),
            reload_socket: watching.then(|| format!("ws://*:{reload_port}")),
        }
    }

    /// The caller, believing `X-Forwarded-For` / `X-Forwarded-Proto` only from a trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> Client {
        if !self.trusted_proxies.contains(&peer) {
            return Client { ip: peer, https: false };
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let https = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
        Client {
            ip: forwarded_client(peer, &forwarded.join(","), &self.trusted_proxies),
            https,
        }
    }

    /// A state-changing request must come from our own pages: `Sec-Fetch-Site` (set by the
    /// browser, not by page script) says same-origin, or — from an engine that does not send it —
    /// `Origin` names this server, or, with neither, no foreign `Referer` is sent. Its body
    /// must be of a type our routes read (never `text/plain`, the classic cross-site form).
    #[allow(clippy::result_large_err)] // a ready response, on the refusal path
    pub fn same_origin(&self, method: &Method, headers: &HeaderMap) -> Result<(), Response> {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let allowed = match fetch_site {
            Some(site) => site == "same-origin" || site == "none",
            None => match headers.get(header::ORIGIN) {
                // No fetch metadata and no Origin (an old or unnamed engine): a Referer, if
                // sent, must be ours. Our pages send none (`Referrer-Policy: no-referrer`), so a
                // foreign one is another site's form riding the GP's cookie.
                None => headers.get(header::REFERER).is_none_or(|r| {
                    r.to_str()
                        .ok()
                        .and_then(authority)
                        .is_some_and(|a| self.is_ours(a, headers))
                }),
                Some(origin) => origin
                    .to_str()
                    .ok()
                    .and_then(authority)
                    .is_some_and(|a| self.is_ours(a, headers)),
            },
        };
        if !allowed {
            tracing::warn!(fetch_site = fetch_site.unwrap_or("-"), "cross-site request refused");
            return Err(refusal(
                StatusCode::FORBIDDEN,
                "This request came from another site and was refused. Use the widget itself.",
            ));
        }
        if has_body(headers) && !readable_type(headers) {
            return Err(refusal(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "This request's content type is not accepted here.",
            ));
        }
        Ok(())
    }

    fn is_ours(&self, origin_authority: &str, headers: &HeaderMap) -> bool {
        let origin_authority = origin_authority.to_ascii_lowercase();
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        host.is_some_and(|h| h.eq_ignore_ascii_case(&origin_authority))
            || self.public_authority.as_deref() == Some(origin_authority.as_str())
    }

    /// The Content-Security-Policy for one response.
    pub fn csp(&self, nonce: &str) -> String {
        let connect = match &self.reload_socket {
            Some(ws) => format!("'self' {ws}"),
            None => "'self'".into(),
        };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; \
             connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors {}",
            self.frame_ancestors
        )
    }

    /// `X-Frame-Options` saying what `frame-ancestors` says, for engines that ignore CSP:
    /// `'self'` → SAMEORIGIN, `'none'` → DENY, one origin → ALLOW-FROM it. Several origins
    /// cannot be said in it: then the header is left out (CSP alone decides).
    pub fn frame_options(&self) -> Option<HeaderValue> {
        let sources: Vec<&str> = self.frame_ancestors.split_whitespace().collect();
        match sources.as_slice() {
            ["'self'"] => Some(HeaderValue::from_static("SAMEORIGIN")),
            ["'none'"] => Some(HeaderValue::from_static("DENY")),
            [one] if one.starts_with("https://") || one.starts_with("http://") => {
                HeaderValue::from_str(&format!("ALLOW-FROM {one}")).ok()
            }
            _ => None,
        }
    }
}

/// Walks `X-Forwarded-For` from the nearest hop back: the first address that is not a trusted
/// proxy is the client (anything further left could have been written by the client itself).
pub fn forwarded_client(peer: IpAddr, forwarded_for: &str, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    for hop in forwarded_for.rsplit(',').map(str::trim).filter(|h| !h.is_empty()) {
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = ip;
        if !trusted.contains(&ip) {
            break;
        }
    }
    client
}

/// `https://host:port/path` → `host:port`.
fn authority(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty())
}

fn has_body(headers: &HeaderMap) -> bool {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    length.is_some_and(|n| n > 0) || headers.contains_key(header::TRANSFER_ENCODING)
}

/// Bodies our routes read: server-function forms and JSON, and multipart photo uploads.
fn readable_type(headers: &HeaderMap) -> bool {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    matches!(
        essence.as_deref(),
        Some("application/x-www-form-urlencoded" | "multipart/form-data" | "application/json")
    )
}

fn refusal(status: StatusCode, message: &str) -> Response {
    let kind = if status == StatusCode::FORBIDDEN {
        ErrorKind::NotThisBrowser
    } else {
        ErrorKind::InvalidInput
    };
    (status, Json(AppError::new(kind, message))).into_response()
}

/// A fresh script nonce: 128 random bits, base64url.
fn nonce() -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The middleware: identify, refuse cross-site changes, then add the response headers.
pub async fn guard(State(guard): State<std::sync::Arc<Guard>>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let client = guard.client(peer, req.headers());
    let refused = guard.same_origin(req.method(), req.headers()).err();
    let nonce = nonce();
    let cacheable = req.uri().path().starts_with("/pkg/");
    let mut resp = match refused {
        Some(refusal) => refusal,
        None => {
            req.extensions_mut().insert(client);
            req.extensions_mut().insert(CspNonce(nonce.clone()));
            next.run(req).await
        }
    };
    let h = resp.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&guard.csp(&nonce)) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if let Some(xfo) = guard.frame_options() {
        h.insert(header::X_FRAME_OPTIONS, xfo);
    }
    if client.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let says_no_store = h
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    if !cacheable && !says_no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

#[cfg(test)]
#[path = "security_tests.rs"]
mod tests;
