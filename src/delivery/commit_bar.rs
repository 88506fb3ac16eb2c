//! "Commit all ready photos": a confirmation naming the patient and the count, then one request
//! that hands the photos to the server's delivery queue; each badge then follows its delivery.
//! "Retry failed" queues only what failed. Ctrl+Enter opens the confirmation.

use leptos::prelude::*;

use super::{
    api::mark_in_medtech,
    send::{follow, offered, send},
};
use crate::{
    model::{CONFIRMED_BY_GP, CommitTarget, PhotoState, PhotoView, Targets},
    staging::ui::describe,
    ui::workspace::Workspace,
};

/// What each commit target means in Medtech, as the GP chooses among them.
pub fn choice_label(target: CommitTarget) -> &'static str {
    match target {
        CommitTarget::Media => "Photos in the patient's record (Media)",
        CommitTarget::ScanPdf => "A PDF in the Inbox Scan folder, with the tags printed",
        CommitTarget::ScanTiff => "Images in the Inbox Scan folder (a TIFF per photo, for referrals)",
    }
}

/// How the confirmation says where photos go.
fn going_as(targets: Targets) -> String {
    let words: Vec<&str> = Targets::ALL
        .into_iter()
        .filter(|t| targets.contains(*t))
        .map(|t| match t {
            CommitTarget::Media => "photos in the record",
            CommitTarget::ScanPdf => "a PDF in the Inbox Scan folder",
            CommitTarget::ScanTiff => "images (TIFF) in the Inbox Scan folder",
        })
        .collect();
    match words.as_slice() {
        [] | ["photos in the record"] => String::new(),
        [one] => format!(" as {one}"),
        [rest @ .., last] => format!(" as {} and as {last}", rest.join(", as ")),
    }
}

fn ready(ws: &Workspace) -> Vec<PhotoView> {
    ws.visible()
        .into_iter()
        .filter(|p| p.state == PhotoState::Staged && p.missing.is_empty() && !p.is_frozen())
        .collect()
}

fn retryable(ws: &Workspace) -> Vec<PhotoView> {
    ws.visible()
        .into_iter()
        .filter(|p| p.state == PhotoState::Failed && p.missing.is_empty() && !p.is_unknown() && !p.is_frozen())
        .collect()
}

/// "It is in Medtech — mark as saved", after the GP checked Medtech following an unknown outcome.
fn confirm_saved(ws: Workspace, id: String) {
    leptos::task::spawn_local(async move {
        match mark_in_medtech(ws.sid(), id).await {
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
    follow(ws, RwSignal::new(false));
    let task = crate::commit::task_ui::FollowUpTask::new(ws, progress);
    let targets = offered(&ws);
    let chosen = RwSignal::new(Targets::one(targets.first().copied().unwrap_or(CommitTarget::Media)));
    let choose = targets.len() > 1;
    let choices = StoredValue::new(targets);
    let ready_count = move || ready(&ws).len();
    let failed_count = move || retryable(&ws).len();
    let unknown = move || {
        ws.visible()
            .into_iter()
            .filter(PhotoView::is_unknown)
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
        send(ws, ids(ready(&ws)), chosen.get_untracked(), progress, false);
    };
    let retry = move |_| send(ws, ids(retryable(&ws)), chosen.get_untracked(), progress, false);
    let held = move || ws.visible().into_iter().filter(PhotoView::is_frozen).count();
    let any_held = move || held() != 0;
    let patient = ws.patient.get_value();
    let confirm_text = move || {
        let n = ready_count();
        let how = going_as(chosen.get());
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
                    None => summary(committed(), held(), ready_count(), needs_tags(), failed_count() + unknown().len()),
                }}
            </p>
            <Show when=any_held>
                <p class="hint">"The server is sending these to Medtech by itself: you can close the widget."</p>
            </Show>
            <crate::commit::task_ui::TaskStatus task/>
            <For each=unknown key=|p| p.id.clone() let:p>
                {
                    let saved_id = p.id.clone();
                    let to = p.target.unwrap_or(Targets::one(CommitTarget::Media));
                    let again = p.id.clone();
                    view! {
                        <p class="unknown" role="alert">
                            {p.failure.clone().unwrap_or_default()}
                            <button type="button" class="secondary" disabled=busy on:click=move |_| send(ws, vec![again.clone()], to, progress, true)>
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
                                .map(|t| view! {
                                    <label>
                                        <input
                                            type="checkbox"
                                            name="commit-target"
                                            value=t.as_str()
                                            prop:checked=move || chosen.get().contains(t)
                                            on:change=move |e| {
                                                let on = event_target_checked(&e);
                                                chosen.update(|c| *c = Targets::ALL.into_iter().filter(|x| if *x == t { on } else { c.contains(*x) }).fold(Targets::default(), Targets::with));
                                            }
                                        />
                                        {choice_label(t)}
                                    </label>
                                })
                                .collect_view()}
                            <Show when=move || chosen.get().is_empty()>
                                <p class="hint" role="alert">"Choose at least one place to save the photos."</p>
                            </Show>
                        </fieldset>
                    </Show>
                    <crate::commit::task_ui::TaskForm task/>
                    <div class="row">
                        <button type="button" class="primary" on:click=confirm autofocus disabled=move || chosen.get().is_empty()>"Commit"</button>
                        <button type="button" class="secondary" on:click=move |_| ws.confirming.set(false)>"Cancel"</button>
                    </div>
                </div>
            </Show>
        </section>
    }
}

fn ids(photos: Vec<PhotoView>) -> Vec<String> {
    photos.into_iter().map(|p| p.id).collect()
}

fn summary(committed: usize, held: usize, ready: usize, needs_tags: usize, failed: usize) -> String {
    let mut parts = Vec::new();
    if committed > 0 {
        parts.push(format!("{committed} saved to Medtech"));
    }
    if held > 0 {
        parts.push(format!("{held} on the way to Medtech"));
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
