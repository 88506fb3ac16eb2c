//! Follow-up tasks (ssr only): after a commit the GP may ask for a task in Medtech — for
//! themselves or another practitioner of the practice, due in N days, with a short text — about
//! what was just written. The `follow_up_tasks` table is this domain's (`task_store`).
//!
//! Like an Inbox-Scan document, a task is recorded with its identifier *before* it is posted:
//! a retry after ALEX said no sends the very same Task; after no answer at all (outcome unknown)
//! it is resent only when the GP says so; a sent task is never sent again. The browser's key
//! makes a double click one task. The owner is checked against ALEX's practitioner list of the
//! facility, never taken on the browser's word. The Task's shape is `alex::task`'s.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    task_model::{MAX_DAYS, MAX_TEXT, PractitionerOption, TaskState, TaskView},
    task_store::{TaskRecord, claim, find, finish, insert},
};
use crate::{
    alex::{
        AlexError,
        task::{TaskSpec, due_day, task},
    },
    commit::{
        documents::{DocKind, DocState},
        server::check_owner,
        service::Committer,
    },
    error::{AppError, ErrorKind},
    infra::time::now_secs,
    launch::session::LaunchSession,
    model::{CommitTarget, PhotoState, Targets},
    staging::service::store_error,
};

/// What the GP asked for.
pub struct FollowUp {
    /// The browser's idempotency key: the same key is the same task.
    pub key: String,
    pub owner_id: String,
    pub days: u32,
    pub text: String,
    /// The photos of the commit the task is about.
    pub photo_ids: Vec<String>,
}

/// Most photos one task names.
const MAX_PHOTOS: usize = 200;
/// A task still "sending" after this long was cut off mid-POST (e.g. a restart): its outcome
/// is unknown.
const STALE_SENDING_SECS: i64 = 120;

fn refuse_when_off(state: &Committer) -> Result<(), AppError> {
    if state.settings.follow_up_tasks {
        Ok(())
    } else {
        Err(AppError::invalid(
            "Follow-up tasks are not turned on for this practice.",
        ))
    }
}

/// The practitioners of the session's facility, the GP first.
pub async fn practitioners(state: &Committer, session: &LaunchSession) -> Result<Vec<PractitionerOption>, AppError> {
    refuse_when_off(state)?;
    let me = session.practitioner_id.as_deref();
    let mut list: Vec<PractitionerOption> = state
        .alex
        .practitioners(&session.facility)
        .await?
        .into_iter()
        .map(|p| PractitionerOption {
            name: p.display_name().unwrap_or_else(|| "Unnamed practitioner".into()),
            you: Some(p.id.as_str()) == me,
            id: p.id,
        })
        .collect();
    list.sort_by(|a, b| b.you.cmp(&a.you).then_with(|| a.name.cmp(&b.name)));
    Ok(list)
}

fn unknown_outcome() -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        "Medtech did not confirm whether it saved this task. Check the patient's tasks in Medtech; \
         send it again only if it is not there.",
    )
}

/// Creates (or answers, or resends) the follow-up task `req.key` of this session.
pub async fn follow_up(
    state: &Committer,
    session: &LaunchSession,
    req: FollowUp,
    resend_unknown: bool,
) -> Result<TaskView, AppError> {
    refuse_when_off(state)?;
    let key = req.key.trim().to_string();
    if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(AppError::invalid(
            "This request is not valid. Reload the page and try again.",
        ));
    }
    let db = &state.photos.db;
    let record = match find(db, &session.id, &key).await? {
        Some(r) => r,
        None => {
            let new = prepare(state, session, key, req).await?;
            if insert(db, &new).await? {
                return send(state, new).await;
            }
            find(db, &session.id, &new.key).await?.ok_or_else(AppError::internal)?
        }
    };
    let stale = record.state == TaskState::Sending && record.updated_at < now_secs() - STALE_SENDING_SECS;
    match record.state {
        TaskState::Sent => return Ok(record.view()),
        TaskState::Sending if !stale => {
            return Err(AppError::new(ErrorKind::Conflict, "This task is already being sent."));
        }
        TaskState::Unknown | TaskState::Sending if !resend_unknown => return Err(unknown_outcome()),
        TaskState::Unknown | TaskState::Sending | TaskState::Failed => {}
    }
    if !claim(db, &record).await? {
        return Err(AppError::new(ErrorKind::Conflict, "This task is already being sent."));
    }
    send(state, record).await
}

