//! Rendering a photo as it will be committed (ssr only), and the handler that shows the browser
//! exactly those bytes.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};

use super::{ops::Edit, render};
use crate::{
    error::{AppError, ErrorKind},
    server::state::AppState,
    staging::{
        recheck::RecheckLimits,
        server::{error_response, jpeg_response, staged_record},
        store::PhotoRecord,
    },
};

/// The image that goes into the record: the staged original with the GP's edit applied.
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
pub async fn committed_image(state: &AppState, record: &PhotoRecord) -> Result<CommitImage, AppError> {
    let jpeg = state.photos.image(record).await.map_err(|e| match e {
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
        max_pixels: state.settings.max_image_pixels,
        max_long_edge: state.settings.max_long_edge_px,
        max_bytes: state.settings.max_image_bytes,
    };
    let key = format!(
        "{}:{}:{}:{}:{}",
        record.sha256,
        crate::infra::crypto::sha256_hex(serde_json::to_string(&edit).unwrap_or_default().as_bytes()),
        limits.max_pixels,
        limits.max_long_edge,
        limits.max_bytes
    );
    if let Some(hit) = recent::get(&key) {
        return Ok(hit);
    }
    // Rendering takes a core for a quarter of a second: one per core at a time, and one per
    // session, so a session with many heavy edits queues behind itself, not before others.
    let _turn = slots::take(&record.session_id).await?;
    if let Some(hit) = recent::get(&key) {
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
    recent::put(key, &image);
    Ok(image)
}

/// Who may render now: a slot per core, and one rendering per session at a time.
mod slots {
    use std::{
        collections::HashMap,
        sync::{Arc, Mutex, OnceLock},
    };

    use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

    use crate::error::AppError;

    static CORES: OnceLock<Semaphore> = OnceLock::new();
    static SESSIONS: Mutex<Option<HashMap<String, Arc<Semaphore>>>> = Mutex::new(None);

    pub struct Turn {
        _session: OwnedSemaphorePermit,
        _core: SemaphorePermit<'static>,
    }

    pub async fn take(session_id: &str) -> Result<Turn, AppError> {
        let mine = {
            let mut sessions = SESSIONS.lock().unwrap_or_else(|p| p.into_inner());
            let map = sessions.get_or_insert_with(HashMap::new);
            // Forget sessions nobody is rendering for or waiting on.
            map.retain(|_, s| Arc::strong_count(s) > 1);
            map.entry(session_id.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(1)))
                .clone()
        };
        let session = mine.acquire_owned().await.map_err(|_| AppError::internal())?;
        let cores = CORES.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));
        let core = cores.acquire().await.map_err(|_| AppError::internal())?;
        Ok(Turn {
            _session: session,
            _core: core,
        })
    }
}

/// Drops every kept rendering (patient images held in memory live no longer than a retention
/// round).
pub fn forget_renderings() {
    recent::clear();
}

/// The last few renderings, by original (sha256), edit (sha256 of its JSON) and limits. The
/// renderer is deterministic, so a hit is exactly what rendering again would give; it spares
/// the CPU when the strip, the preview, the editor and the commit ask for the same image.
mod recent {
    use std::{
        collections::VecDeque,
        sync::{Arc, Mutex},
    };

    use super::CommitImage;

    const KEEP: usize = 8;
    type Entry = (String, Arc<(Vec<u8>, u32, u32)>);
    static RECENT: Mutex<VecDeque<Entry>> = Mutex::new(VecDeque::new());

    pub fn get(key: &str) -> Option<CommitImage> {
        let hit = RECENT
            .lock()
            .ok()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())?;
        Some(CommitImage {
            jpeg: hit.0.clone(),
            width: hit.1,
            height: hit.2,
        })
    }

    pub fn clear() {
        if let Ok(mut recent) = RECENT.lock() {
            recent.clear();
        }
    }

    pub fn put(key: String, image: &CommitImage) {
        if let Ok(mut recent) = RECENT.lock() {
            recent.retain(|(k, _)| *k != key);
            recent.push_front((key, Arc::new((image.jpeg.clone(), image.width, image.height))));
            recent.truncate(KEEP);
        }
    }
}

/// `GET /api/w/{sid}/photos/{id}/rendered` — exactly the JPEG a commit would send now, for this
/// session's browser only. Never cached: the edit behind the same URL can change.
pub async fn rendered(
    State(state): State<AppState>,
    Path((sid, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let record = staged_record(&state, &sid, &id, &headers).await?;
        committed_image(&state, &record).await
    }
    .await;
    match result {
        Ok(image) => jpeg_response(image.jpeg, "private, no-store"),
        Err(e) => error_response(e),
    }
}
