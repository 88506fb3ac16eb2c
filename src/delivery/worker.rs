//! The workers (ssr only): every instance claims due jobs — a few at once, within each practice's
//! pacing — and sends each as the session it was committed in, through the commit room's own
//! write paths (so a part is sent once, exactly as a GP's click would). How the attempt ended is
//! read back from the photos' records and recorded as the job's verdict.

use std::{sync::Arc, time::Duration};

use tokio::sync::Semaphore;

use super::{
    job::{Job, JobState, Verdict},
    service::Deliveries,
};
use crate::{
    commit::{documents::DocKind, scan::commit_scan, server::commit_one},
    error::{AppError, ErrorKind},
    model::{CommitTarget, OUTCOME_UNKNOWN, PartState, PhotoState},
    staging::record::PhotoRecord,
};

/// Jobs one instance sends at once, across all practices (each practice has its own bound).
const WORKERS: usize = 8;
/// How often an idle worker looks for due jobs when nothing wakes it.
const TICK: Duration = Duration::from_millis(500);

/// The failure kinds after which Medtech certainly holds nothing of the part: tried again.
const TRANSIENT: [&str; 4] = ["unavailable", "throttled", "unreachable", "token_unavailable"];

impl Deliveries {
    /// Claims and sends due jobs until the server stops (aborted with the upkeep).
    pub async fn run(self) {
        let slots = Arc::new(Semaphore::new(WORKERS));
        loop {
            if self.sender.drain.is_draining() {
                tokio::time::sleep(TICK).await;
                continue;
            }
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            match self.store.claim(self.pacing).await {
                Ok(Some(job)) => {
                    let me = self.clone();
                    tokio::spawn(async move {
                        me.attempt(job).await;
                        drop(slot);
                        me.wake.notify_one();
                    });
                }
                Ok(None) => {
                    drop(slot);
                    let _ = tokio::time::timeout(TICK, self.wake.notified()).await;
                }
                Err(e) => {
                    drop(slot);
                    tracing::error!(error = %e, "delivery: the queue could not be read");
                    tokio::time::sleep(TICK * 4).await;
                }
            }
        }
    }

    /// One attempt at `job`, and its verdict recorded.
    async fn attempt(&self, job: Job) {
        let verdict = match self.sender.drain.begin_write() {
            Err(_) => Verdict::Later,
            Ok(_write) => self.send(&job).await,
        };
        match self.store.finish(&job, verdict.clone(), self.pacing).await {
            Ok(Some(state)) => {
                metrics::counter!("clinical_images_delivery_attempts_total", "part" => job.part.as_str(), "outcome" => state.as_str())
                    .increment(1);
                if state != JobState::Done {
                    tracing::info!(job = %job.id, part = job.part.as_str(), state = state.as_str(), verdict = ?kind(&verdict), "delivery attempt ended");
                }
            }
            Ok(None) => tracing::warn!(job = %job.id, "delivery: the claim was lost before the attempt ended"),
            Err(e) => tracing::error!(job = %job.id, error = %e, "delivery: the attempt could not be recorded"),
        }
    }

    async fn send(&self, job: &Job) -> Verdict {
        let session = job.committed.session();
        let answer = match job.part {
            CommitTarget::Media => {
                let Some(id) = job.photo_ids.first() else {
                    return Verdict::Gone;
                };
                commit_one(&self.sender, &session, id, job.resend, job.targets)
                    .await
                    .map(|r| vec![r])
            }
            part => {
                let kind = if part == CommitTarget::ScanPdf {
                    DocKind::Pdf
                } else {
                    DocKind::Tiff
                };
                commit_scan(&self.sender, &session, &job.photo_ids, job.resend, kind, job.targets).await
            }
        };
        let refusal = answer.err();
        let mut records = Vec::new();
        for id in &job.photo_ids {
            match self.sender.photos.get(&session.id, id).await {
                Ok(Some(r)) => records.push(r),
                Ok(None) => {}
                Err(_) => return Verdict::Later,
            }
        }
        let mut verdict = Verdict::Gone;
        for r in &records {
            let one = self.part_verdict(job, r, refusal.as_ref()).await;
            verdict = worse(verdict, one);
        }
        if let Verdict::Retry { retry_after_ms, .. } = &mut verdict {
            *retry_after_ms = self
                .sender
                .alex
                .take_retry_after(&job.committed.facility)
                .map(|d| d.as_millis() as u64);
        }
        verdict
    }

    /// Where one photo's part stands after the attempt.
    async fn part_verdict(&self, job: &Job, r: &PhotoRecord, refusal: Option<&AppError>) -> Verdict {
        let sent = match job.part {
            CommitTarget::Media => r.media_state == Some(PartState::Sent),
            part => {
                let kind = if part == CommitTarget::ScanPdf {
                    DocKind::Pdf
                } else {
                    DocKind::Tiff
                };
                match kind.doc_of(r) {
                    Some(doc) => {
                        matches!(self.sender.photos.scan_doc(&r.session_id, doc).await, Ok(Some(d)) if d.state == PartState::Sent)
                    }
                    None => false,
                }
            }
        };
        match r.state {
            PhotoState::Committed => return Verdict::Done,
            PhotoState::Removed | PhotoState::Expired => return Verdict::Gone,
            PhotoState::Committing => return Verdict::Later,
            _ if sent => return Verdict::Done,
            _ => {}
        }
        if let Some(e) = refusal {
            return match e.kind {
                ErrorKind::Busy => Verdict::Later,
                _ => Verdict::NeedsPerson {
                    kind: e.kind.as_str().to_string(),
                    words: e.message.clone(),
                },
            };
        }
        match r.failure_kind.as_deref() {
            Some(kind) if TRANSIENT.contains(&kind) => Verdict::Retry {
                kind: kind.to_string(),
                words: r.failure.clone().unwrap_or_default(),
                retry_after_ms: None,
            },
            Some(kind) => Verdict::NeedsPerson {
                kind: kind.to_string(),
                words: r.failure.clone().unwrap_or_else(|| OUTCOME_UNKNOWN.to_string()),
            },
            None => Verdict::Later,
        }
    }
}

/// The verdict of a job of several photos: the one that asks most of a person wins.
fn worse(a: Verdict, b: Verdict) -> Verdict {
    fn rank(v: &Verdict) -> u8 {
        match v {
            Verdict::Gone => 0,
            Verdict::Done => 1,
            Verdict::Later => 2,
            Verdict::Retry { .. } => 3,
            Verdict::NeedsPerson { .. } => 4,
        }
    }
    if rank(&b) > rank(&a) { b } else { a }
}

fn kind(v: &Verdict) -> &str {
    match v {
        Verdict::Retry { kind, .. } | Verdict::NeedsPerson { kind, .. } => kind,
        Verdict::Later => "later",
        Verdict::Gone => "gone",
        Verdict::Done => "done",
    }
}
