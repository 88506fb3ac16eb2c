//! FHIR R4 + ALEX checks of a posted Media or DocumentReference. Each check names the problem
//! in the OperationOutcome it produces, so a client bug is obvious from the 400.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::data::SeedFacility;
use crate::alex::r4::{
    ATTACHMENT_ELEMENTS, DOCUMENT_REFERENCE_ELEMENTS, DOCUMENT_REFERENCE_STATUS, EVENT_STATUS, MEDIA_ELEMENTS,
    RESOURCE_BASE,
};

pub(crate) const MEDIA_TYPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/media-type";
pub(crate) const LOINC_SYSTEM: &str = "http://loinc.org";
pub(crate) const PHOTO_LOINC: &str = "72170-4";
/// Largest Inbox Scan document ALEX accepts (decoded bytes).
pub(crate) const SCAN_MAX_BYTES: usize = 8 * 1024 * 1024;

const DOCREF_CONTENT_ELEMENTS: [&str; 5] = ["id", "extension", "modifierExtension", "attachment", "format"];

/// Why a resource was rejected: the OperationOutcome issue code and text (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) code: &'static str,
    pub(crate) diagnostics: String,
}

pub(super) fn invalid(msg: impl Into<String>) -> Problem {
    Problem {
        code: "invalid",
        diagnostics: msg.into(),
    }
}

pub(super) fn business(msg: impl Into<String>) -> Problem {
    Problem {
        code: "business-rule",
        diagnostics: msg.into(),
    }
}

pub(super) type Check = Result<(), Problem>;

/// Every key of `obj` must be a known element (or its `_element` primitive extension).
pub(super) fn known_elements(obj: &serde_json::Map<String, Value>, what: &str, allowed: &[&[&str]]) -> Check {
    for key in obj.keys() {
        let base = key.strip_prefix('_').unwrap_or(key);
        if !allowed.iter().any(|set| set.contains(&base)) {
            return Err(invalid(format!(
                "Unrecognized element '{key}' in {what} (not part of FHIR R4)"
            )));
        }
    }
    Ok(())
}

pub(super) fn expect_type<'a>(
    v: &'a Value,
    resource_type: &str,
) -> Result<&'a serde_json::Map<String, Value>, Problem> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid("Request body must be a JSON object (a FHIR resource)"))?;
    match obj.get("resourceType").and_then(Value::as_str) {
        Some(t) if t == resource_type => Ok(obj),
        Some(t) => Err(invalid(format!(
            "resourceType '{t}' does not match the endpoint ({resource_type})"
        ))),
        None => Err(invalid("resourceType is missing")),
    }
}

/// `identifier[0].value` is mandatory for ALEX.
pub(super) fn identifier(obj: &serde_json::Map<String, Value>, resource_type: &str) -> Check {
    let missing = || {
        business(format!(
            "The mandatory Identifier.value field is missing ({resource_type}.identifier[0].value)"
        ))
    };
    let ids = match obj.get("identifier") {
        None => return Err(missing()),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(invalid(format!("{resource_type}.identifier must be an array")));
        }
    };
    let first = ids.first().ok_or_else(missing)?;
    let first = first
        .as_object()
        .ok_or_else(|| invalid(format!("{resource_type}.identifier[0] must be an object")))?;
    match first.get("value") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        Some(Value::String(_)) | None | Some(Value::Null) => return Err(missing()),
        Some(_) => {
            return Err(invalid(format!("{resource_type}.identifier[0].value must be a string")));
        }
    }
    if let Some(system) = first.get("system")
        && system.as_str().is_none_or(str::is_empty)
    {
        return Err(invalid(format!(
            "{resource_type}.identifier[0].system must be a non-empty uri"
        )));
    }
    Ok(())
}

/// `{ "reference": "<Type>/<id>" }` naming a resource of this facility.
pub(super) fn reference<'a>(
    v: Option<&'a Value>,
    path: &str,
    target: &str,
    exists: impl Fn(&str) -> bool,
    facility: &str,
) -> Result<Option<&'a str>, Problem> {
    let Some(v) = v else { return Ok(None) };
    let r = v
        .get("reference")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("{path}.reference is missing (expected '{target}/<id>')")))?;
    let id = r
        .strip_prefix(&format!("{target}/"))
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .ok_or_else(|| invalid(format!("{path}.reference must be '{target}/<id>'")))?;
    if !exists(id) {
        return Err(business(format!(
            "{path}: {target}/{id} was not found in facility {facility}"
        )));
    }
    Ok(Some(id))
}

