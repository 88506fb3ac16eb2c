//! The staging service (ssr only): a launch session's photos — their records and images (the
//! `photos` table is this domain's), the gate uploads pass, and the feed that tells a session's
//! open pages about changes. Built once by the composition root; server functions are one-line
//! adapters over its methods.

use std::{ops::Deref, sync::Arc, time::Duration};

use axum::http::HeaderMap;

use super::{
    gate::UploadGate,
    record::PhotoRecord,
    store::{PhotoStore, StoreError},
};
use crate::{
    config::Settings,
    error::{AppError, ErrorKind},
    launch::{
        server::{Sessions, authorise},
        session::LaunchSession,
    },
    metadata::tags::TagPatch,
    model::PhotoView,
};

#[derive(Clone)]
pub struct Photos(Arc<Inner>);

pub struct Inner {
    /// Records (SQLite) and images (object store).
    pub store: PhotoStore,
    /// Upload bodies held at once, and uploads per session at once.
    pub uploads: UploadGate,
    /// Photo changes, for the pages of the session they belong to (server-sent events).
    pub events: tokio::sync::broadcast::Sender<PhotoEvent>,
    /// The sessions with a page listening here (see `live`).
    pub(crate) watchers: super::live::Watchers,
    pub settings: Arc<Settings>,
    pub sessions: Sessions,
}

impl Deref for Photos {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// What a session's open pages hear (see `live`).
#[derive(Clone, Debug)]
pub enum PhotoEvent {
    /// A photo of this session was staged (from the phone or another tab, on any instance).
    Staged { session_id: String, record: PhotoRecord },
    /// Changes may have been missed (another instance could not be heard for a while): every
    /// page reloads its photos.
    Missed,
}

impl Photos {
    pub fn new(store: PhotoStore, settings: Arc<Settings>, sessions: Sessions) -> Photos {
        Photos(Arc::new(Inner {
            store,
            uploads: UploadGate::new(settings.upload_budget_mib << 20, Duration::from_secs(60)),
            events: tokio::sync::broadcast::channel(256).0,
            watchers: Default::default(),
            settings,
            sessions,
        }))
    }

    /// A photo as this session's pages show it.
    pub fn view(&self, r: &PhotoRecord, sid: &str) -> PhotoView {
        r.view(&self.settings.required_fields, sid)
    }

    /// The session, which must have a patient, for a staging call.
    pub async fn session_with_patient(
        &self,
        sid: &str,
        headers: &HeaderMap,
    ) -> Result<(LaunchSession, String), AppError> {
        let session = authorise(&self.sessions, sid, headers).await?;
        let patient = session
            .patient
            .as_ref()
            .map(|p| p.id.clone())
            .ok_or_else(AppError::no_patient)?;
        Ok((session, patient))
    }

    /// The session's photos that are not removed, oldest first.
    pub async fn list(&self, sid: &str, headers: &HeaderMap) -> Result<Vec<PhotoView>, AppError> {
        let session = authorise(&self.sessions, sid, headers).await?;
        let records = self.store.list(&session.id).await.map_err(store_error)?;
        Ok(records.iter().map(|r| self.view(r, sid)).collect())
    }

    /// One tag change to several photos at once ("apply to all / to selected").
    pub async fn tag(
        &self,
        sid: &str,
        headers: &HeaderMap,
        ids: Vec<String>,
        patch: TagPatch,
    ) -> Result<Vec<PhotoView>, AppError> {
        let session = authorise(&self.sessions, sid, headers).await?;
        patch.validate().map_err(AppError::invalid)?;
        if ids.len() > 500 {
            return Err(AppError::invalid("Too many photos in one change."));
        }
        let changed = self
            .store
            .update_tags(&session, ids, patch)
            .await
            .map_err(store_error)?;
        Ok(changed.iter().map(|r| self.view(r, sid)).collect())
    }

    /// Removes a photo that is not committed, or (`removed = false`) brings it back.
    pub async fn set_removed(
        &self,
        sid: &str,
        headers: &HeaderMap,
        id: &str,
        removed: bool,
    ) -> Result<PhotoView, AppError> {
        let session = authorise(&self.sessions, sid, headers).await?;
        let r = self
            .store
            .set_removed(&session, id, removed)
            .await
            .map_err(store_error)?;
        Ok(self.view(&r, sid))
    }
}

/// A photo of session `sid` whose image is still held, for the browser that opened the session.
pub async fn staged_record(state: &Photos, sid: &str, id: &str, headers: &HeaderMap) -> Result<PhotoRecord, AppError> {
    let session = authorise(&state.sessions, sid, headers).await?;
    state
        .store
        .get(&session.id, id)
        .await
        .map_err(store_error)?
        .filter(|r| !r.blob_key.is_empty())
        .ok_or_else(|| store_error(StoreError::NotFound))
}

/// A store failure in words for the GP (the cause goes to the log).
pub fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::new(ErrorKind::NotFound, "That photo is no longer here."),
        StoreError::WrongState(s) => AppError::new(
            ErrorKind::Conflict,
            format!("That photo cannot be changed now (it is {}).", s.as_str()),
        ),
        StoreError::Integrity(_) => AppError::new(
            ErrorKind::Integrity,
            "This photo's stored file is not the one that was added, so it is not used. Remove it and add the photo again.",
        ),
        other => {
            tracing::error!(error = %other, "staging store failed");
            AppError::internal()
        }
    }
}
