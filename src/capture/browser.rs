//! The browser half of adding a photo (hydrate only): take files from any source, prepare each,
//! upload it with progress (XHR: `fetch` has no upload progress), retry with backoff, and keep a
//! failed one — with its prepared bytes — until the GP retries or discards it.

use std::{cell::RefCell, collections::HashMap};

use js_sys::{Function, Promise};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, FileList, FormData, ProgressEvent, XmlHttpRequest};

use super::prepare::prepare;
use crate::{
    error::{AppError, ErrorKind},
    model::PhotoView,
    ui::workspace::{Upload, UploadStatus, Workspace},
};

thread_local! {
    /// Prepared JPEGs not yet staged, by photo id: what "Retry" sends again.
    static PREPARED: RefCell<HashMap<String, (Blob, f64)>> = RefCell::new(HashMap::new());
}

/// A new random id (UUID v4) for a photo, fixed before its first upload.
pub fn new_id() -> String {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if let Some(c) = crypto {
        return c.random_uuid();
    }
    let hex: String = (0..32)
        .map(|_| format!("{:x}", (js_sys::Math::random() * 16.0) as u8))
        .collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Adds every file of a list (file picker, drop, paste).
pub fn add_file_list(ws: Workspace, files: Option<FileList>) {
    let Some(files) = files else { return };
    let files: Vec<File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
    add_files(
        ws,
        files
            .into_iter()
            .map(|f| (f.name(), f.last_modified(), f.unchecked_into::<Blob>()))
            .collect(),
    );
}

/// Prepares and uploads photos one after another (12 MP decodes are memory-hungry).
pub fn add_files(ws: Workspace, files: Vec<(String, f64, Blob)>) {
    let entries: Vec<(String, String, f64, Blob)> = files
        .into_iter()
        .map(|(name, modified, blob)| (new_id(), name, modified, blob))
        .collect();
    ws.uploads.update(|u| {
        u.extend(entries.iter().map(|(id, name, _, _)| Upload {
            id: id.clone(),
            name: name.clone(),
            status: UploadStatus::Preparing,
        }))
    });
    spawn_local(async move {
        for (id, name, modified, blob) in entries {
            let limits = ws.limits.get_value();
            match prepare(&blob, &name, limits.max_long_edge_px, limits.max_image_bytes).await {
                Ok(p) => {
                    let taken = if modified > 0.0 { modified } else { now_ms() };
                    PREPARED.with(|m| m.borrow_mut().insert(id.clone(), (p.jpeg, taken)));
                    send(ws, id).await;
                }
                Err(e) => {
                    ws.uploads.update(|u| u.retain(|x| x.id != id));
                    ws.notify(e.message(), true, None);
                }
            }
        }
    });
}

/// Uploads a prepared photo, retrying transient failures with backoff.
pub async fn send(ws: Workspace, id: String) {
    let Some((blob, taken)) = PREPARED.with(|m| m.borrow().get(&id).cloned()) else {
        ws.uploads.update(|u| u.retain(|x| x.id != id));
        return;
    };
    let url = ws.upload_url.get_value();
    let tags = ws.next_tags.get_untracked();
    let mut attempt = 0;
    loop {
        ws.set_upload(&id, UploadStatus::Uploading(0));
        let progress_id = id.clone();
        let result = upload(&url, &id, &blob, taken, &tags, move |pct| {
            ws.set_upload(&progress_id, UploadStatus::Uploading(pct))
        })
        .await;
        match result {
            Ok(view) => {
                PREPARED.with(|m| m.borrow_mut().remove(&id));
                ws.uploads.update(|u| u.retain(|x| x.id != id));
                let vid = view.id.clone();
                ws.upsert(vec![view]);
                ws.current.set(Some(vid));
                return;
            }
            Err(e) if attempt < 3 && matches!(e.kind, ErrorKind::Network | ErrorKind::Internal) => {
                attempt += 1;
                sleep_ms(500 * (1 << attempt)).await;
            }
            // The server is at its memory budget: wait longer, and for longer, before giving up.
            Err(e) if attempt < 8 && e.kind == ErrorKind::Busy => {
                attempt += 1;
                ws.set_upload(&id, UploadStatus::Uploading(0));
                sleep_ms(1000 * (1 << attempt.min(4))).await;
            }
            Err(e) => {
                ws.set_upload(&id, UploadStatus::Failed(e.message));
                return;
            }
        }
    }
}

/// Forgets a photo that never reached the server (the GP chose "Discard").
pub fn discard(ws: Workspace, id: &str) {
    PREPARED.with(|m| m.borrow_mut().remove(id));
    ws.uploads.update(|u| u.retain(|x| x.id != id));
}

pub async fn sleep_ms(ms: i32) {
    let p = Promise::new(&mut |resolve: Function, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(p).await;
}

/// One multipart upload with progress. Resolves with the staged photo or a typed error.
async fn upload(
    url: &str,
    id: &str,
    blob: &Blob,
    taken: f64,
    tags: &crate::metadata::tags::TagPatch,
    progress: impl Fn(u8) + 'static,
) -> Result<PhotoView, AppError> {
    let network = || {
        AppError::new(
            ErrorKind::Network,
            "The upload did not reach the server. It will be retried.",
        )
    };
    let xhr = XmlHttpRequest::new().map_err(|_| network())?;
    xhr.open("POST", url).map_err(|_| network())?;
    let form = FormData::new().map_err(|_| network())?;
    form.append_with_str("id", id).map_err(|_| network())?;
    form.append_with_str("taken_at", &format!("{}", taken as i64))
        .map_err(|_| network())?;
    for (name, value) in [
        ("body_site", &tags.body_site),
        ("laterality", &tags.laterality),
        ("view", &tags.view),
        ("image_type", &tags.image_type),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            form.append_with_str(name, v).map_err(|_| network())?;
        }
    }
    form.append_with_blob_and_filename("photo", blob, "photo.jpg")
        .map_err(|_| network())?;
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            progress(((e.loaded() / e.total()) * 100.0).min(100.0) as u8);
        }
    });
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let done = Promise::new(&mut |resolve: Function, reject: Function| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
        xhr.set_ontimeout(Some(&reject));
    });
    xhr.set_timeout(120_000);
    xhr.send_with_opt_form_data(Some(&form)).map_err(|_| network())?;
    let outcome = JsFuture::from(done).await;
    drop(on_progress);
    outcome.map_err(|_| network())?;
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if status == 200 || status == 201 {
        serde_json::from_str::<PhotoView>(&text).map_err(|_| AppError::internal())
    } else {
        Err(serde_json::from_str::<AppError>(&text).unwrap_or_else(|_| {
            if status >= 500 || status == 0 {
                network()
            } else {
                AppError::invalid(format!("The upload was refused ({status})."))
            }
        }))
    }
}