/// Checks the GP's request and builds its record (nothing is stored or sent yet).
async fn prepare(
    state: &Committer,
    session: &LaunchSession,
    key: String,
    req: FollowUp,
) -> Result<TaskRecord, AppError> {
    let patient = session.patient.as_ref().ok_or_else(AppError::no_patient)?;
    let requester = session.practitioner_id.clone().ok_or_else(|| {
        AppError::invalid("Medtech did not say who you are when it opened this page, so no task can be sent. Open it again from Medtech.")
    })?;
    if !(1..=MAX_DAYS).contains(&req.days) {
        return Err(AppError::invalid(format!(
            "Choose when the task is due: in 1 to {MAX_DAYS} days."
        )));
    }
    let text = req.text.trim().to_string();
    if text.is_empty() {
        return Err(AppError::invalid("Write what the task is for."));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT {
        return Err(AppError::invalid(format!(
            "The task's text is too long: at most {MAX_TEXT} characters (it has {chars})."
        )));
    }
    let mut seen = std::collections::HashSet::new();
    let mut ids = req.photo_ids;
    ids.retain(|id| seen.insert(id.clone()));
    if ids.is_empty() || ids.len() > MAX_PHOTOS {
        return Err(AppError::invalid(format!(
            "A task is about 1 to {MAX_PHOTOS} committed photos."
        )));
    }
    let mut focus: Vec<(String, String)> = Vec::new();
    for id in &ids {
        let Some(photo) = state.photos.get(&session.id, id).await.map_err(store_error)? else {
            return Err(AppError::new(
                ErrorKind::NotFound,
                "A photo of this task is no longer here.",
            ));
        };
        check_owner(&photo, session, patient)?;
        if photo.state != PhotoState::Committed {
            continue;
        }
        let mut written = vec![];
        // A photo's `alex_id` is its Media's when it went as a Media; a Scan-only photo's is its
        // document's, so its documents are read for what they are.
        let targets = photo.target.unwrap_or(Targets::one(CommitTarget::Media));
        if let Some(media) = photo.alex_id.clone().filter(|_| targets.media) {
            written.push(("Media".to_string(), media));
        }
        for kind in [DocKind::Pdf, DocKind::Tiff] {
            if let Some(doc) = kind.doc_of(&photo).filter(|_| targets.contains(kind.target()))
                && let Some(doc) = state.photos.scan_doc(&session.id, doc).await.map_err(store_error)?
                && doc.state == DocState::Sent
                && let Some(alex_id) = doc.alex_id
            {
                written.push(("DocumentReference".to_string(), alex_id));
            }
        }
        for w in written {
            if !focus.contains(&w) {
                focus.push(w);
            }
        }
    }
    if focus.is_empty() {
        return Err(AppError::invalid(
            "None of these photos is in Medtech yet, so the task would have nothing to point to. Send the photos first.",
        ));
    }
    let owner = req.owner_id.trim().to_string();
    let practice = state.alex.practitioners(&session.facility).await?;
    if !practice.iter().any(|p| p.id == owner) {
        return Err(AppError::invalid(
            "That person is not a practitioner of this practice in Medtech. Choose someone from the list.",
        ));
    }
    let now = Utc::now();
    Ok(TaskRecord {
        id: uuid::Uuid::new_v4().to_string(),
        session_id: session.id.clone(),
        key,
        facility: session.facility.clone(),
        patient_id: patient.id.clone(),
        owner_id: owner,
        requester_id: requester,
        due: due_day(now, req.days).format("%Y-%m-%d").to_string(),
        description: text,
        focus,
        state: TaskState::Sending,
        alex_id: None,
        failure: None,
        created_at: now.timestamp(),
        updated_at: now.timestamp(),
    })
}

/// Posts the recorded task — the same body every time — and records how it went.
async fn send(state: &Committer, mut t: TaskRecord) -> Result<TaskView, AppError> {
    let due = NaiveDate::parse_from_str(&t.due, "%Y-%m-%d").map_err(|_| AppError::internal())?;
    let resource = task(TaskSpec {
        identifier: &t.id,
        patient_id: &t.patient_id,
        requester_id: &t.requester_id,
        owner_id: &t.owner_id,
        due,
        description: &t.description,
        focus: &t.focus,
        authored: DateTime::from_timestamp(t.created_at, 0).unwrap_or_else(Utc::now),
    });
    let outcome = state.alex.create_task(&t.facility, &resource).await;
    super::service::count_commit("task", outcome.as_ref().map(|_| ()).map_err(|e| e.kind()));
    let (correlation, kind) = match outcome {
        Ok(created) => {
            tracing::info!(task = %t.id, alex_id = %created.id, correlation_id = %created.correlation_id, "follow-up task sent");
            t.state = TaskState::Sent;
            t.alex_id = Some(created.id);
            t.failure = None;
            (Some(created.correlation_id), None)
        }
        Err(e) => {
            tracing::warn!(task = %t.id, kind = e.kind(), error = %e, "follow-up task not sent");
            t.state = if matches!(e, AlexError::OutcomeUnknown { .. }) {
                TaskState::Unknown
            } else {
                TaskState::Failed
            };
            t.failure = Some(if t.state == TaskState::Unknown {
                unknown_outcome().message
            } else {
                e.gp_message()
            });
            (None, Some(e.kind()))
        }
    };
    finish(&state.photos.db, &t, correlation, kind).await?;
    Ok(t.view())
}
