//! The few browser calls the editor needs (no-ops in the server build, where they never run).

use leptos::{html, prelude::*};

use super::canvas::P;

/// The displayed image's box inside the stage.
pub fn image_frame(img: &NodeRef<html::Img>) -> Option<(f64, f64, f64, f64)> {
    let el = img.get_untracked()?;
    Some((
        el.offset_left() as f64,
        el.offset_top() as f64,
        el.offset_width() as f64,
        el.offset_height() as f64,
    ))
}

/// The pointer's position in the image's pixels (`w`×`h`), clamped to the image.
pub fn image_point(e: &leptos::ev::PointerEvent, w: f64, h: f64) -> Option<P> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let el = e.current_target()?.dyn_into::<web_sys::Element>().ok()?;
        let r = el.get_bounding_client_rect();
        if r.width() <= 0.0 || r.height() <= 0.0 {
            return None;
        }
        let x = (e.client_x() as f64 - r.left()) * w / r.width();
        let y = (e.client_y() as f64 - r.top()) * h / r.height();
        Some((x.clamp(0.0, w), y.clamp(0.0, h)))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (e, w, h);
        None
    }
}

pub fn capture(e: &leptos::ev::PointerEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = el.set_pointer_capture(e.pointer_id());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = e;
}

pub fn is_text_input(e: &leptos::ev::KeyboardEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        e.target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|i| i.type_() == "text")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = e;
        false
    }
}

/// Focuses the first element matching `selector`, after the current render.
pub fn focus(selector: &'static str) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
}

/// The event's target is not inside the element matching `selector`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn outside(e: &leptos::ev::FocusEvent, selector: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        e.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.closest(selector).ok().flatten().is_none())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (e, selector);
        false
    }
}

/// Makes the page outside `el` inert (no focus, clicks or screen-reader access), as a native
/// modal dialog does. Answers what it changed, for [`release_inert`].
#[cfg(feature = "hydrate")]
pub fn inert_outside(el: &web_sys::Element) -> Vec<web_sys::Element> {
    let mut changed = Vec::new();
    let mut node = el.clone();
    while let Some(parent) = node.parent_element() {
        let mut sibling = parent.first_element_child();
        while let Some(s) = sibling {
            if s != node && !s.has_attribute("inert") && s.tag_name() != "SCRIPT" {
                let _ = s.set_attribute("inert", "");
                changed.push(s.clone());
            }
            sibling = s.next_element_sibling();
        }
        if parent.tag_name() == "BODY" {
            break;
        }
        node = parent;
    }
    changed
}

#[cfg(feature = "hydrate")]
pub fn release_inert(changed: &[web_sys::Element]) {
    for el in changed {
        let _ = el.remove_attribute("inert");
    }
}
