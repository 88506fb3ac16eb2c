//! The delivery use cases (ssr only): Commit as one durable intent (`queue`), what a person does
//! with a photo the server holds (withdraw it, confirm it is in Medtech), and a patient's photos
//! still on their way, for any later launch at that practice. Each receives an authorised
//! session; each photo is checked against that session's patient and practice before anything
//! is written. Built once by the composition root.

use std::{ops::Deref, sync::Arc};

use tokio::sync::Notify;

use super::{job::Committed, pacing::Pacing, store::DeliveryStore};
use crate::{
    commit::{
        confirm::confirm_in_medtech,
        server::{check_owner, check_tags, check_targets, unknown_outcome},
        service::Committer,
    },
    error::{AppError, ErrorKind},
    infra::db::{Db, DbError},
    launch::session::LaunchSession,
    model::{CommitTarget, OUTCOME_UNKNOWN, PartState, PhotoState, PhotoView, Targets},
    staging::{record::PhotoRecord, service::store_error, store::StoreError},
};

/// Most photos one Commit takes.
pub const MOST_AT_ONCE: usize = 500;
/// The longest withdrawal reason kept.
const REASON_MAX: usize = 500;

#[derive(Clone)]
pub struct Deliveries(Arc<Inner>);

pub struct Inner {
    pub(super) store: DeliveryStore,
    /// Sends as the commit room does, through ALEX without retries of its own.
    pub(super) sender: Committer,
    pub(super) pacing: Pacing,
    /// Wakes a worker: a job was queued or finished.
    pub(super) wake: Notify,
    retry_ms: i64,
}

impl Deref for Deliveries {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

fn db_error(e: DbError) -> AppError {
    tracing::error!(error = %e, "delivery queue failed");
    AppError::internal()
}

impl Deliveries {
    pub fn new(db: Db, committer: &Committer) -> Deliveries {
        let settings = committer.settings.clone();
        Deliveries(Arc::new(Inner {
            store: DeliveryStore::new(db),
            sender: committer.with_alex(Arc::new(committer.alex.for_background())),
            pacing: Pacing::of(&settings),
            wake: Notify::new(),
            retry_ms: settings.delivery_retry_hours as i64 * 3_600_000,
        }))
    }

    pub fn store(&self) -> &DeliveryStore {
        &self.store
    }

    /// Photo `id` if it belongs to this session's patient at this practice — staged in this
    /// session or in an earlier one (a photo still on its way from a launch before).
    async fn owned(&self, session: &LaunchSession, id: &str) -> Result<PhotoRecord, AppError> {
        let patient = session.patient.as_ref().ok_or_else(AppError::no_patient)?;
        let record = match self.sender.photos.get(&session.id, id).await.map_err(store_error)? {
            Some(r) => r,
            None => self
                .store
                .photo(id)
                .await
                .map_err(db_error)?
                .filter(|r| r.facility == session.facility && r.patient_id == patient.id)
                .ok_or_else(|| store_error(StoreError::NotFound))?,
        };
        check_owner(&record, session, patient)?;
        Ok(record)
    }

    /// The session a photo of an earlier launch is acted on as: this one's people and patient,
    /// with the photo's own session (its records are kept under it).
    fn as_photo_session(session: &LaunchSession, r: &PhotoRecord) -> LaunchSession {
        LaunchSession {
            id: r.session_id.clone(),
            ..session.clone()
        }
    }