/// A FHIR dateTime / instant with a time and an explicit UTC offset.
pub(super) fn date_time_with_offset(v: Option<&Value>, path: &str) -> Check {
    let Some(v) = v else { return Ok(()) };
    let s = v.as_str().ok_or_else(|| invalid(format!("{path} must be a string")))?;
    chrono::DateTime::parse_from_rfc3339(s).map(|_| ()).map_err(|_| {
        invalid(format!(
            "{path} '{s}' must be a date-time with an explicit UTC offset (e.g. 2025-01-31T09:30:00+13:00)"
        ))
    })
}

/// Decode FHIR base64Binary (standard alphabet, padded; whitespace ignored).
fn base64_data(s: &str, path: &str, max: Option<usize>) -> Result<Vec<u8>, Problem> {
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(invalid(format!("{path} is empty")));
    }
    if let Some(max) = max {
        let estimate = compact.len() / 4 * 3;
        if estimate > max + 2 {
            return Err(invalid(format!(
                "{path} exceeds 8 MB ({max} bytes): ~{estimate} bytes received"
            )));
        }
    }
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| invalid(format!("{path} is not valid base64: {e}")))
}

fn looks_like(bytes: &[u8], content_type: &str) -> bool {
    match content_type {
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        "image/tiff" => bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*"),
        _ => false,
    }
}

/// Checks of an Attachment: att-1, allowed content types, base64, magic bytes, size / title types.
fn attachment(v: &Value, path: &str, allowed: &[&str], max: Option<usize>) -> Check {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid(format!("{path} must be a single Attachment object")))?;
    known_elements(obj, path, &[&ATTACHMENT_ELEMENTS])?;
    let content_type = match obj.get("contentType") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim()),
        None => None,
        Some(_) => return Err(invalid(format!("{path}.contentType must be a string"))),
    };
    let data = match obj.get("data") {
        Some(Value::String(s)) => Some(s.as_str()),
        None => None,
        Some(_) => return Err(invalid(format!("{path}.data must be a base64 string"))),
    };
    let Some(data) = data else {
        return Err(business(format!("{path}.data is missing: ALEX needs the file inline")));
    };
    let Some(content_type) = content_type else {
        return Err(invalid(format!(
            "{path}.contentType is required when data is present (att-1)"
        )));
    };
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !allowed.contains(&media_type.as_str()) {
        return Err(business(format!(
            "{path}.contentType '{content_type}' is not accepted here; allowed: {}",
            allowed.join(", ")
        )));
    }
    let bytes = base64_data(data, &format!("{path}.data"), max)?;
    if let Some(max) = max
        && bytes.len() > max
    {
        return Err(invalid(format!(
            "{path}.data exceeds 8 MB ({max} bytes): {} bytes received",
            bytes.len()
        )));
    }
    if !looks_like(&bytes, &media_type) {
        return Err(invalid(format!(
            "{path}.data is not a {media_type} file (content does not match contentType)"
        )));
    }
    if media_type == "image/tiff" {
        super::readable::tiff(&bytes).map_err(|e| invalid(format!("{path}.data is not a readable TIFF: {e}")))?;
    }
    match obj.get("size") {
        None => {}
        Some(Value::Number(n)) if n.as_u64() == Some(bytes.len() as u64) => {}
        Some(_) => {
            return Err(invalid(format!(
                "{path}.size does not match the decoded data length ({})",
                bytes.len()
            )));
        }
    }
    if let Some(t) = obj.get("title")
        && !t.is_string()
    {
        return Err(invalid(format!("{path}.title must be a string")));
    }
    date_time_with_offset(obj.get("creation"), &format!("{path}.creation"))
}

/// Validate a Media for `POST /Media` at `practice`.
pub(crate) fn media(v: &Value, practice: &SeedFacility) -> Check {
    let facility = practice.facility.id.as_str();
    let obj = expect_type(v, "Media")?;
    known_elements(obj, "Media", &[&RESOURCE_BASE, &MEDIA_ELEMENTS])?;
    identifier(obj, "Media")?;
    match obj.get("status").and_then(Value::as_str) {
        Some(s) if EVENT_STATUS.contains(&s) => {}
        Some(s) => {
            return Err(invalid(format!("Media.status '{s}' is not an event-status code")));
        }
        None => return Err(invalid("Media.status is required (1..1)")),
    }
    if let Some(t) = obj.get("type") {
        let codings = t
            .get("coding")
            .and_then(Value::as_array)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| invalid(format!("Media.type must have coding from {MEDIA_TYPE_SYSTEM}")))?;
        for c in codings {
            let system = c.get("system").and_then(Value::as_str).unwrap_or("");
            let code = c.get("code").and_then(Value::as_str).unwrap_or("");
            if system != MEDIA_TYPE_SYSTEM {
                return Err(invalid(format!("Media.type.coding.system must be {MEDIA_TYPE_SYSTEM}")));
            }
            if code != "image" {
                return Err(business(format!(
                    "Media.type code '{code}' is not accepted; ALEX files images ('image')"
                )));
            }
        }
    }
    let subject = reference(
        obj.get("subject"),
        "Media.subject",
        "Patient",
        |id| practice.patient(id).is_some(),
        facility,
    )?;
    if subject.is_none() {
        return Err(business(
            "Media.subject is missing: ALEX files a Media against a patient (Patient/<id>)",
        ));
    }
    date_time_with_offset(obj.get("createdDateTime"), "Media.createdDateTime")?;
    date_time_with_offset(obj.get("issued"), "Media.issued")?;
    reference(
        obj.get("operator"),
        "Media.operator",
        "Practitioner",
        |id| practice.practitioner(id).is_some(),
        facility,
    )?;
    match obj.get("content") {
        None => Err(invalid("Media.content is required (1..1)")),
        Some(c) => attachment(c, "Media.content", &["image/jpeg", "image/png"], None),
    }
}

