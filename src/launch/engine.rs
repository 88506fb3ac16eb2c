//! Which browser engines practices launch from (for metrics): Evolution opens the widget in the
//! practice PC's own browser or in its embedded engine, and the product degrades in the latter.
//! A fixed, small set of names read from the User-Agent — never the string itself.

use axum::http::{HeaderMap, Response, header};

/// The engine family of a request's User-Agent.
pub fn of(headers: &HeaderMap) -> &'static str {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ua.contains("Trident/") || ua.contains("MSIE ") {
        "trident"
    } else if ua.contains("WebView2") || ua.contains("wv)") {
        "webview"
    } else if ua.contains("Edg/") {
        "edge"
    } else if ua.contains("Firefox/") {
        "firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "chromium"
    } else if ua.contains("Safari/") {
        "safari"
    } else {
        "other"
    }
}

/// Counts one launch by outcome (`opened`, or the refusal's problem slug) and engine, read from
/// where `/launch` sends the browser.
pub fn count<B>(engine: &'static str, resp: &Response<B>) {
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
    metrics::counter!("clinical_images_launches_total", "outcome" => outcome, "engine" => engine).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ua(s: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::USER_AGENT, s.parse().unwrap());
        h
    }

    #[test]
    fn engines_are_a_few_fixed_names() {
        assert_eq!(
            of(&ua("Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko")),
            "trident"
        );
        assert_eq!(
            of(&ua(
                "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0"
            )),
            "edge"
        );
        assert_eq!(
            of(&ua("Mozilla/5.0 (X11; Linux) Gecko/20100101 Firefox/128.0")),
            "firefox"
        );
        assert_eq!(
            of(&ua("Mozilla/5.0 AppleWebKit/537.36 Chrome/120.0 Safari/537.36")),
            "chromium"
        );
        assert_eq!(of(&HeaderMap::new()), "other");
    }
}
