//! The "add photos" controls: file picker, drag-and-drop, paste, webcam; and the list of photos
//! still being prepared or uploaded.

use leptos::{html, prelude::*};

use crate::ui::{
    frame::use_hydrated,
    lazy::{ChunkMissing, Part, lazy_view},
    workspace::{UploadStatus, Workspace},
};

#[cfg(feature = "hydrate")]
thread_local! {
    static CAMERA: std::cell::RefCell<Option<web_sys::MediaStream>> = const { std::cell::RefCell::new(None) };
}

/// Buttons to add photos, and the page-wide paste handler.
#[component]
pub fn AddPhotos(ws: Workspace) -> impl IntoView {
    let hydrated = use_hydrated();
    let input = NodeRef::<html::Input>::new();
    let camera_open = RwSignal::new(false);

    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::paste, move |e: web_sys::ClipboardEvent| {
            // Paste into a text field stays text.
            let in_text = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA"));
            if in_text {
                return;
            }
            if let Some(files) = e.clipboard_data().and_then(|d| d.files()).filter(|f| f.length() > 0) {
                e.prevent_default();
                super::browser::add_file_list(ws, Some(files));
            }
        });
        on_cleanup(move || handle.remove());
    }

    let on_change = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        if let Some(el) = input.get() {
            super::browser::add_file_list(ws, el.files());
            el.set_value("");
        }
    };

    view! {
        <div class="add-photos" role="group" aria-label="Add photos">
            <button
                type="button"
                disabled=move || !hydrated.get()
                on:click=move |_| {
                    if let Some(el) = input.get() {
                        el.click();
                    }
                }
            >
                "Add photos"
            </button>
            <input
                node_ref=input
                type="file"
                class="visually-hidden"
                aria-label="Choose photo files"
                tabindex="-1"
                multiple
                accept="image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"
                on:change=on_change
            />
            <button
                type="button"
                class="secondary"
                disabled=move || !hydrated.get()
                on:click=move |_| camera_open.set(true)
            >
                "Use webcam"
            </button>
            <span class="hint">"or drag photos here, or paste (Ctrl+V)"</span>
        </div>
        <Show when=move || camera_open.get()>
            {lazy_view(move || webcam(ws, camera_open))}
        </Show>
    }
}

/// Makes an element a drop target for photo files.
pub fn drop_handlers(
    ws: Workspace,
) -> (
    impl Fn(leptos::ev::DragEvent) + Copy,
    impl Fn(leptos::ev::DragEvent) + Copy,
) {
    let over = move |e: leptos::ev::DragEvent| e.prevent_default();
    let drop = move |e: leptos::ev::DragEvent| {
        e.prevent_default();
        #[cfg(feature = "hydrate")]
        super::browser::add_file_list(ws, e.data_transfer().and_then(|d| d.files()));
        #[cfg(not(feature = "hydrate"))]
        let _ = ws;
    };
    (over, drop)
}

/// The webcam panel, a chunk of its own (fetched when the GP first opens the webcam).
#[leptos::wasm_split::wasm_split(webcam, wasm_split_path = ::leptos::wasm_split, fallible)]
fn webcam(ws: Workspace, open: RwSignal<bool>) -> Result<Part, ChunkMissing> {
    Ok(Box::new(move || {
        view! { <Webcam ws on_close=move || open.set(false) /> }.into_any()
    }))
}

#[component]
fn Webcam(ws: Workspace, on_close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let video = NodeRef::<html::Video>::new();
    let error = RwSignal::new(None::<String>);
    let ready = RwSignal::new(false);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(v) = video.get() {
            leptos::task::spawn_local(async move {
                match super::browser::start_camera(&v).await {
                    Ok(stream) => {
                        CAMERA.with(|c| *c.borrow_mut() = Some(stream));
                        ready.set(true);
                    }
                    Err(m) => error.set(Some(m)),
                }
            });
        }
    });
    let close = move || {
        #[cfg(feature = "hydrate")]
        CAMERA.with(|c| {
            if let Some(s) = c.borrow_mut().take() {
                super::browser::stop_camera(&s);
            }
        });
        on_close();
    };
    on_cleanup(close);
    let take = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(v) = video.get() {
            leptos::task::spawn_local(async move {
                match super::browser::snapshot(&v).await {
                    Ok(blob) => super::browser::add_files(ws, vec![("Webcam photo".into(), js_sys::Date::now(), blob)]),
                    Err(m) => error.set(Some(m)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ws, video);
    };
    view! {
        <div class="webcam" role="dialog" aria-modal="false" aria-label="Webcam">
            <video node_ref=video autoplay playsinline muted aria-label="Webcam preview"></video>
            <Show when=move || error.get().is_some()>
                <p class="error" role="alert">{move || error.get()}</p>
            </Show>
            <div class="row">
                <button type="button" disabled=move || !ready.get() on:click=take>"Take photo"</button>
                <button type="button" class="secondary" on:click=move |_| close()>"Close webcam"</button>
            </div>
        </div>
    }
}

/// Photos still in the browser, with progress; failed ones offer Retry and Discard.
#[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
#[component]
pub fn UploadList(ws: Workspace) -> impl IntoView {
    view! {
        <ul class="uploads" aria-label="Photos being added" aria-live="polite">
            <For each=move || ws.uploads.get() key=|u| (u.id.clone(), u.status.clone()) let:u>
                {
                    let id = u.id.clone();
                    let (text, pct, failed) = match &u.status {
                        UploadStatus::Preparing => ("Preparing…".to_string(), None, None),
                        UploadStatus::Uploading(p) => (format!("Uploading {p}%"), Some(p.to_owned()), None),
                        UploadStatus::Failed(m) => ("Not added".to_string(), None, Some(m.clone())),
                    };
                    let retry_id = id.clone();
                    let discard_id = id.clone();
                    view! {
                        <li class="upload">
                            <span class="name">{u.name.clone()}</span>
                            <span class="status">{text}</span>
                            {pct.map(|p| view! { <progress max="100" value=p aria-label=format!("Uploading {}", u.name)></progress> })}
                            {failed.map(|m| view! {
                                <span class="error" role="alert">{m}</span>
                                <button type="button" on:click=move |_| {
                                    #[cfg(feature = "hydrate")]
                                    leptos::task::spawn_local(super::browser::send(ws, retry_id.clone()));
                                }>"Retry upload"</button>
                                <button type="button" class="secondary" on:click=move |_| {
                                    #[cfg(feature = "hydrate")]
                                    super::browser::discard(ws, &discard_id);
                                }>"Discard"</button>
                            })}
                        </li>
                    }
                }
            </For>
        </ul>
    }
}
