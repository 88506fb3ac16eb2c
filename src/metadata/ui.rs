//! Tagging the current photo: body site (searchable), laterality, view, image type, and a
//! description; required ones flagged until filled; "apply to all / to selected".

use leptos::prelude::*;

use super::{
    codes::{BODY_SITES, Code, IMAGE_TYPES, LATERALITIES, VIEWS},
    tags::{TagPatch, Tags},
};
use crate::{
    staging::{PhotoState, PhotoView, api::tag_photos},
    ui::workspace::Workspace,
};

fn save(ws: Workspace, ids: Vec<String>, patch: TagPatch) {
    if ids.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        match tag_photos(ws.sid(), ids, patch).await {
            Ok(views) => ws.upsert(views),
            Err(e) => ws.notify(e.message, true, None),
        }
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

#[component]
pub fn TagPanel(ws: Workspace) -> impl IntoView {
    let current = move || {
        let id = ws.current.get()?;
        ws.photos.get().into_iter().find(|p| p.id == id)
    };
    view! {
        {move || current().map(|p| view! { <TagForm ws photo=p /> })}
    }
}

#[component]
fn TagForm(ws: Workspace, photo: PhotoView) -> impl IntoView {
    let id = photo.id.clone();
    let editable = matches!(photo.state, PhotoState::Staged | PhotoState::Failed);
    let required = ws.limits.get_value().required_fields;
    let is_required = move |f: &str| required.iter().any(|r| r == f);
    let tags = photo.tags.clone();
    let site_label = Tags::label(BODY_SITES, tags.body_site.as_deref())
        .unwrap_or("")
        .to_string();
    let site_error = RwSignal::new(None::<String>);

    let site_id = id.clone();
    let on_site = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let text = text.trim();
        if text.is_empty() {
            site_error.set(None);
            save(
                ws,
                vec![site_id.clone()],
                TagPatch {
                    body_site: Some(String::new()),
                    ..Default::default()
                },
            );
            return;
        }
        match BODY_SITES.iter().find(|c| c.label.eq_ignore_ascii_case(text)) {
            Some(c) => {
                site_error.set(None);
                save(
                    ws,
                    vec![site_id.clone()],
                    TagPatch {
                        body_site: Some(c.code.into()),
                        ..Default::default()
                    },
                );
            }
            None => site_error.set(Some("Choose a body site from the list.".into())),
        }
    };
    let desc_id = id.clone();
    let on_desc = move |ev: leptos::ev::Event| {
        save(
            ws,
            vec![desc_id.clone()],
            TagPatch {
                description: Some(event_target_value(&ev)),
                ..Default::default()
            },
        );
    };
    let all_tags = tags.clone();
    let apply_all = move |_| {
        let ids = ws
            .photos
            .get_untracked()
            .into_iter()
            .filter(|p| matches!(p.state, PhotoState::Staged | PhotoState::Failed))
            .map(|p| p.id)
            .collect();
        save(ws, ids, patch_of(&all_tags));
    };
    let sel_tags = tags.clone();
    let apply_selected = move |_| save(ws, ws.ticked.get_untracked(), patch_of(&sel_tags));
    let site_missing = is_required("body_site") && tags.body_site.is_none();

    view! {
        <form class="tags" aria-label="Tags for this photo" on:submit=|e| e.prevent_default()>
            <fieldset disabled=!editable>
                <div class="field" class:missing=site_missing>
                    <label for="body-site">
                        "Body site" {is_required("body_site").then_some(view! { <span class="req">" (required)"</span> })}
                    </label>
                    <input
                        id="body-site"
                        list="body-site-options"
                        autocomplete="off"
                        placeholder="Type to search, e.g. forearm"
                        prop:value=site_label
                        aria-invalid=move || (site_missing || site_error.get().is_some()).to_string()
                        on:change=on_site
                    />
                    <datalist id="body-site-options">
                        {BODY_SITES.iter().map(|c| view! { <option value=c.label></option> }).collect_view()}
                    </datalist>
                    {move || site_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    {site_missing.then_some(view! { <p class="needed">"Needed before commit"</p> })}
                </div>
                <Chips ws id=id.clone() field="laterality" legend="Laterality" list=LATERALITIES value=tags.laterality.clone() required=is_required("laterality") />
                <Chips ws id=id.clone() field="view" legend="View" list=VIEWS value=tags.view.clone() required=is_required("view") />
                <Chips ws id=id.clone() field="image_type" legend="Image type" list=IMAGE_TYPES value=tags.image_type.clone() required=is_required("image_type") />
                <div class="field">
                    <label for="description">"Description (optional)"</label>
                    <textarea id="description" rows="2" maxlength="500" prop:value=tags.description.clone().unwrap_or_default() on:change=on_desc></textarea>
                </div>
                <div class="row apply">
                    <button type="button" class="secondary" on:click=apply_all>"Apply these tags to all photos"</button>
                    <button type="button" class="secondary" disabled=move || ws.ticked.get().is_empty() on:click=apply_selected>
                        {move || format!("Apply to selected ({})", ws.ticked.get().len())}
                    </button>
                </div>
            </fieldset>
        </form>
    }
}

/// One coded field as a group of radio "chips".
#[component]
fn Chips(
    ws: Workspace,
    id: String,
    field: &'static str,
    legend: &'static str,
    list: &'static [Code],
    value: Option<String>,
    required: bool,
) -> impl IntoView {
    let missing = required && value.is_none();
    view! {
        <fieldset class="chips field" class:missing=missing>
            <legend>{legend} {required.then_some(view! { <span class="req">" (required)"</span> })}</legend>
            <div class="chip-row">
                {list.iter().map(|c| {
                    let id = id.clone();
                    let checked = value.as_deref() == Some(c.code);
                    let code = c.code;
                    view! {
                        <label class="chip" class:on=checked>
                            <input
                                type="radio"
                                name=format!("{field}-{id}")
                                value=code
                                checked=checked
                                on:change=move |_| {
                                    let mut patch = TagPatch::default();
                                    let v = Some(code.to_string());
                                    match field {
                                        "laterality" => patch.laterality = v,
                                        "view" => patch.view = v,
                                        _ => patch.image_type = v,
                                    }
                                    save(ws, vec![id.clone()], patch);
                                }
                            />
                            {c.label}
                        </label>
                    }
                }).collect_view()}
            </div>
            {missing.then_some(view! { <p class="needed">"Needed before commit"</p> })}
        </fieldset>
    }
}
