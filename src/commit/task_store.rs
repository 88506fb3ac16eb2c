//! The `follow_up_tasks` table (ssr only): one row per follow-up task, its identifier fixed
//! before the POST, its browser key unique within its session; every change audited by ids.

use crate::infra::sql::{OptionalExtension, Row, Sql, params};

use super::task_model::{TaskState, TaskView};
use crate::{
    error::AppError,
    infra::{
        audit::{Audit, append_audit},
        db::Db,
        time::{format_date, now_secs},
    },
    staging::{corrupt::CorruptRow, service::store_error},
};

/// One follow-up task as recorded.
#[derive(Debug, Clone)]
pub(super) struct TaskRecord {
    /// Also the `identifier` sent to ALEX.
    pub(super) id: String,
    pub(super) session_id: String,
    pub(super) key: String,
    pub(super) facility: String,
    pub(super) patient_id: String,
    pub(super) owner_id: String,
    pub(super) requester_id: String,
    /// `YYYY-MM-DD`, New Zealand calendar.
    pub(super) due: String,
    pub(super) description: String,
    /// `(resource type, ALEX id)` of what the commit wrote.
    pub(super) focus: Vec<(String, String)>,
    pub(super) state: TaskState,
    pub(super) alex_id: Option<String>,
    pub(super) failure: Option<String>,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
}

impl TaskRecord {
    pub(super) fn view(&self) -> TaskView {
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

fn from_row(r: &Row) -> crate::infra::sql::Result<TaskRecord> {
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

pub(super) async fn find(db: &Db, session_id: &str, key: &str) -> Result<Option<TaskRecord>, AppError> {
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
pub(super) async fn insert(db: &Db, t: &TaskRecord) -> Result<bool, AppError> {
    let t = t.clone();
    db.call(move |c| {
        let mut tx = c.transaction()?;
        let focus = serde_json::to_string(&t.focus).unwrap_or_else(|_| "[]".into());
        let n = tx.execute(
            &format!(
                "INSERT INTO follow_up_tasks ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, NULL, ?12, ?12) ON CONFLICT DO NOTHING"
            ),
            params![t.id, t.session_id, t.key, t.facility, t.patient_id, t.owner_id, t.requester_id, t.due, t.description, focus, TaskState::Sending.as_str(), t.created_at],
        )?;
        if n == 1 {
            append_audit(&mut tx, &t.audit("follow_up_task_requested", &t.detail()))?;
        }
        tx.commit()?;
        Ok(n == 1)
    })
    .await
    .map_err(db_error)
}

/// Moves a task to `sending` if it is still in `from` (and last changed at `updated_at`):
/// whoever moves it sends it.
pub(super) async fn claim(db: &Db, t: &TaskRecord) -> Result<bool, AppError> {
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
pub(super) async fn finish(
    db: &Db,
    t: &TaskRecord,
    correlation: Option<String>,
    kind: Option<&'static str>,
) -> Result<(), AppError> {
    let t = t.clone();
    db.call(move |c| {
        let mut tx = c.transaction()?;
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
        append_audit(&mut tx, &audit)?;
        tx.commit()
    })
    .await
    .map_err(db_error)
}