    /// Commit: the photos `ids` enter the queue in one transaction per launch they were staged
    /// in — each going where it went before, or to `chosen` — and the server sends them from now
    /// on, whatever becomes of the page. A photo already on its way or in Medtech is left as it
    /// is. An unknown outcome is only queued again with `resend` (the GP checked Medtech).
    pub async fn queue(
        &self,
        session: &LaunchSession,
        ids: &[String],
        chosen: Targets,
        resend: bool,
    ) -> Result<Vec<PhotoView>, AppError> {
        if ids.is_empty() || ids.len() > MOST_AT_ONCE {
            return Err(AppError::new(
                ErrorKind::InvalidInput,
                format!("Choose between 1 and {MOST_AT_ONCE} photos to send."),
            ));
        }
        let mut by_session: Vec<(LaunchSession, Vec<(String, Targets)>)> = Vec::new();
        let mut touched = Vec::new();
        for id in ids {
            let r = self.owned(session, id).await?;
            touched.push(r.clone());
            match r.state {
                PhotoState::Committed | PhotoState::Committing => continue,
                PhotoState::Removed | PhotoState::Expired => return Err(store_error(StoreError::WrongState(r.state))),
                PhotoState::Staged | PhotoState::Failed => {}
            }
            if r.delivery.is_some_and(|d| d.is_frozen()) {
                continue;
            }
            check_tags(&self.sender, &r)?;
            let targets = r.target.unwrap_or(chosen);
            check_targets(
                &self.sender,
                &r,
                chosen,
                targets.iter().next().unwrap_or(CommitTarget::Media),
            )?;
            if session.practitioner_id.is_none()
                && (targets.contains(CommitTarget::ScanPdf) || targets.contains(CommitTarget::ScanTiff))
            {
                return Err(AppError::new(
                    ErrorKind::InvalidInput,
                    "A document in the Inbox needs you as its author, but Medtech did not say who you are. \
                     Open Clinical Images again from Medtech.",
                ));
            }
            let unknown =
                r.failure_kind.as_deref() == Some(OUTCOME_UNKNOWN) || r.media_state == Some(PartState::Unknown);
            if unknown && !resend {
                return Err(unknown_outcome());
            }
            match by_session.iter_mut().find(|(s, _)| s.id == r.session_id) {
                Some((_, asked)) => asked.push((r.id.clone(), targets)),
                None => by_session.push((Self::as_photo_session(session, &r), vec![(r.id.clone(), targets)])),
            }
        }
        for (as_session, asked) in by_session {
            let committed = Committed::of(&as_session).ok_or_else(AppError::no_patient)?;
            self.store
                .enqueue(committed, asked, resend, self.retry_ms)
                .await
                .map_err(db_error)?;
        }
        self.wake.notify_one();
        self.views(session, &touched).await
    }

    /// Takes a photo that is not being sent out of the queue, for good (it is removed), with who
    /// and why in the audit.
    pub async fn withdraw(&self, session: &LaunchSession, id: &str, reason: &str) -> Result<(), AppError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > REASON_MAX {
            return Err(AppError::new(
                ErrorKind::InvalidInput,
                format!("Say in a few words (at most {REASON_MAX} characters) why the photo is withdrawn."),
            ));
        }
        let r = self.owned(session, id).await?;
        let by = session.practitioner_id.clone();
        match self.store.withdraw(r, by, reason.to_string()).await.map_err(db_error)? {
            true => Ok(()),
            false => Err(AppError::new(
                ErrorKind::Conflict,
                "This photo is being sent or is already in Medtech: it cannot be withdrawn now.",
            )),
        }
    }

    /// "It is in Medtech": after an unknown outcome a person checked Medtech and found it there.
    pub async fn confirm(&self, session: &LaunchSession, id: &str) -> Result<Vec<PhotoView>, AppError> {
        let r = self.owned(session, id).await?;
        let records = confirm_in_medtech(&self.sender, &Self::as_photo_session(session, &r), id).await?;
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        self.store.settle(ids).await.map_err(db_error)?;
        self.views(session, &records).await
    }

    /// This patient's photos at this practice that the server still holds — queued, waiting or
    /// needing a person — from launches before this one.
    pub async fn held(&self, session: &LaunchSession) -> Result<Vec<PhotoView>, AppError> {
        let patient = session.patient.as_ref().ok_or_else(AppError::no_patient)?;
        let records = self
            .store
            .held(session.facility.clone(), patient.id.clone(), session.id.clone())
            .await
            .map_err(db_error)?;
        Ok(records
            .iter()
            .map(|r| self.sender.staging.view(r, &session.id))
            .collect())
    }

    /// The photos as they now are.
    async fn views(&self, session: &LaunchSession, records: &[PhotoRecord]) -> Result<Vec<PhotoView>, AppError> {
        let mut out = Vec::new();
        for r in records {
            if let Some(now) = self
                .sender
                .photos
                .get(&r.session_id, &r.id)
                .await
                .map_err(store_error)?
            {
                out.push(self.sender.staging.view(&now, &session.id));
            }
        }
        Ok(out)
    }
}
