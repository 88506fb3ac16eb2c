//! HTTP handlers for staging (ssr only): the photo upload (multipart, streamed with a byte cap,
//! re-checked before anything is stored) and the image itself.

use axum::{
    Json,
    extract::{Multipart, Path, State, multipart::MultipartRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::{
    recheck::{RecheckLimits, recheck},
    record::PhotoRecord,
    service::{Photos, staged_record, store_error},
};
use crate::{
    error::{AppError, ErrorKind},
    infra::http::error_response,
    launch::session::{LaunchSession, short},
    metadata::tags::TagPatch,
};

/// `POST /api/w/{sid}/photos` — multipart fields `id` (a UUID the browser chose for this upload:
/// only an idempotency key within the session, so a retried upload is recognised; the photo's own
/// id is minted by the server), optional `taken_at` (ms since epoch), optional tags (`body_site`,
/// `laterality`, `view`, `image_type`, `description`), and `photo` (the file).
pub async fn upload(
    State(state): State<Photos>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let result = async {
        let (session, patient_id) = state.session_with_patient(&sid, &headers).await?;
        let _pass = state.uploads.enter(&session.id, body_length(&state, &headers)).await?;
        let upload = read_upload(&state, multipart).await?;
        stage_upload(&state, &session, &patient_id, upload, "desktop").await
    }
    .await;
    count_upload("desktop", &result);
    match result {
        Ok(record) => (
            StatusCode::CREATED,
            Json(record.view(&state.settings.required_fields, &sid)),
        )
            .into_response(),
        Err(e) => error_response(e),
    }
}

/// Counts one upload by source (`desktop`, `phone`) and outcome (`staged`, or the refusal's kind).
pub fn count_upload(source: &'static str, result: &Result<PhotoRecord, AppError>) {
    let outcome = result.as_ref().map_or_else(|e| e.kind.as_str(), |_| "staged");
    metrics::counter!("clinical_images_uploads_total", "source" => source, "outcome" => outcome).increment(1);
}

/// How many bytes an upload's body will hold in memory: its declared length, never more than
/// the largest upload read.
pub fn body_length(state: &Photos, headers: &HeaderMap) -> u64 {
    let cap = state.settings.max_upload_bytes + 64 * 1024;
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(cap, |n| n.min(cap))
}

/// An upload as read off the wire, before any check of the image.
pub struct Upload {
    /// The browser's id for this upload (idempotency key within the session).
    pub upload_key: String,
    pub taken_at: Option<i64>,
    pub photo: Vec<u8>,
    pub tags: TagPatch,
}

/// Reads the multipart body, streaming the photo with a byte cap. A body that is not multipart
/// at all (no boundary, another type) gets our JSON error like every other refusal.
pub async fn read_upload(state: &Photos, multipart: Result<Multipart, MultipartRejection>) -> Result<Upload, AppError> {
    let mut multipart = multipart.map_err(|_| {
        AppError::invalid("The upload was not a photo form (multipart/form-data with a boundary).".to_string())
    })?;
    let cap = state.settings.max_upload_bytes;
    let (mut id, mut taken_at, mut photo, mut tags) =
        (None::<String>, None::<i64>, None::<Vec<u8>>, TagPatch::default());
    let bad = |m: &str| AppError::invalid(m.to_string());
    let mut pace = BodyPace::new();
    while let Some(mut field) = pace
        .within(multipart.next_field())
        .await?
        .map_err(|e| multipart_error(e, "The upload was incomplete or malformed."))?
    {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "photo" => {
                let buf = read_capped(&mut field, cap, &mut pace)
                    .await?
                    .map_err(|e| multipart_error(e, "The upload was interrupted."))?;
                photo = Some(buf.ok_or_else(too_large)?);
            }
            "id" | "taken_at" | "body_site" | "laterality" | "view" | "image_type" | "description" => {
                let text = pace
                    .within(field.text())
                    .await?
                    .map_err(|e| multipart_error(e, "The upload was malformed."))?;
                if text.len() > 2000 {
                    return Err(bad("The upload was malformed."));
                }
                let value = Some(text.trim().to_string()).filter(|t| !t.is_empty());
                match name.as_str() {
                    "id" => id = value,
                    "taken_at" => taken_at = value.and_then(|t| t.parse().ok()),
                    "body_site" => tags.body_site = value,
                    "laterality" => tags.laterality = value,
                    "view" => tags.view = value,
                    "image_type" => tags.image_type = value,
                    _ => tags.description = value,
                }
            }
            _ => {}
        }
    }
    tags.validate().map_err(AppError::invalid)?;
    let upload_key = id
        .and_then(|i| uuid::Uuid::parse_str(&i).ok())
        .map(|u| u.hyphenated().to_string())
        .ok_or_else(|| bad("The upload did not carry a valid photo id."))?;
    let photo = photo
        .filter(|p| !p.is_empty())
        .ok_or_else(|| bad("The upload carried no photo."))?;
    Ok(Upload {
        upload_key,
        taken_at,
        photo,
        tags,
    })
}

/// Reads one multipart file field into memory, at most `cap` bytes: `None` when it holds more
/// (it stops reading there). The body must keep `pace` (else `Err`: too slow, cut).
pub async fn read_capped(
    field: &mut axum::extract::multipart::Field<'_>,
    cap: u64,
    pace: &mut BodyPace,
) -> Result<Result<Option<Vec<u8>>, axum::extract::multipart::MultipartError>, AppError> {
    let mut buf = Vec::new();
    loop {
        let chunk = match pace.within(field.chunk()).await? {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return Ok(Ok(Some(buf))),
            Err(e) => return Ok(Err(e)),
        };
        pace.arrived(chunk.len());
        if (buf.len() + chunk.len()) as u64 > cap {
            return Ok(Ok(None));
        }
        buf.extend_from_slice(&chunk);
    }
}

/// A body must keep arriving: after a short grace, at least `MIN_BYTES_PER_SEC` on average, so a
/// client trickling a byte a second is cut within seconds and its upload pass goes to the next
/// GP. (A phone on a poor link still sends far faster than this.)
pub struct BodyPace {
    started: tokio::time::Instant,
    bytes: u64,
}

impl BodyPace {
    const GRACE: std::time::Duration = std::time::Duration::from_secs(10);
    const MIN_BYTES_PER_SEC: u64 = 8 * 1024;

    pub fn new() -> BodyPace {
        BodyPace {
            started: tokio::time::Instant::now(),
            bytes: 0,
        }
    }

    pub fn arrived(&mut self, n: usize) {
        self.bytes += n as u64;
    }

    /// By when the next bytes must have come.
    fn deadline(&self) -> tokio::time::Instant {
        let earned = std::time::Duration::from_millis(self.bytes.saturating_mul(1000) / Self::MIN_BYTES_PER_SEC);
        self.started + Self::GRACE + earned
    }

    /// Waits for `read`, at most until the pace's deadline.
    pub async fn within<T>(&self, read: impl std::future::Future<Output = T>) -> Result<T, AppError> {
        tokio::time::timeout_at(self.deadline(), read).await.map_err(|_| {
            tracing::info!(bytes = self.bytes, "upload cut: its body arrived too slowly");
            AppError::new(
                ErrorKind::TooSlow,
                "The photo arrived too slowly and was stopped. Check the connection, then add it again.",
            )
        })
    }
}

impl Default for BodyPace {
    fn default() -> Self {
        BodyPace::new()
    }
}

fn too_large() -> AppError {
    AppError::new(ErrorKind::TooLarge, "That photo is too large to upload.")
}

/// A body over the router's limit is "too large"; anything else is malformed.
fn multipart_error(e: axum::extract::multipart::MultipartError, malformed: &str) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::invalid(malformed.to_string())
    }
}

