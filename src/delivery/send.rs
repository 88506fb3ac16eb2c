//! Committing from the widget: one request records the commit (the photos enter the server's
//! delivery queue) and is answered at once; from then on the server sends, and the page only
//! follows — reading the photos back every second while the server holds any of them.

use leptos::prelude::*;

use crate::{
    delivery::api::queue_photos,
    model::{CommitTarget, PhotoState, PhotoView, Targets},
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

/// After a request the server refused as a whole, the photos as the server holds them — never a
/// state it does not — and the refusal said once. Only if the server cannot be asked either are
/// they shown failed with its words.
async fn resync(ws: Workspace, ids: &[String], message: String) {
    match crate::staging::api::list_photos(ws.sid()).await {
        Ok(views) => {
            ws.upsert(views.into_iter().filter(|v| ids.contains(&v.id)).collect());
            ws.notify(message, true, None);
        }
        Err(_) => ws.photos.update(|l| {
            for p in l.iter_mut().filter(|p| ids.contains(&p.id)) {
                p.state = PhotoState::Failed;
                p.failure = Some(message.clone());
            }
        }),
    }
}

/// Commits `ids`: each goes where it went before, or to `chosen`. A photo whose arrival Medtech
/// did not confirm is only queued again with `resend_unknown` (the GP checked Medtech).
pub fn send(
    ws: Workspace,
    ids: Vec<String>,
    chosen: Targets,
    progress: RwSignal<Option<String>>,
    resend_unknown: bool,
) {
    if ids.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        let n = ids.len();
        progress.set(Some(format!("Recording {n} photo{}…", if n == 1 { "" } else { "s" })));
        match queue_photos(ws.sid(), ids.clone(), chosen, resend_unknown).await {
            Ok(views) => {
                ws.upsert(views);
                ws.notify(
                    "Saved for sending: the server sends them to Medtech now, even if Medtech is busy. \
                     You can close the widget.",
                    false,
                    None,
                );
            }
            Err(e) => resync(ws, &ids, e.message).await,
        }
        progress.set(None);
    });
}

/// While the server holds any of the photos shown, reads them back every second so each
/// badge follows its delivery; stops when none is held. One reader at a time.
pub fn follow(ws: Workspace, following: RwSignal<bool>) {
    let held = move || ws.photos.with(|l| l.iter().any(PhotoView::is_frozen));
    Effect::new(move |_| {
        if !held() || following.get_untracked() {
            return;
        }
        following.set(true);
        leptos::task::spawn_local(async move {
            loop {
                #[cfg(feature = "hydrate")]
                crate::capture::browser::sleep_ms(1000).await;
                match crate::staging::api::list_photos(ws.sid()).await {
                    Ok(views) => ws.upsert(views),
                    Err(_) => continue,
                }
                if !ws.photos.with_untracked(|l| l.iter().any(PhotoView::is_frozen)) {
                    break;
                }
            }
            following.set(false);
        });
    });
}
