//! The editor dialog: the server's rendering of the edit so far as the base image, an SVG
//! overlay (in the image's own pixels) for the gesture in progress, and a toolbar. Every change
//! is one operation appended to the saved list; undo/redo work over that list.
//!
//! Keyboard: Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y redo, R / Shift+R rotate right / left,
//! arrow keys move the shape (Shift+arrows resize), Enter applies, Escape cancels or closes.

use leptos::{html, prelude::*};

use super::{
    api,
    canvas::{self, Draft, Ratio, Tool},
    dom::{capture, focus, image_frame, image_point},
    draw::DraftShape,
    ops::Colour,
    state::Ed,
    toolbar::{Options, Toolbar},
};
use crate::ui::{
    lazy::{ChunkMissing, Part, lazy_view},
    workspace::Workspace,
};

/// Said when the GP draws or applies before the last rotation or crop is on show.
pub const STILL_UPDATING: &str = "One moment: the photo is still updating. Try again when it has changed.";

/// The editor dialog for the photo in `editing` (closed when `None`). Its code is a chunk of its
/// own, fetched when the GP first opens it.
#[component]
pub fn Editor(ws: Workspace, editing: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        {move || editing.get().map(|id| lazy_view(move || editor_dialog(ws, id.clone(), editing)))}
    }
}

#[leptos::wasm_split::wasm_split(editor, wasm_split_path = ::leptos::wasm_split, fallible)]
fn editor_dialog(ws: Workspace, id: String, editing: RwSignal<Option<String>>) -> Result<Part, ChunkMissing> {
    Ok(Box::new(move || view! { <EditorDialog ws id editing /> }.into_any()))
}

