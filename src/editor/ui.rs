//! The editor dialog: the server's rendering of the edit so far as the base image, an SVG
//! overlay (in the image's own pixels) for the gesture in progress, and a toolbar. Every change
//! is one operation appended to the saved list; undo/redo work over that list.
//!
//! Keyboard: Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y redo, R / Shift+R rotate right / left,
//! arrow keys move the shape (Shift+arrows resize), Enter applies, Escape cancels or closes.

use leptos::{html, prelude::*};

use super::{
    api,
    canvas::{self, Draft, P, Ratio, Tool},
    draw::DraftShape,
    ops::{Colour, Edit, MAX_OPS, Op},
};
use crate::ui::workspace::Workspace;

/// A shape on the overlay: tool, gesture, colour and label text.
type Shape = (Tool, Draft, Colour, String);

/// The operations that move pixels (rotations and crops), which a gesture's coordinates depend on.
fn geometry(ops: &[Op]) -> Vec<&Op> {
    ops.iter()
        .filter(|o| matches!(o, Op::Rotate { .. } | Op::Crop { .. }))
        .collect()
}

/// Everything the open editor tracks. `ops` is the GP's list (updated at once); `saved` is
/// what the server has confirmed, and the base image always shows `saved`.
#[derive(Clone, Copy)]
struct Ed {
    ws: Workspace,
    id: StoredValue<String>,
    ops: RwSignal<Vec<Op>>,
    redo: RwSignal<Vec<Op>>,
    saved: RwSignal<Vec<Op>>,
    /// The operations the image on show renders (`None` until it first loads).
    shown: RwSignal<Option<Vec<Op>>>,
    /// Natural size of the image on show.
    size: RwSignal<(f64, f64)>,
    tool: RwSignal<Tool>,
    colour: RwSignal<Colour>,
    ratio: RwSignal<Ratio>,
    draft: RwSignal<Option<Draft>>,
    /// Just-applied shapes, kept on show until an image that includes them has loaded.
    pending: RwSignal<Vec<Shape>>,
    label: RwSignal<String>,
    saving: RwSignal<bool>,
    dirty: StoredValue<bool>,
    dragging: StoredValue<Option<P>>,
    error: RwSignal<Option<String>>,
    /// Where the overlay sits over the image, in the stage's pixels: left, top, width, height.
    frame: RwSignal<(f64, f64, f64, f64)>,
}

impl Ed {
    fn url(&self) -> String {
        let (sid, id) = (self.ws.sid(), self.id.get_value());
        let ops = self.saved.get();
        if ops.is_empty() {
            format!("/api/w/{sid}/photos/{id}/image")
        } else {
            format!("/api/w/{sid}/photos/{id}/rendered?e={}", Edit { ops }.fingerprint())
        }
    }

    /// A gesture is placed in the pixels of the image on show, so that image must have every
    /// rotation and crop so far (annotations do not move anything: drawing can run ahead).
    fn can_draw(&self) -> bool {
        self.shown.with_untracked(|shown| {
            shown
                .as_ref()
                .is_some_and(|s| self.ops.with_untracked(|o| geometry(o) == geometry(s)))
        })
    }

    /// Every change is saved and on show.
    fn settled(&self) -> bool {
        !self.saving.get()
            && self.ops.with(|o| {
                self.saved
                    .with(|s| o == s && self.shown.with(|v| v.as_ref() == Some(s)))
            })
    }

    fn push(&self, op: Op) {
        if self.ops.with_untracked(Vec::len) >= MAX_OPS {
            self.error.set(Some(format!(
                "At most {MAX_OPS} edits per photo. Undo some, or reset to the original."
            )));
            return;
        }
        self.ops.update(|o| o.push(op));
        self.redo.update(Vec::clear);
        self.persist();
    }

    fn rotate(&self, quarter_turns: i8) {
        self.draft.set(None);
        self.push(Op::Rotate { quarter_turns });
    }

