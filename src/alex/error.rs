//! Every way an ALEX call can fail, as a type. `Display` is the detailed text for the log
//! (never a name or an NHI: see `scrub`); `gp_message` is what a GP reads.

use std::time::Duration;

use super::fhir::OperationOutcome;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The identity provider answered and refused us: wrong client id, secret or scope.
    #[error("token request refused ({status}): {error}")]
    Rejected { status: u16, error: String },
    /// The identity provider could not be reached or failed (network, timeout, 5xx).
    #[error("identity provider unreachable: {0}")]
    Unreachable(String),
    #[error("token response malformed: {0}")]
    Malformed(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlexError {
    #[error("token: {0}")]
    Token(#[from] TokenError),
    /// 400 business-rule: a required element missing — a bug on our side.
    #[error("ALEX rejected the request as incomplete (400 business-rule): {detail}")]
    BusinessRule { detail: String },
    /// Another 4xx with an OperationOutcome (invalid content, too large…).
    #[error("ALEX rejected the request ({status} {code}): {detail}")]
    Rejected { status: u16, code: String, detail: String },
    /// 403 "Practice Facility not found": Medtech has not mapped this facility to our client id.
    #[error("facility {facility} is not mapped to this client id (403 Practice Facility not found)")]
    FacilityNotMapped { facility: String },
    /// Our own allow-list refused the facility before ALEX was called.
    #[error("facility {facility} is not in ALEX_FACILITY_ALLOWLIST")]
    FacilityNotAllowed { facility: String },
    /// 403 "Authorization failed.": a missing role, or a query shape ALEX does not support.
    #[error("ALEX refused the call (403 forbidden): {detail}")]
    Forbidden { detail: String },
    /// 404 with a FHIR body: the resource does not exist.
    #[error("ALEX found no such resource (404): {detail}")]
    NotFound { detail: String },
    /// 404 with ALEX's non-FHIR body: the endpoint is not exposed.
    #[error("ALEX does not expose this endpoint (404 non-FHIR)")]
    EndpointNotExposed,
    /// 401 again after renewing the token once.
    #[error("ALEX refused a freshly issued token (401)")]
    Unauthorized,
    #[error("ALEX throttled the call (429), retry after {retry_after:?}")]
    Throttled { retry_after: Option<Duration> },
    /// 503: the practice's PC or relay is down.
    #[error("ALEX cannot reach the practice (503): {detail}")]
    Unavailable { detail: String },
    /// No answer at all after the retries (connection refused, DNS, reset before sending).
    #[error("ALEX unreachable: {detail}")]
    Unreachable { detail: String },
    /// A write was sent but no answer came back: it may or may not have been saved.
    #[error("no answer to a write ({detail}): outcome unknown")]
    OutcomeUnknown { detail: String },
    #[error("unexpected ALEX response ({status}): {detail}")]
    Unexpected { status: u16, detail: String },
    #[error("invalid NHI: {0}")]
    InvalidNhi(#[from] crate::nhi::NhiError),
    #[error("invalid facility id")]
    InvalidFacility,
}

impl AlexError {
    /// Plain English for the GP: what happened and what to do.
    pub fn gp_message(&self) -> String {
        use AlexError::*;
        match self {
            Token(TokenError::Rejected { .. }) => {
                "Medtech did not accept this app's credentials. Please tell your practice manager; \
                 the photos are kept here."
                    .into()
            }
            Token(_) | Unreachable { .. } => {
                "We could not reach Medtech just now. Your photos are kept here; try again in a minute.".into()
            }
            BusinessRule { .. } => "Medtech rejected the photo because something it needs was missing. \
                 This is a fault in the app, not something you did; the photo is kept here. \
                 Please report it."
                .into(),
            // Our own words only: whatever text ALEX sent stays out of the GP's message.
            Rejected { status: 413, .. } => "Medtech did not accept this because it is too large. \
                 It is kept here; please report this."
                .into(),
            Rejected { status, .. } => format!(
                "Medtech did not accept this (it answered {status}). It is kept here; \
                 please report this if it happens again."
            ),
            FacilityNotMapped { facility } => format!(
                "Medtech has not yet enabled this app for your practice (facility {facility}). \
                 Please tell your practice manager."
            ),
            FacilityNotAllowed { facility } => format!(
                "This installation is not set up for your practice (facility {facility}). \
                 Please tell your practice manager."
            ),
            Forbidden { .. } | Unauthorized => {
                "Medtech did not allow this action for this app. Please tell your practice manager.".into()
            }
            NotFound { .. } => "Medtech could not find that record.".into(),
            EndpointNotExposed => "This Medtech feature is not available to the app.".into(),
            Throttled { .. } => "Medtech is busy. Your photos are kept here; try again in a minute.".into(),
            Unavailable { .. } => "Medtech cannot reach your practice's server right now. \
                 Your photos are kept here and can be sent again when the connection is back."
                .into(),
            OutcomeUnknown { .. } => "Medtech did not confirm whether it saved this. \
                 It is kept here; check the patient's inbox before sending it again."
                .into(),
            Unexpected { .. } => "Medtech gave an answer we did not understand. The photo is kept here.".into(),
            InvalidNhi(e) => format!("That NHI is not valid: {e}."),
            InvalidFacility => "The practice (facility) id is not valid.".into(),
        }
    }

    /// A short stable name for logs, metrics and the UI.
    pub fn kind(&self) -> &'static str {
        use AlexError::*;
        match self {
            Token(TokenError::Rejected { .. }) => "token_rejected",
            Token(_) => "token_unavailable",
            BusinessRule { .. } => "business_rule",
            Rejected { .. } => "rejected",
            FacilityNotMapped { .. } => "facility_not_mapped",
            FacilityNotAllowed { .. } => "facility_not_allowed",
            Forbidden { .. } => "forbidden",
            NotFound { .. } => "not_found",
            EndpointNotExposed => "endpoint_not_exposed",
            Unauthorized => "unauthorized",
            Throttled { .. } => "throttled",
            Unavailable { .. } => "unavailable",
            Unreachable { .. } => "unreachable",
            OutcomeUnknown { .. } => "outcome_unknown",
            Unexpected { .. } => "unexpected",
            InvalidNhi(_) => "invalid_nhi",
            InvalidFacility => "invalid_facility",
        }
    }

    /// Worth trying again later (the photo stays queued): the fault was on the way, not in
    /// what we sent.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AlexError::Token(TokenError::Unreachable(_))
                | AlexError::Throttled { .. }
                | AlexError::Unavailable { .. }
                | AlexError::Unreachable { .. }
        )
    }

    /// The HTTP status our own API answers with for this failure.
    pub fn http_status(&self) -> u16 {
        use AlexError::*;
        match self {
            InvalidNhi(_) | InvalidFacility => 400,
            FacilityNotAllowed { .. } | FacilityNotMapped { .. } | Forbidden { .. } => 403,
            NotFound { .. } => 404,
            Throttled { .. } => 429,
            Unavailable { .. } | Unreachable { .. } | Token(TokenError::Unreachable(_)) => 503,
            OutcomeUnknown { .. } => 504,
            _ => 502,
        }
    }

    /// Maps an ALEX error response (status + body) to a typed error.
    pub(super) fn from_response(
        status: u16,
        body: &[u8],
        facility: Option<&str>,
        retry_after: Option<Duration>,
    ) -> AlexError {
        let outcome = parse_outcome(body);
        let detail = match &outcome {
            Some(o) => outcome_detail(o),
            None => body_detail(body),
        };
        let code = outcome.as_ref().and_then(|o| o.code()).unwrap_or("").to_string();
        match status {
            400 if code == "business-rule" => AlexError::BusinessRule { detail },
            401 => AlexError::Unauthorized,
            403 if detail.to_ascii_lowercase().contains("facility not found") => AlexError::FacilityNotMapped {
                facility: facility.unwrap_or("?").to_string(),
            },
            403 => AlexError::Forbidden { detail },
            404 if outcome.is_none() => AlexError::EndpointNotExposed,
            404 => AlexError::NotFound { detail },
            429 => AlexError::Throttled { retry_after },
            503 => AlexError::Unavailable { detail },
            400..=499 => AlexError::Rejected { status, code, detail },
            _ => AlexError::Unexpected { status, detail },
        }
    }
}

