//! Tagging the current photo: body site (searchable), laterality, view, image type, and a
//! description; required ones flagged until filled; "apply to all / to selected".

use leptos::prelude::*;

use super::{
    api::tag_photos,
    body_map::BodyMap,
    lesion_panel::{LesionPanel, Lesions},
};
use crate::{
    metadata::{
        codes::{BODY_SITES, Code, IMAGE_TYPES, LATERALITIES, VIEWS},
        tags::{TagPatch, Tags},
    },
    model::PhotoState,
    ui::workspace::Workspace,
};

/// Saves a tag change. Whatever the answer, `resync` is bumped afterwards so every control
/// shows the record again — the saved tags on success, the unchanged ones (with a message saying
/// why) on failure — never what the GP clicked but the server did not keep.
fn save(ws: Workspace, ids: Vec<String>, patch: TagPatch, resync: RwSignal<u32>) {
    if ids.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        match tag_photos(ws.sid(), ids, patch).await {
            Ok(views) => ws.upsert(views),
            Err(e) => ws.notify(format!("The tag was not saved: {}", e.message), true, None),
        }
        resync.update(|n| *n = n.wrapping_add(1));
    });
}

fn patch_of(tags: &Tags) -> TagPatch {
    let v = |o: &Option<String>| Some(o.clone().unwrap_or_default());
    TagPatch {
        body_site: v(&tags.body_site),
        laterality: v(&tags.laterality),
        view: v(&tags.view),
        image_type: v(&tags.image_type),
        description: None,
    }
}

/// The form for the current photo. It is made once per selected photo, and every control reads
/// that photo's record in `ws.photos` — the panel never keeps tags of its own.
#[component]
pub fn TagPanel(ws: Workspace) -> impl IntoView {
    let current = Memo::new(move |_| {
        let id = ws.current.get()?;
        ws.photos.with(|l| l.iter().any(|p| p.id == id)).then_some(id)
    });
    let lesions = Lesions::new(ws);
    view! {
        {move || current.get().map(|id| view! { <TagForm ws id lesions /> })}
    }
}

