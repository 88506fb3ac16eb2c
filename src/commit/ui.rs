//! "Commit all ready photos": a confirmation naming the patient and the count, then one call
//! per photo with its progress and result; "retry failed" resends only what failed.
//! Ctrl+Enter opens the confirmation.

use leptos::prelude::*;

use super::api::{SCAN_BATCH, commit_photo, commit_scan, commit_tiff, confirm_in_medtech};
use crate::{
    model::{PhotoState, PhotoView},
    staging::ui::describe,
    ui::workspace::Workspace,
};

const UNKNOWN: &str = "outcome_unknown";
/// A committed photo's `failure_kind` when the GP confirmed it is in Medtech (`commit::confirm`).
const CONFIRMED_BY_GP: &str = "confirmed_by_gp";
const MEDIA: &str = "media";
const SCAN: &str = "scan_pdf";
const BOTH: &str = "both";
const TIFF: &str = "scan_tiff";

/// The commit targets a GP may choose between, with what each means in Medtech.
const TARGET_CHOICES: [(&str, &str); 4] = [
    (MEDIA, "Photos in the patient's record (Media)"),
    (SCAN, "A PDF in the Inbox Scan folder, with the tags printed"),
    (BOTH, "Both: the photos, and a PDF in the Inbox Scan folder"),
    (
        TIFF,
        "Images in the Inbox Scan folder (a TIFF per photo, for referrals)",
    ),
];

/// The targets this deployment offers: its `commit_targets`, and "both" when it has both.
fn offered(ws: &Workspace) -> Vec<String> {
    let mut targets: Vec<String> = ws
        .limits
        .with_value(|l| l.commit_targets.iter().map(|t| t.as_str().to_string()).collect());
    if targets.iter().any(|t| t == MEDIA) && targets.iter().any(|t| t == SCAN) {
        targets.push(BOTH.to_string());
    }
    targets
}

fn ready(ws: &Workspace) -> Vec<PhotoView> {
    ws.visible()
        .into_iter()
        .filter(|p| p.state == PhotoState::Staged && p.missing.is_empty())
        .collect()
}

fn retryable(ws: &Workspace) -> Vec<PhotoView> {
    ws.visible()
        .into_iter()
        .filter(|p| p.state == PhotoState::Failed && p.missing.is_empty() && p.failure_kind.as_deref() != Some(UNKNOWN))
        .collect()
}

/// The photos grouped by the target each goes to: a photo that was sent before keeps its target
/// (so a retry goes where the first attempt went); others go to `chosen`.
fn by_target(ws: &Workspace, photos: Vec<PhotoView>, chosen: &str) -> Vec<(String, Vec<String>)> {
    let enabled = offered(ws);
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for p in photos {
        // The UI's choices are the targets' words (radio values).
        let target = p
            .target
            .map(|t| t.as_str().to_string())
            .filter(|t| enabled.contains(t))
            .unwrap_or_else(|| chosen.to_string());
        match groups.iter_mut().find(|(t, _)| *t == target) {
            Some((_, ids)) => ids.push(p.id),
            None => groups.push((target, vec![p.id])),
        }
    }
    groups
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

/// Sends each group to its target, updating each photo's badge as it goes: Media one photo at a
/// time, Scan PDFs as one request per group (the server splits large groups into documents).
fn send(ws: Workspace, groups: Vec<(String, Vec<String>)>, progress: RwSignal<Option<String>>, resend_unknown: bool) {
    if groups.iter().all(|(_, ids)| ids.is_empty()) {
        return;
    }
    leptos::task::spawn_local(async move {
        for (target, mut ids) in groups {
            if target == TIFF {
                for batch in ids.chunks(SCAN_BATCH) {
                    let n = batch.len();
                    progress.set(Some(format!(
                        "Making {n} image{} for the Inbox Scan folder and sending {}…",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "it" } else { "them" }
                    )));
                    mark(&ws, batch, PhotoState::Committing, None);
                    match commit_tiff(ws.sid(), batch.to_vec(), resend_unknown).await {
                        Ok(views) => ws.upsert(views),
                        Err(e) => mark(&ws, batch, PhotoState::Failed, Some(&e.message)),
                    }
                }
                continue;
            }
            if target == SCAN || target == BOTH {
                for batch in ids.chunks(SCAN_BATCH) {
                    let n = batch.len();
                    progress.set(Some(format!(
                        "Making the PDF of {n} photo{} and sending it to Medtech…",
                        if n == 1 { "" } else { "s" }
                    )));
                    mark(&ws, batch, PhotoState::Committing, None);
                    match commit_scan(ws.sid(), batch.to_vec(), resend_unknown, target == BOTH).await {
                        Ok(views) => ws.upsert(views),
                        Err(e) => mark(&ws, batch, PhotoState::Failed, Some(&e.message)),
                    }
                }
                if target == SCAN {
                    continue;
                }
                // Both: the Media half, for each photo whose PDF half is done (it waits, staged)
                // — or, once the GP has checked Medtech, whose Media's arrival is unknown.
                ids = ws.photos.with_untracked(|l| {
                    l.iter()
                        .filter(|p| ids.contains(&p.id))
                        .filter(|p| {
                            p.state == PhotoState::Staged
                                || resend_unknown
                                    && p.state == PhotoState::Failed
                                    && p.failure_kind.as_deref() == Some(UNKNOWN)
                        })
                        .map(|p| p.id.clone())
                        .collect()
                });
            }
            let total = ids.len();
            for (n, id) in ids.into_iter().enumerate() {
                progress.set(Some(format!("Sending photo {} of {total}…", n + 1)));
                mark(&ws, std::slice::from_ref(&id), PhotoState::Committing, None);
                match commit_photo(ws.sid(), id.clone(), resend_unknown).await {
                    Ok(view) => ws.upsert(vec![view]),
                    Err(e) => mark(&ws, &[id], PhotoState::Failed, Some(&e.message)),
                }
            }
        }
        progress.set(None);
    });
}

