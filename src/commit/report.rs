//! A skin-check report (ssr only): an Inbox-Scan PDF whose photos belong to lesions starts with
//! the body map and the lesion table (`pdf::Cover`), then each lesion's photos in turn (L1's,
//! then L2's, …, photos of no lesion last).

use super::{
    pdf::{Cover, CoverLesion},
    service::Committer,
};
use crate::{
    error::AppError,
    metadata::{
        codes::{self, BODY_SITES, LATERALITIES},
        tags::Tags,
    },
    staging::{record::PhotoRecord, service::store_error},
};

/// The photos in report order, and the cover when any of them belongs to a lesion.
pub async fn arrange(
    state: &Committer,
    session_id: &str,
    photos: &[PhotoRecord],
) -> Result<(Vec<PhotoRecord>, Option<Cover>), AppError> {
    let mut photos = photos.to_vec();
    if photos.iter().all(|r| r.lesion.is_none()) {
        return Ok((photos, None));
    }
    photos.sort_by_key(|r| r.lesion.as_ref().map_or(u32::MAX, |l| l.number));
    let lesions = state.photos.lesions(session_id).await.map_err(store_error)?;
    let lesions = lesions
        .into_iter()
        .filter_map(|l| {
            let count = photos
                .iter()
                .filter(|r| r.lesion_id.as_deref() == Some(l.id.as_str()))
                .count();
            (count > 0).then(|| CoverLesion {
                label: l.label(),
                view: l.view,
                x: l.x,
                y: l.y,
                site: Tags::label(BODY_SITES, Some(&l.site)).unwrap_or("").to_string(),
                side: codes::find(LATERALITIES, &l.laterality)
                    .map_or("", |c| c.label)
                    .to_string(),
                note: l.note,
                photos: count,
            })
        })
        .collect();
    Ok((photos, Some(Cover { lesions })))
}
