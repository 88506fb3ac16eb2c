//! Inbox-Scan TIFFs (ssr only): one per photo, the photo as a JPEG stream inside
//! (`jpeg_tiff`), under the same size cap as a Media. With the caption band on
//! (`scan_tiff_caption`, the default) the photo and its band are one new JPEG (`caption`);
//! without it, the committed JPEG goes in byte for byte. Either way the TIFF's ImageDescription
//! carries the caption's facts.

use super::{
    caption,
    documents::NewDoc,
    jpeg_tiff::{TiffText, wrap},
};
use crate::{
    commit::service::Committer,
    error::{AppError, ErrorKind},
    launch::session::{LaunchSession, SessionPatient},
    staging::{recheck::RecheckLimits, record::PhotoRecord},
};

/// A TIFF's bytes beyond its JPEG: the header, the IFD and its values (a caption's description
/// is the largest part), well under this.
const CONTAINER_ALLOWANCE: u64 = 16 * 1024;

/// Renders one TIFF per photo (each its own document), edits applied.
pub async fn render(
    state: &Committer,
    session: &LaunchSession,
    patient: &SessionPatient,
    photos: &[PhotoRecord],
) -> Result<Vec<NewDoc>, AppError> {
    let mut docs = Vec::with_capacity(photos.len());
    for r in photos {
        let image = crate::editor::server::committed_image(&state.renderer, r).await?;
        let facts = caption::facts(r, patient, session);
        let description = caption::description(&facts);
        let date_time = chrono::DateTime::from_timestamp(r.taken_at, 0)
            .unwrap_or_else(chrono::Utc::now)
            .with_timezone(&chrono_tz::Pacific::Auckland)
            .format("%Y:%m:%d %H:%M:%S")
            .to_string();
        let settings = &state.settings;
        // The photo and its caption together stay under the Media rule (≤ max_image_bytes).
        let limits = RecheckLimits {
            max_pixels: settings.max_image_pixels,
            max_long_edge: settings.max_long_edge_px,
            max_bytes: settings.max_image_bytes.saturating_sub(CONTAINER_ALLOWANCE),
        };
        let band = settings.scan_tiff_caption;
        let id = r.id.clone();
        let tiff = tokio::task::spawn_blocking(move || {
            // Without a band the committed JPEG goes in as it is — unless, with the container,
            // it would pass the cap: then it is re-encoded down the quality ladder like a band.
            let jpeg = if band || image.jpeg.len() as u64 > limits.max_bytes {
                // The decoded photo, the canvas with its band and the RGBA copy the text is drawn on.
                let cost = image.width as u64 * image.height as u64 * 14;
                let _room = crate::staging::recheck::budget::global().acquire(cost).ok();
                let lines: &[String] = if band { &facts } else { &[] };
                caption::with_band(&image.jpeg, lines, &limits)?.jpeg
            } else {
                image.jpeg
            };
            wrap(
                &jpeg,
                &TiffText {
                    description: &description,
                    date_time: &date_time,
                },
            )
            .map_err(|e| e.to_string())
        })
        .await
        .map_err(|_| AppError::internal())?
        .map_err(|e| {
            tracing::error!(photo = %id, error = %e, "scan TIFF could not be made");
            AppError::new(ErrorKind::Internal, "The TIFF could not be made from this photo.")
        })?;
        docs.push(NewDoc {
            id: uuid::Uuid::new_v4().to_string(),
            photo_ids: vec![r.id.clone()],
            pages: 1,
            pdf: tiff,
        });
    }
    Ok(docs)
}
