//! The photo strip (thumbnails with state badges), the large preview with zoom, and removing a
//! photo with undo. Keyboard: ←/→ move between photos, Delete removes.

use leptos::prelude::*;

use super::api;
use crate::model::{PhotoState, PhotoView};
use crate::{capture::ui::drop_handlers, ui::workspace::Workspace};

/// The badge a thumbnail wears.
pub fn badge(p: &PhotoView) -> (String, &'static str) {
    if let Some(words) = p.delivery_words().filter(|_| p.delivery.is_some()) {
        let class = match p.delivery {
            Some(crate::model::DeliveryState::NeedsYou) => "badge failed",
            Some(crate::model::DeliveryState::Waiting) => "badge waiting",
            _ => "badge committing",
        };
        return (words, class);
    }
    let (words, class) = match p.state {
        PhotoState::Committed => ("Saved to Medtech", "badge committed"),
        PhotoState::Committing => ("Sending…", "badge committing"),
        PhotoState::Failed => ("Failed", "badge failed"),
        PhotoState::Removed => ("Removed", "badge"),
        PhotoState::Expired => ("Expired", "badge"),
        PhotoState::Staged if p.missing.is_empty() => ("Ready", "badge ready"),
        PhotoState::Staged => ("Needs tags", "badge needs-tags"),
    };
    (words.to_string(), class)
}

pub fn describe(p: &PhotoView) -> String {
    let words = p.tags.words();
    if words.is_empty() {
        "untagged".into()
    } else {
        words.join(", ")
    }
}

/// Removes a photo on the server, with an Undo notice.
pub fn remove(ws: Workspace, id: String) {
    leptos::task::spawn_local(async move {
        match api::remove_photo(ws.sid(), id.clone()).await {
            Ok(_) => {
                ws.remove_local(&id);
                ws.notify("Photo removed.", false, Some(id));
            }
            Err(e) => ws.notify(e.message, true, None),
        }
    });
}

pub fn undo_remove(ws: Workspace, id: String) {
    leptos::task::spawn_local(async move {
        match api::restore_photo(ws.sid(), id.clone()).await {
            Ok(view) => {
                ws.upsert(vec![view]);
                ws.current.set(Some(id.clone()));
                ws.notices
                    .update(|n| n.retain(|x| x.undo_photo.as_deref() != Some(id.as_str())));
            }
            Err(e) => ws.notify(e.message, true, None),
        }
    });
}

