//! A photo's commit in parts (ssr only): each of its targets — its Media, its Inbox-Scan PDF, its
//! own TIFF — is a part with a state of its own, and the photo's state follows from its parts.
//! [`settle`] is that rule (pure); [`PhotoStore::finish_target`] records one part's outcome and
//! the photo's new state together, in one transaction, with its audit entry.

use crate::infra::sql::{Sql, params};

use super::{confirm::CONFIRMED_BY_GP, server::OUTCOME_UNKNOWN};
use crate::{
    infra::{
        audit::{Audit, append_audit},
        time::now_secs,
    },
    launch::session::LaunchSession,
    model::{CommitTarget, PartState, PhotoState},
    staging::{
        record::{COLUMNS, PhotoRecord, from_row},
        store::{PhotoStore, StoreError},
    },
};

/// A part's outcome: in Medtech (with the id ALEX gave it, if any), or why not (kind, words).
pub type Outcome = Result<Option<String>, (String, String)>;

/// The photo after one of its parts finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    pub state: PhotoState,
    /// Why it is failed (kind, words); `None` clears the photo's failure.
    pub failure: Option<(String, String)>,
}

/// The state a part's outcome leaves it in.
pub fn part_state(outcome: &Outcome) -> PartState {
    match outcome {
        Ok(_) => PartState::Sent,
        Err((kind, _)) if kind == OUTCOME_UNKNOWN => PartState::Unknown,
        Err(_) => PartState::Failed,
    }
}

/// The words for a part whose arrival Medtech did not confirm.
pub fn unknown_words(target: CommitTarget) -> String {
    format!(
        "Medtech did not confirm whether it saved {}. Check the patient's record in Medtech; send it again only if it is not there.",
        target.words()
    )
}

/// The photo's state once `this` part has finished with `outcome`, given its `others` (their
/// recorded states; `None` = not sent yet) and its failure before (`previous`):
/// - every part in Medtech → committed;
/// - any part of unknown outcome → failed, unknown (the GP must check before anything resends it);
/// - this part failed → failed, with its reason; another part failed before → failed, as before;
/// - otherwise staged: the other parts are still to go.
pub fn settle(
    this: CommitTarget,
    outcome: &Outcome,
    others: &[(CommitTarget, Option<PartState>)],
    previous: Option<(String, String)>,
) -> Settled {
    let failed = |kind: &str, words: String| Settled {
        state: PhotoState::Failed,
        failure: Some((kind.to_string(), words)),
    };
    if outcome.is_ok() && others.iter().all(|(_, s)| *s == Some(PartState::Sent)) {
        return Settled {
            state: PhotoState::Committed,
            failure: None,
        };
    }
    if let Err((kind, words)) = outcome
        && kind == OUTCOME_UNKNOWN
    {
        return failed(kind, words.clone());
    }
    if let Some((t, _)) = others.iter().find(|(_, s)| *s == Some(PartState::Unknown)) {
        return failed(OUTCOME_UNKNOWN, unknown_words(*t));
    }
    if let Err((kind, words)) = outcome {
        return failed(kind, format!("{}: {words}", capitalised(this.words())));
    }
    if let Some((t, _)) = others.iter().find(|(_, s)| *s == Some(PartState::Failed)) {
        let (kind, words) = previous.filter(|(kind, _)| kind != OUTCOME_UNKNOWN).unwrap_or_else(|| {
            (
                "failed".into(),
                format!(
                    "{} did not reach Medtech. Retry to send only what is missing.",
                    capitalised(t.words())
                ),
            )
        });
        return failed(&kind, words);
    }
    Settled {
        state: PhotoState::Staged,
        failure: None,
    }
}