#[component]
fn TagForm(ws: Workspace, id: String, lesions: Lesions) -> impl IntoView {
    let record = {
        let id = id.clone();
        Memo::new(move |_| ws.photos.with(|l| l.iter().find(|p| p.id == id).cloned()))
    };
    let tags = Memo::new(move |_| record.with(|r| r.as_ref().map(|p| p.tags.clone()).unwrap_or_default()));
    let editable = move || {
        record.with(|r| {
            r.as_ref()
                .is_some_and(|p| matches!(p.state, PhotoState::Staged | PhotoState::Failed))
        })
    };
    let resync = RwSignal::new(0u32);
    let required = ws.limits.get_value().required_fields;
    let is_required = move |f: &str| required.iter().any(|r| r == f);
    let site_required = is_required("body_site");
    let site_label = move || {
        resync.track();
        tags.with(|t| Tags::label(BODY_SITES, t.body_site.as_deref()))
            .unwrap_or("")
            .to_string()
    };
    let site_error = RwSignal::new(None::<String>);
    let site_missing = move || site_required && tags.with(|t| t.body_site.is_none());

    let site_id = id.clone();
    let on_site = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let text = text.trim();
        let code = if text.is_empty() {
            String::new()
        } else {
            match BODY_SITES.iter().find(|c| c.label.eq_ignore_ascii_case(text)) {
                Some(c) => c.code.to_string(),
                None => return site_error.set(Some("Choose a body site from the list.".into())),
            }
        };
        site_error.set(None);
        let patch = TagPatch {
            body_site: Some(code),
            ..Default::default()
        };
        save(ws, vec![site_id.clone()], patch, resync);
    };
    let map_id = id.clone();
    let lesion_photo = id.clone();
    let on_map = Callback::new(move |patch: TagPatch| {
        let can_change = record.with_untracked(|r| {
            r.as_ref()
                .is_some_and(|p| matches!(p.state, PhotoState::Staged | PhotoState::Failed))
        });
        if !can_change {
            return ws.notify(
                "This photo's tags can no longer change: it is being saved or is in Medtech.",
                true,
                None,
            );
        }
        site_error.set(None);
        save(ws, vec![map_id.clone()], patch, resync);
    });
    let map_site = Signal::derive(move || tags.with(|t| t.body_site.clone()));
    let map_side = Signal::derive(move || tags.with(|t| t.laterality.clone()));
    let desc_id = id.clone();
    let on_desc = move |ev: leptos::ev::Event| {
        let patch = TagPatch {
            description: Some(event_target_value(&ev)),
            ..Default::default()
        };
        save(ws, vec![desc_id.clone()], patch, resync);
    };
    let description = move || {
        resync.track();
        tags.with(|t| t.description.clone().unwrap_or_default())
    };
    let apply_all = move |_| {
        let ids = ws
            .photos
            .get_untracked()
            .into_iter()
            .filter(|p| !p.is_frozen() && matches!(p.state, PhotoState::Staged | PhotoState::Failed))
            .map(|p| p.id)
            .collect();
        save(ws, ids, patch_of(&tags.get_untracked()), resync);
    };
    let apply_selected = move |_| save(ws, ws.ticked.get_untracked(), patch_of(&tags.get_untracked()), resync);
    let chips = move |field: &'static str, legend: &'static str, list: &'static [Code]| {
        view! { <Chips ws id=id.clone() field legend list tags required=is_required(field) resync /> }
    };

    view! {
        <form class="tags" aria-label="Tags for this photo" on:submit=|e| e.prevent_default()>
            <fieldset disabled=move || !editable()>
                <div class="field" class:missing=site_missing>
                    <label for="body-site">
                        "Body site" {site_required.then_some(view! { <span class="req">" (required)"</span> })}
                    </label>
                    <input
                        id="body-site"
                        list="body-site-options"
                        autocomplete="off"
                        placeholder="Type to search, e.g. forearm"
                        prop:value=site_label
                        aria-invalid=move || (site_missing() || site_error.get().is_some()).to_string()
                        on:change=on_site
                    />
                    <datalist id="body-site-options">
                        {BODY_SITES.iter().map(|c| view! { <option value=c.label></option> }).collect_view()}
                    </datalist>
                    {move || site_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    {move || site_missing().then_some(view! { <p class="needed">"Needed before commit"</p> })}
                </div>
                {chips("laterality", "Laterality", LATERALITIES)}
                {chips("view", "View", VIEWS)}
                {chips("image_type", "Image type", IMAGE_TYPES)}
                <div class="field">
                    <label for="description">"Description (optional)"</label>
                    <textarea id="description" rows="2" maxlength="500" prop:value=description on:change=on_desc></textarea>
                </div>
                <div class="row apply">
                    <button type="button" class="secondary" on:click=apply_all>"Apply these tags to all photos"</button>
                    <button type="button" class="secondary" disabled=move || ws.ticked.get().is_empty() on:click=apply_selected>
                        {move || format!("Apply to selected ({})", ws.ticked.get().len())}
                    </button>
                </div>
                // The map and the lesions come after the tags, so every tag control and "Apply"
                // stay on screen at 1366×768; the map sets the site and side in one step.
                <details class="field map-field" open>
                    <summary>"Body map: tap a region to set the site and side"</summary>
                    <BodyMap
                        site=map_site
                        side=map_side
                        on_pick=on_map
                        disabled=Signal::derive(move || !editable())
                        markers=lesions.markers()
                        marking=lesions.marking
                        on_mark=Callback::new(move |region| lesions.mark(ws, region))
                    />
                </details>
                <LesionPanel ws lesions photo=lesion_photo />
            </fieldset>
        </form>
    }
}

/// One coded field as a group of radio "chips". Which chip is on comes from the photo's record
/// (`tags`) as a live property — never from the input's own checked state, which the browser
/// keeps across photos. The group's name is the same for every photo: renaming a checked radio
/// into a group unchecks the others there, which lost the next photo's chip. Every click saves,
/// even on a chip already on, so what the GP sees selected is always what the record holds.
#[allow(clippy::too_many_arguments)]
#[component]
fn Chips(
    ws: Workspace,
    id: String,
    field: &'static str,
    legend: &'static str,
    list: &'static [Code],
    tags: Memo<Tags>,
    required: bool,
    resync: RwSignal<u32>,
) -> impl IntoView {
    let missing = move || required && tags.with(|t| t.get(field).is_none());
    view! {
        <fieldset class="chips field" class:missing=missing>
            <legend>{legend} {required.then_some(view! { <span class="req">" (required)"</span> })}</legend>
            <div class="chip-row">
                {list.iter().map(|c| {
                    let id = id.clone();
                    let code = c.code;
                    let on = move || {
                        resync.track();
                        tags.with(|t| t.get(field) == Some(code))
                    };
                    view! {
                        <label class="chip" class:on=on>
                            <input
                                type="radio"
                                name=format!("tag-{field}")
                                value=code
                                prop:checked=on
                                on:click=move |_| {
                                    let mut patch = TagPatch::default();
                                    let v = Some(code.to_string());
                                    match field {
                                        "laterality" => patch.laterality = v,
                                        "view" => patch.view = v,
                                        _ => patch.image_type = v,
                                    }
                                    save(ws, vec![id.clone()], patch, resync);
                                }
                            />
                            {c.label}
                        </label>
                    }
                }).collect_view()}
            </div>
            {move || missing().then_some(view! { <p class="needed">"Needed before commit"</p> })}
        </fieldset>
    }
}
