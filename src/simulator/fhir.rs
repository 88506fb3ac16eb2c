//! The FHIR routes under `/FHIR`: bearer → known resource type → facility → role → handler.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use serde_json::{Value, json};

use super::data::{self, SeedFacility};
use super::{MAX_BODY_BYTES, Received, SimState, auth, respond, validate};

pub(crate) const ROLE_NHI_SEARCH: &str = "patient.nhisearch.read";
pub(crate) const ROLE_PRACTITIONER: &str = "practitioner.read";
pub(crate) const ROLE_LOCATION: &str = "practice.location.read";
pub(crate) const ROLE_MEDIA_WRITE: &str = "patient.media.write";
pub(crate) const ROLE_SCAN_WRITE: &str = "Patient.documentreference.scaninbox.write";
/// Assumed: no source names the role a Task write needs.
pub(crate) const ROLE_TASK_WRITE: &str = crate::alex::task::ROLE_TASK_WRITE;

/// The part of `path` after a case-insensitive `/FHIR` prefix (`None` if it is not a FHIR path).
pub(crate) fn strip_fhir_prefix(path: &str) -> Option<&str> {
    let head = path.get(..5)?;
    let rest = path.get(5..)?;
    (head.eq_ignore_ascii_case("/fhir") && (rest.is_empty() || rest.starts_with('/'))).then_some(rest)
}

/// The mapped practice named by `mt-facilityid`, or 403 "Practice Facility not found".
fn practice<'a>(state: &'a SimState, facility: Option<&str>) -> Result<&'a SeedFacility, Response<Body>> {
    let Some(facility) = facility else {
        return Err(respond::outcome(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("{} (the mt-facilityid header is missing)", respond::FACILITY_NOT_FOUND),
        ));
    };
    state
        .seed
        .practice(facility)
        .ok_or_else(|| respond::outcome(StatusCode::FORBIDDEN, "forbidden", respond::FACILITY_NOT_FOUND))
}

pub(crate) async fn handle(state: &Arc<SimState>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let roles = match auth::check_bearer(state, &parts.headers) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let rest = strip_fhir_prefix(parts.uri.path()).unwrap_or("");
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| respond::percent_decode(s, false))
        .collect();
    let Some(resource_type) = segments.first().map(String::as_str) else {
        return respond::not_found_gateway();
    };
    if ![
        "Patient",
        "Location",
        "Practitioner",
        "Media",
        "DocumentReference",
        "Task",
    ]
    .contains(&resource_type)
    {
        return respond::not_found_gateway();
    }
    let facility = respond::header(&parts.headers, "mt-facilityid");
    let raw_query = parts.uri.query().unwrap_or("");
    let query = respond::parse_pairs(raw_query);

    if parts.method == Method::POST
        && segments.len() == 1
        && matches!(resource_type, "Media" | "DocumentReference" | "Task")
    {
        return create(state, resource_type, &roles, facility, &parts.headers, body).await;
    }

    let practice = match practice(state, facility.as_deref()) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let role = match resource_type {
        "Patient" => ROLE_NHI_SEARCH,
        "Location" => ROLE_LOCATION,
        "Practitioner" => ROLE_PRACTITIONER,
        _ => return respond::authorization_failed(),
    };
    if let Err(resp) = auth::require_role(&roles, role) {
        return resp;
    }
    if parts.method != Method::GET {
        return respond::authorization_failed();
    }
    let base = state.fhir_base();
    let self_url = if raw_query.is_empty() {
        format!("{base}/{resource_type}")
    } else {
        format!("{base}/{resource_type}?{raw_query}")
    };
    match (resource_type, segments.get(1), query.is_empty()) {
        ("Patient", None, false) => patient_search(state, practice, &query, &self_url),
        ("Patient", Some(id), true) if segments.len() == 2 => match practice.patient(id) {
            Some(p) => respond::fhir(StatusCode::OK, data::patient_resource(p)),
            None => not_found("Patient", id),
        },
        ("Location", None, true) => bundle(
            &self_url,
            vec![(
                format!("{base}/Location/{}", practice.location_id),
                practice.location_resource(),
            )],
        ),
        ("Location", Some(id), true) if segments.len() == 2 => {
            if *id == practice.location_id {
                respond::fhir(StatusCode::OK, practice.location_resource())
            } else {
                not_found("Location", id)
            }
        }
        ("Practitioner", None, true) => bundle(
            &self_url,
            practice
                .practitioners
                .iter()
                .map(|p| (format!("{base}/Practitioner/{}", p.id), data::practitioner_resource(p)))
                .collect(),
        ),
        ("Practitioner", Some(id), true) if segments.len() == 2 => match practice.practitioner(id) {
            Some(p) => respond::fhir(StatusCode::OK, data::practitioner_resource(p)),
            None => not_found("Practitioner", id),
        },
        // Bare `GET /Patient`, other search parameters, `_history`, ...
        _ => respond::authorization_failed(),
    }
}

fn not_found(resource_type: &str, id: &str) -> Response<Body> {
    respond::outcome(
        StatusCode::NOT_FOUND,
        "not-found",
        &format!("Resource {resource_type}/{id} is not known"),
    )
}

