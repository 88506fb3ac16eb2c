//! "Commit all ready photos": a confirmation naming the patient and the count, then one call
//! per photo with its progress and result; "retry failed" resends only what failed.
//! Ctrl+Enter opens the confirmation.

use leptos::prelude::*;

use super::api::commit_photo;
use crate::{
    staging::{PhotoState, PhotoView},
    ui::workspace::Workspace,
};

const UNKNOWN: &str = "outcome_unknown";

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

/// Sends photos one at a time, updating each photo's badge as it goes.
fn send(ws: Workspace, ids: Vec<String>, progress: RwSignal<Option<(usize, usize)>>, resend_unknown: bool) {
    if ids.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        let total = ids.len();
        for (n, id) in ids.into_iter().enumerate() {
            progress.set(Some((n + 1, total)));
            ws.photos.update(|l| {
                if let Some(p) = l.iter_mut().find(|p| p.id == id) {
                    p.state = PhotoState::Committing;
                }
            });
            match commit_photo(ws.sid(), id.clone(), resend_unknown).await {
                Ok(view) => ws.upsert(vec![view]),
                Err(e) => {
                    ws.photos.update(|l| {
                        if let Some(p) = l.iter_mut().find(|p| p.id == id) {
                            p.state = PhotoState::Failed;
                            p.failure = Some(e.message.clone());
                        }
                    });
                }
            }
        }
        progress.set(None);
    });
}

#[component]
pub fn CommitBar(ws: Workspace) -> impl IntoView {
    let progress = RwSignal::new(None::<(usize, usize)>);
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
        ws.confirming.set(false);
        send(ws, ready(&ws).into_iter().map(|p| p.id).collect(), progress, false);
    };
    let retry = move |_| send(ws, retryable(&ws).into_iter().map(|p| p.id).collect(), progress, false);
    let patient = ws.patient.get_value();
    let confirm_text = move || {
        let n = ready_count();
        format!(
            "Send {n} photo{} to the record of {} (NHI {}, born {})?",
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
                    Some((n, total)) => format!("Sending photo {n} of {total}…"),
                    None => summary(committed(), ready_count(), needs_tags(), failed_count() + unknown().len()),
                }}
            </p>
            <For each=unknown key=|p| p.id.clone() let:p>
                {
                    let id = p.id.clone();
                    view! {
                        <p class="unknown" role="alert">
                            {p.failure.clone().unwrap_or_default()}
                            <button type="button" class="secondary" on:click=move |_| send(ws, vec![id.clone()], progress, true)>
                                "I checked Medtech: send this photo again"
                            </button>
                        </p>
                    }
                }
            </For>
            <Show when=move || ws.confirming.get()>
                <div class="confirm" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-text">
                    <h2 id="confirm-title">"Commit photos to Medtech"</h2>
                    <p id="confirm-text">{confirm_text.clone()}</p>
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
