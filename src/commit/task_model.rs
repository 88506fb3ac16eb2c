//! What the browser and the server say to each other about a follow-up task.

use serde::{Deserialize, Serialize};

/// Where a follow-up task is. Like an Inbox-Scan document: its identifier is fixed before the
/// POST, so "unknown" (posted, no answer) is resent only when the GP says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Recorded and on its way.
    Sending,
    /// In Medtech: ALEX answered with its id.
    Sent,
    /// ALEX said no: it is not in Medtech.
    Failed,
    /// Posted with no answer: it may or may not be in Medtech.
    Unknown,
}

impl TaskState {
    /// As the `follow_up_tasks.state` column holds it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Sending => "sending",
            TaskState::Sent => "sent",
            TaskState::Failed => "failed",
            TaskState::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            TaskState::Sending,
            TaskState::Sent,
            TaskState::Failed,
            TaskState::Unknown,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// A follow-up task as the browser sees it (no patient details: the page has them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    /// The browser's idempotency key for it.
    pub key: String,
    pub state: TaskState,
    pub owner_id: String,
    /// The due day, `YYYY-MM-DD` (New Zealand calendar).
    pub due: String,
    /// The due day in words, e.g. `9 Dec 2026`.
    pub due_words: String,
    pub alex_id: Option<String>,
    /// Why it failed, in plain English.
    pub failure: Option<String>,
}

/// One practitioner the task may go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PractitionerOption {
    pub id: String,
    pub name: String,
    /// The GP who opened the widget (the default owner).
    pub you: bool,
}

/// Most days ahead a task may be due, and the longest text.
pub const MAX_DAYS: u32 = 365;
pub const MAX_TEXT: usize = 500;
