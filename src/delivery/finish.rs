//! How a job's attempt ends (ssr only): its verdict is recorded on the job, on its practice's
//! backoff and on its photos' badges in one transaction — and only while the worker still holds
//! the claim, so a worker that lost its lease changes nothing.

use super::{
    job::{Job, JobState, Verdict},
    pacing::Pacing,
    store::{DeliveryStore, now_ms, refresh},
};
use crate::infra::{
    db::DbError,
    sql::{OptionalExtension, Sql, params},
};

/// A job that was not tried (its photo was busy, or the server stops) is due again after this.
const LATER_MS: i64 = 2_000;

/// The failure kind of a part whose retry window ran out.
pub const RETRY_WINDOW: &str = "retry_window";

impl DeliveryStore {
    /// Records how `job`'s attempt ended. Answers the state the job is now in (`None`: the claim
    /// was no longer this worker's, and nothing changed).
    pub async fn finish(&self, job: &Job, verdict: Verdict, pacing: Pacing) -> Result<Option<JobState>, DbError> {
        let job = job.clone();
        let jitter: f64 = rand::random();
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let now = now_ms();
                let (facility, failures): (String, i64) = match tx
                    .query_row(
                        "SELECT d.facility, COALESCE(f.failures, 0) FROM deliveries d
                         LEFT JOIN delivery_facilities f ON f.facility = d.facility
                         WHERE d.id = ?1 AND d.claim = ?2 AND d.state = 'sending'",
                        params![job.id, job.claim],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?
                {
                    Some(row) => row,
                    None => return Ok(None),
                };
                let set = |tx: &mut crate::infra::sql::Tx<'_>, state: JobState, next_at: i64, failure: Option<(&str, &str)>| {
                    tx.execute(
                        "UPDATE deliveries SET state = ?1, next_at = ?2, claim = NULL, lease_until = 0, failure_kind = ?3, failure = ?4, updated_at = ?5 WHERE id = ?6",
                        params![state.as_str(), next_at, failure.map(|f| f.0), failure.map(|f| f.1), now, job.id],
                    )
                };
                let state = match &verdict {
                    Verdict::Done => {
                        set(&mut tx, JobState::Done, now, None)?;
                        healthy(&mut tx, &facility, now)?;
                        JobState::Done
                    }
                    Verdict::Later => {
                        set(&mut tx, JobState::Queued, now + LATER_MS, None)?;
                        JobState::Queued
                    }
                    Verdict::Gone => {
                        set(&mut tx, JobState::Withdrawn, now, None)?;
                        JobState::Withdrawn
                    }
                    Verdict::NeedsPerson { kind, words } => {
                        set(&mut tx, JobState::NeedsPerson, now, Some((kind, words)))?;
                        JobState::NeedsPerson
                    }
                    Verdict::Retry { kind, words, retry_after_ms } => {
                        let failures = failures + 1;
                        let open_until = now + pacing.backoff(failures as u32, *retry_after_ms, jitter) as i64;
                        tx.execute(
                            "INSERT INTO delivery_facilities (facility, sends, failures, open_until, outage_since, updated_at)
                             VALUES (?1, '[]', ?2, ?3, ?4, ?4)
                             ON CONFLICT (facility) DO UPDATE SET failures = excluded.failures, open_until = excluded.open_until,
                               outage_since = COALESCE(delivery_facilities.outage_since, excluded.outage_since), updated_at = excluded.updated_at",
                            params![facility, failures, open_until, now],
                        )?;
                        if now >= job.give_up_at {
                            let words = format!("Medtech could not take it for the whole retry window ({words}). Send it again, or withdraw it.");
                            set(&mut tx, JobState::NeedsPerson, now, Some((RETRY_WINDOW, &words)))?;
                            JobState::NeedsPerson
                        } else {
                            set(&mut tx, JobState::Waiting, open_until, Some((kind, words)))?;
                            // The practice's other parts wait on the same backoff.
                            let others: Vec<String> = tx.query_map(
                                "SELECT DISTINCT p.photo_id FROM delivery_photos p JOIN deliveries d ON d.id = p.delivery_id
                                 WHERE d.facility = ?1 AND d.state IN ('queued', 'waiting') AND d.next_at < ?2",
                                params![facility, open_until],
                                |r| r.get(0),
                            )?;
                            tx.execute(
                                "UPDATE deliveries SET state = 'waiting', next_at = ?2, updated_at = ?3
                                 WHERE facility = ?1 AND state IN ('queued', 'waiting') AND next_at < ?2",
                                params![facility, open_until, now],
                            )?;
                            refresh(&mut tx, &others)?;
                            JobState::Waiting
                        }
                    }
                };
                refresh(&mut tx, &job.photo_ids)?;
                tx.commit()?;
                Ok(Some(state))
            })
            .await
    }
}

/// The practice answered: its backoff ends and its other waiting parts are due now.
fn healthy(tx: &mut impl Sql, facility: &str, now: i64) -> crate::infra::sql::Result<()> {
    let was_failing = tx
        .query_row(
            "SELECT failures FROM delivery_facilities WHERE facility = ?1",
            params![facility],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .is_some_and(|f| f > 0);
    tx.execute(
        "UPDATE delivery_facilities SET failures = 0, open_until = 0, outage_since = NULL, updated_at = ?2 WHERE facility = ?1",
        params![facility, now],
    )?;
    if was_failing {
        tx.execute(
            "UPDATE deliveries SET next_at = ?2, updated_at = ?2 WHERE facility = ?1 AND state = 'waiting' AND next_at > ?2",
            params![facility, now],
        )?;
    }
    Ok(())
}
