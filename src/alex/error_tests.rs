//! Unit tests of `alex::error`: the fault mapping, and that nothing ALEX wrote reaches a GP
//! message or a log line except its codes and known phrases.

use super::*;

fn oo(code: &str, text: &str) -> Vec<u8> {
    serde_json::json!({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":code,"diagnostics":text}]})
        .to_string()
        .into_bytes()
}

#[test]
fn every_fault_row_maps_to_its_type() {
    let e = AlexError::from_response(
        400,
        &oo("business-rule", "mandatory Identifier.value missing"),
        None,
        None,
    );
    assert!(matches!(e, AlexError::BusinessRule { .. }), "{e:?}");
    assert!(matches!(
        AlexError::from_response(401, b"{}", None, None),
        AlexError::Unauthorized
    ));
    let e = AlexError::from_response(
        403,
        &oo("forbidden", "Practice Facility not found"),
        Some("F00000-X"),
        None,
    );
    assert_eq!(
        e,
        AlexError::FacilityNotMapped {
            facility: "F00000-X".into()
        }
    );
    assert!(e.gp_message().contains("F00000-X"));
    let e = AlexError::from_response(403, &oo("forbidden", "Authorization failed."), Some("F2N060-E"), None);
    assert!(matches!(e, AlexError::Forbidden { .. }));
    let e = AlexError::from_response(404, br#"{"statusCode":404,"message":"Resource not found"}"#, None, None);
    assert_eq!(e, AlexError::EndpointNotExposed);
    let e = AlexError::from_response(429, b"", None, Some(Duration::from_secs(2)));
    assert_eq!(
        e,
        AlexError::Throttled {
            retry_after: Some(Duration::from_secs(2))
        }
    );
    let e = AlexError::from_response(
        503,
        &oo(
            "exception",
            "Cannot establish connection to the facility. Please try again later.",
        ),
        None,
        None,
    );
    assert!(matches!(e, AlexError::Unavailable { .. }) && e.is_transient());
    assert!(!AlexError::BusinessRule { detail: String::new() }.is_transient());
}

#[test]
fn scrub_hides_nhi_shaped_tokens_only() {
    assert_eq!(scrub("patient ZZZ0016 not found"), "patient [NHI] not found");
    assert_eq!(scrub("ZHW58CV;ZZZ00AC"), "[NHI];[NHI]");
    assert_eq!(scrub("Identifier.value missing"), "Identifier.value missing");
    assert_eq!(scrub("F2N060-E"), "F2N060-E");
}

const NAME: [&str; 4] = ["Jane", "Smith", "ZZZ0016", "1975"];

fn carries_nothing_remote(text: &str) {
    for bit in NAME.iter().chain(&["<", "Bad Gateway", "script"]) {
        assert!(!text.contains(bit), "{bit:?} in {text:?}");
    }
}

#[test]
fn logged_details_keep_only_codes_severities_and_known_phrases() {
    let e = AlexError::from_response(
        400,
        &oo("invalid", "Patient Jane Smith (ZZZ0016) born 1975-03-14 is invalid"),
        None,
        None,
    );
    let logged = e.to_string();
    carries_nothing_remote(&logged);
    assert!(logged.contains("error invalid: (text withheld, 55 chars)"), "{logged}");

    let e = AlexError::from_response(
        400,
        &oo("business-rule", "mandatory Identifier.value missing"),
        None,
        None,
    );
    assert_eq!(
        e,
        AlexError::BusinessRule {
            detail: "error business-rule: mandatory Identifier.value missing".into()
        }
    );
    let e = AlexError::from_response(400, &oo("business-rule", "mandatory Jane Smith missing"), None, None);
    carries_nothing_remote(&e.to_string());

    // A known phrase is kept, whatever else came with it; a code that is not code-shaped is not.
    let e = AlexError::from_response(
        403,
        &oo("Jane Smith", "Authorization failed. Asked by Jane Smith"),
        None,
        None,
    );
    assert_eq!(
        e,
        AlexError::Forbidden {
            detail: "error ?: Authorization failed.".into()
        }
    );
    let e = AlexError::from_response(503, &oo("exception", respond_text()), None, None);
    assert!(
        e.to_string().contains("Cannot establish connection to the facility"),
        "{e}"
    );

    // serde's messages quote the value they choke on: ours do not.
    let bad = serde_json::from_str::<u32>("\"Jane Smith\"").unwrap_err();
    assert!(bad.to_string().contains("Jane"), "the hazard is real");
    carries_nothing_remote(&json_error(&bad));
}

fn respond_text() -> &'static str {
    "Cannot establish connection to the facility. Please try again later."
}

#[test]
fn a_remote_body_never_reaches_the_gp_and_only_its_size_is_logged() {
    let html =
        b"<html><body><h1>502 Bad Gateway</h1><p>Patient Jane Smith ZZZ0016 1975</p><script>x()</script></body></html>";
    for status in [400, 409, 413, 422, 500, 502, 504] {
        let e = AlexError::from_response(status, html, None, None);
        carries_nothing_remote(&e.gp_message());
        carries_nothing_remote(&e.to_string());
        assert!(
            e.to_string()
                .contains(&format!("non-FHIR body withheld, {} bytes", html.len())),
            "{e}"
        );
    }
    let e = AlexError::from_response(422, &oo("invalid", "Jane Smith's photo <b>is</b> invalid"), None, None);
    carries_nothing_remote(&e.gp_message());
    assert_eq!(
        e.gp_message(),
        "Medtech did not accept this (it answered 422). It is kept here; please report this if it happens again."
    );
    assert!(
        AlexError::from_response(413, html, None, None)
            .gp_message()
            .contains("too large")
    );
}
