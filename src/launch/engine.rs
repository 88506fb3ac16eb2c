//! Which browser engines practices launch from: Evolution opens the widget in the practice PC's
//! own browser or in its embedded engine, and the product degrades in the latter. Each opened
//! launch records the engine family and major version read from the User-Agent — never the
//! string itself — and whether the page's WebAssembly then ran (the hydrated page says so once).
//! Operators read the counts at `GET /api/ops/engines` (behind OPS_TOKEN).

use crate::infra::sql::{OptionalExtension, Sql, params};
use axum::http::{HeaderMap, Response, header};
use serde::Serialize;

use super::server::Sessions;
use crate::{error::AppError, infra::time::now_secs};

/// Engine rows are kept this long (they hold no identity; the window keeps the counts current).
pub const KEEP_DAYS: i64 = 90;

/// The engine families told apart. A fixed, small set: a metric label and a stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Internet Explorer (Trident): the engine old embedded browser controls use.
    Trident,
    /// The first Edge (EdgeHTML, `Edge/18`).
    EdgeHtml,
    /// An embedded Chromium control (Edge WebView2 when it says so, Android WebView).
    WebView,
    /// Microsoft Edge (Chromium).
    Edge,
    Firefox,
    /// Chrome and other Chromium browsers.
    Chromium,
    Safari,
    Other,
}

impl Family {
    pub fn slug(self) -> &'static str {
        match self {
            Family::Trident => "trident",
            Family::EdgeHtml => "edgehtml",
            Family::WebView => "webview",
            Family::Edge => "edge",
            Family::Firefox => "firefox",
            Family::Chromium => "chromium",
            Family::Safari => "safari",
            Family::Other => "other",
        }
    }
}

/// A request's engine: family and major version (None when the User-Agent does not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engine {
    pub family: Family,
    pub major: Option<u16>,
}

/// The engine of a request's User-Agent.
pub fn of(headers: &HeaderMap) -> Engine {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    parse(ua)
}

/// Reads the family and major version from a User-Agent string (most specific token first:
/// Edge and WebView2 also say `Chrome/`, Chromium browsers also say `Safari/`).
pub fn parse(ua: &str) -> Engine {
    let engine = |family, major| Engine { family, major };
    if ua.contains("Trident/") || ua.contains("MSIE ") {
        // IE 11 says `rv:11.0`; IE 10 and older `MSIE 10.0`; Trident/7.0 alone is 11.
        let major = version_after(ua, "MSIE ")
            .or_else(|| version_after(ua, "rv:"))
            .or_else(|| version_after(ua, "Trident/").map(|t| t + 4));
        engine(Family::Trident, major)
    } else if ua.contains("Edge/") {
        engine(Family::EdgeHtml, version_after(ua, "Edge/"))
    } else if ua.contains("WebView2") || ua.contains("; wv)") {
        engine(Family::WebView, version_after(ua, "Chrome/"))
    } else if ua.contains("Edg/") {
        engine(Family::Edge, version_after(ua, "Edg/"))
    } else if ua.contains("Firefox/") {
        engine(Family::Firefox, version_after(ua, "Firefox/"))
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        let major = version_after(ua, "Chrome/").or_else(|| version_after(ua, "Chromium/"));
        engine(Family::Chromium, major)
    } else if ua.contains("Safari/") || ua.contains("AppleWebKit/") {
        engine(Family::Safari, version_after(ua, "Version/"))
    } else {
        engine(Family::Other, None)
    }
}

/// The whole number right after `token` (`Chrome/120.0.1` → 120), if it is a plausible version.
fn version_after(ua: &str, token: &str) -> Option<u16> {
    let rest = &ua[ua.find(token)? + token.len()..];
    let digits: &str = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    digits.parse::<u16>().ok().filter(|v| (1..1000).contains(v))
}

/// Counts one launch by outcome (`opened`, or the refusal's problem slug) and engine family,
/// read from where `/launch` sends the browser.
pub fn count<B>(engine: Engine, resp: &Response<B>) {
    let to = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let outcome = match to.strip_prefix("/problem/") {
        Some(slug) if slug.len() <= 40 && slug.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') => slug.to_string(),
        Some(_) => "problem".to_string(),
        None if to.starts_with("/w/") => "opened".to_string(),
        None => "other".to_string(),
    };
    metrics::counter!("clinical_images_launches_total", "outcome" => outcome, "engine" => engine.family.slug())
        .increment(1);
}

/// Records the engine of an opened launch session (WebAssembly not yet seen).
pub async fn record(state: &Sessions, sid: &str, engine: Engine) {
    let sid = sid.to_string();
    let result = state
        .db
        .call(move |c| {
            c.execute(
                "INSERT INTO launch_engines (session_id, engine, major, wasm, at) VALUES (?1, ?2, ?3, 0, ?4) ON CONFLICT DO NOTHING",
                params![sid, engine.family.slug(), engine.major, now_secs()],
            )
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "launch engine not recorded");
    }
}

/// The hydrated page of session `sid` says its WebAssembly ran (once counted per launch).
pub async fn wasm_ran(state: &Sessions, sid: &str) -> Result<(), AppError> {
    let sid = sid.to_string();
    let first = state
        .db
        .call(move |c| {
            c.query_row(
                "UPDATE launch_engines SET wasm = 1 WHERE session_id = ?1 AND wasm = 0 RETURNING engine",
                params![sid],
                |r| r.get::<_, String>(0),
            )
            .optional()
        })
        .await;
    match first {
        Ok(Some(engine)) => {
            metrics::counter!("clinical_images_wasm_started_total", "engine" => engine).increment(1);
            Ok(())
        }
        // Already counted (a reload), or launched before engines were recorded.
        Ok(None) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "wasm start not recorded");
            Err(AppError::internal())
        }
    }
}

/// One row of the operators' view: how many launches of an engine family and major version,
/// and whether their WebAssembly ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineCount {
    pub engine: String,
    pub major: Option<u16>,
    pub wasm: bool,
    pub launches: u64,
}

/// The counts over the kept window, most launches first.
pub async fn counts(state: &Sessions) -> Result<Vec<EngineCount>, AppError> {
    state
        .db
        .call(|c| {
            c.query_map(
                "SELECT engine, major, wasm, COUNT(*) FROM launch_engines
                 GROUP BY engine, major, wasm ORDER BY COUNT(*) DESC, engine, major, wasm",
                params![],
                |r| {
                    Ok(EngineCount {
                        engine: r.get(0)?,
                        major: r.get(1)?,
                        wasm: r.get::<_, i64>(2)? != 0,
                        launches: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "launch engines could not be counted");
            AppError::internal()
        })
}

/// Forgets engine rows older than [`KEEP_DAYS`].
pub async fn forget_old(state: &Sessions) {
    let cutoff = now_secs() - KEEP_DAYS * 86_400;
    let result = state
        .db
        .call(move |c| c.execute("DELETE FROM launch_engines WHERE at < ?1", params![cutoff]))
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "retention: launch engines could not be forgotten");
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
