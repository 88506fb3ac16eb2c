//! Clinical Images: a Leptos full-stack widget that lets a New Zealand GP capture, tag and
//! commit clinical photos into Medtech Evolution through Medtech's ALEX API.
//!
//! Layout: one folder per concept. `ui` holds the shell and shared components; server-only
//! code sits behind the `ssr` feature and never reaches the WASM build.

#![recursion_limit = "256"]

pub mod app;
pub mod capture;
pub mod commit;
pub mod delivery;
pub mod editor;
pub mod error;
pub mod handoff;
pub mod imaging;
pub mod launch;
pub mod metadata;
pub mod model;
pub mod nhi;
pub mod pages;
pub mod staging;
pub mod ui;

/// The basic widget: the core flow as server-rendered forms, for a browser without scripts.
#[cfg(feature = "ssr")]
pub mod basic;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod infra;
/// `clinical-images check`: the operator's preflight of an ALEX configuration (ssr only).
#[cfg(feature = "ssr")]
pub mod preflight;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}

/// The ALEX gateway: configuration, tokens, the FHIR client and its typed faults (ssr only).
#[cfg(feature = "ssr")]
pub mod alex;
/// The embedded ALEX simulator: a real HTTP server that behaves like ALEX (ssr only).
#[cfg(feature = "ssr")]
pub mod simulator;

/// Prepares a photo exactly as the widget does (diagnostics and the preparation benchmark):
/// resolves to `{ blob, width, height, quality }`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = preparePhoto)]
pub async fn prepare_photo(
    blob: web_sys::Blob,
    max_long_edge: u32,
    max_bytes: f64,
) -> Result<js_sys::Object, wasm_bindgen::JsValue> {
    let p = capture::prepare::prepare(&blob, "photo", max_long_edge, max_bytes as u64)
        .await
        .map_err(|e| wasm_bindgen::JsValue::from_str(&e.message()))?;
    let out = js_sys::Object::new();
    let set = |k: &str, v: &wasm_bindgen::JsValue| js_sys::Reflect::set(&out, &k.into(), v);
    set("blob", &p.jpeg.into())?;
    set("width", &p.width.into())?;
    set("height", &p.height.into())?;
    set("quality", &p.quality.into())?;
    Ok(out)
}
