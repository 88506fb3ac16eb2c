//! An independent check of what we send against the FHIR R4 specification's rules for Media
//! and DocumentReference: required elements and cardinalities, required-binding codes,
//! primitive formats, and invariant att-1. Written from the spec, not from our own types.

use clinical_images::alex::r4::{
    ATTACHMENT_ELEMENTS, DOCUMENT_REFERENCE_ELEMENTS, DOCUMENT_REFERENCE_STATUS, EVENT_STATUS, MEDIA_ELEMENTS,
    RESOURCE_BASE,
};
use serde_json::Value;

/// A resource's own elements plus those every resource has.
fn elements(own: &[&'static str]) -> Vec<&'static str> {
    RESOURCE_BASE.iter().chain(own).copied().collect()
}

fn is_datetime_with_offset(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

fn check_elements(v: &Value, allowed: &[&str], what: &str, errors: &mut Vec<String>) {
    if let Some(obj) = v.as_object() {
        for k in obj.keys() {
            if !allowed.contains(&k.as_str()) {
                errors.push(format!("{what}: {k} is not an R4 element"));
            }
        }
    } else {
        errors.push(format!("{what} is not an object"));
    }
}

fn check_reference(v: Option<&Value>, target: &str, what: &str, errors: &mut Vec<String>) {
    match v.and_then(|r| r.get("reference")).and_then(Value::as_str) {
        Some(r) if r.starts_with(&format!("{target}/")) && r.len() > target.len() + 1 => {}
        other => errors.push(format!("{what} must reference {target}/<id>, got {other:?}")),
    }
}

fn check_attachment(a: &Value, what: &str, errors: &mut Vec<String>) {
    check_elements(a, &ATTACHMENT_ELEMENTS, what, errors);
    if a.get("data").is_some() && a.get("contentType").and_then(Value::as_str).is_none() {
        errors.push(format!("{what}: att-1 — data present without contentType"));
    }
    if let Some(d) = a.get("data").and_then(Value::as_str) {
        use base64::Engine;
        if base64::engine::general_purpose::STANDARD.decode(d).is_err() {
            errors.push(format!("{what}.data is not base64Binary"));
        }
    }
    if let Some(c) = a.get("creation").and_then(Value::as_str)
        && !is_datetime_with_offset(c)
    {
        errors.push(format!("{what}.creation is not a dateTime with offset"));
    }
    if let Some(size) = a.get("size")
        && !size.is_u64()
    {
        errors.push(format!("{what}.size must be an unsignedInt"));
    }
}

fn check_codings(v: Option<&Value>, what: &str, errors: &mut Vec<String>) {
    let Some(cc) = v else { return };
    for c in cc.get("coding").and_then(Value::as_array).into_iter().flatten() {
        if c.get("system").and_then(Value::as_str).is_none() || c.get("code").and_then(Value::as_str).is_none() {
            errors.push(format!("{what}: every coding needs system and code"));
        }
    }
}

pub fn validate_media(m: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check_elements(m, &elements(&MEDIA_ELEMENTS), "Media", &mut errors);
    if m.get("resourceType").and_then(Value::as_str) != Some("Media") {
        errors.push("resourceType must be Media".into());
    }
    match m.get("status").and_then(Value::as_str) {
        Some(s) if EVENT_STATUS.contains(&s) => {}
        other => errors.push(format!("status 1..1 from event-status, got {other:?}")),
    }
    match m.get("content") {
        Some(c) if c.is_object() => check_attachment(c, "Media.content", &mut errors),
        _ => errors.push("content 1..1 missing".into()),
    }
    check_reference(m.get("subject"), "Patient", "Media.subject", &mut errors);
    if let Some(op) = m.get("operator") {
        check_reference(Some(op), "Practitioner", "Media.operator", &mut errors);
    }
    if let Some(t) = m.get("createdDateTime").and_then(Value::as_str)
        && !is_datetime_with_offset(t)
    {
        errors.push("createdDateTime needs a full date-time with offset".into());
    }
    let media_type = m.pointer("/type/coding/0");
    if media_type.and_then(|c| c.get("system")).and_then(Value::as_str)
        != Some("http://terminology.hl7.org/CodeSystem/media-type")
        || !matches!(
            media_type.and_then(|c| c.get("code")).and_then(Value::as_str),
            Some("image" | "video" | "audio")
        )
    {
        errors.push("type must be a media-type code (image)".into());
    }
    for f in ["bodySite", "view", "modality"] {
        check_codings(m.get(f), f, &mut errors);
    }
    for f in ["height", "width"] {
        if let Some(v) = m.get(f)
            && v.as_u64().is_none_or(|n| n == 0)
        {
            errors.push(format!("{f} must be a positiveInt"));
        }
    }
    for (i, id) in m
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if id.get("value").and_then(Value::as_str).is_none_or(str::is_empty) {
            errors.push(format!("identifier[{i}].value empty"));
        }
    }
    errors
}

pub fn validate_document_reference(d: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check_elements(
        d,
        &elements(&DOCUMENT_REFERENCE_ELEMENTS),
        "DocumentReference",
        &mut errors,
    );
    match d.get("status").and_then(Value::as_str) {
        Some(s) if DOCUMENT_REFERENCE_STATUS.contains(&s) => {}
        other => errors.push(format!("status 1..1 from document-reference-status, got {other:?}")),
    }
    match d.get("content").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => {
            for (i, c) in list.iter().enumerate() {
                match c.get("attachment") {
                    Some(a) => check_attachment(a, &format!("content[{i}].attachment"), &mut errors),
                    None => errors.push(format!("content[{i}].attachment 1..1 missing")),
                }
            }
        }
        _ => errors.push("content 1..* missing".into()),
    }
    check_reference(d.get("subject"), "Patient", "DocumentReference.subject", &mut errors);
    for a in d.get("author").and_then(Value::as_array).into_iter().flatten() {
        check_reference(Some(a), "Practitioner", "DocumentReference.author", &mut errors);
    }
    if let Some(t) = d.get("date").and_then(Value::as_str)
        && chrono::DateTime::parse_from_rfc3339(t).is_err()
    {
        errors.push("date must be an instant".into());
    }
    check_codings(d.get("type"), "type", &mut errors);
    errors
}