/// `GET /Patient?identifier=https://standards.digital.health.nz/ns/nhi-id|ZZZ0016`
fn patient_search(
    state: &SimState,
    practice: &SeedFacility,
    query: &[(String, String)],
    self_url: &str,
) -> Response<Body> {
    if query.len() != 1 || query[0].0 != "identifier" {
        return respond::authorization_failed();
    }
    let value = query[0].1.trim();
    let (system, nhi) = match value.split_once('|') {
        Some((s, v)) => (Some(s), v),
        None => (None, value),
    };
    let nhi = nhi.trim().to_ascii_uppercase();
    let matches: Vec<(String, Value)> = if system.is_none_or(|s| s == data::NHI_SYSTEM) && !nhi.is_empty() {
        practice
            .patients
            .iter()
            .filter(|p| p.nhi == nhi)
            .map(|p| {
                (
                    format!("{}/Patient/{}", state.fhir_base(), p.id),
                    data::patient_resource(p),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    bundle(self_url, matches)
}

/// A searchset Bundle; with no matches its single entry is an OperationOutcome (as ALEX does).
fn bundle(self_url: &str, matches: Vec<(String, Value)>) -> Response<Body> {
    let total = matches.len();
    let entry: Vec<Value> = if matches.is_empty() {
        vec![json!({
            "resource": respond::outcome_resource("information", "not-found", "No matching resources found."),
            "search": { "mode": "outcome" }
        })]
    } else {
        matches
            .into_iter()
            .map(|(full_url, resource)| json!({ "fullUrl": full_url, "resource": resource, "search": { "mode": "match" } }))
            .collect()
    };
    respond::fhir(
        StatusCode::OK,
        json!({
            "resourceType": "Bundle",
            "id": uuid::Uuid::new_v4().to_string(),
            "meta": { "lastUpdated": now() },
            "type": "searchset",
            "total": total,
            "link": [{ "relation": "self", "url": self_url }],
            "entry": entry
        }),
    )
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `POST /Media`, `POST /DocumentReference` or `POST /Task`: check, store, echo. Every outcome past the
/// bearer check is recorded in `received`.
async fn create(
    state: &Arc<SimState>,
    resource_type: &str,
    roles: &[String],
    facility: Option<String>,
    headers: &HeaderMap,
    body: Body,
) -> Response<Body> {
    let too_large = respond::header(headers, header::CONTENT_LENGTH.as_str())
        .and_then(|l| l.parse::<u64>().ok())
        .is_some_and(|l| l > MAX_BODY_BYTES as u64);
    let bytes = if too_large {
        None
    } else {
        axum::body::to_bytes(body, MAX_BODY_BYTES).await.ok()
    };
    let parsed: Option<Value> = bytes.as_ref().and_then(|b| serde_json::from_slice(b).ok());

    let (resp, id) = match bytes {
        None => (
            respond::outcome(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-costly",
                &format!("Request body exceeds {MAX_BODY_BYTES} bytes or could not be read"),
            ),
            None,
        ),
        Some(_) => accept(
            state,
            resource_type,
            roles,
            facility.as_deref(),
            headers,
            parsed.as_ref(),
        ),
    };
    state.record(Received {
        resource_type: resource_type.to_string(),
        id,
        status: resp.status().as_u16(),
        facility: facility.unwrap_or_default(),
        correlation_id: respond::header(headers, "mt-correlationid"),
        resource: parsed.unwrap_or(Value::Null),
        at: chrono::Utc::now(),
    });
    resp
}

fn accept(
    state: &SimState,
    resource_type: &str,
    roles: &[String],
    facility: Option<&str>,
    headers: &HeaderMap,
    resource: Option<&Value>,
) -> (Response<Body>, Option<String>) {
    let practice = match practice(state, facility) {
        Ok(p) => p,
        Err(resp) => return (resp, None),
    };
    let role = match resource_type {
        "Media" => ROLE_MEDIA_WRITE,
        "Task" => ROLE_TASK_WRITE,
        _ => ROLE_SCAN_WRITE,
    };
    if let Err(resp) = auth::require_role(roles, role) {
        return (resp, None);
    }
    let content_type = respond::header(headers, header::CONTENT_TYPE.as_str()).unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media_type != respond::FHIR_JSON && media_type != respond::JSON {
        return (
            respond::outcome(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid",
                &format!("Unsupported Content-Type '{content_type}': send application/fhir+json"),
            ),
            None,
        );
    }
    let Some(resource) = resource else {
        return (
            respond::outcome(
                StatusCode::BAD_REQUEST,
                "invalid",
                "Failed to parse the request body as JSON",
            ),
            None,
        );
    };
    let checked = match resource_type {
        "Media" => validate::media(resource, practice),
        "Task" => super::task::task(resource, practice, |ty, id| {
            state.written(practice.facility.id.as_str(), ty, id)
        }),
        _ => validate::document_reference(resource, practice),
    };
    if let Err(problem) = checked {
        return (
            respond::outcome(StatusCode::BAD_REQUEST, problem.code, &problem.diagnostics),
            None,
        );
    }

    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut echoed = resource.clone();
    if let Some(obj) = echoed.as_object_mut() {
        obj.insert("id".into(), Value::String(id.clone()));
        let mut meta = obj.get("meta").and_then(Value::as_object).cloned().unwrap_or_default();
        meta.insert("versionId".into(), json!("1"));
        meta.insert("lastUpdated".into(), json!(now()));
        obj.insert("meta".into(), Value::Object(meta));
    }
    let mut resp = respond::fhir(StatusCode::CREATED, echoed);
    // ALEX answers with a lower-case `/fhir/` in Location (ALEX_FACTS: seen in UAT).
    let location = format!("{}/fhir/{resource_type}/{id}/_history/1", state.base_url);
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp.headers_mut()
        .insert(header::ETAG, HeaderValue::from_static("W/\"1\""));
    (resp, Some(id))
}
