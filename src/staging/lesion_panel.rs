//! The skin check in the tag panel: mark lesions on the body map (each numbered L1, L2, …, with
//! an optional note), and say which lesion the current photo shows (its site and side are copied
//! from the lesion). Every change saves at once, or says why not; the list is always the server's.

use leptos::prelude::*;

use super::{
    api::{assign_lesion, change_lesion, list_lesions, mark_lesion},
    body_map::Marker,
    lesion::{LesionView, MAX_NOTE},
};
use crate::{model::PhotoState, ui::workspace::Workspace};

/// The session's lesions, shared by the panel and the map's markers.
#[derive(Clone, Copy)]
pub struct Lesions {
    pub list: RwSignal<Vec<LesionView>>,
    /// The next map pick marks a lesion.
    pub marking: RwSignal<bool>,
}

impl Lesions {
    pub fn new(ws: Workspace) -> Lesions {
        let l = Lesions {
            list: RwSignal::new(Vec::new()),
            marking: RwSignal::new(false),
        };
        Effect::new(move |_| l.reload(ws));
        l
    }

    pub fn reload(self, ws: Workspace) {
        leptos::task::spawn_local(async move {
            match list_lesions(ws.sid()).await {
                Ok(list) => self.list.set(list),
                Err(e) => ws.notify(format!("The lesions could not be shown: {}", e.message), true, None),
            }
        });
    }

    pub fn markers(self) -> Signal<Vec<Marker>> {
        Signal::derive(move || {
            self.list.with(|l| {
                l.iter()
                    .map(|l| Marker {
                        view: l.view,
                        x: l.x,
                        y: l.y,
                        label: l.label(),
                    })
                    .collect()
            })
        })
    }

    /// Marks a lesion in a region of the map.
    pub fn mark(self, ws: Workspace, region: &'static str) {
        leptos::task::spawn_local(async move {
            match mark_lesion(ws.sid(), region.to_string(), String::new()).await {
                Ok(l) => ws.notify(format!("{} marked: {}.", l.label(), l.site_words()), false, None),
                Err(e) => ws.notify(format!("The lesion was not marked: {}", e.message), true, None),
            }
            self.reload(ws);
        });
    }
}

fn assign(ws: Workspace, lesions: Lesions, lesion: Option<String>, photo: String, resync: RwSignal<u32>) {
    leptos::task::spawn_local(async move {
        match assign_lesion(ws.sid(), lesion, vec![photo]).await {
            Ok(views) => ws.upsert(views),
            Err(e) => ws.notify(format!("The photo's lesion was not saved: {}", e.message), true, None),
        }
        lesions.reload(ws);
        resync.update(|n| *n = n.wrapping_add(1));
    });
}

fn change(ws: Workspace, lesions: Lesions, id: String, note: Option<String>) {
    leptos::task::spawn_local(async move {
        if let Err(e) = change_lesion(ws.sid(), id, note).await {
            ws.notify(format!("The lesion was not changed: {}", e.message), true, None);
        }
        lesions.reload(ws);
        // Photos that left a removed lesion.
        if let Ok(views) = super::api::list_photos(ws.sid()).await {
            ws.upsert(views);
        }
    });
}

#[component]
pub fn LesionPanel(ws: Workspace, lesions: Lesions, photo: String) -> impl IntoView {
    let record = {
        let id = photo.clone();
        Memo::new(move |_| ws.photos.with(|l| l.iter().find(|p| p.id == id).cloned()))
    };
    let editable = move || {
        record.with(|r| {
            r.as_ref()
                .is_some_and(|p| matches!(p.state, PhotoState::Staged | PhotoState::Failed))
        })
    };
    let resync = RwSignal::new(0u32);
    let shown = move || {
        resync.track();
        lesions.list.track();
        record.with(|r| r.as_ref().and_then(|p| p.lesion_id.clone()).unwrap_or_default())
    };
    let on_assign = move |e: leptos::ev::Event| {
        let v = event_target_value(&e);
        assign(ws, lesions, Some(v).filter(|v| !v.is_empty()), photo.clone(), resync);
    };
    let marking = lesions.marking;
    view! {
        <section class="lesions field" aria-labelledby="lesions-title">
            <h3 id="lesions-title">"Skin check: lesions"</h3>
            <button
                type="button"
                class="secondary"
                aria-pressed=move || marking.get().to_string()
                on:click=move |_| marking.update(|m| *m = !*m)
            >
                {move || if marking.get() { "Cancel marking" } else { "Mark a lesion on the map" }}
            </button>
            {move || marking.get().then_some(view! {
                <p class="hint" role="status">"Now choose where the lesion is on the body map."</p>
            })}
            <ol class="lesion-list" aria-label="Lesions">
                <For each=move || lesions.list.get() key=|l| l.clone() let:l>
                    {
                        let label = l.label();
                        let (id, rid) = (l.id.clone(), l.id.clone());
                        view! {
                            <li data-lesion=l.label()>
                                <strong>{format!("{} {}", label, l.site_words())}</strong>
                                <span class="count">{format!(" · {} photo{}", l.photos, if l.photos == 1 { "" } else { "s" })}</span>
                                <input
                                    type="text"
                                    maxlength=MAX_NOTE.to_string()
                                    placeholder="Note, e.g. changing, new, biopsy planned"
                                    aria-label=format!("Note for {label}")
                                    prop:value=l.note.clone()
                                    on:change=move |e| change(ws, lesions, id.clone(), Some(event_target_value(&e)))
                                />
                                <button
                                    type="button"
                                    class="link"
                                    aria-label=format!("Remove {label}")
                                    on:click=move |_| change(ws, lesions, rid.clone(), None)
                                >
                                    "Remove"
                                </button>
                            </li>
                        }
                    }
                </For>
            </ol>
            <label for="photo-lesion">"This photo shows"</label>
            <select id="photo-lesion" disabled=move || !editable() prop:value=shown on:change=on_assign>
                <option value="">"No lesion in particular"</option>
                {move || lesions.list.get().into_iter().map(|l| {
                    let id = l.id.clone();
                    view! {
                        <option value=l.id.clone() prop:selected=move || shown() == id>
                            {format!("{} {}", l.label(), l.site_words())}
                        </option>
                    }
                }).collect_view()}
            </select>
        </section>
    }
}
