//! The delivery queue's tables (ssr only): `deliveries` (one row a job), `delivery_photos` (its
//! photos) and `delivery_facilities` (each practice's pacing and backoff) are this room's alone.
//! Enqueueing and claiming are here; how a job ends is in `finish.rs`, what is read for people in
//! `report.rs`. Every change to a job updates its photos' badges in the same transaction.

use super::{
    job::{Committed, Job, part_of},
    pacing::Pacing,
};
use crate::{
    commit::api::SCAN_BATCH,
    infra::{
        db::{Db, DbError},
        instances,
        sql::{OptionalExtension, Result as SqlResult, Row, Sql, params},
    },
    model::{CommitTarget, DeliveryState, PartState, Targets},
    staging::{queue, record::PhotoRecord},
};

/// How long a claim holds before another worker may take the job (a worker dead mid-send).
pub(super) const LEASE_MS: i64 = 10 * 60 * 1000;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[derive(Clone)]
pub struct DeliveryStore {
    pub(super) db: Db,
}

const JOB_COLUMNS: &str = "id, part, targets, photo_ids, context, resend, claim, give_up_at";

fn job_from(r: &Row) -> SqlResult<Job> {
    let part: String = r.get(1)?;
    let targets: String = r.get(2)?;
    let ids: String = r.get(3)?;
    let context: String = r.get(4)?;
    let bad = |what: &str| crate::infra::sql::Error::Corrupt(format!("deliveries.{what} does not read").into());
    Ok(Job {
        id: r.get(0)?,
        part: part_of(&part).ok_or_else(|| bad("part"))?,
        targets: Targets::parse(&targets).ok_or_else(|| bad("targets"))?,
        photo_ids: serde_json::from_str(&ids).map_err(|_| bad("photo_ids"))?,
        committed: serde_json::from_str(&context).map_err(|_| bad("context"))?,
        resend: r.get::<_, i64>(5)? != 0,
        claim: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
        give_up_at: r.get(7)?,
    })
}