fn capitalised(words: &str) -> String {
    let mut c = words.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The audit detail of a part's outcome: the failure's kind alone for a photo with one target
/// (as ever); with several, which part this was and what is still to go.
fn detail(this: CommitTarget, others: &[(CommitTarget, Option<PartState>)], outcome: &Outcome) -> Option<String> {
    let kind = outcome.as_ref().err().map(|(kind, _)| kind.clone());
    if others.is_empty() {
        return kind;
    }
    let head = match kind {
        Some(kind) => format!("{kind}: {}", this.as_str()),
        None => this.as_str().to_string(),
    };
    let pending: Vec<&str> = others
        .iter()
        .filter(|(_, s)| *s != Some(PartState::Sent))
        .map(|(t, _)| t.as_str())
        .collect();
    Some(if pending.is_empty() {
        let done: Vec<&str> = others.iter().map(|(t, _)| t.as_str()).collect();
        format!("{head}; {} done", done.join(", "))
    } else {
        format!("{head}; {} to follow", pending.join(", "))
    })
}

impl PhotoStore {
    /// Records that part `this` of the photo's commit finished with `outcome`, and the photo's
    /// state that follows ([`settle`]): the Media part's state and id onto the photo, a
    /// document's ALEX id onto the photo only when it has no Media, and an audit entry —
    /// `committed` or `failed` — in the same transaction. `confirmed` when the GP said it is in
    /// Medtech (no ALEX id: audited as a confirmation, the photo marked confirmed by the GP).
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_target(
        &self,
        session: &LaunchSession,
        record: &PhotoRecord,
        this: CommitTarget,
        outcome: Outcome,
        others: Vec<(CommitTarget, Option<PartState>)>,
        correlation_id: Option<String>,
        confirmed: Option<String>,
    ) -> Result<PhotoRecord, StoreError> {
        let previous = record.failure_kind.clone().zip(record.failure.clone());
        let settled = settle(this, &outcome, &others, previous);
        let (rec, prac) = (record.clone(), session.practitioner_id.clone());
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let media = this == CommitTarget::Media;
                // `alex_id` is the Media's when the photo has one; else its (first) document's.
                let names_photo = !media && !others.iter().any(|(t, _)| *t == CommitTarget::Media);
                let alex_id = outcome.as_ref().ok().cloned().flatten();
                let (kind, words) = match (&settled.failure, &confirmed) {
                    (Some((k, w)), _) => (Some(k.clone()), Some(w.clone())),
                    (None, Some(_)) if settled.state == PhotoState::Committed => (Some(CONFIRMED_BY_GP.to_string()), None),
                    (None, _) => (None, None),
                };
                // A confirmation only moves a photo still waiting on Medtech's word (`failed`);
                // an outcome, the photo its caller locked.
                let moved = tx.execute(
                    "UPDATE photos SET state = ?1, failure_kind = ?2, failure = ?3, updated_at = ?4,
                     media_state = CASE WHEN ?5 = 1 THEN ?6 ELSE media_state END,
                     alex_id = CASE WHEN ?5 = 1 AND CAST(?7 AS TEXT) IS NOT NULL THEN ?7 WHEN ?11 = 1 THEN COALESCE(alex_id, ?7) ELSE alex_id END
                     WHERE id = ?8 AND session_id = ?9 AND (CAST(?10 AS TEXT) IS NULL OR state = 'failed')",
                    params![
                        settled.state.as_str(),
                        kind,
                        words,
                        now_secs(),
                        media,
                        part_state(&outcome).as_str(),
                        alex_id,
                        rec.id,
                        rec.session_id,
                        confirmed,
                        names_photo
                    ],
                )?;
                let event = match (&confirmed, &outcome) {
                    (Some(_), _) => super::confirm::CONFIRMED_EVENT,
                    (None, Ok(_)) => "committed",
                    (None, Err(_)) => "failed",
                };
                let detail = match &confirmed {
                    Some(what) => Some(what.clone()),
                    None => detail(this, &others, &outcome),
                };
                if moved == 1 {
                    append_audit(
                        &mut tx,
                        &Audit {
                            alex_id: alex_id.as_deref(),
                            correlation_id: correlation_id.as_deref(),
                            ..rec.audit(event, prac.as_deref(), detail.as_deref())
                        },
                    )?;
                }
                let r = tx.query_row(&format!("SELECT {COLUMNS} FROM photos WHERE id = ?1"), params![rec.id], from_row)?;
                tx.commit()?;
                Ok(r)
            })
            .await
            .map_err(StoreError::from)
    }

    /// Marks the photo's Media part as on its way, before its POST: a restart that finds it so
    /// makes it unknown.
    pub async fn media_sending(&self, record: &PhotoRecord) -> Result<(), StoreError> {
        let (id, sid) = (record.id.clone(), record.session_id.clone());
        let me = self.db.instance().to_string();
        self.db
            .call(move |c| {
                c.execute(
                    "UPDATE photos SET media_state = 'sending', claimed_by = ?3 WHERE id = ?1 AND session_id = ?2",
                    params![id, sid, me],
                )
            })
            .await?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "parts_tests.rs"]
mod tests;