/// Takes a still from a playing `<video>` as a JPEG blob.
pub async fn snapshot(video: &web_sys::HtmlVideoElement) -> Result<Blob, String> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return Err("The camera has not started yet.".into());
    }
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let canvas = doc
        .create_element("canvas")
        .map_err(|_| "no canvas")?
        .dyn_into::<web_sys::HtmlCanvasElement>()
        .map_err(|_| "no canvas")?;
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        .ok_or("no 2d context")?;
    ctx.draw_image_with_html_video_element(video, 0.0, 0.0)
        .map_err(|_| "could not draw the frame")?;
    let p = Promise::new(&mut |resolve: Function, _| {
        let cb = Closure::once_into_js(move |b: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &b);
        });
        let _ =
            canvas.to_blob_with_type_and_encoder_options(cb.unchecked_ref(), "image/jpeg", &JsValue::from_f64(0.92));
    });
    JsFuture::from(p)
        .await
        .ok()
        .and_then(|b| b.dyn_into::<Blob>().ok())
        .ok_or_else(|| "The camera frame could not be captured.".into())
}

/// Starts the camera (rear-facing where there is one). The message says why not, in words.
pub async fn start_camera(video: &web_sys::HtmlVideoElement) -> Result<web_sys::MediaStream, String> {
    let devices = web_sys::window()
        .and_then(|w| w.navigator().media_devices().ok())
        .ok_or("This browser cannot use a camera here.")?;
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_video(&JsValue::TRUE);
    constraints.set_audio(&JsValue::FALSE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|_| "This browser cannot use a camera here.")?;
    match JsFuture::from(promise).await {
        Ok(s) => {
            let stream: web_sys::MediaStream = s.unchecked_into();
            video.set_src_object(Some(&stream));
            // Ready only once frames arrive: until then a snapshot would be empty.
            if let Ok(p) = video.play() {
                let _ = JsFuture::from(p).await;
            }
            for _ in 0..50 {
                if video.video_width() > 0 {
                    break;
                }
                sleep_ms(100).await;
            }
            Ok(stream)
        }
        Err(e) => {
            let name = e
                .dyn_ref::<web_sys::DomException>()
                .map(|d| d.name())
                .unwrap_or_default();
            Err(match name.as_str() {
                "NotAllowedError" | "SecurityError" => {
                    "Camera permission was refused. Allow the camera for this site in the browser's settings, or add photos from a file.".into()
                }
                "NotFoundError" | "OverconstrainedError" => "No camera was found on this computer. Add photos from a file or use your phone.".into(),
                "NotReadableError" => "The camera is in use by another program. Close it and try again.".into(),
                _ => "The camera could not be started.".into(),
            })
        }
    }
}

pub fn stop_camera(stream: &web_sys::MediaStream) {
    for t in stream.get_tracks().iter() {
        if let Ok(track) = t.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}
