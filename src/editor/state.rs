//! The open editor's state: the operation list (saved on every change, one save at a time),
//! the redo stack, the tool and the shape being placed, and what each key does.

use leptos::prelude::*;

use super::{
    api,
    canvas::{self, Draft, P, Ratio, Tool},
    dom::{focus, is_text_input},
    ops::{Colour, Edit, MAX_OPS, Op},
};
use crate::ui::workspace::Workspace;

/// A shape on the overlay: tool, gesture, colour and label text.
pub type Shape = (Tool, Draft, Colour, String);

/// The operations that move pixels (rotations and crops), which a gesture's coordinates depend on.
fn geometry(ops: &[Op]) -> Vec<&Op> {
    ops.iter()
        .filter(|o| matches!(o, Op::Rotate { .. } | Op::Crop { .. }))
        .collect()
}

/// Everything the open editor tracks. `ops` is the GP's list (updated at once); `saved` is
/// what the server has confirmed, and the base image always shows `saved`.
#[derive(Clone, Copy)]
pub struct Ed {
    pub ws: Workspace,
    pub id: StoredValue<String>,
    pub ops: RwSignal<Vec<Op>>,
    pub redo: RwSignal<Vec<Op>>,
    pub saved: RwSignal<Vec<Op>>,
    /// The operations the image on show renders (`None` until it first loads).
    pub shown: RwSignal<Option<Vec<Op>>>,
    /// Natural size of the image on show.
    pub size: RwSignal<(f64, f64)>,
    pub tool: RwSignal<Tool>,
    pub colour: RwSignal<Colour>,
    pub ratio: RwSignal<Ratio>,
    pub draft: RwSignal<Option<Draft>>,
    /// Just-applied shapes, kept on show until an image that includes them has loaded.
    pub pending: RwSignal<Vec<Shape>>,
    pub label: RwSignal<String>,
    pub saving: RwSignal<bool>,
    pub dirty: StoredValue<bool>,
    pub dragging: StoredValue<Option<P>>,
    /// A crop rectangle being moved: where the pointer holds it, from its top-left corner.
    pub moving: StoredValue<Option<P>>,
    pub error: RwSignal<Option<String>>,
    /// The photo being edited (`None` closes the editor).
    pub editing: RwSignal<Option<String>>,
    /// Done was chosen while a save was under way: close once it lands.
    pub closing: RwSignal<bool>,
    /// Where the overlay sits over the image, in the stage's pixels: left, top, width, height.
    pub frame: RwSignal<(f64, f64, f64, f64)>,
}

impl Ed {
    pub fn url(&self) -> String {
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
    pub fn can_draw(&self) -> bool {
        self.shown.with_untracked(|shown| {
            shown
                .as_ref()
                .is_some_and(|s| self.ops.with_untracked(|o| geometry(o) == geometry(s)))
        })
    }

    /// Every change is saved and on show.
    pub fn settled(&self) -> bool {
        !self.saving.get()
            && self.ops.with(|o| {
                self.saved
                    .with(|s| o == s && self.shown.with(|v| v.as_ref() == Some(s)))
            })
    }

    pub fn push(&self, op: Op) {
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

    pub fn rotate(&self, quarter_turns: i8) {
        self.draft.set(None);
        self.push(Op::Rotate { quarter_turns });
    }

    pub fn undo(&self) {
        self.draft.set(None);
        self.pending.set(Vec::new());
        if let Some(op) = self.ops.try_update(Vec::pop).flatten() {
            self.redo.update(|r| r.push(op));
            self.persist();
        }
    }

    pub fn redo(&self) {
        self.draft.set(None);
        if let Some(op) = self.redo.try_update(Vec::pop).flatten() {
            self.ops.update(|o| o.push(op));
            self.persist();
        }
    }

    /// Back to the original; Redo brings the operations back one by one.
    pub fn reset(&self) {
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
    pub fn persist(&self) {
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
            if ed.closing.get_untracked() {
                if ed.error.get_untracked().is_none() {
                    ed.close();
                } else {
                    ed.closing.set(false);
                }
            }
        });
    }

    /// Closes the editor, after the last change is saved (so a commit right after includes it).
    pub fn close(&self) {
        if self.saving.get_untracked() {
            self.closing.set(true);
            return;
        }
        self.editing.set(None);
        focus(".edit-photo");
    }

    pub fn select(&self, tool: Tool) {
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
    pub fn apply(&self) {
        if !self.can_draw() {
            self.error.set(Some(super::ui::STILL_UPDATING.into()));
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
    pub fn key(&self, e: leptos::ev::KeyboardEvent) {
        let key = e.key();
        let ctrl = e.ctrl_key() || e.meta_key();
        let typing = is_text_input(&e);
        match key.as_str() {
            "z" | "Z" if ctrl && e.shift_key() => self.redo(),
            "z" | "Z" if ctrl => self.undo(),
            "y" | "Y" if ctrl => self.redo(),
            "Escape" if self.draft.get_untracked().is_some() => self.draft.set(None),
            "Escape" => self.close(),
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
    pub fn busy_drawing(&self) -> bool {
        self.tool.get_untracked() == Tool::Crop && self.draft.get_untracked().is_some()
    }
}
