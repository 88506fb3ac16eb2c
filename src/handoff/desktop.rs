//! The desktop's "Use my phone" panel, and the live feed that shows the phone's photos.

use leptos::prelude::*;

use super::{
    HandoffView,
    api::{start_handoff, stop_handoff},
};
use crate::ui::{
    frame::use_hydrated,
    lazy::{ChunkMissing, Part, lazy_view},
    workspace::Workspace,
};

/// "Use my phone": a button; once pressed, the QR code and typed code for this session (a part
/// whose code is a chunk of its own, fetched when the GP first asks for a phone link).
#[component]
pub fn PhonePanel(ws: Workspace) -> impl IntoView {
    let hydrated = use_hydrated();
    let handoff = RwSignal::new(None::<HandoffView>);
    let error = RwSignal::new(None::<String>);
    view! {
        <Show when=move || ws.limits.get_value().phone_handoff>
            <div class="phone">
                <Show
                    when=move || handoff.get().is_some()
                    fallback=move || view! {
                        <button type="button" class="secondary" disabled=move || !hydrated.get() on:click=move |_| start(ws, handoff, error)>
                            "Use my phone"
                        </button>
                    }
                >
                    {move || handoff.get().map(|h| lazy_view(move || phone_link(ws, h.clone(), handoff, error)))}
                </Show>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            </div>
        </Show>
    }
}

/// Asks the server for a phone link (a new one replaces the last).
fn start(ws: Workspace, handoff: RwSignal<Option<HandoffView>>, error: RwSignal<Option<String>>) {
    leptos::task::spawn_local(async move {
        match start_handoff(ws.sid()).await {
            Ok(h) => {
                error.set(None);
                handoff.set(Some(h));
            }
            Err(e) => error.set(Some(e.message)),
        }
    });
}

#[leptos::wasm_split::wasm_split(phone, wasm_split_path = ::leptos::wasm_split, fallible)]
fn phone_link(
    ws: Workspace,
    h: HandoffView,
    handoff: RwSignal<Option<HandoffView>>,
    error: RwSignal<Option<String>>,
) -> Result<Part, ChunkMissing> {
    let stop = move |_| {
        leptos::task::spawn_local(async move {
            let _ = stop_handoff(ws.sid()).await;
            handoff.set(None);
        });
    };
    Ok(Box::new(move || {
        view! {
            <section class="phone-panel" aria-label="Phone capture">
                <h2>"Take photos with your phone"</h2>
                <div class="qr" role="img" aria-label="QR code for the phone link" inner_html=h.qr_svg.clone()></div>
                <div>
                    <p>"Scan this with the phone's camera. The phone will show this patient and ask you to confirm."</p>
                    <p>"Or open " <strong>{format!("{}/m", h.url.split("/m/").next().unwrap_or_default())}</strong> " and type the code:"</p>
                    <p class="code" aria-label="Phone code">{h.code.clone()}</p>
                    <p class="hint">{format!("Valid for {} minutes (until {}). Photos appear here as soon as they are uploaded.", h.valid_minutes, h.expires_at)}</p>
                    <div class="row">
                        <button type="button" class="secondary" on:click=move |_| start(ws, handoff, error)>"New code"</button>
                        <button type="button" class="secondary danger" on:click=stop>"Stop phone capture"</button>
                    </div>
                    <a class="visually-hidden" href=h.url.clone()>"Phone link"</a>
                </div>
            </section>
        }
        .into_any()
    }))
}

/// Subscribes the page to its session's photo events (server-sent events); the browser
/// reconnects by itself after a network blip or a server restart. Events sent while it was
/// away are lost, so on every (re)connection — and when the server says the feed fell behind
/// (`resync`) — the page reloads its photo list.
#[component]
pub fn LiveFeed(ws: Workspace) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, closure::Closure};
        if let Ok(source) = web_sys::EventSource::new(&format!("/api/w/{}/events", ws.sid())) {
            let on_photo = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                if let Some(view) = e
                    .data()
                    .as_string()
                    .and_then(|d| serde_json::from_str::<crate::model::PhotoView>(&d).ok())
                {
                    show(ws, vec![view]);
                }
            });
            let _ = source.add_event_listener_with_callback("photo", on_photo.as_ref().unchecked_ref());
            on_photo.forget();
            let on_resync = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| resync(ws));
            for event in ["open", "resync"] {
                let _ = source.add_event_listener_with_callback(event, on_resync.as_ref().unchecked_ref());
            }
            on_resync.forget();
            let source = send_wrapper::SendWrapper::new(source);
            on_cleanup(move || source.close());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ws;
}

/// Shows photos that arrived (or changed) elsewhere; the first one becomes the current photo.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn show(ws: Workspace, views: Vec<crate::model::PhotoView>) {
    let Some(first) = views.first().map(|v| v.id.clone()) else {
        return;
    };
    let was_empty = ws.photos.get_untracked().is_empty();
    ws.upsert(views);
    if was_empty || ws.current.get_untracked().is_none() {
        ws.current.set(Some(first));
    }
}

/// Reloads the session's photos from the server (events may have been missed).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn resync(ws: Workspace) {
    leptos::task::spawn_local(async move {
        if let Ok(views) = crate::staging::api::list_photos(ws.sid()).await {
            show(ws, views);
        }
    });
}
