//! FHIR R4 checks of a posted `Task` (the follow-up task). ALEX's real Task rules are
//! unpublished: this checks R4 (elements, required code sets, reference shapes, date-times) and
//! what any PMS would need (a patient and an owner of this facility, an identifier, a text).
//! A `focus` or `input` that names a `Media` / `DocumentReference` must be one this simulator
//! accepted for the same facility and patient.

use serde_json::{Map, Value};

use super::data::SeedFacility;
use super::validate::{Check, Problem, business, expect_type, identifier, invalid, known_elements, reference};
use crate::alex::r4::{REQUEST_PRIORITY, RESOURCE_BASE, TASK_ELEMENTS, TASK_INTENT, TASK_STATUS};

/// Longest `Task.description` the simulator takes (Medtech's limit is unknown).
pub(crate) const TASK_DESCRIPTION_MAX: usize = 1000;
const RESTRICTION_ELEMENTS: [&str; 6] = [
    "id",
    "extension",
    "modifierExtension",
    "repetitions",
    "period",
    "recipient",
];
const PERIOD_ELEMENTS: [&str; 4] = ["id", "extension", "start", "end"];

/// A required code from `set` at `obj[key]`.
fn code(obj: &Map<String, Value>, key: &str, set: &[&str], binding: &str, required: bool) -> Check {
    match obj.get(key) {
        None if required => Err(invalid(format!("Task.{key} is required (1..1)"))),
        None => Ok(()),
        Some(Value::String(s)) if set.contains(&s.as_str()) => Ok(()),
        Some(v) => Err(invalid(format!("Task.{key} {v} is not a {binding} code"))),
    }
}

/// A FHIR dateTime: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a date-time with an explicit offset.
fn fhir_date_time(v: &Value, path: &str) -> Result<String, Problem> {
    let s = v.as_str().ok_or_else(|| invalid(format!("{path} must be a string")))?;
    let ok = chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
        || chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").is_ok() && s.len() == 7
        || s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err(invalid(format!(
            "{path} '{s}' is not a FHIR dateTime (a date, or a date-time with an explicit UTC offset)"
        )));
    }
    Ok(s.to_string())
}

/// `Task.restriction`: known elements, and `period.start` / `period.end` valid dateTimes.
fn restriction(v: Option<&Value>) -> Check {
    let Some(v) = v else { return Ok(()) };
    let obj = v
        .as_object()
        .ok_or_else(|| invalid("Task.restriction must be an object"))?;
    known_elements(obj, "Task.restriction", &[&RESTRICTION_ELEMENTS])?;
    if let Some(r) = obj.get("repetitions")
        && r.as_u64().is_none_or(|n| n == 0)
    {
        return Err(invalid("Task.restriction.repetitions must be a positive integer"));
    }
    let Some(period) = obj.get("period") else { return Ok(()) };
    let period = period
        .as_object()
        .ok_or_else(|| invalid("Task.restriction.period must be an object"))?;
    known_elements(period, "Task.restriction.period", &[&PERIOD_ELEMENTS])?;
    let start = period
        .get("start")
        .map(|s| fhir_date_time(s, "Task.restriction.period.start"))
        .transpose()?;
    let end = period
        .get("end")
        .map(|e| fhir_date_time(e, "Task.restriction.period.end"))
        .transpose()?;
    if let (Some(s), Some(e)) = (start, end)
        && s.len() == e.len()
        && s > e
    {
        return Err(invalid("Task.restriction.period: start must not be after end (per-1)"));
    }
    Ok(())
}

/// A `Reference` to a resource this simulator accepted for `patient` (Media / DocumentReference),
/// or any other `Type/id` reference.
fn written_reference(v: &Value, path: &str, patient: &str, written: &impl Fn(&str, &str) -> Option<String>) -> Check {
    let r = v
        .get("reference")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("{path}.reference is missing (expected '<Type>/<id>')")))?;
    let (ty, id) = r
        .split_once('/')
        .filter(|(t, id)| !t.is_empty() && !id.is_empty() && !id.contains('/'))
        .ok_or_else(|| invalid(format!("{path}.reference '{r}' must be '<Type>/<id>'")))?;
    if matches!(ty, "Media" | "DocumentReference") {
        match written(ty, id) {
            None => return Err(business(format!("{path}: {r} was not found in this facility"))),
            Some(subject) if subject != format!("Patient/{patient}") => {
                return Err(business(format!("{path}: {r} belongs to another patient")));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Validate a Task for `POST /Task` at `practice`. `written(type, id)` answers the subject
/// reference of a Media / DocumentReference this simulator accepted for the practice.
pub(crate) fn task(v: &Value, practice: &SeedFacility, written: impl Fn(&str, &str) -> Option<String>) -> Check {
    let facility = practice.facility.id.as_str();
    let obj = expect_type(v, "Task")?;
    known_elements(obj, "Task", &[&RESOURCE_BASE, &TASK_ELEMENTS])?;
    identifier(obj, "Task")?;
    code(obj, "status", &TASK_STATUS, "task-status", true)?;
    code(obj, "intent", &TASK_INTENT, "task-intent", true)?;
    code(obj, "priority", &REQUEST_PRIORITY, "request-priority", false)?;
    let patient = reference(
        obj.get("for"),
        "Task.for",
        "Patient",
        |id| practice.patient(id).is_some(),
        facility,
    )?
    .ok_or_else(|| business("Task.for is missing: a task is about a patient (Patient/<id>)"))?;
    let practitioner = |id: &str| practice.practitioner(id).is_some();
    reference(obj.get("owner"), "Task.owner", "Practitioner", practitioner, facility)?
        .ok_or_else(|| business("Task.owner is missing: someone of the practice must own the task"))?;
    reference(
        obj.get("requester"),
        "Task.requester",
        "Practitioner",
        practitioner,
        facility,
    )?;
    match obj.get("description") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= TASK_DESCRIPTION_MAX => {}
        Some(Value::String(s)) if !s.trim().is_empty() => {
            return Err(business(format!(
                "Task.description is longer than {TASK_DESCRIPTION_MAX} characters"
            )));
        }
        Some(Value::String(_)) | None => {
            return Err(business("Task.description is missing: the task needs its text"));
        }
        Some(_) => return Err(invalid("Task.description must be a string")),
    }
    for key in ["authoredOn", "lastModified"] {
        if let Some(t) = obj.get(key) {
            fhir_date_time(t, &format!("Task.{key}"))?;
        }
    }
    restriction(obj.get("restriction"))?;
    if let Some(focus) = obj.get("focus") {
        if !focus.is_object() {
            return Err(invalid("Task.focus must be a single Reference (0..1)"));
        }
        written_reference(focus, "Task.focus", patient, &written)?;
    }
    if let Some(inputs) = obj.get("input") {
        let inputs = inputs
            .as_array()
            .ok_or_else(|| invalid("Task.input must be an array"))?;
        for (i, input) in inputs.iter().enumerate() {
            let path = format!("Task.input[{i}]");
            let input = input
                .as_object()
                .ok_or_else(|| invalid(format!("{path} must be an object")))?;
            if !input.get("type").is_some_and(Value::is_object) {
                return Err(invalid(format!("{path}.type is required (1..1)")));
            }
            let values: Vec<&String> = input.keys().filter(|k| k.starts_with("value")).collect();
            if values.len() != 1 {
                return Err(invalid(format!("{path} must have exactly one value[x]")));
            }
            if let Some(r) = input.get("valueReference") {
                written_reference(r, &format!("{path}.valueReference"), patient, &written)?;
            }
        }
    }
    Ok(())
}
