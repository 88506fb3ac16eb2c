//! One job of the delivery queue (ssr only): a part of a commit — one photo's Media, one batch
//! of photos' Inbox-Scan PDFs, or one batch of their TIFFs — with the session it was committed
//! in, as it was at Commit. Its states are a type; the `deliveries` row holds them as text.

use serde::{Deserialize, Serialize};

use crate::{
    launch::session::{LaunchSession, SessionPatient},
    model::{CommitTarget, Targets},
};

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Recorded; due at its `next_at`.
    Queued,
    /// Claimed by a worker (until its lease runs out).
    Sending,
    /// Medtech certainly did not take it; tried again at its `next_at`.
    Waiting,
    /// Stopped: a person must act (refused, unknown outcome, or the retry window ran out).
    NeedsPerson,
    /// In Medtech.
    Done,
    /// Taken out by a person, or its photos are gone.
    Withdrawn,
    /// A person sent its photos again: a newer job holds them.
    Replaced,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Sending => "sending",
            JobState::Waiting => "waiting",
            JobState::NeedsPerson => "needs_person",
            JobState::Done => "done",
            JobState::Withdrawn => "withdrawn",
            JobState::Replaced => "replaced",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        use JobState::*;
        [Queued, Sending, Waiting, NeedsPerson, Done, Withdrawn, Replaced]
            .into_iter()
            .find(|j| j.as_str() == s)
    }
}

/// The part a job sends.
pub fn part_of(s: &str) -> Option<CommitTarget> {
    Targets::ALL.into_iter().find(|t| t.as_str() == s)
}

/// Who committed, for whom, as the launch session said at Commit: what a worker sends as, long
/// after the session has ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Committed {
    pub session_id: String,
    pub facility: String,
    pub patient_id: String,
    pub patient_name: String,
    pub birth_date: String,
    pub nhi: String,
    pub practitioner_id: Option<String>,
    pub practitioner_name: Option<String>,
    pub consent: Option<(String, Option<String>)>,
}

impl Committed {
    /// The session's facts (`None` without a patient: nothing may be committed then).
    pub fn of(session: &LaunchSession) -> Option<Committed> {
        let p = session.patient.as_ref()?;
        Some(Committed {
            session_id: session.id.clone(),
            facility: session.facility.clone(),
            patient_id: p.id.clone(),
            patient_name: p.name.clone(),
            birth_date: p.birth_date.clone(),
            nhi: p.nhi.clone(),
            practitioner_id: session.practitioner_id.clone(),
            practitioner_name: session.practitioner_name.clone(),
            consent: session.consent.clone(),
        })
    }

    /// The session a worker sends as: the one the GP committed in, as it was then.
    pub fn session(&self) -> LaunchSession {
        LaunchSession {
            id: self.session_id.clone(),
            facility: self.facility.clone(),
            patient: Some(SessionPatient {
                id: self.patient_id.clone(),
                name: self.patient_name.clone(),
                birth_date: self.birth_date.clone(),
                nhi: self.nhi.clone(),
            }),
            practitioner_id: self.practitioner_id.clone(),
            practitioner_name: self.practitioner_name.clone(),
            expires_at: i64::MAX,
            consent: self.consent.clone(),
            closing: false,
        }
    }
}

/// A job a worker holds: `claim` proves it still does when it finishes.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: String,
    pub part: CommitTarget,
    pub targets: Targets,
    pub photo_ids: Vec<String>,
    pub committed: Committed,
    /// The GP checked Medtech after an unknown outcome and asked for it to be sent again.
    pub resend: bool,
    pub claim: String,
    /// Past this (ms), a part Medtech could not take waits for a person instead.
    pub give_up_at: i64,
}

/// How a job's attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// In Medtech.
    Done,
    /// Medtech certainly did not take it (practice unreachable, ALEX busy): the practice backs
    /// off, and the job tries again. `retry_after_ms` is ALEX's own `Retry-After`.
    Retry {
        kind: String,
        words: String,
        retry_after_ms: Option<u64>,
    },
    /// Not tried: another request is sending one of its photos, or the server is stopping.
    Later,
    /// A person must act (`kind`, words).
    NeedsPerson { kind: String, words: String },
    /// Its photos are no longer here (removed or expired): nothing to send.
    Gone,
}
