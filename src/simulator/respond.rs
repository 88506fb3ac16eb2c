//! Response builders (FHIR JSON, OperationOutcome, the gateway's non-FHIR JSON) and small
//! request helpers (headers, query strings, percent-decoding).

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};

pub(crate) const FHIR_JSON: &str = "application/fhir+json";
pub(crate) const JSON: &str = "application/json";

/// The exact texts ALEX uses (ALEX_FACTS.md).
pub(crate) const AUTHORIZATION_FAILED: &str = "Authorization failed.";
pub(crate) const FACILITY_NOT_FOUND: &str = "Practice Facility not found";
pub(crate) const FACILITY_UNREACHABLE: &str = "Cannot establish connection to the facility. Please try again later.";

fn with_body(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Body> {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// A JSON body with `Content-Type: application/json`.
pub(crate) fn json(status: StatusCode, body: Value) -> Response<Body> {
    with_body(status, JSON, body.to_string().into_bytes())
}

/// A FHIR resource with `Content-Type: application/fhir+json`.
pub(crate) fn fhir(status: StatusCode, body: Value) -> Response<Body> {
    with_body(status, FHIR_JSON, body.to_string().into_bytes())
}

/// An OperationOutcome with one issue.
pub(crate) fn outcome_resource(severity: &str, code: &str, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": severity, "code": code, "diagnostics": diagnostics }]
    })
}

/// An error OperationOutcome response.
pub(crate) fn outcome(status: StatusCode, code: &str, diagnostics: &str) -> Response<Body> {
    fhir(status, outcome_resource("error", code, diagnostics))
}

/// 403 forbidden "Authorization failed." (missing role, unsupported query shape).
pub(crate) fn authorization_failed() -> Response<Body> {
    outcome(StatusCode::FORBIDDEN, "forbidden", AUTHORIZATION_FAILED)
}

/// The API gateway's own (non-FHIR) JSON: `{"statusCode":n,"message":"…"}`.
pub(crate) fn gateway(status: StatusCode, message: &str) -> Response<Body> {
    json(status, json!({ "statusCode": status.as_u16(), "message": message }))
}

/// 401 from the gateway (no / invalid / expired / revoked token).
pub(crate) fn unauthorized() -> Response<Body> {
    let mut resp = gateway(StatusCode::UNAUTHORIZED, "Unauthorized");
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

/// 404 for an endpoint ALEX does not expose.
pub(crate) fn not_found_gateway() -> Response<Body> {
    gateway(StatusCode::NOT_FOUND, "Resource not found")
}

/// A header's value as trimmed text, if present, valid and non-empty.
pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let v = headers.get(name)?.to_str().ok()?.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Percent-decode (optionally `+` as space), lossily as UTF-8. Never fails.
pub(crate) fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parse `a=b&c=d` (query string or form body) into decoded pairs, in order.
pub(crate) fn parse_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(percent_decode("a%7Cb", true), "a|b");
        assert_eq!(percent_decode("a%7cb+c", true), "a|b c");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%4", true), "%4");
        assert_eq!(percent_decode("%zz", true), "%zz");
        assert_eq!(percent_decode("%E2%9C%93", true), "\u{2713}");
        assert_eq!(percent_decode("%FF", true), "\u{FFFD}");
    }

    #[test]
    fn parses_pairs() {
        let p = parse_pairs("identifier=https%3A%2F%2Fx%7CZZZ0016&&flag&a=");
        assert_eq!(p[0], ("identifier".into(), "https://x|ZZZ0016".into()));
        assert_eq!(p[1], ("flag".into(), "".into()));
        assert_eq!(p[2], ("a".into(), "".into()));
    }
}