/// Re-checks the image, stages it with its tags, and tells the session's pages.
pub async fn stage_upload(
    state: &Photos,
    session: &LaunchSession,
    patient_id: &str,
    upload: Upload,
    source: &str,
) -> Result<PhotoRecord, AppError> {
    crate::launch::server::require_consent(&state.settings, session)?;
    let now = chrono::Utc::now().timestamp();
    // A capture time from the browser is kept only if plausible (not in the future, not ancient).
    let taken_at = upload
        .taken_at
        .map(|ms| ms / 1000)
        .filter(|t| *t <= now + 300 && *t > now - 30 * 24 * 3600)
        .unwrap_or(now);
    let limits = RecheckLimits {
        max_pixels: state.settings.max_image_pixels,
        max_long_edge: state.settings.max_long_edge_px,
        max_bytes: state.settings.max_image_bytes,
    };
    let size_in = upload.photo.len();
    let photo = upload.photo;
    let checked = tokio::task::spawn_blocking(move || recheck(&photo, &limits))
        .await
        .map_err(|_| AppError::internal())?
        .map_err(|e| {
            tracing::info!(error = %e, bytes = size_in, "upload refused by re-check");
            match e {
                super::recheck::RecheckError::Busy => super::gate::busy(),
                e => AppError::new(ErrorKind::NotAnImage, e.gp_message()),
            }
        })?;
    let mut record = state
        .store
        .stage(session, patient_id, &upload.upload_key, checked, source, taken_at)
        .await
        .map_err(store_error)?;
    if upload.tags != TagPatch::default()
        && let Some(tagged) = state
            .store
            .update_tags(session, vec![record.id.clone()], upload.tags)
            .await
            .map_err(store_error)?
            .pop()
    {
        record = tagged;
    }
    tracing::info!(photo = %record.id, session = %short(&session.id), bytes_in = size_in, bytes = record.bytes, width = record.width, height = record.height, source, "photo staged");
    state.publish(&record).await;
    Ok(record)
}

/// A JPEG answer with its cache policy.
pub fn jpeg_response(bytes: impl IntoResponse, cache_control: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache_control)),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /api/w/{sid}/photos/{id}/image` — the staged JPEG, for this session's browser only.
pub async fn image(
    State(state): State<Photos>,
    Path((sid, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let record = staged_record(&state, &sid, &id, &headers).await?;
        state.store.image(&record).await.map_err(store_error)
    }
    .await;
    match result {
        Ok(bytes) => jpeg_response(bytes, "no-store"),
        Err(e) => error_response(e),
    }
}