#[component]
fn EditorDialog(ws: Workspace, id: String, editing: RwSignal<Option<String>>) -> impl IntoView {
    let ed = Ed {
        ws,
        id: StoredValue::new(id.clone()),
        ops: RwSignal::new(Vec::new()),
        redo: RwSignal::new(Vec::new()),
        saved: RwSignal::new(Vec::new()),
        shown: RwSignal::new(None),
        size: RwSignal::new((0.0, 0.0)),
        tool: RwSignal::new(Tool::None),
        colour: RwSignal::new(Colour::Green),
        ratio: RwSignal::new(Ratio::Free),
        draft: RwSignal::new(None),
        pending: RwSignal::new(Vec::new()),
        label: RwSignal::new(String::new()),
        saving: RwSignal::new(false),
        dirty: StoredValue::new(false),
        dragging: StoredValue::new(None),
        moving: StoredValue::new(None),
        error: RwSignal::new(None),
        editing,
        closing: RwSignal::new(false),
        frame: RwSignal::new((0.0, 0.0, 0.0, 0.0)),
    };
    let ready = RwSignal::new(false);
    // The saved list is the truth: load it on open (so a reload mid-edit keeps the edit).
    leptos::task::spawn_local(async move {
        match api::get_edit(ws.sid(), ed.id.get_value()).await {
            Ok(edit) => {
                let ops = edit.map(|e| e.ops).unwrap_or_default();
                ed.ops.set(ops.clone());
                ed.saved.set(ops);
            }
            Err(e) => ed.error.set(Some(e.message)),
        }
        ready.set(true);
    });
    let stage = NodeRef::<html::Div>::new();
    let img = NodeRef::<html::Img>::new();
    let dialog = NodeRef::<html::Div>::new();
    let measure = move || {
        if let Some(frame) = image_frame(&img) {
            ed.frame.set(frame);
        }
    };
    // The dialog is modal: its keys work wherever the focus is (even after a button that had
    // it became disabled), and focus does not wander to the page behind it.
    #[cfg(feature = "hydrate")]
    {
        let resize = window_event_listener(leptos::ev::resize, move |_| measure());
        let keys = window_event_listener(leptos::ev::keydown, move |e| ed.key(e));
        let trap = window_event_listener(leptos::ev::focusin, move |e| {
            if super::dom::outside(&e, ".editor") {
                focus(".editor");
            }
        });
        // The page behind is inert while the editor is open, and given back when it closes.
        // (Held outside the reactive graph, so the cleanup can always give the page back.)
        let inert = send_wrapper::SendWrapper::new(std::rc::Rc::new(std::cell::RefCell::new(Vec::new())));
        let held = inert.clone();
        Effect::new(move || {
            if let Some(d) = dialog.get() {
                let mut changed = held.borrow_mut();
                super::dom::release_inert(&changed);
                *changed = super::dom::inert_outside(&d);
            }
        });
        on_cleanup(move || {
            resize.remove();
            keys.remove();
            trap.remove();
            super::dom::release_inert(&inert.borrow());
        });
    }
    Effect::new(move || {
        if let Some(d) = dialog.get() {
            let _ = d.focus();
        }
    });
    let on_load = move |_| {
        if let Some(el) = img.get_untracked() {
            let size = (el.natural_width() as f64, el.natural_height() as f64);
            if size != ed.size.get_untracked() {
                // A rotation or crop changed the picture: a tool's starting shape was placed on
                // the old one, so place it again.
                ed.size.set(size);
                let tool = ed.tool.get_untracked();
                ed.draft
                    .set(canvas::default_draft(tool, ed.ratio.get_untracked(), size.0, size.1));
            }
        }
        let saved = ed.saved.get_untracked();
        if ed.ops.with_untracked(|o| *o == saved) {
            ed.pending.set(Vec::new());
        }
        ed.shown.set(Some(saved));
        measure();
    };
    let on_error = move |_| {
        ed.shown.set(Some(ed.saved.get_untracked()));
        ed.error.set(Some(
            "The photo could not be shown. Undo the last change, or try again.".into(),
        ));
    };
    let pointer = move |e: leptos::ev::PointerEvent, phase: Phase| {
        let tool = ed.tool.get_untracked();
        if tool == Tool::None {
            return;
        }
        if phase == Phase::Down {
            if !ed.can_draw() {
                ed.error.set(Some(STILL_UPDATING.into()));
                return;
            }
            if ed.error.get_untracked().as_deref() == Some(STILL_UPDATING) {
                ed.error.set(None);
            }
        }
        let (w, h) = ed.size.get_untracked();
        let Some(p) = image_point(&e, w, h) else { return };
        let ratio = ed.ratio.get_untracked();
        match phase {
            Phase::Down => {
                e.prevent_default();
                capture(&e);
                // A crop on show can be resized by a corner or moved from inside.
                if let (Tool::Crop, Some(rect)) = (tool, ed.draft.get_untracked()) {
                    match canvas::grab(&rect, p, w, h) {
                        Some(canvas::Grab::Corner(anchor)) => {
                            ed.dragging.set_value(Some(anchor));
                            return;
                        }
                        Some(canvas::Grab::Inside(offset)) => {
                            ed.moving.set_value(Some(offset));
                            return;
                        }
                        None => {}
                    }
                }
                ed.dragging.set_value(Some(p));
                ed.draft.set(Some(match tool {
                    Tool::Crop | Tool::Ellipse => canvas::drag_rect(p, p, ratio, w, h),
                    Tool::Arrow => Draft::Line { from: p, to: p },
                    Tool::Freehand => Draft::Path(vec![p]),
                    _ => Draft::Text { at: p },
                }));
                if tool == Tool::Text {
                    ed.dragging.set_value(None);
                    focus("#editor-label");
                }
            }
            Phase::Move | Phase::Up => {
                if let Some(offset) = ed.moving.get_value() {
                    ed.draft.update(|d| {
                        if let Some(rect) = d {
                            *rect = canvas::move_rect(rect, offset, p, w, h);
                        }
                    });
                    if phase == Phase::Up {
                        ed.moving.set_value(None);
                    }
                    return;
                }
                let Some(start) = ed.dragging.get_value() else { return };
                ed.draft.update(|d| match d {
                    Some(Draft::Rect { .. }) => *d = Some(canvas::drag_rect(start, p, ratio, w, h)),
                    Some(Draft::Line { to, .. }) => *to = p,
                    Some(Draft::Path(points)) => canvas::extend_path(points, p),
                    _ => {}
                });
                if phase == Phase::Up {
                    ed.dragging.set_value(None);
                    // A drawn shape applies at once; a crop waits for "Apply crop".
                    if matches!(tool, Tool::Arrow | Tool::Ellipse | Tool::Freehand) {
                        ed.apply();
                    }
                }
            }
        }
    };
    let view_box = move || {
        let (w, h) = ed.size.get();
        format!("0 0 {w} {h}")
    };
    let frame_style = move || {
        let (l, t, w, h) = ed.frame.get();
        format!("left:{l}px;top:{t}px;width:{w}px;height:{h}px")
    };
    let status = move || {
        let n = ed.ops.with(Vec::len);
        let what = match n {
            0 => "Original photo".to_string(),
            1 => "1 change".to_string(),
            n => format!("{n} changes"),
        };
        let (w, h) = ed.size.get();
        let saving = match (ed.settled(), ed.closing.get()) {
            (true, _) => " · saved",
            (false, true) => " · saving, then closing…",
            (false, false) => " · saving…",
        };
        format!("{what} · {w} × {h} px{saving}")
    };
    view! {
        <div class="editor-backdrop">
            <div
                class="editor"
                role="dialog"
                aria-modal="true"
                aria-labelledby="editor-title"
                aria-describedby="editor-keys"
                tabindex="-1"
                node_ref=dialog
            >
                <div class="editor-bar">
                    <h2 id="editor-title">"Edit photo"</h2>
                    <Toolbar ed />
                </div>
                <Options ed />
                <div class="editor-stage" node_ref=stage>
                    <Show when=move || ready.get()>
                        <img
                            node_ref=img
                            src=move || ed.url()
                            alt="The photo as it will be saved"
                            on:load=on_load
                            on:error=on_error
                        />
                    </Show>
                    <svg
                        class="editor-overlay"
                        class:drawing=move || ed.tool.get() != Tool::None
                        role="img"
                        aria-label=move || format!("Drawing area: {}", ed.tool.get().label())
                        style=frame_style
                        viewBox=view_box
                        on:pointerdown=move |e| pointer(e, Phase::Down)
                        on:pointermove=move |e| pointer(e, Phase::Move)
                        on:pointerup=move |e| pointer(e, Phase::Up)
                    >
                        {move || {
                            let (w, h) = ed.size.get();
                            let draft = ed.draft.get().map(|d| (ed.tool.get(), d, ed.colour.get(), ed.label.get()));
                            ed.pending
                                .get()
                                .into_iter()
                                .chain(draft)
                                .map(|(tool, draft, colour, label)| view! { <DraftShape tool draft colour label w h /> })
                                .collect_view()
                        }}
                    </svg>
                </div>
                <p class="editor-status" role="status">
                    <span>{status}</span>
                    {move || ed.error.get().map(|m| view! { <span class="error">{m}</span> })}
                </p>
                <p id="editor-keys" class="visually-hidden">
                    "Keys: R rotates right, Shift+R left. Control+Z undoes, Control+Shift+Z redoes. With a tool chosen, arrow keys move the shape, Shift+arrows resize it, Enter applies, Escape cancels."
                </p>
            </div>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Down,
    Move,
    Up,
}