fn parse_outcome(body: &[u8]) -> Option<OperationOutcome> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    (v.get("resourceType")?.as_str()? == "OperationOutcome").then(|| serde_json::from_value(v).ok())?
}

/// Texts ALEX is known to send (ALEX_FACTS.md), which carry nothing about a patient. Any other
/// text is withheld from our logs and errors: it could hold a name.
const KNOWN_PHRASES: &[&str] = &[
    "Practice Facility not found",
    "Authorization failed.",
    "Cannot establish connection to the facility. Please try again later.",
    "Cannot establish connection to the facility",
    "Resource not found",
];

/// The known phrase `text` is (or contains), or "mandatory <element path> missing", else a
/// note of how much was withheld.
fn known_text(text: &str) -> String {
    let text = text.trim();
    if let Some(p) = KNOWN_PHRASES
        .iter()
        .find(|p| text.to_ascii_lowercase().contains(&p.to_ascii_lowercase()))
    {
        return p.to_string();
    }
    let element = text
        .strip_prefix("mandatory ")
        .and_then(|t| t.strip_suffix(" missing"))
        .filter(|e| {
            e.len() <= 80
                && e.contains('.')
                && e.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '[' | ']' | '_'))
        });
    match element {
        Some(e) => scrub(&format!("mandatory {e} missing")),
        None => format!("(text withheld, {} chars)", text.chars().count()),
    }
}

