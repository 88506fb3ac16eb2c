//! Follow-up tasks (ssr only): after a commit the GP may ask for a task in Medtech — for
//! themselves or another practitioner of the practice, due in N days, with a short text — about
//! what was just written. The `follow_up_tasks` table is this domain's.
//!
//! Like an Inbox-Scan document, a task is recorded with its identifier *before* it is posted:
//! a retry after ALEX said no sends the very same Task; after no answer at all (outcome unknown)
//! it is resent only when the GP says so; a sent task is never sent again. The browser's key
//! makes a double click one task. The owner is checked against ALEX's practitioner list of the
//! facility, never taken on the browser's word. The Task's shape is `alex::task`'s.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::task_model::{MAX_DAYS, MAX_TEXT, PractitionerOption, TaskState, TaskView};
use crate::{
    alex::{
        AlexError,
        task::{TaskSpec, due_day, task},
    },
    commit::{documents::DocState, server::check_owner, service::Committer},
    error::{AppError, ErrorKind},
    infra::{
        audit::{Audit, append_audit},
        db::Db,
        time::{format_date, now_secs},
    },
    launch::session::LaunchSession,
    model::{PhotoState, PhotoTarget},
    staging::{corrupt::CorruptRow, service::store_error},
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

/// One follow-up task as recorded.
#[derive(Debug, Clone)]
struct TaskRecord {
    /// Also the `identifier` sent to ALEX.
    id: String,
    session_id: String,
    key: String,
    facility: String,
    patient_id: String,
    owner_id: String,
    requester_id: String,
    /// `YYYY-MM-DD`, New Zealand calendar.
    due: String,
    description: String,
    /// `(resource type, ALEX id)` of what the commit wrote.
    focus: Vec<(String, String)>,
    state: TaskState,
    alex_id: Option<String>,
    failure: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TaskRecord {
    fn view(&self) -> TaskView {
        TaskView {
            key: self.key.clone(),
            state: self.state,
            owner_id: self.owner_id.clone(),
            due: self.due.clone(),
            due_words: format_date(&self.due),
            alex_id: self.alex_id.clone(),
            failure: self.failure.clone(),
        }
    }

    /// An audit entry about this task (ids only: no names, no NHI, no text).
    fn audit<'a>(&'a self, event: &'a str, detail: &'a str) -> Audit<'a> {
        Audit {
            event,
            session_id: Some(&self.session_id),
            facility: Some(&self.facility),
            patient_id: Some(&self.patient_id),
            practitioner_id: Some(&self.requester_id),
            alex_id: self.alex_id.as_deref(),
            detail: Some(detail),
            ..Default::default()
        }
    }

    fn detail(&self) -> String {
        format!(
            "task {}; owner {}; due {}; focus {}",
            self.id,
            self.owner_id,
            self.due,
            self.focus.len()
        )
    }
}

const COLUMNS: &str = "id, session_id, idem_key, facility, patient_id, owner_id, requester_id, due, description, focus, state, alex_id, failure, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<TaskRecord> {
    let id: String = r.get(0)?;
    let focus: String = r.get(9)?;
    let focus = serde_json::from_str(&focus).map_err(|_| CorruptRow::error("follow_up_tasks", &id, 9, "focus"))?;
    let state: String = r.get(10)?;
    let state = TaskState::parse(&state).ok_or_else(|| CorruptRow::error("follow_up_tasks", &id, 10, "state"))?;
    Ok(TaskRecord {
        session_id: r.get(1)?,
        key: r.get(2)?,
        facility: r.get(3)?,
        patient_id: r.get(4)?,
        owner_id: r.get(5)?,
        requester_id: r.get(6)?,
        due: r.get(7)?,
        description: r.get(8)?,
        focus,
        state,
        alex_id: r.get(11)?,
        failure: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
        id,
    })
}

fn db_error(e: crate::infra::db::DbError) -> AppError {
    store_error(e.into())
}

async fn find(db: &Db, session_id: &str, key: &str) -> Result<Option<TaskRecord>, AppError> {
    let (sid, key) = (session_id.to_string(), key.to_string());
    db.call(move |c| {
        c.query_row(
            &format!("SELECT {COLUMNS} FROM follow_up_tasks WHERE session_id = ?1 AND idem_key = ?2"),
            params![sid, key],
            from_row,
        )
        .optional()
    })
    .await
    .map_err(db_error)
}

