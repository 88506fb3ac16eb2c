//! Committing from the basic page (ssr only): the same parts in the same order as the commit
//! bar — each group's PDF, its TIFFs, then each Media — through the commit service.

use axum::http::HeaderMap;

use crate::{
    commit::{api::SCAN_BATCH, documents::DocKind, service::Committer},
    error::AppError,
    model::{CommitTarget, PhotoState, PhotoView, Targets, group_by_targets},
    staging::service::Photos,
};

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Sends every part of `ids`' commits as the commit bar does — grouped by where each goes (its
/// own targets if it was sent before, else `chosen`), the PDF, the TIFFs, then each Media — and
/// says how it went.
#[allow(clippy::too_many_arguments)]
pub async fn send(
    photos: &Photos,
    committer: &Committer,
    sid: &str,
    headers: &HeaderMap,
    list: &[PhotoView],
    ids: &[String],
    chosen: Targets,
    resend_unknown: bool,
) -> Result<String, AppError> {
    let groups = group_by_targets(
        list.iter().filter(|v| ids.contains(&v.id)),
        &committer.settings.commit_targets,
        chosen,
    );
    let mut refusal = None;
    for (targets, group) in groups {
        for part in targets.iter() {
            // As they are now: a photo an earlier part left waiting on Medtech's word stays.
            let now = photos.list(sid, headers).await?;
            let go: Vec<String> = now
                .iter()
                .filter(|v| group.contains(&v.id))
                .filter(|v| v.may_send(resend_unknown))
                .map(|v| v.id.clone())
                .collect();
            let result = match part {
                CommitTarget::Media => {
                    let mut r = Ok(());
                    for id in &go {
                        if let Err(e) = committer
                            .commit_photo(sid, headers, id, resend_unknown, Some(targets))
                            .await
                        {
                            r = Err(e);
                        }
                    }
                    r
                }
                CommitTarget::ScanPdf | CommitTarget::ScanTiff => {
                    let kind = if part == CommitTarget::ScanPdf {
                        DocKind::Pdf
                    } else {
                        DocKind::Tiff
                    };
                    let mut r = Ok(());
                    for batch in go.chunks(SCAN_BATCH) {
                        if let Err(e) = committer
                            .commit_scan(sid, headers, batch, resend_unknown, kind, Some(targets))
                            .await
                        {
                            r = Err(e);
                        }
                    }
                    r
                }
            };
            if let Err(e) = result {
                refusal.get_or_insert(e);
            }
        }
    }
    let after = photos.list(sid, headers).await?;
    let mine: Vec<&PhotoView> = after.iter().filter(|v| ids.contains(&v.id)).collect();
    let saved = mine.iter().filter(|v| v.state == PhotoState::Committed).count();
    let failed = mine.len() - saved;
    match (failed, refusal) {
        (0, _) => Ok(format!("{saved} photo{} saved to Medtech.", plural(saved))),
        (_, Some(e)) => Err(AppError::new(
            e.kind,
            format!("{saved} saved; {failed} not saved: {}", e.message),
        )),
        (_, None) => Err(AppError::invalid(format!(
            "{saved} saved; {failed} not saved — each photo below says why."
        ))),
    }
}