/// "It is in Medtech — mark as saved", after the GP checked Medtech following an unknown outcome.
fn confirm_saved(ws: Workspace, id: String) {
    leptos::task::spawn_local(async move {
        match confirm_in_medtech(ws.sid(), id).await {
            Ok(views) => {
                ws.upsert(views);
                ws.notify(
                    "Marked as saved in Medtech, as you confirmed. It will not be sent again.",
                    false,
                    None,
                );
            }
            Err(e) => ws.notify(e.message, true, None),
        }
    });
}

#[component]
pub fn CommitBar(ws: Workspace) -> impl IntoView {
    let progress = RwSignal::new(None::<String>);
    let task = super::task_ui::FollowUpTask::new(ws, progress);
    let targets = offered(&ws);
    let target = RwSignal::new(targets.first().cloned().unwrap_or_else(|| MEDIA.to_string()));
    let choose = targets.len() > 1;
    let choices = StoredValue::new(
        TARGET_CHOICES
            .into_iter()
            .filter(|(t, _)| targets.iter().any(|x| x == t))
            .collect::<Vec<_>>(),
    );
    let ready_count = move || ready(&ws).len();
    let failed_count = move || retryable(&ws).len();
    let unknown = move || {
        ws.visible()
            .into_iter()
            .filter(|p| p.state == PhotoState::Failed && p.failure_kind.as_deref() == Some(UNKNOWN))
            .collect::<Vec<_>>()
    };
    let committed = move || {
        ws.visible()
            .into_iter()
            .filter(|p| p.state == PhotoState::Committed)
            .count()
    };
    let confirmed = move || {
        ws.visible()
            .into_iter()
            .filter(|p| p.state == PhotoState::Committed && p.failure_kind.as_deref() == Some(CONFIRMED_BY_GP))
            .collect::<Vec<_>>()
    };
    let needs_tags = move || {
        ws.visible()
            .into_iter()
            .filter(|p| p.state == PhotoState::Staged && !p.missing.is_empty())
            .count()
    };
    let busy = move || progress.get().is_some();
    let any_failed = move || failed_count() > 0;
    let can_clear = move || committed() > 0 && !busy();

    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |e: web_sys::KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) && !busy() && ready_count() > 0 {
                e.prevent_default();
                ws.confirming.set(true);
            }
        });
        on_cleanup(move || handle.remove());
    }

    let confirm = move |_| {
        if !task.arm(ready(&ws).into_iter().map(|p| p.id).collect()) {
            return;
        }
        ws.confirming.set(false);
        send(ws, by_target(&ws, ready(&ws), &target.get_untracked()), progress, false);
    };
    let retry = move |_| {
        send(
            ws,
            by_target(&ws, retryable(&ws), &target.get_untracked()),
            progress,
            false,
        )
    };
    let patient = ws.patient.get_value();
    let confirm_text = move || {
        let n = ready_count();
        let how = match target.get().as_str() {
            SCAN => " as a PDF in the Inbox Scan folder",
            BOTH => " as photos and as a PDF in the Inbox Scan folder",
            TIFF => " as images (TIFF) in the Inbox Scan folder",
            _ => "",
        };
        format!(
            "Send {n} photo{} to the record of {} (NHI {}, born {}){how}?",
            if n == 1 { "" } else { "s" },
            patient.name,
            patient.nhi,
            patient.birth_date
        )
    };

    view! {
        <section class="commit-bar" aria-label="Commit">
            <div class="row">
                <button
                    type="button"
                    class="primary"
                    disabled=move || busy() || ready_count() == 0
                    on:click=move |_| ws.confirming.set(true)
                >
                    {move || format!("Commit all ready photos ({})", ready_count())}
                </button>
                <Show when=any_failed>
                    <button type="button" class="secondary" disabled=busy on:click=retry>
                        {move || format!("Retry failed ({})", failed_count())}
                    </button>
                </Show>
                <Show when=can_clear>
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| {
                            let done: Vec<String> = ws.photos.get_untracked().into_iter().filter(|p| p.state == PhotoState::Committed).map(|p| p.id).collect();
                            ws.cleared.update(|c| c.extend(done));
                        }
                    >
                        "Clear committed photos"
                    </button>
                </Show>
                <span class="hint">"Ctrl+Enter"</span>
            </div>
            <p class="status" role="status" aria-live="polite">
                {move || match progress.get() {
                    Some(text) => text,
                    None => summary(committed(), ready_count(), needs_tags(), failed_count() + unknown().len()),
                }}
            </p>
            <super::task_ui::TaskStatus task/>
            <For each=unknown key=|p| p.id.clone() let:p>
                {
                    let id = p.id.clone();
                    let saved_id = p.id.clone();
                    let to = p.target.map_or(MEDIA, |t| t.as_str()).to_string();
                    view! {
                        <p class="unknown" role="alert">
                            {p.failure.clone().unwrap_or_default()}
                            <button type="button" class="secondary" disabled=busy on:click=move |_| send(ws, vec![(to.clone(), vec![id.clone()])], progress, true)>
                                "I checked Medtech: send this photo again"
                            </button>
                            <button type="button" class="secondary" disabled=busy on:click=move |_| confirm_saved(ws, saved_id.clone())>
                                "It is in Medtech — mark as saved"
                            </button>
                        </p>
                    }
                }
            </For>
            <For each=confirmed key=|p| p.id.clone() let:p>
                <p class="confirmed">{format!("Saved (confirmed by GP): {}, taken {}", describe(&p), p.taken)}</p>
            </For>
            <Show when=move || ws.confirming.get()>
                <div class="confirm" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-text">
                    <h2 id="confirm-title">"Commit photos to Medtech"</h2>
                    <p id="confirm-text">{confirm_text.clone()}</p>
                    <Show when=move || choose>
                        <fieldset class="targets">
                            <legend>"Save as"</legend>
                            {choices
                                .get_value()
                                .into_iter()
                                .map(|(t, label)| view! {
                                    <label>
                                        <input
                                            type="radio"
                                            name="commit-target"
                                            value=t
                                            prop:checked=move || target.get() == t
                                            on:change=move |_| target.set(t.to_string())
                                        />
                                        {label}
                                    </label>
                                })
                                .collect_view()}
                        </fieldset>
                    </Show>
                    <super::task_ui::TaskForm task/>
                    <div class="row">
                        <button type="button" class="primary" on:click=confirm autofocus>"Commit"</button>
                        <button type="button" class="secondary" on:click=move |_| ws.confirming.set(false)>"Cancel"</button>
                    </div>
                </div>
            </Show>
        </section>
    }
}

fn summary(committed: usize, ready: usize, needs_tags: usize, failed: usize) -> String {
    let mut parts = Vec::new();
    if committed > 0 {
        parts.push(format!("{committed} saved to Medtech"));
    }
    if ready > 0 {
        parts.push(format!("{ready} ready"));
    }
    if needs_tags > 0 {
        parts.push(format!("{needs_tags} need tags"));
    }
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if parts.is_empty() {
        "No photos yet.".into()
    } else {
        parts.join(" · ")
    }
}