    fn undo(&self) {
        self.draft.set(None);
        self.pending.set(Vec::new());
        if let Some(op) = self.ops.try_update(Vec::pop).flatten() {
            self.redo.update(|r| r.push(op));
            self.persist();
        }
    }

    fn redo(&self) {
        self.draft.set(None);
        if let Some(op) = self.redo.try_update(Vec::pop).flatten() {
            self.ops.update(|o| o.push(op));
            self.persist();
        }
    }

    /// Back to the original; Redo brings the operations back one by one.
    fn reset(&self) {
        self.draft.set(None);
        self.pending.set(Vec::new());
        let mut all = self.ops.get_untracked();
        if all.is_empty() {
            return;
        }
        all.reverse();
        self.redo.update(|r| r.extend(all));
        self.ops.set(Vec::new());
        self.persist();
    }

    /// Saves the current list; saves are one at a time and the last one wins.
    fn persist(&self) {
        if self.saving.get_untracked() {
            self.dirty.set_value(true);
            return;
        }
        self.saving.set(true);
        let ed = *self;
        leptos::task::spawn_local(async move {
            loop {
                ed.dirty.set_value(false);
                let ops = ed.ops.get_untracked();
                let edit = Some(Edit { ops: ops.clone() }).filter(|e| !e.ops.is_empty());
                match api::save_edit(ed.ws.sid(), ed.id.get_value(), edit).await {
                    Ok(view) => {
                        ed.ws.upsert(vec![view]);
                        ed.error.set(None);
                        if ed.saved.get_untracked() != ops {
                            ed.saved.set(ops);
                        }
                    }
                    Err(e) => {
                        ed.error.set(Some(e.message));
                        if !ed.dirty.get_value() {
                            ed.ops.set(ed.saved.get_untracked());
                            ed.pending.set(Vec::new());
                        }
                    }
                }
                if !ed.dirty.get_value() {
                    break;
                }
            }
            ed.saving.set(false);
        });
    }

    fn select(&self, tool: Tool) {
        let tool = if self.tool.get_untracked() == tool {
            Tool::None
        } else {
            tool
        };
        self.tool.set(tool);
        let (w, h) = self.size.get_untracked();
        self.draft
            .set(canvas::default_draft(tool, self.ratio.get_untracked(), w, h));
        if tool == Tool::Text {
            focus("#editor-label");
        }
    }

