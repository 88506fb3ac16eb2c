//! Sending a commit from the browser: photos grouped by where each goes (a set of targets), and
//! each group's parts sent in turn — its PDFs, its TIFFs, then its Media one photo at a time —
//! updating each photo's badge as it goes. The server decides, part by part, what is still to go;
//! a retry sends only that.

use leptos::prelude::*;

use super::api::{SCAN_BATCH, commit_photo, commit_scan, commit_tiff};
use crate::{
    model::{CommitTarget, PhotoState, PhotoView, Targets, group_by_targets},
    ui::workspace::Workspace,
};

/// The commit targets this deployment offers (its `commit_targets`), in the order shown.
pub fn offered(ws: &Workspace) -> Vec<CommitTarget> {
    ws.limits.with_value(|l| {
        Targets::ALL
            .into_iter()
            .filter(|t| l.commit_targets.contains(t))
            .collect()
    })
}

/// The photos grouped by where each goes: a photo sent before keeps its targets (so a retry goes
/// where the first attempt went); others go to `chosen`.
pub fn by_targets(ws: &Workspace, photos: Vec<PhotoView>, chosen: Targets) -> Vec<(Targets, Vec<String>)> {
    group_by_targets(&photos, &offered(ws), chosen)
}

/// After a request the server refused as a whole, the photos as the server holds them — never a
/// state it does not — and the refusal said once. Only if the server cannot be asked either are
/// they shown failed with its words.
async fn resync(ws: Workspace, ids: &[String], message: String) {
    match crate::staging::api::list_photos(ws.sid()).await {
        Ok(views) => {
            ws.upsert(views.into_iter().filter(|v| ids.contains(&v.id)).collect());
            ws.notify(message, true, None);
        }
        Err(_) => mark(&ws, ids, PhotoState::Failed, Some(&message)),
    }
}

fn mark(ws: &Workspace, ids: &[String], state: PhotoState, failure: Option<&str>) {
    ws.photos.update(|l| {
        for p in l.iter_mut().filter(|p| ids.contains(&p.id)) {
            p.state = state;
            if let Some(f) = failure {
                p.failure = Some(f.to_string());
            }
        }
    });
}

/// The photos of `ids` whose next part may go now: not committed, not being sent, and — unless
/// the GP has checked Medtech — not waiting on an unknown outcome.
fn still_to_go(ws: &Workspace, ids: &[String], resend_unknown: bool) -> Vec<String> {
    ws.photos.with_untracked(|l| {
        l.iter()
            .filter(|p| ids.contains(&p.id) && p.may_send(resend_unknown))
            .map(|p| p.id.clone())
            .collect()
    })
}

/// Media sent at once: each is its own request (per-photo progress), a few in flight so the
/// round trips to the practice overlap.
const MEDIA_AT_ONCE: usize = 3;

/// Sends the Media of `ids`, [`MEDIA_AT_ONCE`] at a time, each photo's badge following its own.
async fn send_media(
    ws: Workspace,
    ids: Vec<String>,
    targets: Targets,
    progress: RwSignal<Option<String>>,
    resend_unknown: bool,
) {
    use futures::StreamExt;
    let total = ids.len();
    let done = std::cell::Cell::new(0usize);
    progress.set(Some(format!(
        "Sending {total} photo{}…",
        if total == 1 { "" } else { "s" }
    )));
    futures::stream::iter(ids)
        .for_each_concurrent(MEDIA_AT_ONCE, |id| {
            let done = &done;
            async move {
                mark(&ws, std::slice::from_ref(&id), PhotoState::Committing, None);
                match commit_photo(ws.sid(), id.clone(), resend_unknown, Some(targets)).await {
                    Ok(view) => ws.upsert(vec![view]),
                    Err(e) => resync(ws, &[id], e.message).await,
                }
                done.set(done.get() + 1);
                progress.set(Some(format!("Sent {} of {total}…", done.get())));
            }
        })
        .await;
}

/// Sends each group to its targets: one request per batch for each kind of Inbox-Scan document,
/// then the Media, a few at a time.
pub fn send(
    ws: Workspace,
    groups: Vec<(Targets, Vec<String>)>,
    progress: RwSignal<Option<String>>,
    resend_unknown: bool,
) {
    if groups.iter().all(|(_, ids)| ids.is_empty()) {
        return;
    }
    leptos::task::spawn_local(async move {
        for (targets, all) in groups {
            for part in targets.iter() {
                let ids = still_to_go(&ws, &all, resend_unknown);
                if part == CommitTarget::Media {
                    send_media(ws, ids, targets, progress, resend_unknown).await;
                    continue;
                }
                for batch in ids.chunks(SCAN_BATCH) {
                    let n = batch.len();
                    let plural = if n == 1 { "" } else { "s" };
                    progress.set(Some(if part == CommitTarget::ScanPdf {
                        format!("Making the PDF of {n} photo{plural} and sending it to Medtech…")
                    } else {
                        format!(
                            "Making {n} image{plural} for the Inbox Scan folder and sending {}…",
                            if n == 1 { "it" } else { "them" }
                        )
                    }));
                    mark(&ws, batch, PhotoState::Committing, None);
                    let answer = if part == CommitTarget::ScanPdf {
                        commit_scan(ws.sid(), batch.to_vec(), resend_unknown, Some(targets)).await
                    } else {
                        commit_tiff(ws.sid(), batch.to_vec(), resend_unknown, Some(targets)).await
                    };
                    match answer {
                        Ok(views) => ws.upsert(views),
                        Err(e) => resync(ws, batch, e.message).await,
                    }
                }
            }
        }
        progress.set(None);
    });
}
