//! The follow-up `Task` (FHIR R4) and the practitioner list the GP picks its owner from.
//!
//! ALEX v2.10 lists Task write-back, but Medtech has published no payload and no role for it
//! (ALEX_FACTS: Task shape **[open]**). Everything we assume about it lives in this file, so a
//! real shape changes one place. The assumptions (also in the README, "Follow-up task"):
//!
//! 1. It is `POST {FHIR base}/Task` with the headers, answers and faults of `POST /Media`
//!    (201 with the id in the body or `Location`; 400 `business-rule`, 403, 429, 503 as usual).
//! 2. `identifier[0].value` is mandatory, as it is for Media: our own system
//!    [`TASK_IDENTIFIER_SYSTEM`], the value minted by our server and stored before the POST.
//! 3. `status: requested`, `intent: order`, `priority: routine`; `code.text` says what it is.
//! 4. `for` is `Patient/{id}` (the launch's patient), `requester` is `Practitioner/{id}` (the
//!    GP who launched), `owner` is `Practitioner/{id}` (the GP or another practitioner from
//!    `GET /Practitioner` of the same facility). No `Organization` or `PractitionerRole` owner.
//! 5. The due date is `restriction.period.end`: the end of the due day (23:59:59) in New
//!    Zealand time with its explicit offset (ALEX wants offsets on date-times, as for Media).
//! 6. `authoredOn` is now, in New Zealand time with its offset.
//! 7. `description` is the GP's short text (at most [`MAX_DESCRIPTION`] characters).
//! 8. R4 `focus` is 0..1: it names the first resource written (`Media/{id}` or
//!    `DocumentReference/{id}`); every resource written — the first included — is also an
//!    `input` (`type.text` "Committed clinical image", `valueReference`), so none is lost.
//! 9. The role is unknown; the simulator asks for [`ROLE_TASK_WRITE`].

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use super::{
    AlexClient, AlexError,
    fhir::{CodeableConcept, Created, Identifier, Practitioner, Reference},
    write::nz_datetime,
};

/// Our identifier system for follow-up tasks (the value is fixed before the first POST).
pub const TASK_IDENTIFIER_SYSTEM: &str = "urn:x-clinical-images:task-id";
/// The role the simulator assumes a Task write needs (no source names it).
pub const ROLE_TASK_WRITE: &str = "patient.task.write";
/// Longest description we send.
pub const MAX_DESCRIPTION: usize = 500;
/// What `code.text` and each `input[].type.text` say.
pub const TASK_CODE_TEXT: &str = "Follow-up of clinical photographs";
pub const INPUT_TYPE_TEXT: &str = "Committed clinical image";

