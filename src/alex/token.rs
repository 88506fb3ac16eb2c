//! OAuth 2.0 client-credentials tokens for ALEX: cached, renewed before expiry, and fetched by
//! one caller at a time however many wait (single flight).

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::{
    config::{AlexConfig, RetryPolicy},
    error::TokenError,
    wire::backoff,
};

/// Renew this long before expiry (capped at a fifth of the token's life for short test tokens).
const RENEW_MARGIN: Duration = Duration::from_secs(300);

/// A bearer token. Its value never prints.
#[derive(Clone)]
pub struct AccessToken {
    value: SecretString,
    /// Distinguishes tokens without comparing secrets.
    pub serial: u64,
    pub expires_at: Instant,
    renew_at: Instant,
}

impl AccessToken {
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.value.expose_secret())
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
    #[serde(default)]
    token_type: Option<String>,
}

#[derive(Deserialize)]
struct TokenErrorBody {
    error: Option<String>,
}

/// What ops may see about the cached token: never the token itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenInfo {
    pub cached: bool,
    pub expires_in_secs: Option<u64>,
    pub fetch_count: u64,
}

pub struct TokenService {
    http: reqwest::Client,
    url: String,
    client_id: String,
    secret: SecretString,
    scope: String,
    timeout: Duration,
    /// The same bounded backoff as every other transient ALEX fault.
    retry: RetryPolicy,
    cache: Mutex<Option<AccessToken>>,
    fetches: AtomicU64,
}

impl TokenService {
    pub fn new(http: reqwest::Client, config: &AlexConfig) -> Self {
        TokenService {
            http,
            url: config.token_url.clone(),
            client_id: config.client_id.clone(),
            secret: config.client_secret.clone(),
            scope: config.scope.clone(),
            timeout: config.timeouts.token,
            retry: config.retry,
            cache: Mutex::new(None),
            fetches: AtomicU64::new(0),
        }
    }

    /// A valid token: the cached one, or a fresh one. Concurrent callers queue on the cache
    /// lock while one of them fetches, then all share its token.
    pub async fn token(&self) -> Result<AccessToken, TokenError> {
        let mut cache = self.cache.lock().await;
        if let Some(t) = cache.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(t.clone());
        }
        let fresh = self.fetch_retrying().await?;
        *cache = Some(fresh.clone());
        Ok(fresh)
    }

    /// Fetches a token, retrying a transient failure (network, timeout, 5xx) with backoff up to
    /// the retry policy: one 503 from the identity provider does not fail a launch or a commit.
    /// A refusal (wrong credentials) is not retried.
    async fn fetch_retrying(&self) -> Result<AccessToken, TokenError> {
        let mut retries = 0u32;
        loop {
            let fetched = self.fetch().await;
            super::metrics::token_fetch(&fetched);
            match fetched {
                Err(TokenError::Unreachable(detail)) if retries < self.retry.max_retries => {
                    let wait = backoff(&self.retry, retries);
                    retries += 1;
                    tracing::info!(retry = retries, wait_ms = wait.as_millis() as u64, error = %detail, "retrying ALEX token request");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    /// Drops `stale` from the cache (after ALEX answered 401 to it) unless another caller has
    /// already replaced it, so a burst of 401s still causes one renewal.
    pub async fn invalidate(&self, stale: &AccessToken) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|t| t.serial == stale.serial) {
            *cache = None;
        }
    }

    pub async fn info(&self) -> TokenInfo {
        let cache = self.cache.lock().await;
        let now = Instant::now();
        let live = cache.as_ref().filter(|t| now < t.expires_at);
        TokenInfo {
            cached: live.is_some(),
            expires_in_secs: live.map(|t| (t.expires_at - now).as_secs()),
            fetch_count: self.fetch_count(),
        }
    }

    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    async fn fetch(&self) -> Result<AccessToken, TokenError> {
        let started = Instant::now();
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose_secret()),
            ("grant_type", "client_credentials"),
            ("scope", self.scope.as_str()),
        ];
        let resp = self
            .http
            .post(&self.url)
            .timeout(self.timeout)
            .form(&form)
            .send()
            .await
            .map_err(|e| TokenError::Unreachable(transport_detail(&e)))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| TokenError::Unreachable(transport_detail(&e)))?;
        if status >= 500 {
            return Err(TokenError::Unreachable(format!("identity provider answered {status}")));
        }
        if !(200..300).contains(&status) {
            let error = serde_json::from_slice::<TokenErrorBody>(&body)
                .ok()
                .and_then(|b| b.error)
                .unwrap_or_else(|| "unknown".into());
            tracing::warn!(status, error = %error, "ALEX token request refused");
            return Err(TokenError::Rejected { status, error });
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| TokenError::Malformed(super::error::json_error(&e)))?;
        if parsed
            .token_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(TokenError::Malformed("token_type is not Bearer".into()));
        }
        let serial = self.fetches.fetch_add(1, Ordering::Relaxed) + 1;
        let life = Duration::from_secs(parsed.expires_in);
        let margin = RENEW_MARGIN.min(life / 5);
        let now = Instant::now();
        tracing::info!(
            serial,
            expires_in = parsed.expires_in,
            took_ms = started.elapsed().as_millis() as u64,
            "ALEX token issued"
        );
        Ok(AccessToken {
            value: SecretString::from(parsed.access_token),
            serial,
            expires_at: now + life,
            renew_at: now + life - margin,
        })
    }
}

/// A transport error's kind without its URL (URLs can carry identifiers in queries).
pub(super) fn transport_detail(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else if e.is_request() {
        "request"
    } else {
        "transport"
    };
    let mut source = std::error::Error::source(e);
    let mut root = String::new();
    while let Some(s) = source {
        root = s.to_string();
        source = s.source();
    }
    if root.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {root}")
    }
}