/// Sets each photo's badge from the jobs that hold it: sending before waiting before queued
/// before needing a person; none left, out of the queue.
pub(super) fn refresh(tx: &mut impl Sql, photo_ids: &[String]) -> SqlResult<()> {
    for id in photo_ids {
        let jobs: Vec<(String, i64)> = tx.query_map(
            "SELECT d.state, d.next_at FROM deliveries d JOIN delivery_photos p ON p.delivery_id = d.id
             WHERE p.photo_id = ?1 AND d.state IN ('queued', 'sending', 'waiting', 'needs_person')",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let has = |s: &str| jobs.iter().any(|(state, _)| state == s);
        let next = jobs
            .iter()
            .filter(|(s, _)| s == "waiting")
            .map(|(_, at)| *at / 1000)
            .min();
        let mark = if has("sending") {
            Some(DeliveryState::Sending)
        } else if has("waiting") {
            Some(DeliveryState::Waiting)
        } else if has("queued") {
            Some(DeliveryState::Queued)
        } else if has("needs_person") {
            Some(DeliveryState::NeedsYou)
        } else {
            None
        };
        queue::mark(tx, id, mark, next.filter(|_| mark == Some(DeliveryState::Waiting)))?;
    }
    Ok(())
}

/// The jobs of one group of photos going to the same places: its PDFs and its TIFFs in batches,
/// then each Media — skipping a Media already in Medtech.
fn plan(targets: Targets, photos: &[PhotoRecord]) -> Vec<(CommitTarget, Vec<String>)> {
    let mut jobs = Vec::new();
    for part in [CommitTarget::ScanPdf, CommitTarget::ScanTiff, CommitTarget::Media] {
        if !targets.contains(part) {
            continue;
        }
        if part == CommitTarget::Media {
            for r in photos.iter().filter(|r| r.media_state != Some(PartState::Sent)) {
                jobs.push((part, vec![r.id.clone()]));
            }
        } else {
            for batch in photos.chunks(SCAN_BATCH) {
                jobs.push((part, batch.iter().map(|r| r.id.clone()).collect()));
            }
        }
    }
    jobs
}

impl DeliveryStore {
    pub fn new(db: Db) -> DeliveryStore {
        DeliveryStore { db }
    }

    /// Commit, as one durable intent: in one transaction each photo of `asked` (id, where the
    /// GP chose to send it) enters the queue — its targets fixed, its tags and edits frozen —
    /// and its parts become jobs. A photo no longer waiting to go (committed, removed, queued by
    /// another request) is left as it is. Answers the photos queued.
    pub async fn enqueue(
        &self,
        committed: Committed,
        asked: Vec<(String, Targets)>,
        resend: bool,
        retry_ms: i64,
    ) -> Result<Vec<String>, DbError> {
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let now = now_ms();
                let by = committed.practitioner_id.clone();
                let mut groups: Vec<(Targets, Vec<PhotoRecord>)> = Vec::new();
                for (id, targets) in &asked {
                    let Some(r) = queue::read(&mut tx, &committed.session_id, id)? else { continue };
                    if r.patient_id != committed.patient_id || r.facility != committed.facility {
                        continue; // never queued for another patient (the use case refused it first)
                    }
                    let Some(fixed) = queue::enter(&mut tx, &r, *targets, by.as_deref())? else { continue };
                    // What waited for a person is superseded by this new attempt.
                    tx.execute(
                        "UPDATE deliveries SET state = 'replaced', updated_at = ?1 WHERE state = 'needs_person'
                         AND id IN (SELECT delivery_id FROM delivery_photos WHERE photo_id = ?2)",
                        params![now, r.id],
                    )?;
                    match groups.iter_mut().find(|(t, _)| *t == fixed) {
                        Some((_, rs)) => rs.push(r),
                        None => groups.push((fixed, vec![r])),
                    }
                }
                let context = serde_json::to_string(&committed).map_err(|e| crate::infra::sql::Error::Corrupt(Box::new(e)))?;
                let mut queued = Vec::new();
                let mut seq = 0;
                for (targets, photos) in &groups {
                    for (part, ids) in plan(*targets, photos) {
                        let id = uuid::Uuid::new_v4().to_string();
                        let photo_ids = serde_json::to_string(&ids).unwrap_or_default();
                        // Created a millisecond apart: claimed in the order planned.
                        tx.execute(
                            "INSERT INTO deliveries (id, session_id, facility, patient_id, part, targets, photo_ids, context, state, next_at, created_at, updated_at, give_up_at, resend)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', ?9, ?9, ?9, ?10, ?11)",
                            params![id, committed.session_id, committed.facility, committed.patient_id, part.as_str(), targets.as_string(), photo_ids, context, now + seq, now + retry_ms, resend],
                        )?;
                        seq += 1;
                        for p in &ids {
                            tx.execute(
                                "INSERT INTO delivery_photos (delivery_id, photo_id) VALUES (?1, ?2)",
                                params![id, p],
                            )?;
                        }
                    }
                    queued.extend(photos.iter().map(|r| r.id.clone()));
                }
                refresh(&mut tx, &queued)?;
                tx.commit()?;
                Ok(queued)
            })
            .await
    }

    /// Claims the next job due that its practice's pacing allows — within the minute's sends,
    /// the sends in flight (one while the practice fails), and not while its backoff runs —
    /// and whose photos no other job is sending. A job whose worker's lease ran out (or, with a
    /// shared store, whose instance is gone) may be claimed again: the photo's own lock keeps it
    /// from being sent twice. On PostgreSQL candidates are locked `FOR UPDATE SKIP LOCKED`, so
    /// instances claiming at once pass each other by.
    pub async fn claim(&self, pacing: Pacing) -> Result<Option<Job>, DbError> {
        let me = self.db.instance().to_string();
        let shared = self.db.is_shared();
        let alive_since = instances::alive_since(&self.db);
        let orphaned = if shared {
            format!("OR (state = 'sending' AND {})", instances::unclaimed("claimed_by", 2))
        } else {
            String::new()
        };
        let lock = if shared { " FOR UPDATE SKIP LOCKED" } else { "" };
        self.db
            .call(move |c| {
                let now = now_ms();
                let mut tx = c.transaction()?;
                // `?2` exists only in the shared store's clause (SQLite refuses a parameter its
                // statement does not name).
                let all = params![now, alive_since];
                let params = if shared { all } else { &all[..1] };
                let candidates: Vec<(String, String)> = tx.query_map(
                    &format!(
                        "SELECT id, facility FROM deliveries WHERE (state IN ('queued', 'waiting') AND next_at <= ?1)
                         OR (state = 'sending' AND lease_until < ?1) {orphaned}
                         ORDER BY next_at, created_at LIMIT 64{lock}"
                    ),
                    params,
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let mut refused: Vec<String> = Vec::new();
                for (id, facility) in candidates {
                    if refused.contains(&facility) {
                        continue;
                    }
                    let (sends, failures, open_until): (String, i64, i64) = tx
                        .query_row(
                            "SELECT sends, failures, open_until FROM delivery_facilities WHERE facility = ?1",
                            params![facility],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .optional()?
                        .unwrap_or_else(|| ("[]".into(), 0, 0));
                    let in_flight: i64 = tx.query_row(
                        "SELECT COUNT(*) FROM deliveries WHERE facility = ?1 AND state = 'sending' AND lease_until >= ?2",
                        params![facility, now],
                        |r| r.get(0),
                    )?;
                    let mut recent = Pacing::recent(&serde_json::from_str::<Vec<i64>>(&sends).unwrap_or_default(), now);
                    if open_until > now || in_flight >= pacing.at_once(failures) || !pacing.has_room(&recent) {
                        refused.push(facility);
                        continue;
                    }
                    let overlapping: i64 = tx.query_row(
                        "SELECT COUNT(*) FROM delivery_photos a JOIN delivery_photos b ON a.photo_id = b.photo_id
                         JOIN deliveries d ON d.id = b.delivery_id
                         WHERE a.delivery_id = ?1 AND d.id != ?1 AND d.state = 'sending' AND d.lease_until >= ?2",
                        params![id, now],
                        |r| r.get(0),
                    )?;
                    if overlapping > 0 {
                        continue;
                    }
                    let claim = uuid::Uuid::new_v4().to_string();
                    tx.execute(
                        "UPDATE deliveries SET state = 'sending', claimed_by = ?1, claim = ?2, lease_until = ?3, attempts = attempts + 1, updated_at = ?4 WHERE id = ?5",
                        params![me, claim, now + LEASE_MS, now, id],
                    )?;
                    recent.push(now);
                    tx.execute(
                        "INSERT INTO delivery_facilities (facility, sends, updated_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT (facility) DO UPDATE SET sends = excluded.sends, updated_at = excluded.updated_at",
                        params![facility, serde_json::to_string(&recent).unwrap_or_default(), now],
                    )?;
                    let job = tx.query_row(
                        &format!("SELECT {JOB_COLUMNS} FROM deliveries WHERE id = ?1"),
                        params![id],
                        job_from,
                    )?;
                    refresh(&mut tx, &job.photo_ids)?;
                    tx.commit()?;
                    return Ok(Some(job));
                }
                Ok(None)
            })
            .await
    }

    /// At start-up with the embedded store (one instance): what this instance was sending when
    /// it stopped is due again at once. (A photo cut off mid-send was already marked
    /// outcome-unknown by staging's recovery, so it waits for a person, never resent.)
    pub async fn release_own_claims(&self) -> Result<usize, DbError> {
        if self.db.is_shared() {
            return Ok(0);
        }
        self.db
            .call(|c| {
                let mut tx = c.transaction()?;
                let ids: Vec<String> = tx.query_map(
                    "SELECT DISTINCT p.photo_id FROM delivery_photos p JOIN deliveries d ON d.id = p.delivery_id WHERE d.state = 'sending'",
                    params![],
                    |r| r.get(0),
                )?;
                let n = tx.execute(
                    "UPDATE deliveries SET state = 'queued', lease_until = 0, claim = NULL, next_at = ?1 WHERE state = 'sending'",
                    params![now_ms()],
                )?;
                refresh(&mut tx, &ids)?;
                tx.commit()?;
                Ok(n)
            })
            .await
    }
}
