//! What the gateway counts (the `metrics` facade; the composition root installs the recorder):
//! every ALEX call by endpoint, method and status with its latency, and every token fetch by
//! outcome. An endpoint is named by its resource type, never by a path: paths carry patient,
//! practitioner and launch identifiers.

use std::time::Duration;

use reqwest::Method;

use super::error::TokenError;

/// The resource types and operations the product calls; anything else is `other`.
const ENDPOINTS: &[&str] = &["Patient", "Media", "DocumentReference", "Location", "Practitioner"];

/// The endpoint label of a call to `url`: its FHIR resource type, or `launch_context`.
pub(super) fn endpoint(url: &str, fhir_base: &str) -> &'static str {
    if url.contains("/getlaunchcontextstring/") {
        return "launch_context";
    }
    let Some(rest) = url.strip_prefix(fhir_base) else {
        return "other";
    };
    let first = rest.trim_start_matches('/').split(['/', '?']).next().unwrap_or("");
    ENDPOINTS.iter().copied().find(|e| *e == first).unwrap_or("other")
}

/// One call's answer: its HTTP status, or `transport` when none came back.
pub(super) fn call(endpoint: &'static str, method: &Method, status: Option<u16>, took: Duration) {
    let method = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        _ => "other",
    };
    let status = status.map_or_else(|| "transport".to_string(), |s| s.to_string());
    metrics::counter!("clinical_images_alex_calls_total", "endpoint" => endpoint, "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("clinical_images_alex_call_seconds", "endpoint" => endpoint, "method" => method)
        .record(took.as_secs_f64());
}

/// One token fetch's outcome.
pub(super) fn token_fetch<T>(result: &Result<T, TokenError>) {
    let outcome = match result {
        Ok(_) => "issued",
        Err(TokenError::Rejected { .. }) => "rejected",
        Err(TokenError::Unreachable(_)) => "unreachable",
        Err(TokenError::Malformed(_)) => "malformed",
    };
    metrics::counter!("clinical_images_alex_token_fetches_total", "outcome" => outcome).increment(1);
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn endpoints_are_resource_types_never_identifiers() {
        let base = "https://alex.example/FHIR";
        assert_eq!(
            endpoint("https://alex.example/FHIR/Patient?identifier=x|ZZZ0016", base),
            "Patient"
        );
        assert_eq!(
            endpoint("https://alex.example/FHIR/Practitioner/abc-123", base),
            "Practitioner"
        );
        assert_eq!(endpoint("https://alex.example/FHIR/Media", base), "Media");
        assert_eq!(endpoint("https://alex.example/FHIR/Secret-patient-id", base), "other");
        assert_eq!(
            endpoint("https://alex.example/vendorforms/api/getlaunchcontextstring/a/b", base),
            "launch_context"
        );
    }
}