/// R4 Task as we send it (see the assumptions above).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub resource_type: &'static str,
    pub identifier: Vec<Identifier>,
    pub status: &'static str,
    pub intent: &'static str,
    pub priority: &'static str,
    pub code: CodeableConcept,
    pub description: String,
    pub focus: Reference,
    #[serde(rename = "for")]
    pub for_: Reference,
    pub authored_on: String,
    pub requester: Reference,
    pub owner: Reference,
    pub restriction: TaskRestriction,
    pub input: Vec<TaskInput>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TaskRestriction {
    pub period: Period,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Period {
    pub end: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskInput {
    #[serde(rename = "type")]
    pub type_: CodeableConcept,
    pub value_reference: Reference,
}

/// Everything a follow-up Task needs.
pub struct TaskSpec<'a> {
    pub identifier: &'a str,
    pub patient_id: &'a str,
    pub requester_id: &'a str,
    pub owner_id: &'a str,
    /// The due day (New Zealand calendar).
    pub due: NaiveDate,
    pub description: &'a str,
    /// What was written: `("Media" | "DocumentReference", id)`, in order; at least one.
    pub focus: &'a [(String, String)],
    pub authored: DateTime<Utc>,
}

/// The New Zealand calendar day `days` after `now`.
pub fn due_day(now: DateTime<Utc>, days: u32) -> NaiveDate {
    let today = now.with_timezone(&chrono_tz::Pacific::Auckland).date_naive();
    today.checked_add_days(Days::new(days.into())).unwrap_or(today)
}

/// The end of `day` in New Zealand time with its offset, e.g. `2026-12-08T23:59:59+13:00`.
pub fn end_of_nz_day(day: NaiveDate) -> String {
    let local = day.and_hms_opt(23, 59, 59).unwrap_or_default();
    match chrono_tz::Pacific::Auckland.from_local_datetime(&local).earliest() {
        Some(t) => nz_datetime(t.with_timezone(&Utc)),
        None => day.format("%Y-%m-%d").to_string(),
    }
}

pub fn task(input: TaskSpec<'_>) -> Task {
    let refs: Vec<Reference> = input.focus.iter().map(|(t, id)| Reference::to(t, id)).collect();
    let text = |s: &str| CodeableConcept {
        coding: vec![],
        text: Some(s.to_string()),
    };
    Task {
        resource_type: "Task",
        identifier: vec![Identifier {
            system: Some(TASK_IDENTIFIER_SYSTEM.into()),
            value: Some(input.identifier.into()),
        }],
        status: "requested",
        intent: "order",
        priority: "routine",
        code: text(TASK_CODE_TEXT),
        description: input.description.chars().take(MAX_DESCRIPTION).collect(),
        focus: refs.first().cloned().unwrap_or_default(),
        for_: Reference::to("Patient", input.patient_id),
        authored_on: nz_datetime(input.authored),
        requester: Reference::to("Practitioner", input.requester_id),
        owner: Reference::to("Practitioner", input.owner_id),
        restriction: TaskRestriction {
            period: Period {
                end: end_of_nz_day(input.due),
            },
        },
        input: refs
            .into_iter()
            .map(|r| TaskInput {
                type_: text(INPUT_TYPE_TEXT),
                value_reference: r,
            })
            .collect(),
    }
}

impl AlexClient {
    /// `POST /Task` (a write: never replayed once it may have reached ALEX; an unanswered POST
    /// is `OutcomeUnknown`).
    pub async fn create_task(&self, facility: &str, task: &Task) -> Result<Created, AlexError> {
        self.create(facility, "Task", serde_json::to_vec(task)).await
    }

    /// The facility's practitioners (`GET /Practitioner`), in the order ALEX lists them.
    pub async fn practitioners(&self, facility: &str) -> Result<Vec<Practitioner>, AlexError> {
        let bundle = self.search(facility, "Practitioner", &[]).await?;
        Ok(bundle
            .resources::<Practitioner>("Practitioner")
            .into_iter()
            .filter_map(Result::ok)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_due_day_ends_in_new_zealand_time_with_its_offset() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 20, 0, 0).unwrap(); // 2 Dec, 09:00 NZDT
        let day = due_day(now, 7);
        assert_eq!(day.to_string(), "2026-12-09");
        assert_eq!(end_of_nz_day(day), "2026-12-09T23:59:59+13:00");
        assert_eq!(
            end_of_nz_day(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()),
            "2026-07-01T23:59:59+12:00"
        );
    }

    #[test]
    fn the_task_names_every_resource_written_and_focuses_the_first() {
        let focus = vec![
            ("Media".to_string(), "m1".to_string()),
            ("DocumentReference".to_string(), "d1".to_string()),
        ];
        let t = task(TaskSpec {
            identifier: "t-1",
            patient_id: "p1",
            requester_id: "gp",
            owner_id: "nurse",
            due: NaiveDate::from_ymd_opt(2026, 12, 9).unwrap(),
            description: "Review the lesion",
            focus: &focus,
            authored: Utc::now(),
        });
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["resourceType"], "Task");
        assert_eq!(v["for"]["reference"], "Patient/p1");
        assert_eq!(v["owner"]["reference"], "Practitioner/nurse");
        assert_eq!(v["requester"]["reference"], "Practitioner/gp");
        assert_eq!(v["focus"]["reference"], "Media/m1");
        assert_eq!(v["input"][1]["valueReference"]["reference"], "DocumentReference/d1");
        assert_eq!(v["identifier"][0]["value"], "t-1");
        assert_eq!(v["restriction"]["period"]["end"], "2026-12-09T23:59:59+13:00");
    }
}
