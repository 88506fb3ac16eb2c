//! Rendering a photo as it will be committed (ssr only).

use crate::{
    server::state::AppState,
    staging::store::{PhotoRecord, StoreError},
};

/// The image that goes into the record: the staged original with the GP's edit applied.
pub struct CommitImage {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The photo as it will be committed. Unedited photos are the staged JPEG as it is.
pub async fn committed_image(state: &AppState, record: &PhotoRecord) -> Result<CommitImage, StoreError> {
    let jpeg = state.photos.image(record).await?;
    Ok(CommitImage {
        jpeg: jpeg.to_vec(),
        width: record.width,
        height: record.height,
    })
}