#[component]
pub fn Strip(ws: Workspace) -> impl IntoView {
    let (over, drop) = drop_handlers(ws);
    let on_key = move |e: leptos::ev::KeyboardEvent| match e.key().as_str() {
        "ArrowRight" | "ArrowDown" => {
            e.prevent_default();
            ws.step(1);
            focus_current();
        }
        "ArrowLeft" | "ArrowUp" => {
            e.prevent_default();
            ws.step(-1);
            focus_current();
        }
        " " => {
            if let Some(id) = ws.current.get_untracked() {
                e.prevent_default();
                toggle_tick(ws, id);
            }
        }
        "Delete" | "Backspace" => {
            if let Some(id) = ws.current.get_untracked() {
                let removable = ws
                    .photos
                    .get_untracked()
                    .iter()
                    .any(|p| p.id == id && p.state != PhotoState::Committed);
                if removable {
                    e.prevent_default();
                    remove(ws, id);
                }
            }
        }
        _ => {}
    };
    let items = move || ws.visible().into_iter().enumerate().collect::<Vec<_>>();
    let has_photos = move || !ws.visible().is_empty();
    view! {
        <section class="photo-strip" aria-label="Photos" on:dragover=over on:drop=drop>
            <Show
                when=has_photos
                fallback=|| view! { <p class="empty">"No photos yet. Add photos, drop them here, or paste."</p> }
            >
                <p id="strip-keys" class="visually-hidden">
                    "Arrow keys move between photos. Space ticks a photo for Apply to selected. Delete removes it."
                </p>
                <ul role="listbox" aria-label="Photos for this patient" aria-describedby="strip-keys" class="thumbs" on:keydown=on_key>
                    <For
                        each=items
                        key=|(i, p)| (*i, p.clone())
                        let:item
                    >
                        {
                            let (i, p) = item;
                            let id = p.id.clone();
                            let (badge_text, badge_class) = badge(&p);
                            let selected = {
                                let id = id.clone();
                                Signal::derive(move || ws.current.get().as_deref() == Some(id.as_str()))
                            };
                            let ticked = {
                                let id = id.clone();
                                move || ws.ticked.get().contains(&id)
                            };
                            let click_id = id.clone();
                            let tick_id = id.clone();
                            let label = format!("Photo {}: {}, {}", i + 1, describe(&p), badge_text);
                            view! {
                                <li
                                    role="option"
                                    class="thumb"
                                    data-photo-id=id.clone()
                                    aria-selected=move || selected.get().to_string()
                                    aria-checked={let t = ticked.clone(); move || t().to_string()}
                                    aria-label=label.clone()
                                    tabindex=move || if selected.get() { "0" } else { "-1" }
                                    on:click=move |_| ws.current.set(Some(click_id.clone()))
                                >
                                    <img src=p.image_url.clone() alt="" loading="lazy" />
                                    <span class=badge_class>{badge_text}</span>
                                    // Ticked for "Apply to selected": the option's own state (aria-checked),
                                    // toggled by this mark or by Space — no control nested in the option.
                                    <span
                                        class="tick"
                                        class:on=ticked.clone()
                                        aria-hidden="true"
                                        on:click=move |e| {
                                            e.stop_propagation();
                                            toggle_tick(ws, tick_id.clone());
                                        }
                                    >
                                        {let t = ticked.clone(); move || if t() { "✓" } else { "" }}
                                    </span>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// Ticks a photo for "Apply to selected", or unticks it.
fn toggle_tick(ws: Workspace, id: String) {
    ws.ticked.update(|t| {
        if let Some(at) = t.iter().position(|x| *x == id) {
            t.remove(at);
        } else {
            t.push(id);
        }
    });
}

fn focus_current() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .query_selector(".thumb[aria-selected=true]")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
}

/// The current photo, large, with zoom, remove, and "Edit photo" (which opens the editor the page
/// shows for `editing`).
#[component]
pub fn Preview(ws: Workspace, editing: RwSignal<Option<String>>) -> impl IntoView {
    let zoomed = RwSignal::new(false);
    let current = move || {
        let id = ws.current.get()?;
        ws.photos.get().into_iter().find(|p| p.id == id)
    };
    view! {
        {move || current().map(|p| {
            let id = p.id.clone();
            let can_remove = p.state != PhotoState::Committed && p.state != PhotoState::Committing;
            let edit_id = id.clone();
            let can_edit = matches!(p.state, PhotoState::Staged | PhotoState::Failed);
            view! {
                <figure class="preview" class:zoomed=move || zoomed.get()>
                    <Show when=move || can_edit>
                        {
                            let id = edit_id.clone();
                            view! {
                                <button type="button" class="secondary edit-photo" on:click=move |_| editing.set(Some(id.clone()))>
                                    "Edit photo"
                                </button>
                            }
                        }
                    </Show>
                    <div class="preview-image">
                        <img src=p.image_url.clone() alt=format!("Photo: {}", describe(&p)) />
                    </div>
                    <figcaption>
                        <span>
                            {if p.edited {
                                format!("{} × {} px, edited (the original is kept), taken {}", p.width, p.height, p.taken)
                            } else {
                                format!("{} × {} px, {} KB, taken {}", p.width, p.height, p.bytes / 1024, p.taken)
                            }}
                        </span>
                        {p.failure.clone().map(|f| view! { <span class="error" role="alert">{f}</span> })}
                        <button
                            type="button"
                            class="secondary"
                            aria-pressed=move || zoomed.get().to_string()
                            on:click=move |_| zoomed.update(|z| *z = !*z)
                        >
                            {move || if zoomed.get() { "Zoom out" } else { "Zoom in" }}
                        </button>
                        <Show when=move || can_remove>
                            {
                                let id = id.clone();
                                view! {
                                    <button type="button" class="secondary danger" on:click=move |_| remove(ws, id.clone())>
                                        "Remove photo"
                                    </button>
                                }
                            }
                        </Show>
                    </figcaption>
                </figure>
            }
        })}
    }
}

/// Messages for the GP, newest last; a removed photo's message offers Undo.
#[component]
pub fn Notices(ws: Workspace) -> impl IntoView {
    view! {
        <ul class="notices" aria-live="polite" aria-label="Messages">
            <For each=move || ws.notices.get() key=|n| n.id let:n>
                {
                    let id = n.id;
                    let undo = n.undo_photo.clone();
                    view! {
                        <li class:error=n.is_error role=if n.is_error { "alert" } else { "status" }>
                            <span>{n.text.clone()}</span>
                            {undo.map(|photo| view! {
                                <button type="button" class="secondary" on:click=move |_| undo_remove(ws, photo.clone())>
                                    "Undo"
                                </button>
                            })}
                            <button type="button" class="link" aria-label="Dismiss message" on:click=move |_| ws.notices.update(|l| l.retain(|x| x.id != id))>
                                "×"
                            </button>
                        </li>
                    }
                }
            </For>
        </ul>
    }
}
