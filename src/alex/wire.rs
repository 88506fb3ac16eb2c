//! Pure helpers of the ALEX wire (no I/O): backoff, `Retry-After`, ids out of `Location`, and
//! the URL as it may be logged.

use std::time::Duration;

use rand::Rng;
use reqwest::header;

use super::config::RetryPolicy;

/// Exponential backoff with full jitter, capped.
pub fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let ceiling = policy
        .base_delay
        .saturating_mul(1 << retry.min(16))
        .min(policy.max_delay);
    let ms = rand::rng().random_range(ceiling.as_millis() as u64 / 2..=ceiling.as_millis() as u64);
    Duration::from_millis(ms)
}

pub fn retry_after(headers: &header::HeaderMap) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

pub fn header_str(headers: &header::HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(String::from)
}

/// `…/fhir/Media/{id}` or `…/Media/{id}/_history/1` → `{id}` (ALEX lower-cases `/fhir/`).
pub fn id_from_location(location: &str, resource_type: &str) -> Option<String> {
    let parts: Vec<&str> = location.split('/').collect();
    let at = parts.iter().rposition(|p| p.eq_ignore_ascii_case(resource_type))?;
    parts.get(at + 1).filter(|s| !s.is_empty()).map(|s| s.to_string())
}

/// The URL as it may be logged: its route's shape only — no query (queries carry NHIs), no
/// resource id (`/FHIR/Patient/{id}`: a Medtech patient id is patient identity), no launch token.
pub fn loggable(url: &str) -> String {
    let path = reqwest::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    loggable_path(&path)
}

/// A request path as it may be logged (see `loggable`): its route's shape.
pub fn loggable_path(path: &str) -> String {
    if let Some(i) = path.find("/getlaunchcontextstring/") {
        return format!("{}/getlaunchcontextstring/…", &path[..i]);
    }
    let mut after_type = false;
    path.split('/')
        .map(|seg| {
            let id = after_type && !seg.is_empty() && !seg.starts_with(['_', '$']);
            // A FHIR resource type: `Patient`, `DocumentReference` (not `FHIR`, not `api`).
            after_type = seg.starts_with(|c: char| c.is_ascii_uppercase())
                && seg.chars().any(|c| c.is_ascii_lowercase())
                && seg.chars().all(|c| c.is_ascii_alphabetic());
            if id { "{id}" } else { seg }
        })
        .collect::<Vec<_>>()
        .join("/")
}