    /// Turns the shape on show into an operation.
    fn apply(&self) {
        if !self.can_draw() {
            return;
        }
        let (tool, colour, label) = (
            self.tool.get_untracked(),
            self.colour.get_untracked(),
            self.label.get_untracked(),
        );
        let Some(draft) = self.draft.get_untracked() else {
            return;
        };
        let (w, h) = self.size.get_untracked();
        match canvas::to_op(&draft, tool, colour, &label, w, h) {
            Some(op) => {
                self.pending.update(|p| p.push((tool, draft, colour, label)));
                self.draft.set(None);
                if tool == Tool::Crop {
                    self.tool.set(Tool::None);
                }
                if tool == Tool::Text {
                    self.label.set(String::new());
                }
                self.push(op);
            }
            None if tool == Tool::Text => self.error.set(Some("Type the label first.".into())),
            None => self.draft.set(None),
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn key(&self, e: leptos::ev::KeyboardEvent, close: impl Fn()) {
        let key = e.key();
        let ctrl = e.ctrl_key() || e.meta_key();
        let typing = is_text_input(&e);
        match key.as_str() {
            "z" | "Z" if ctrl && e.shift_key() => self.redo(),
            "z" | "Z" if ctrl => self.undo(),
            "y" | "Y" if ctrl => self.redo(),
            "Escape" if self.draft.get_untracked().is_some() => self.draft.set(None),
            "Escape" => close(),
            "Enter" if self.draft.get_untracked().is_some() => self.apply(),
            _ if typing || ctrl || e.alt_key() => return,
            "r" | "R" if !self.busy_drawing() => self.rotate(if e.shift_key() { -1 } else { 1 }),
            "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" if self.tool.get_untracked().keyboard_shape() => {
                let (w, h) = self.size.get_untracked();
                let step = w.max(h) * 0.02;
                let (dx, dy) = match key.as_str() {
                    "ArrowLeft" => (-step, 0.0),
                    "ArrowRight" => (step, 0.0),
                    "ArrowUp" => (0.0, -step),
                    _ => (0.0, step),
                };
                let ratio = self.ratio.get_untracked();
                let draft = self
                    .draft
                    .get_untracked()
                    .or_else(|| canvas::default_draft(self.tool.get_untracked(), ratio, w, h));
                self.draft
                    .set(draft.map(|d| canvas::nudge(&d, dx, dy, e.shift_key(), ratio, w, h)));
            }
            _ => return,
        }
        e.prevent_default();
    }

    /// A crop being placed would be lost by a rotation.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn busy_drawing(&self) -> bool {
        self.tool.get_untracked() == Tool::Crop && self.draft.get_untracked().is_some()
    }
}

/// The "Edit photo" button and the editor it opens (for photos that can still change).
#[component]
pub fn EditButton(editing: RwSignal<Option<String>>, id: String) -> impl IntoView {
    view! {
        <button type="button" class="secondary edit-photo" on:click=move |_| editing.set(Some(id.clone()))>
            "Edit photo"
        </button>
    }
}

/// The editor dialog for the photo in `editing` (closed when `None`).
#[component]
pub fn Editor(ws: Workspace, editing: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        {move || editing.get().map(|id| view! { <EditorDialog ws id editing /> })}
    }
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
        error: RwSignal::new(None),
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
    let close = move || {
        editing.set(None);
        focus(".edit-photo");
    };
    // The dialog is modal: its keys work wherever the focus is (even after a button that had
    // it became disabled).
    #[cfg(feature = "hydrate")]
    {
        let resize = window_event_listener(leptos::ev::resize, move |_| measure());
        let keys = window_event_listener(leptos::ev::keydown, move |e| ed.key(e, close));
        on_cleanup(move || {
            resize.remove();
            keys.remove();
        });
    }
    Effect::new(move || {
        if let Some(d) = dialog.get() {
            let _ = d.focus();
        }
    });
    let on_load = move |_| {
        if let Some(el) = img.get_untracked() {
            ed.size.set((el.natural_width() as f64, el.natural_height() as f64));
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
        if tool == Tool::None || (phase == Phase::Down && !ed.can_draw()) {
            return;
        }
        let (w, h) = ed.size.get_untracked();
        let Some(p) = image_point(&e, w, h) else { return };
        let ratio = ed.ratio.get_untracked();
        match phase {
            Phase::Down => {
                e.prevent_default();
                capture(&e);
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
        let saving = if ed.settled() { " · saved" } else { " · saving…" };
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
                    <Toolbar ed close />
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

#[component]
fn Toolbar(ed: Ed, close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let tool_button = move |t: Tool| {
        view! {
            <button
                type="button"
                class="tool"
                aria-pressed=move || (ed.tool.get() == t).to_string()
                on:click=move |_| ed.select(t)
            >
                {t.label()}
            </button>
        }
    };
    view! {
        <div class="editor-tools" role="toolbar" aria-label="Editing tools">
            {tool_button(Tool::Crop)}
            <button type="button" class="tool" aria-label="Rotate left" title="Rotate left (Shift+R)" on:click=move |_| ed.rotate(-1)>
                "⟲"
            </button>
            <button type="button" class="tool" aria-label="Rotate right" title="Rotate right (R)" on:click=move |_| ed.rotate(1)>
                "⟳"
            </button>
            {Tool::DRAWING[1..].iter().map(|t| tool_button(*t)).collect_view()}
            <span class="swatches" role="group" aria-label="Colour">
                {Colour::ALL.iter().map(|c| {
                    let c = *c;
                    view! {
                        <button
                            type="button"
                            class="swatch"
                            style=format!("--swatch:{}", c.hex())
                            aria-label=format!("Colour {}", c.label())
                            aria-pressed=move || (ed.colour.get() == c).to_string()
                            on:click=move |_| ed.colour.set(c)
                        ></button>
                    }
                }).collect_view()}
            </span>
            <button type="button" class="tool" title="Undo (Ctrl+Z)" disabled=move || ed.ops.with(Vec::is_empty) on:click=move |_| ed.undo()>
                "Undo"
            </button>
            <button type="button" class="tool" title="Redo (Ctrl+Shift+Z)" disabled=move || ed.redo.with(Vec::is_empty) on:click=move |_| ed.redo()>
                "Redo"
            </button>
            <button type="button" class="tool" disabled=move || ed.ops.with(Vec::is_empty) on:click=move |_| ed.reset()>
                "Reset to original"
            </button>
            <button type="button" class="done" on:click=move |_| close()>
                "Done"
            </button>
        </div>
    }
}

/// The options of the chosen tool: crop ratios, the label's text, and apply/cancel.
#[component]
fn Options(ed: Ed) -> impl IntoView {
    let tool = move || ed.tool.get();
    view! {
        <div class="editor-options">
            <Show when=move || tool() == Tool::Crop>
                <span role="group" aria-label="Crop ratio" class="ratios">
                    {Ratio::ALL.iter().map(|r| {
                        let r = *r;
                        view! {
                            <button
                                type="button"
                                class="tool"
                                aria-label=format!("Crop ratio {}", r.label())
                                aria-pressed=move || (ed.ratio.get() == r).to_string()
                                on:click=move |_| {
                                    ed.ratio.set(r);
                                    let (w, h) = ed.size.get_untracked();
                                    ed.draft.set(canvas::default_draft(Tool::Crop, r, w, h));
                                }
                            >
                                {r.label()}
                            </button>
                        }
                    }).collect_view()}
                </span>
            </Show>
            <Show when=move || tool() == Tool::Text>
                <label class="label-input">
                    "Label text "
                    <input
                        id="editor-label"
                        type="text"
                        maxlength="80"
                        prop:value=move || ed.label.get()
                        on:input=move |e| ed.label.set(event_target_value(&e))
                    />
                </label>
            </Show>
            <Show when=move || ed.draft.get().is_some()>
                <button type="button" on:click=move |_| ed.apply()>
                    {move || match tool() {
                        Tool::Crop => "Apply crop",
                        Tool::Text => "Add label",
                        _ => "Apply",
                    }}
                </button>
                <button type="button" class="secondary" on:click=move |_| ed.draft.set(None)>
                    "Cancel"
                </button>
            </Show>
            <span class="hint">
                {move || match tool() {
                    Tool::None => "Choose a tool. R rotates; Ctrl+Z undoes.",
                    Tool::Crop => "Drag to choose the area, or move it with the arrow keys (Shift resizes); Enter applies.",
                    Tool::Text => "Click where the label goes, type it, then Enter.",
                    Tool::Freehand => "Draw with the pointer.",
                    _ => "Drag on the photo, or use the arrow keys (Shift resizes) and Enter.",
                }}
            </span>
        </div>
    }
}

/// The displayed image's box inside the stage.
fn image_frame(img: &NodeRef<html::Img>) -> Option<(f64, f64, f64, f64)> {
    let el = img.get_untracked()?;
    Some((
        el.offset_left() as f64,
        el.offset_top() as f64,
        el.offset_width() as f64,
        el.offset_height() as f64,
    ))
}

/// The pointer's position in the image's pixels (`w`×`h`), clamped to the image.
fn image_point(e: &leptos::ev::PointerEvent, w: f64, h: f64) -> Option<P> {
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

fn capture(e: &leptos::ev::PointerEvent) {
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

fn is_text_input(e: &leptos::ev::KeyboardEvent) -> bool {
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
fn focus(selector: &'static str) {
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
