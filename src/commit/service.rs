//! The commit service (ssr only): what sends photos to Medtech — the ALEX gateway, the staged
//! photos, the renderer (an edited photo is sent as rendered), and the phone links (stopped once
//! every photo is in). The `scan_documents` table is this domain's. Built once by the
//! composition root; server functions are one-line adapters over its methods.

use std::{ops::Deref, sync::Arc};

use axum::http::HeaderMap;

use super::{
    documents::DocKind,
    task::FollowUp,
    task_model::{PractitionerOption, TaskView},
};
use crate::{
    alex::AlexClient,
    config::Settings,
    editor::server::Renderer,
    error::{AppError, ErrorKind},
    handoff::service::Handoffs,
    infra::drain::{Drain, Write},
    launch::{server::authorise, session::LaunchSession},
    model::{CommitTarget, PhotoView, Targets},
    staging::{
        record::PhotoRecord,
        service::{Photos, store_error},
    },
};

#[derive(Clone)]
pub struct Committer(Arc<Inner>);

pub struct Inner {
    pub alex: Arc<AlexClient>,
    /// The staged photos' store (records, images, documents).
    pub photos: crate::staging::store::PhotoStore,
    pub staging: Photos,
    pub renderer: Renderer,
    pub handoffs: Handoffs,
    pub settings: Arc<Settings>,
    /// A graceful stop waits for the writes in flight and lets no new one start.
    pub drain: Drain,
}

impl Deref for Committer {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Committer {
    pub fn new(alex: Arc<AlexClient>, renderer: Renderer, handoffs: Handoffs) -> Committer {
        let staging = renderer.staging.clone();
        Committer(Arc::new(Inner {
            alex,
            photos: staging.store.clone(),
            settings: staging.settings.clone(),
            staging,
            renderer,
            handoffs,
            drain: Drain::default(),
        }))
    }

    /// The same committer sending through `alex` (the delivery queue's client, which leaves
    /// retrying to the queue), sharing everything else — its drain too.
    pub fn with_alex(&self, alex: Arc<AlexClient>) -> Committer {
        Committer(Arc::new(Inner {
            alex,
            photos: self.photos.clone(),
            staging: self.staging.clone(),
            renderer: self.renderer.clone(),
            handoffs: self.handoffs.clone(),
            settings: self.settings.clone(),
            drain: self.drain.clone(),
        }))
    }

    /// The session, for a call that may write to ALEX (refused while the server drains).
    async fn session(&self, sid: &str, headers: &HeaderMap) -> Result<(LaunchSession, Write), AppError> {
        let session = authorise(&self.staging.sessions, sid, headers).await?;
        Ok((session, self.drain.begin_write()?))
    }

    /// The direct sends are for photos the delivery queue does not hold: one it holds (or that
    /// waits there for a person) is the queue's alone, so a part is never written by two paths.
    async fn refuse_queued(&self, session: &LaunchSession, ids: &[String]) -> Result<(), AppError> {
        for id in ids {
            let held = self.photos.get(&session.id, id).await.map_err(store_error)?;
            if held.is_some_and(|r| r.delivery.is_some()) {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "This photo is in the server's delivery queue: it is sent from there (use \"Send again\" if it needs you).",
                ));
            }
        }
        Ok(())
    }

    fn views(&self, sid: &str, records: Vec<PhotoRecord>) -> Vec<PhotoView> {
        records.iter().map(|r| self.staging.view(r, sid)).collect()
    }

    /// One photo as a Media (see `server::commit_one`).
    pub async fn commit_photo(
        &self,
        sid: &str,
        headers: &HeaderMap,
        id: &str,
        resend_unknown: bool,
        targets: Option<Targets>,
    ) -> Result<PhotoView, AppError> {
        let (session, _write) = self.session(sid, headers).await?;
        self.refuse_queued(&session, &[id.to_string()]).await?;
        let requested = targets.unwrap_or(Targets::one(CommitTarget::Media));
        let r = super::server::commit_one(self, &session, id, resend_unknown, requested).await?;
        Ok(self.staging.view(&r, sid))
    }

    /// Photos as Inbox-Scan documents of `kind` — PDFs or one TIFF each (see `scan::commit_scan`).
    pub async fn commit_scan(
        &self,
        sid: &str,
        headers: &HeaderMap,
        ids: &[String],
        resend_unknown: bool,
        kind: DocKind,
        targets: Option<Targets>,
    ) -> Result<Vec<PhotoView>, AppError> {
        let (session, _write) = self.session(sid, headers).await?;
        self.refuse_queued(&session, ids).await?;
        let requested = targets.unwrap_or(Targets::one(kind.target()));
        let records = super::scan::commit_scan(self, &session, ids, resend_unknown, kind, requested).await?;
        Ok(self.views(sid, records))
    }

    /// The practitioners a follow-up task may go to (see `task::practitioners`).
    pub async fn follow_up_practitioners(
        &self,
        sid: &str,
        headers: &HeaderMap,
    ) -> Result<Vec<PractitionerOption>, AppError> {
        let session = authorise(&self.staging.sessions, sid, headers).await?;
        super::task::practitioners(self, &session).await
    }

    /// A follow-up task about what this session committed (see `task::follow_up`).
    pub async fn follow_up_task(
        &self,
        sid: &str,
        headers: &HeaderMap,
        req: FollowUp,
        resend_unknown: bool,
    ) -> Result<TaskView, AppError> {
        let (session, _write) = self.session(sid, headers).await?;
        super::task::follow_up(self, &session, req, resend_unknown).await
    }

    /// "It is in Medtech — mark as saved" (see `confirm::confirm_in_medtech`).
    pub async fn confirm_in_medtech(
        &self,
        sid: &str,
        headers: &HeaderMap,
        id: &str,
    ) -> Result<Vec<PhotoView>, AppError> {
        let (session, _write) = self.session(sid, headers).await?;
        let records = super::confirm::confirm_in_medtech(self, &session, id).await?;
        Ok(self.views(sid, records))
    }
}

/// Counts one write to Medtech — a Media, an Inbox-Scan document, or a follow-up Task — by target
/// (`media`, `scan_pdf`, `task`) and outcome (`committed`, or the failure's kind: never who or what).
pub fn count_commit(target: &'static str, outcome: Result<(), &str>) {
    let outcome = outcome.map_or_else(str::to_string, |()| "committed".to_string());
    metrics::counter!("clinical_images_commits_total", "target" => target, "outcome" => outcome).increment(1);
}
