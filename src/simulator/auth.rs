//! The Azure AD client-credentials token endpoint, the bearer check and roles.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, Response, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

use super::{MAX_BODY_BYTES, SimState, lock, respond};

struct TokenRecord {
    expires_at: Instant,
    roles: Vec<String>,
}

/// Issued tokens with their expiry and roles.
pub(crate) struct TokenStore {
    tokens: HashMap<String, TokenRecord>,
    /// Lifetime of tokens issued from now on.
    pub(crate) ttl: Duration,
}

impl TokenStore {
    pub(crate) fn new(ttl: Duration) -> TokenStore {
        TokenStore {
            tokens: HashMap::new(),
            ttl,
        }
    }

    fn issue(&mut self, roles: Vec<String>) -> (String, Duration) {
        let now = Instant::now();
        self.tokens.retain(|_, t| t.expires_at > now);
        let bytes: [u8; 48] = rand::random();
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let ttl = self.ttl;
        self.tokens.insert(
            token.clone(),
            TokenRecord {
                expires_at: now + ttl,
                roles,
            },
        );
        (token, ttl)
    }

    /// Roles of a valid, unexpired token.
    fn roles(&self, token: &str) -> Option<Vec<String>> {
        let t = self.tokens.get(token)?;
        (t.expires_at > Instant::now()).then(|| t.roles.clone())
    }

    pub(crate) fn revoke_all(&mut self) {
        self.tokens.clear();
    }
}

/// The roles carried by a request's bearer token, or the gateway's 401.
pub(crate) fn check_bearer(state: &SimState, headers: &HeaderMap) -> Result<Vec<String>, Response<Body>> {
    let value = respond::header(headers, header::AUTHORIZATION.as_str()).ok_or_else(respond::unauthorized)?;
    let (scheme, token) = value.split_once(' ').ok_or_else(respond::unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(respond::unauthorized());
    }
    lock(&state.tokens)
        .roles(token.trim())
        .ok_or_else(respond::unauthorized)
}

/// `Ok` when the token carries `role`, else 403 "Authorization failed.".
pub(crate) fn require_role(roles: &[String], role: &str) -> Result<(), Response<Body>> {
    if roles.iter().any(|r| r == role) {
        Ok(())
    } else {
        Err(respond::authorization_failed())
    }
}

/// An Azure AD style OAuth error.
fn aad_error(status: StatusCode, error: &str, description: &str) -> Response<Body> {
    let now = chrono::Utc::now();
    respond::json(
        status,
        json!({
            "error": error,
            "error_description": format!(
                "{description}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
                uuid::Uuid::new_v4(),
                uuid::Uuid::new_v4(),
                now.format("%Y-%m-%d %H:%M:%SZ")
            ),
            "error_codes": [description.split(':').next().unwrap_or("").trim_start_matches("AADSTS").parse::<u64>().unwrap_or(0)],
            "timestamp": now.format("%Y-%m-%d %H:%M:%SZ").to_string(),
            "trace_id": uuid::Uuid::new_v4().to_string(),
            "correlation_id": uuid::Uuid::new_v4().to_string()
        }),
    )
}

/// `POST /{tenant}/oauth2/v2.0/token` (client credentials only).
pub(crate) async fn token(state: &Arc<SimState>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    if parts.method != Method::POST {
        return aad_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "AADSTS900561: The endpoint only accepts POST requests.",
        );
    }
    let tenant = parts.uri.path().trim_start_matches('/').split('/').next().unwrap_or("");
    if tenant != state.config.tenant {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!(
                "AADSTS90002: Tenant '{}' not found.",
                respond::percent_decode(tenant, false)
            ),
        );
    }
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "AADSTS900144: Unreadable request body.",
            );
        }
    };
    let is_form = respond::header(&parts.headers, header::CONTENT_TYPE.as_str())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let form: HashMap<String, String> = if is_form {
        respond::parse_pairs(&String::from_utf8_lossy(&bytes))
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let field = |k: &str| form.get(k).map(|s| s.as_str()).filter(|s| !s.is_empty());

    // client_secret_basic is accepted too, as Azure AD does.
    let basic = respond::header(&parts.headers, header::AUTHORIZATION.as_str())
        .and_then(|v| v.strip_prefix("Basic ").map(|s| s.trim().to_string()))
        .and_then(|b64| STANDARD.decode(b64).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(a, b)| (respond::percent_decode(a, true), respond::percent_decode(b, true)))
        });

    let Some(grant_type) = field("grant_type") else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
        );
    };
    if grant_type != "client_credentials" {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("AADSTS70003: The app requested an unsupported grant type '{grant_type}'."),
        );
    }
    let client_id = field("client_id")
        .map(str::to_string)
        .or_else(|| basic.as_ref().map(|b| b.0.clone()));
    let client_secret = field("client_secret")
        .map(str::to_string)
        .or_else(|| basic.as_ref().map(|b| b.1.clone()));
    let Some(client_id) = client_id else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'client_id'.",
        );
    };
    if client_id != state.config.client_id {
        return aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            &format!("AADSTS700016: Application with identifier '{client_id}' was not found in the directory."),
        );
    }
    match client_secret {
        None => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
        Some(secret) if secret != state.config.client_secret => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                &format!(
                    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                ),
            );
        }
        Some(_) => {}
    }
    match field("scope") {
        Some(scope) if scope == state.config.scope => {}
        Some(scope) => {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                &format!(
                    "AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
                ),
            );
        }
        None => {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            );
        }
    }

    let (access_token, ttl) = lock(&state.tokens).issue(state.config.roles.clone());
    lock(&state.counters).token_fetches += 1;
    let secs = ttl.as_secs();
    let mut resp = respond::json(
        StatusCode::OK,
        json!({
            "token_type": "Bearer",
            "expires_in": secs,
            "ext_expires_in": secs,
            "access_token": access_token
        }),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store, no-cache"),
    );
    resp
}
