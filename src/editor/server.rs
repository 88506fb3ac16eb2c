//! Rendering a photo as it will be committed (ssr only), and the handler that shows the browser
//! exactly those bytes.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};

use super::{ops::Edit, render};
use std::{
    collections::{HashMap, VecDeque},
    ops::Deref,
    sync::{Arc, Mutex},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

use crate::{
    error::{AppError, ErrorKind},
    infra::http::error_response,
    launch::{server::authorise, session::LaunchSession},
    model::PhotoView,
    staging::{
        recheck::RecheckLimits,
        record::PhotoRecord,
        server::jpeg_response,
        service::{Photos, staged_record, store_error},
        store::StoreError,
    },
};

/// The renderer, built once by the composition root: who may render now (a turn per core, and one
/// rendering per session at a time, so a session with many heavy edits queues behind itself, not
/// before others) and the last few renderings. The renderer is deterministic, so a kept rendering
/// is exactly what rendering again would give; it spares the CPU when the strip, the preview, the
/// editor and the commit ask for the same image.
#[derive(Clone)]
pub struct Renderer(Arc<Inner>);

pub struct Inner {
    /// The photos it renders (their originals, settings and sessions).
    pub staging: Photos,
    cores: Semaphore,
    by_session: Mutex<HashMap<String, Arc<Semaphore>>>,
    recent: Mutex<VecDeque<(String, Arc<CommitImage>)>>,
}

impl Deref for Renderer {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Renderings kept (a few MB at most).
const KEEP: usize = 8;

/// A turn to render; gives it back when dropped.
pub struct Turn<'a> {
    _session: OwnedSemaphorePermit,
    _core: SemaphorePermit<'a>,
}

impl Renderer {
    pub fn new(staging: Photos) -> Renderer {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Renderer(Arc::new(Inner {
            staging,
            cores: Semaphore::new(cores),
            by_session: Mutex::new(HashMap::new()),
            recent: Mutex::new(VecDeque::new()),
        }))
    }

    /// Waits for this session's turn and a free core.
    pub async fn turn(&self, session_id: &str) -> Result<Turn<'_>, AppError> {
        let mine = {
            let mut map = self.by_session.lock().unwrap_or_else(|p| p.into_inner());
            // Forget sessions nobody is rendering for or waiting on.
            map.retain(|_, s| Arc::strong_count(s) > 1);
            map.entry(session_id.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(1)))
                .clone()
        };
        let waiting = crate::infra::gauge::Held::new("clinical_images_render_waiting");
        let session = mine.acquire_owned().await.map_err(|_| AppError::internal())?;
        let core = self.cores.acquire().await.map_err(|_| AppError::internal())?;
        drop(waiting);
        Ok(Turn {
            _session: session,
            _core: core,
        })
    }

    /// A kept rendering.
    pub fn recent(&self, key: &str) -> Option<CommitImage> {
        let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_ref().clone())
    }

    fn keep(&self, key: String, image: &CommitImage) {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.retain(|(k, _)| *k != key);
        recent.push_front((key, Arc::new(image.clone())));
        recent.truncate(KEEP);
    }

    /// The photo of this browser's session `sid`.
    async fn record(&self, sid: &str, headers: &HeaderMap, id: &str) -> Result<(LaunchSession, PhotoRecord), AppError> {
        let session = authorise(&self.staging.sessions, sid, headers).await?;
        let record = self
            .staging
            .store
            .get(&session.id, id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| store_error(StoreError::NotFound))?;
        Ok((session, record))
    }

    /// The photo's saved edit (`None` = unedited).
    pub async fn get_edit(&self, sid: &str, headers: &HeaderMap, id: &str) -> Result<Option<Edit>, AppError> {
        let (_, record) = self.record(sid, headers, id).await?;
        edit_of(&record)
    }

    /// Saves the photo's edit (checked against the photo); `None` or no operations resets it.
    pub async fn save_edit(
        &self,
        sid: &str,
        headers: &HeaderMap,
        id: &str,
        edit: Option<Edit>,
    ) -> Result<PhotoView, AppError> {
        let (session, record) = self.record(sid, headers, id).await?;
        let edit = edit.filter(|e| !e.ops.is_empty());
        if let Some(e) = &edit {
            e.validate(record.width, record.height)
                .map_err(|e| AppError::invalid(e.to_string()))?;
        }
        let detail = edit.clone().unwrap_or_default().summary();
        let json = edit.map(|e| serde_json::to_string(&e).unwrap_or_default());
        let r = self
            .staging
            .store
            .set_edit(&session, id, json, detail)
            .await
            .map_err(store_error)?;
        Ok(self.staging.view(&r, sid))
    }

    /// Drops every kept rendering (patient images held in memory live no longer than a
    /// retention round).
    pub fn forget(&self) {
        self.recent.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// The image that goes into the record: the staged original with the GP's edit applied.
#[derive(Clone)]
pub struct CommitImage {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The saved edit of a record; `None` when unedited (or the edit has no operations).
pub fn edit_of(record: &PhotoRecord) -> Result<Option<Edit>, AppError> {
    let Some(json) = record.edit.as_deref() else {
        return Ok(None);
    };
    Edit::from_saved(json).map_err(|e| {
        // The position and category only: serde's message can quote the GP's label text.
        tracing::error!(photo = %record.id, kind = ?e.classify(), line = e.line(), column = e.column(), "saved edit cannot be read");
        AppError::new(
            ErrorKind::Internal,
            "The saved edit of this photo cannot be read. Reset it to the original.",
        )
    })
}

/// The photo as it will be committed. Unedited photos are the staged JPEG as it is; edited ones
/// are rendered from the original and the saved operations (deterministically: the preview the
/// GP saw is byte for byte what is sent).
pub async fn committed_image(state: &Renderer, record: &PhotoRecord) -> Result<CommitImage, AppError> {
    let jpeg = state.staging.store.image(record).await.map_err(|e| match e {
        crate::staging::store::StoreError::Integrity(_) => AppError::new(
            ErrorKind::Integrity,
            "This photo's stored file is not the one that was added, so it was not used. Remove it and add the photo again.",
        ),
        e => {
            tracing::error!(photo = %record.id, error = %e, "staged image cannot be read");
            AppError::new(ErrorKind::Internal, "The photo's file could not be read.")
        }
    })?;
    let Some(edit) = edit_of(record)? else {
        return Ok(CommitImage {
            jpeg: jpeg.to_vec(),
            width: record.width,
            height: record.height,
        });
    };
    let limits = RecheckLimits {
        max_pixels: state.staging.settings.max_image_pixels,
        max_long_edge: state.staging.settings.max_long_edge_px,
        max_bytes: state.staging.settings.max_image_bytes,
    };
    let key = format!(
        "{}:{}:{}:{}:{}",
        record.sha256,
        crate::infra::crypto::sha256_hex(serde_json::to_string(&edit).unwrap_or_default().as_bytes()),
        limits.max_pixels,
        limits.max_long_edge,
        limits.max_bytes
    );
    if let Some(hit) = state.recent(&key) {
        return Ok(hit);
    }
    // Rendering takes a core for a quarter of a second: one per core at a time, and one per
    // session, so a session with many heavy edits queues behind itself, not before others.
    let _turn = state.turn(&record.session_id).await?;
    if let Some(hit) = state.recent(&key) {
        return Ok(hit);
    }
    let started = std::time::Instant::now();
    let ops = edit.ops.len();
    // The decoded original (RGBA), the canvas and the RGB copy for encoding.
    let cost = record.width as u64 * record.height as u64 * 12;
    let out = tokio::task::spawn_blocking(move || {
        // A staged photo is small (≤ the long-edge limit): when no room came within the
        // budget's wait, render anyway rather than fail a commit.
        let _room = crate::staging::recheck::budget::global().acquire(cost).ok();
        render::render(&jpeg, &edit, &limits)
    })
    .await
    .map_err(|_| AppError::internal())?
    .map_err(|e| {
        tracing::warn!(photo = %record.id, error = %e, "edit cannot be rendered");
        AppError::new(ErrorKind::InvalidInput, e.gp_message())
    })?;
    tracing::info!(photo = %record.id, ops, width = out.width, height = out.height, bytes = out.jpeg.len(), ms = started.elapsed().as_millis() as u64, "edit rendered");
    let image = CommitImage {
        jpeg: out.jpeg,
        width: out.width,
        height: out.height,
    };
    state.keep(key, &image);
    Ok(image)
}

/// `GET /api/w/{sid}/photos/{id}/rendered` — exactly the JPEG a commit would send now, for this
/// session's browser only. Never cached: the edit behind the same URL can change.
pub async fn rendered(
    State(state): State<Renderer>,
    Path((sid, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let record = staged_record(&state.staging, &sid, &id, &headers).await?;
        committed_image(&state, &record).await
    }
    .await;
    match result {
        Ok(image) => jpeg_response(image.jpeg, "private, no-store"),
        Err(e) => error_response(e),
    }
}