/// Validate a DocumentReference for `POST /DocumentReference` (Inbox Scan folder) at `practice`.
pub(crate) fn document_reference(v: &Value, practice: &SeedFacility) -> Check {
    let facility = practice.facility.id.as_str();
    let obj = expect_type(v, "DocumentReference")?;
    known_elements(
        obj,
        "DocumentReference",
        &[&RESOURCE_BASE, &DOCUMENT_REFERENCE_ELEMENTS],
    )?;
    identifier(obj, "DocumentReference")?;
    match obj.get("status").and_then(Value::as_str) {
        Some("current") => {}
        Some(s) if DOCUMENT_REFERENCE_STATUS.contains(&s) => {
            return Err(business(format!(
                "DocumentReference.status must be 'current' (got '{s}')"
            )));
        }
        Some(s) => {
            return Err(invalid(format!(
                "DocumentReference.status '{s}' is not a document-reference-status code"
            )));
        }
        None => return Err(invalid("DocumentReference.status is required (1..1)")),
    }
    let has_photo_code = obj
        .get("type")
        .and_then(|t| t.get("coding"))
        .and_then(Value::as_array)
        .is_some_and(|codings| {
            codings.iter().any(|c| {
                c.get("system").and_then(Value::as_str) == Some(LOINC_SYSTEM)
                    && c.get("code").and_then(Value::as_str) == Some(PHOTO_LOINC)
            })
        });
    if !has_photo_code {
        return Err(business(format!(
            "DocumentReference.type.coding must include LOINC {PHOTO_LOINC} (system {LOINC_SYSTEM})"
        )));
    }
    let subject = reference(
        obj.get("subject"),
        "DocumentReference.subject",
        "Patient",
        |id| practice.patient(id).is_some(),
        facility,
    )?;
    if subject.is_none() {
        return Err(business("DocumentReference.subject is missing (Patient/<id>)"));
    }
    date_time_with_offset(obj.get("date"), "DocumentReference.date")?;
    if let Some(authors) = obj.get("author") {
        let authors = authors
            .as_array()
            .ok_or_else(|| invalid("DocumentReference.author must be an array"))?;
        for (i, a) in authors.iter().enumerate() {
            reference(
                Some(a),
                &format!("DocumentReference.author[{i}]"),
                "Practitioner",
                |id| practice.practitioner(id).is_some(),
                facility,
            )?;
        }
    }
    let content = match obj.get("content") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) | None => {
            return Err(invalid("DocumentReference.content is required (1..*)"));
        }
        Some(_) => return Err(invalid("DocumentReference.content must be an array")),
    };
    if content.len() > 1 {
        return Err(business(
            "DocumentReference.content must hold exactly one attachment for the Inbox Scan folder",
        ));
    }
    let first = content[0]
        .as_object()
        .ok_or_else(|| invalid("DocumentReference.content[0] must be an object"))?;
    known_elements(first, "DocumentReference.content[0]", &[&DOCREF_CONTENT_ELEMENTS])?;
    let att = first
        .get("attachment")
        .ok_or_else(|| invalid("DocumentReference.content[0].attachment is required"))?;
    attachment(
        att,
        "DocumentReference.content[0].attachment",
        &["application/pdf", "image/tiff"],
        Some(SCAN_MAX_BYTES),
    )
    .map_err(|p| {
        if p.diagnostics.contains("is not accepted here") {
            business(format!(
                "{} (the Inbox Scan folder accepts PDF or TIFF only, no JPEG/PNG)",
                p.diagnostics
            ))
        } else {
            p
        }
    })
}