/// A FHIR code as ALEX sent it, if it is code-shaped (`business-rule`, `error` …).
fn code_shaped(code: Option<&str>) -> &str {
    code.filter(|c| !c.is_empty() && c.len() <= 32 && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        .unwrap_or("?")
}

/// Each issue's severity and code, and its text reduced to a known phrase: never free text.
fn outcome_detail(outcome: &OperationOutcome) -> String {
    let issues: Vec<String> = outcome
        .issue
        .iter()
        .take(5)
        .map(|i| {
            let text = i
                .diagnostics
                .iter()
                .chain(i.details.as_ref().and_then(|d| d.text.as_ref()))
                .map(|t| known_text(t))
                .collect::<Vec<_>>()
                .join("; ");
            format!(
                "{} {}: {text}",
                code_shaped(i.severity.as_deref()),
                code_shaped(i.code.as_deref())
            )
        })
        .collect();
    short(&issues.join(" | "))
}

/// A body that is not an OperationOutcome (HTML from a proxy, ALEX's own 404 JSON …).
fn body_detail(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    match known_text(&text) {
        t if t.starts_with("(text withheld") => format!("(non-FHIR body withheld, {} bytes)", body.len()),
        t => t,
    }
}

/// A JSON error without the text it quotes (serde's messages can include the offending value).
pub fn json_error(e: &serde_json::Error) -> String {
    format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column())
}

fn short(detail: &str) -> String {
    let mut s: String = detail.chars().take(200).collect();
    if detail.chars().count() > 200 {
        s.push('…');
    }
    s
}

/// Replaces anything shaped like an NHI (3 letters, 2 digits, 2 alphanumerics) so that texts
/// quoted from ALEX cannot carry a patient identifier into our logs.
pub fn scrub(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let w = &chars[i..chars.len().min(i + 7)];
        let boundary_before = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        let boundary_after = chars.get(i + 7).is_none_or(|c| !c.is_ascii_alphanumeric());
        if w.len() == 7
            && boundary_before
            && boundary_after
            && w[..3].iter().all(|c| c.is_ascii_alphabetic())
            && w[3..5].iter().all(|c| c.is_ascii_digit())
            && w[5..].iter().all(|c| c.is_ascii_alphanumeric())
        {
            out.push_str("[NHI]");
            i += 7;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    short(&out)
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;

impl From<AlexError> for crate::error::AppError {
    fn from(e: AlexError) -> Self {
        use crate::error::{AppError, ErrorKind};
        let kind = if e.is_transient() {
            ErrorKind::MedtechUnavailable
        } else {
            ErrorKind::Medtech
        };
        AppError::new(kind, e.gp_message())
    }
}
