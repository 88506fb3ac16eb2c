//! The widget page for one launch session: everything the GP does for one patient, composed
//! from each domain's components (adding, the strip and preview, tagging, the phone, committing).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    capture::ui::{AddPhotos, UploadList},
    delivery::{commit_bar::CommitBar, held::HeldPhotos},
    editor::ui::Editor,
    error::{AppError, ErrorKind, with_page_status},
    handoff::desktop::{LiveFeed, PhonePanel},
    launch::api::{SessionView, WasmBeacon, get_session, record_consent},
    model::PhotoView,
    staging::{
        api::list_photos,
        tag_panel::TagPanel,
        ui::{Notices, Preview, Strip},
    },
    ui::{
        frame::{Frame, PatientBanner},
        workspace::Workspace,
    },
};

/// Closing the widget's page ends its session (and stops its phone links): the page tells the
/// server as it goes (`pagehide`, which also fires on reload — a page back within seconds
/// keeps its session).
#[component]
fn EndOnClose(sid: String) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::{JsCast, closure::Closure};
        let url = format!("/api/w/{sid}/close");
        let on_hide = Closure::<dyn FnMut()>::new(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().send_beacon(&url);
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
        }
        on_hide.forget();
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = sid;
}

/// `/w/:sid` — everything the GP does for one patient happens here.
#[component]
pub fn WidgetPage() -> impl IntoView {
    let params = use_params_map();
    let sid = move || params.read().get("sid").unwrap_or_default();
    let session = Resource::new_blocking(sid, |s| with_page_status(get_session(s)));
    let photos = Resource::new_blocking(sid, |s| with_page_status(list_photos(s)));
    view! {
        <WasmBeacon sid=params.read_untracked().get("sid").unwrap_or_default() />
        <Frame>
            <Suspense fallback=|| view! { <p class="loading">"Loading the patient…"</p> }>
                {move || Suspend::new(async move {
                    match (session.await, photos.await) {
                        (Ok(s), Ok(list)) => view! { <Session sid=sid() session=s photos=list /> }.into_any(),
                        (Err(e), _) | (_, Err(e)) => view! { <SessionProblem error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </Frame>
    }
}

#[component]
fn Session(sid: String, session: SessionView, photos: Vec<PhotoView>) -> impl IntoView {
    let patient = session.patient.clone();
    let Some(p) = patient.clone() else {
        return view! {
            <PatientBanner patient=Signal::stored(None) />
            <NoPatient />
        }
        .into_any();
    };
    let consent = RwSignal::new(session.consent.clone());
    let needs_consent = move || session.limits.consent_required && consent.get().is_none();
    let ws = Workspace::new(sid.clone(), p, session.limits.clone(), photos);
    // The photo open in the editor (the preview's "Edit photo" opens it).
    let editing = RwSignal::new(None::<String>);
    view! {
        <EndOnClose sid=sid.clone() />
        <PatientBanner patient=Signal::stored(patient) />
        <Show when=move || consent.get().is_some()>
            <p class="consent-line">{move || consent.get()}</p>
        </Show>
        <HeldPhotos ws />
        <Show when=needs_consent fallback=move || view! {
            <div class="row">
                <AddPhotos ws />
                <PhonePanel ws />
            </div>
            <LiveFeed ws />
            <UploadList ws />
            <Strip ws />
            <div class="workbench">
                <Preview ws editing />
                <Editor ws editing />
                <TagPanel ws />
            </div>
            <CommitBar ws />
        }>
            <ConsentPanel sid=sid.clone() consent />
        </Show>
        <Notices ws />
    }
    .into_any()
}

/// Recording the patient's consent to photography, before the first photo.
#[component]
fn ConsentPanel(sid: String, consent: RwSignal<Option<String>>) -> impl IntoView {
    let hydrated = crate::ui::frame::use_hydrated();
    let kind = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let sid = StoredValue::new(sid);
    let save = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        leptos::task::spawn_local(async move {
            let r = Some(reason.get_untracked()).filter(|r| !r.trim().is_empty());
            match record_consent(sid.get_value(), kind.get_untracked(), r).await {
                Ok(view) => consent.set(view.consent),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <form class="consent" aria-labelledby="consent-title" on:submit=save>
            <h2 id="consent-title">"Consent to clinical photography"</h2>
            <fieldset>
                <legend>"How did the patient consent?"</legend>
                {crate::launch::api::CONSENT_KINDS.iter().map(|(k, label)| view! {
                    <label class="chip">
                        <input
                            type="radio"
                            name="consent-kind"
                            value=*k
                            disabled=move || !hydrated.get()
                            on:change=move |_| kind.set(k.to_string())
                        />
                        {*label}
                    </label>
                }).collect_view()}
            </fieldset>
            <Show when=move || kind.get() == "not_obtainable">
                <div class="field">
                    <label for="consent-reason">"Why could consent not be obtained?"</label>
                    <textarea id="consent-reason" rows="2" maxlength="300" on:input=move |e| reason.set(event_target_value(&e))></textarea>
                </div>
            </Show>
            <button type="submit" class="primary" disabled=move || !hydrated.get() || kind.get().is_empty()>"Record consent"</button>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </form>
    }
}

#[component]
fn NoPatient() -> impl IntoView {
    view! {
        <section class="no-context" aria-labelledby="no-patient-title">
            <h2 id="no-patient-title">"Open a patient in Medtech first"</h2>
            <p>
                "The widget was opened without a patient. Open the patient's record in Medtech "
                "Evolution, then click the Clinical Images icon again."
            </p>
        </section>
    }
}

#[component]
fn SessionProblem(error: AppError) -> impl IntoView {
    let title = match error.kind {
        ErrorKind::SessionExpired => "This session has ended",
        ErrorKind::NotThisBrowser => "This session belongs to another browser",
        _ => "This session is not available",
    };
    view! {
        <PatientBanner patient=Signal::stored(None) />
        <section class="error-page" role="alert">
            <h2>{title}</h2>
            <p>{error.message}</p>
        </section>
    }
}
