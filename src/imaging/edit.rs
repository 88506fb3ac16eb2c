//! The editor's description of an edit: an ordered list of operations over the staged original.
//! Shared by the browser (the overlay while a gesture is in progress) and the server (which
//! renders the committed image), so both use the same geometry.
//!
//! Every coordinate is a fraction (0..1) of the image *as it is after the previous operations*.

use serde::{Deserialize, Serialize};

// The caps are what a GP draws on a clinical photo (a few marks, a label), with room to
// spare; they bound what one edit costs the renderer every other GP shares.
/// At most this many operations in one edit.
pub const MAX_OPS: usize = 50;
/// At most this many points in one freehand stroke.
pub const MAX_POINTS: usize = 500;
/// At most this many freehand points in one edit, all strokes together.
pub const MAX_TOTAL_POINTS: usize = 5000;
/// At most this many characters in one text label.
pub const MAX_TEXT: usize = 80;
/// No side of the edited image may be smaller than this.
pub const MIN_SIDE: u32 = 16;

/// A point as fractions of the current image's width and height.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
}

impl Pt {
    pub fn new(x: f64, y: f64) -> Self {
        Pt { x, y }
    }
}

/// Annotation colours chosen to show on any skin tone (each drawn over a dark halo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    #[default]
    Green,
    Cyan,
    Yellow,
}

impl Colour {
    pub const ALL: [Colour; 3] = [Colour::Green, Colour::Cyan, Colour::Yellow];

    pub fn rgb(self) -> [u8; 3] {
        match self {
            Colour::Green => [0x00, 0xE6, 0x76],
            Colour::Cyan => [0x00, 0xB0, 0xFF],
            Colour::Yellow => [0xFF, 0xEA, 0x00],
        }
    }

    pub fn hex(self) -> String {
        let [r, g, b] = self.rgb();
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    pub fn label(self) -> &'static str {
        match self {
            Colour::Green => "Green",
            Colour::Cyan => "Blue",
            Colour::Yellow => "Yellow",
        }
    }
}

/// The halo drawn under every stroke: near-black, mostly opaque.
pub const HALO_RGBA: [u8; 4] = [0x10, 0x10, 0x10, 0xD0];

/// One editing step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// +1 = 90° clockwise, -1 = 90° anticlockwise.
    Rotate {
        quarter_turns: i8,
    },
    Crop {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    Arrow {
        from: Pt,
        to: Pt,
        colour: Colour,
    },
    /// An ellipse inside this bounding box.
    Ellipse {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        colour: Colour,
    },
    Freehand {
        points: Vec<Pt>,
        colour: Colour,
    },
    /// A label centred on `at`.
    Text {
        at: Pt,
        text: String,
        colour: Colour,
    },
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Rotate { .. } => "rotate",
            Op::Crop { .. } => "crop",
            Op::Arrow { .. } => "arrow",
            Op::Ellipse { .. } => "ellipse",
            Op::Freehand { .. } => "freehand",
            Op::Text { .. } => "text",
        }
    }

    /// The size of a `w`×`h` image after this operation.
    pub fn size_after(&self, w: u32, h: u32) -> (u32, u32) {
        match self {
            Op::Rotate { quarter_turns } if quarter_turns.rem_euclid(2) == 1 => (h, w),
            Op::Crop { x, y, w: cw, h: ch } => {
                let r = crop_rect(w, h, *x, *y, *cw, *ch);
                (r.2, r.3)
            }
            _ => (w, h),
        }
    }
}

/// A crop in pixels of a `w`×`h` image: (left, top, width, height), at least 1×1, inside it.
pub fn crop_rect(w: u32, h: u32, x: f64, y: f64, cw: f64, ch: f64) -> (u32, u32, u32, u32) {
    let edge = |v: f64, size: u32| ((v.clamp(0.0, 1.0) * size as f64).round() as u32).min(size);
    let (x0, y0) = (edge(x, w).min(w.saturating_sub(1)), edge(y, h).min(h.saturating_sub(1)));
    let (x1, y1) = (edge(x + cw, w).max(x0 + 1), edge(y + ch, h).max(y0 + 1));
    (x0, y0, x1 - x0, y1 - y0)
}

/// The edit saved for one photo.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Edit {
    pub ops: Vec<Op>,
}

/// Why an edit cannot be saved, in words for the GP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("This photo has too many edits (at most {MAX_OPS}). Undo some, or reset to the original.")]
    TooManyOps,
    #[error("That drawing is too long. Draw it in shorter strokes.")]
    TooManyPoints,
    #[error("This photo has too much freehand drawing. Undo some strokes, or reset to the original.")]
    TooMuchDrawing,
    #[error("A label can be at most {MAX_TEXT} characters.")]
    TextTooLong,
    #[error("A label needs some text.")]
    TextEmpty,
    #[error("Part of the edit lies outside the photo.")]
    OutOfBounds,
    #[error("That crop is too small to keep.")]
    CropTooSmall,
    #[error("A rotation must be a quarter, half or three-quarter turn.")]
    BadRotation,
}

fn unit(v: f64) -> bool {
    v.is_finite() && (0.0..=1.0).contains(&v)
}

fn unit_pt(p: &Pt) -> bool {
    unit(p.x) && unit(p.y)
}

