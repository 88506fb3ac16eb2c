//! The phone's pages: `/m` (type the code from the computer) and `/m/:token` (confirm the
//! patient, then take or pick photos, with optional quick tags). Thumb-sized controls.

use leptos::{html, prelude::*};
use leptos_router::hooks::{use_navigate, use_params_map};

use super::{
    MobileView,
    api::{mobile_session, redeem_code},
};
use crate::{
    capture::ui::UploadList,
    metadata::{
        codes::{BODY_SITES, IMAGE_TYPES, LATERALITIES},
        tags::TagPatch,
    },
    staging::{body_map::BodyMap, ui::Notices},
    ui::{
        frame::{Frame, PatientBanner, use_hydrated},
        workspace::Workspace,
    },
};

/// `/m` — for when the QR code cannot be scanned.
#[component]
pub fn CodeEntryPage() -> impl IntoView {
    let hydrated = use_hydrated();
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match redeem_code(code.get_untracked()).await {
                Ok(token) => navigate(&format!("/m/{token}"), Default::default()),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <Frame>
            <section class="mobile" aria-labelledby="code-title">
                <h2 id="code-title">"Connect this phone"</h2>
                <form on:submit=submit>
                    <label for="phone-code">"Code shown on the computer"</label>
                    <input
                        id="phone-code"
                        class="code-input"
                        autocomplete="off"
                        autocapitalize="characters"
                        placeholder="ABCD-EFGH"
                        maxlength="12"
                        on:input=move |e| code.set(event_target_value(&e))
                    />
                    <button type="submit" class="big" disabled=move || !hydrated.get()>"Connect"</button>
                </form>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            </section>
        </Frame>
    }
}

/// `/m/:token` — the phone's capture page for one desktop session's patient.
#[component]
pub fn MobilePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let session = Resource::new_blocking(token, |t| crate::error::with_page_status(mobile_session(t)));
    view! {
        <Frame>
            <Suspense fallback=|| view! { <p>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match session.await {
                        Ok(view) => view! { <Capture token=token() view /> }.into_any(),
                        // Its HTTP status was set with the data (`with_page_status`).
                        Err(e) => {
                            view! {
                                <PatientBanner patient=Signal::stored(None) />
                                <section class="error-page" role="alert">
                                    <h2>"This phone link no longer works"</h2>
                                    <p>{e.message}</p>
                                </section>
                            }
                            .into_any()
                        }
                    }
                })}
            </Suspense>
        </Frame>
    }
}

#[component]
fn Capture(token: String, view: MobileView) -> impl IntoView {
    let hydrated = use_hydrated();
    let confirmed = RwSignal::new(false);
    let ws = Workspace::for_phone(token, view.patient.clone(), view.limits.clone());
    let camera = NodeRef::<html::Input>::new();
    let gallery = NodeRef::<html::Input>::new();
    let take = move |input: NodeRef<html::Input>| {
        move |_ev: leptos::ev::Event| {
            #[cfg(feature = "hydrate")]
            if let Some(el) = input.get() {
                crate::capture::browser::add_file_list(ws, el.files());
                el.set_value("");
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = input;
        }
    };
    let uploaded = move || ws.photos.get().len();
    let has_uploaded = move || uploaded() > 0;
    view! {
        <PatientBanner patient=Signal::stored(Some(view.patient.clone())) />
        <Show
            when=move || confirmed.get()
            fallback=move || view! {
                <section class="mobile confirm-patient" aria-labelledby="confirm-patient-title">
                    <h2 id="confirm-patient-title">"Are these photos for this patient?"</h2>
                    <p>"Check the name, date of birth and NHI above against the computer."</p>
                    <button type="button" class="big" disabled=move || !hydrated.get() on:click=move |_| confirmed.set(true)>
                        "Yes, take photos"
                    </button>
                    <p class="hint">"If not, close this page and ask for a new code on the computer."</p>
                </section>
            }
        >
            <section class="mobile" aria-label="Photo capture">
                <div class="big-actions">
                    <label class="big button-like">
                        "Take photo"
                        <input node_ref=camera type="file" accept="image/*" capture="environment" multiple class="visually-hidden" aria-label="Take photo" on:change=take(camera) />
                    </label>
                    <label class="big button-like secondary">
                        "Choose from gallery"
                        <input node_ref=gallery type="file" accept="image/*" multiple class="visually-hidden" aria-label="Choose from gallery" on:change=take(gallery) />
                    </label>
                </div>
                <QuickTags ws />
                <UploadList ws />
                <Show when=has_uploaded>
                    <p class="sent" role="status">
                        {move || format!("{} photo{} sent to the computer. This phone keeps no copy.", uploaded(), if uploaded() == 1 { "" } else { "s" })}
                    </p>
                </Show>
                <p class="hint">{format!("This link works until {}.", view.expires_at)}</p>
            </section>
        </Show>
        <Notices ws />
    }
}

/// Optional tags given to the next photos taken on the phone.
#[component]
fn QuickTags(ws: Workspace) -> impl IntoView {
    let set = move |f: fn(&mut TagPatch, Option<String>)| {
        move |e: leptos::ev::Event| {
            let v = event_target_value(&e);
            ws.next_tags.update(|t| f(t, Some(v).filter(|v| !v.is_empty())));
        }
    };
    let select = |id: &'static str,
                  label: &'static str,
                  list: &'static [crate::metadata::codes::Code],
                  f: fn(&mut TagPatch, Option<String>),
                  get: fn(&TagPatch) -> Option<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id on:change=set(f) prop:value=move || ws.next_tags.with(|t| get(t).unwrap_or_default())>
                    <option value="">"—"</option>
                    {list.iter().map(|c| view! { <option value=c.code>{c.label}</option> }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <details class="quick-tags">
            <summary>"Tags for the next photos (optional)"</summary>
            <BodyMap
                site=Signal::derive(move || ws.next_tags.with(|t| t.body_site.clone()))
                side=Signal::derive(move || ws.next_tags.with(|t| t.laterality.clone()))
                on_pick=Callback::new(move |p: TagPatch| ws.next_tags.update(|t| {
                    t.body_site = p.body_site.filter(|v| !v.is_empty());
                    t.laterality = p.laterality.filter(|v| !v.is_empty());
                }))
            />
            {select("m-body-site", "Body site", BODY_SITES, |t, v| t.body_site = v, |t| t.body_site.clone())}
            {select("m-laterality", "Laterality", LATERALITIES, |t, v| t.laterality = v, |t| t.laterality.clone())}
            {select("m-image-type", "Image type", IMAGE_TYPES, |t, v| t.image_type = v, |t| t.image_type.clone())}
        </details>
    }
}