/// Records a new task (state `sending`); false when its key is already taken.
async fn insert(db: &Db, t: &TaskRecord) -> Result<bool, AppError> {
    let t = t.clone();
    db.call(move |c| {
        let tx = c.transaction()?;
        let focus = serde_json::to_string(&t.focus).unwrap_or_else(|_| "[]".into());
        let n = tx.execute(
            &format!(
                "INSERT OR IGNORE INTO follow_up_tasks ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, NULL, ?12, ?12)"
            ),
            params![t.id, t.session_id, t.key, t.facility, t.patient_id, t.owner_id, t.requester_id, t.due, t.description, focus, TaskState::Sending.as_str(), t.created_at],
        )?;
        if n == 1 {
            append_audit(&tx, &t.audit("follow_up_task_requested", &t.detail()))?;
        }
        tx.commit()?;
        Ok(n == 1)
    })
    .await
    .map_err(db_error)
}

/// Moves a task to `sending` if it is still in `from` (and last changed at `updated_at`):
/// whoever moves it sends it.
async fn claim(db: &Db, t: &TaskRecord) -> Result<bool, AppError> {
    let (id, from, at) = (t.id.clone(), t.state.as_str(), t.updated_at);
    db.call(move |c| {
        c.execute(
            "UPDATE follow_up_tasks SET state = 'sending', updated_at = ?1 WHERE id = ?2 AND state = ?3 AND updated_at = ?4",
            params![now_secs(), id, from, at],
        )
    })
    .await
    .map(|n| n == 1)
    .map_err(db_error)
}

/// Records how a POST ended, with its audit entry.
async fn finish(db: &Db, t: &TaskRecord, correlation: Option<String>, kind: Option<&'static str>) -> Result<(), AppError> {
    let t = t.clone();
    db.call(move |c| {
        let tx = c.transaction()?;
        tx.execute(
            "UPDATE follow_up_tasks SET state = ?1, alex_id = ?2, correlation_id = ?3, failure_kind = ?4, failure = ?5, updated_at = ?6 WHERE id = ?7",
            params![t.state.as_str(), t.alex_id, correlation, kind, t.failure, now_secs(), t.id],
        )?;
        let event = match t.state {
            TaskState::Sent => "follow_up_task_sent",
            TaskState::Unknown => "follow_up_task_unknown",
            _ => "follow_up_task_failed",
        };
        let detail = t.detail();
        let mut audit = t.audit(event, &detail);
        audit.correlation_id = correlation.as_deref();
        append_audit(&tx, &audit)?;
        tx.commit()
    })
    .await
    .map_err(db_error)
}

fn refuse_when_off(state: &Committer) -> Result<(), AppError> {
    if state.settings.follow_up_tasks {
        Ok(())
    } else {
        Err(AppError::invalid("Follow-up tasks are not turned on for this practice."))
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
        return Err(AppError::invalid("This request is not valid. Reload the page and try again."));
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
async fn prepare(state: &Committer, session: &LaunchSession, key: String, req: FollowUp) -> Result<TaskRecord, AppError> {
    let patient = session.patient.as_ref().ok_or_else(AppError::no_patient)?;
    let requester = session.practitioner_id.clone().ok_or_else(|| {
        AppError::invalid("Medtech did not say who you are when it opened this page, so no task can be sent. Open it again from Medtech.")
    })?;
    if !(1..=MAX_DAYS).contains(&req.days) {
        return Err(AppError::invalid(format!("Choose when the task is due: in 1 to {MAX_DAYS} days.")));
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
        return Err(AppError::invalid(format!("A task is about 1 to {MAX_PHOTOS} committed photos.")));
    }
    let mut focus: Vec<(String, String)> = Vec::new();
    for id in &ids {
        let Some(photo) = state.photos.get(&session.id, id).await.map_err(store_error)? else {
            return Err(AppError::new(ErrorKind::NotFound, "A photo of this task is no longer here."));
        };
        check_owner(&photo, session, patient)?;
        if photo.state != PhotoState::Committed {
            continue;
        }
        let mut written = vec![];
        // A Scan-only photo's `alex_id` is its document's; a Media's (alone or with a PDF) is the Media's.
        if let Some(media) = photo.alex_id.clone().filter(|_| {
            matches!(photo.target, None | Some(PhotoTarget::Media | PhotoTarget::Both))
        }) {
            written.push(("Media".to_string(), media));
        }
        if let Some(doc) = photo.scan_doc.as_deref().filter(|_| photo.target.is_some_and(|t| t.has_scan_doc()))
            && let Some(doc) = state.photos.scan_doc(&session.id, doc).await.map_err(store_error)?
            && doc.state == DocState::Sent
            && let Some(alex_id) = doc.alex_id
        {
            written.push(("DocumentReference".to_string(), alex_id));
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