impl Edit {
    /// The size of a `w`×`h` original after every operation (before any fit to the byte limit).
    pub fn size_after(&self, w: u32, h: u32) -> (u32, u32) {
        self.ops.iter().fold((w, h), |(w, h), op| op.size_after(w, h))
    }

    /// Checks the edit against its limits for a `w`×`h` original.
    pub fn validate(&self, w: u32, h: u32) -> Result<(), EditError> {
        if self.ops.len() > MAX_OPS {
            return Err(EditError::TooManyOps);
        }
        let points: usize = self
            .ops
            .iter()
            .map(|op| match op {
                Op::Freehand { points, .. } => points.len(),
                _ => 0,
            })
            .sum();
        if points > MAX_TOTAL_POINTS {
            return Err(EditError::TooMuchDrawing);
        }
        let (mut w, mut h) = (w, h);
        for op in &self.ops {
            match op {
                Op::Rotate { quarter_turns } => {
                    if !(-3..=3).contains(quarter_turns) || *quarter_turns == 0 {
                        return Err(EditError::BadRotation);
                    }
                }
                Op::Crop { x, y, w: cw, h: ch } | Op::Ellipse { x, y, w: cw, h: ch, .. } => {
                    if ![*x, *y, *cw, *ch].into_iter().all(unit) || x + cw > 1.0 + 1e-9 || y + ch > 1.0 + 1e-9 {
                        return Err(EditError::OutOfBounds);
                    }
                    if matches!(op, Op::Crop { .. }) && (*cw <= 0.0 || *ch <= 0.0) {
                        return Err(EditError::CropTooSmall);
                    }
                }
                Op::Arrow { from, to, .. } => {
                    if !unit_pt(from) || !unit_pt(to) {
                        return Err(EditError::OutOfBounds);
                    }
                }
                Op::Freehand { points, .. } => {
                    if points.len() > MAX_POINTS {
                        return Err(EditError::TooManyPoints);
                    }
                    if !points.iter().all(unit_pt) {
                        return Err(EditError::OutOfBounds);
                    }
                }
                Op::Text { at, text, .. } => {
                    if text.chars().count() > MAX_TEXT {
                        return Err(EditError::TextTooLong);
                    }
                    if text.trim().is_empty() {
                        return Err(EditError::TextEmpty);
                    }
                    if !unit_pt(at) {
                        return Err(EditError::OutOfBounds);
                    }
                }
            }
            (w, h) = op.size_after(w, h);
            if w < MIN_SIDE || h < MIN_SIDE {
                return Err(EditError::CropTooSmall);
            }
        }
        Ok(())
    }

    /// "3 operations: rotate, crop, arrow" — for the audit trail (never the GP's text).
    pub fn summary(&self) -> String {
        if self.ops.is_empty() {
            return "reset to original".into();
        }
        let mut names: Vec<&str> = Vec::new();
        for op in &self.ops {
            if !names.contains(&op.name()) {
                names.push(op.name());
            }
        }
        let n = self.ops.len();
        format!("{n} operation{}: {}", if n == 1 { "" } else { "s" }, names.join(", "))
    }

    /// An edit as saved on a photo record; `None` when it has no operations (unedited).
    pub fn from_saved(json: &str) -> Result<Option<Edit>, serde_json::Error> {
        Ok(Some(serde_json::from_str::<Edit>(json)?).filter(|e| !e.ops.is_empty()))
    }

    /// A short, stable fingerprint of the edit (FNV-1a of its JSON), for image URLs that
    /// change exactly when the edit does.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in json.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }
}

/// The long edge of a `w`×`h` image.
fn long_edge(w: f64, h: f64) -> f64 {
    w.max(h)
}

/// Width in pixels of an annotation stroke on a `w`×`h` image.
pub fn stroke_px(w: f64, h: f64) -> f64 {
    (long_edge(w, h) * 0.006).max(3.0)
}

/// Width in pixels of the dark halo drawn under a stroke of width `stroke`.
pub fn halo_px(stroke: f64) -> f64 {
    stroke + 2.0 * (stroke * 0.4).max(2.0)
}

/// Height in pixels (em size) of label text on a `w`×`h` image.
pub fn text_px(w: f64, h: f64) -> f64 {
    (long_edge(w, h) * 0.04).max(12.0)
}

/// Width in pixels of the halo around label text of size `size`.
pub fn text_halo_px(size: f64) -> f64 {
    (size * 0.16).max(3.0)
}

/// An arrow in pixels: the shaft (from → base of the head) and the head triangle (tip, left,
/// right). A very short arrow is all head.
pub fn arrow_geometry(from: (f64, f64), to: (f64, f64), stroke: f64) -> ((f64, f64), [(f64, f64); 3]) {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-6);
    let (ux, uy) = (dx / len, dy / len);
    let head = (stroke * 4.5).min(len * 0.6).max(stroke * 1.5);
    let half = head * 0.55;
    let base = (to.0 - ux * head, to.1 - uy * head);
    let left = (base.0 - uy * half, base.1 + ux * half);
    let right = (base.0 + uy * half, base.1 - ux * half);
    // The shaft stops inside the head so its end cap never pokes out of the tip.
    let shaft_end = (to.0 - ux * head * 0.7, to.1 - uy * head * 0.7);
    (shaft_end, [to, left, right])
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod tests;
