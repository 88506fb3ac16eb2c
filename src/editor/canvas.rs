//! The gesture in progress, in pixels of the image as currently rendered, and how it becomes
//! an operation. Pure (no browser types), so it is tested natively.

use super::ops::{Colour, Op, Pt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    None,
    Crop,
    Arrow,
    Ellipse,
    Freehand,
    Text,
}

impl Tool {
    pub const DRAWING: [Tool; 5] = [Tool::Crop, Tool::Arrow, Tool::Ellipse, Tool::Freehand, Tool::Text];

    pub fn label(self) -> &'static str {
        match self {
            Tool::None => "None",
            Tool::Crop => "Crop",
            Tool::Arrow => "Arrow",
            Tool::Ellipse => "Ellipse",
            Tool::Freehand => "Freehand",
            Tool::Text => "Text",
        }
    }

    /// Tools whose shape appears at the centre and moves with the arrow keys.
    pub fn keyboard_shape(self) -> bool {
        matches!(self, Tool::Crop | Tool::Arrow | Tool::Ellipse | Tool::Text)
    }
}

/// Fixed crop ratios (width : height).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ratio {
    Free,
    Square,
    FourThree,
    ThreeFour,
}

impl Ratio {
    pub const ALL: [Ratio; 4] = [Ratio::Free, Ratio::Square, Ratio::FourThree, Ratio::ThreeFour];

    pub fn label(self) -> &'static str {
        match self {
            Ratio::Free => "Free",
            Ratio::Square => "1:1",
            Ratio::FourThree => "4:3",
            Ratio::ThreeFour => "3:4",
        }
    }

    pub fn value(self) -> Option<f64> {
        match self {
            Ratio::Free => None,
            Ratio::Square => Some(1.0),
            Ratio::FourThree => Some(4.0 / 3.0),
            Ratio::ThreeFour => Some(3.0 / 4.0),
        }
    }
}

pub type P = (f64, f64);

/// A shape being drawn, in pixels of the current image.
#[derive(Debug, Clone, PartialEq)]
pub enum Draft {
    /// Crop or ellipse bounds.
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    Line {
        from: P,
        to: P,
    },
    Path(Vec<P>),
    Text {
        at: P,
    },
}

/// The largest `ratio` rectangle (or `fraction` of each side, when free) centred in `w`×`h`.
fn centred_rect(ratio: Ratio, w: f64, h: f64, fraction: f64) -> Draft {
    let (rw, rh) = match ratio.value() {
        None => (w * fraction, h * fraction),
        Some(r) => {
            let (mut rw, mut rh) = (w * fraction, w * fraction / r);
            if rh > h * fraction {
                rh = h * fraction;
                rw = rh * r;
            }
            (rw, rh)
        }
    };
    Draft::Rect {
        x: (w - rw) / 2.0,
        y: (h - rh) / 2.0,
        w: rw,
        h: rh,
    }
}

/// The shape a tool starts with at the centre (for keyboard use).
pub fn default_draft(tool: Tool, ratio: Ratio, w: f64, h: f64) -> Option<Draft> {
    Some(match tool {
        Tool::Crop => centred_rect(ratio, w, h, 0.7),
        Tool::Ellipse => centred_rect(Ratio::Free, w, h, 0.3),
        Tool::Arrow => Draft::Line {
            from: (w * 0.3, h * 0.7),
            to: (w * 0.5, h * 0.5),
        },
        Tool::Text => Draft::Text { at: (w * 0.5, h * 0.5) },
        Tool::Freehand | Tool::None => return None,
    })
}

/// The rectangle dragged from `a` to `b`, held to `ratio`, inside `w`×`h`.
pub fn drag_rect(a: P, b: P, ratio: Ratio, w: f64, h: f64) -> Draft {
    let b = (b.0.clamp(0.0, w), b.1.clamp(0.0, h));
    let (mut dw, mut dh) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
    if let Some(r) = ratio.value() {
        // Follow the larger movement; never leave the image.
        let room_w = if b.0 >= a.0 { w - a.0 } else { a.0 };
        let room_h = if b.1 >= a.1 { h - a.1 } else { a.1 };
        if dw / r >= dh {
            dh = dw / r;
        } else {
            dw = dh * r;
        }
        let shrink = (room_w / dw.max(1e-9)).min(room_h / dh.max(1e-9)).min(1.0);
        dw *= shrink;
        dh *= shrink;
    }
    let x = if b.0 >= a.0 { a.0 } else { a.0 - dw };
    let y = if b.1 >= a.1 { a.1 } else { a.1 - dh };
    Draft::Rect { x, y, w: dw, h: dh }
}

/// What a pointer pressed on a crop rectangle takes hold of.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Grab {
    /// A corner: the opposite corner (which stays put while the grabbed one follows the pointer).
    Corner(P),
    /// The inside: the pointer's offset from the top-left corner (the rectangle follows it).
    Inside(P),
}

/// How near a corner (in image px, for a `w`×`h` image) a press takes hold of it.
pub fn corner_reach(w: f64, h: f64) -> f64 {
    0.04 * w.max(h)
}

/// What a press at `p` takes hold of on `rect`: a corner first, then the inside, else nothing
/// (a press outside starts a new rectangle).
pub fn grab(rect: &Draft, p: P, w: f64, h: f64) -> Option<Grab> {
    let Draft::Rect { x, y, w: rw, h: rh } = *rect else {
        return None;
    };
    let reach = corner_reach(w, h);
    let corners = [(x, y), (x + rw, y), (x, y + rh), (x + rw, y + rh)];
    if let Some(i) = corners
        .iter()
        .position(|c| (p.0 - c.0).abs() <= reach && (p.1 - c.1).abs() <= reach)
    {
        return Some(Grab::Corner(corners[3 - i]));
    }
    (p.0 > x && p.0 < x + rw && p.1 > y && p.1 < y + rh).then_some(Grab::Inside((p.0 - x, p.1 - y)))
}

/// `rect` moved so that the point held at `offset` follows the pointer `p`, kept inside the image.
pub fn move_rect(rect: &Draft, offset: P, p: P, w: f64, h: f64) -> Draft {
    match *rect {
        Draft::Rect { w: rw, h: rh, .. } => Draft::Rect {
            x: (p.0 - offset.0).clamp(0.0, (w - rw).max(0.0)),
            y: (p.1 - offset.1).clamp(0.0, (h - rh).max(0.0)),
            w: rw,
            h: rh,
        },
        ref other => other.clone(),
    }
}

/// Moves (or with `resize`, grows/shrinks) a draft by (`dx`, `dy`) px, kept inside `w`×`h`.
pub fn nudge(d: &Draft, dx: f64, dy: f64, resize: bool, ratio: Ratio, w: f64, h: f64) -> Draft {
    let clamp_p = |p: P| (p.0.clamp(0.0, w), p.1.clamp(0.0, h));
    match d {
        Draft::Rect { x, y, w: rw, h: rh } if resize => {
            let mut nw = (rw + dx).clamp(8.0, w - x);
            let mut nh = (rh + dy).clamp(8.0, h - y);
            if let Some(r) = ratio.value() {
                // Either key resizes both sides together.
                let grow = if dx != 0.0 { dx } else { dy * r };
                nw = (rw + grow).max(8.0);
                nh = nw / r;
                let fit = ((w - x) / nw).min((h - y) / nh).min(1.0);
                nw *= fit;
                nh *= fit;
            }
            Draft::Rect {
                x: *x,
                y: *y,
                w: nw,
                h: nh,
            }
        }
        Draft::Rect { x, y, w: rw, h: rh } => Draft::Rect {
            x: (x + dx).clamp(0.0, (w - rw).max(0.0)),
            y: (y + dy).clamp(0.0, (h - rh).max(0.0)),
            w: *rw,
            h: *rh,
        },
        // Shift moves the arrow's tip only (changing its length and direction).
        Draft::Line { from, to } if resize => Draft::Line {
            from: *from,
            to: clamp_p((to.0 + dx, to.1 + dy)),
        },
        Draft::Line { from, to } => {
            let (dx, dy) = (
                dx.clamp(-from.0.min(to.0), w - from.0.max(to.0)),
                dy.clamp(-from.1.min(to.1), h - from.1.max(to.1)),
            );
            Draft::Line {
                from: (from.0 + dx, from.1 + dy),
                to: (to.0 + dx, to.1 + dy),
            }
        }
        Draft::Text { at } => Draft::Text {
            at: clamp_p((at.0 + dx, at.1 + dy)),
        },
        Draft::Path(points) => Draft::Path(points.iter().map(|p| clamp_p((p.0 + dx, p.1 + dy))).collect()),
    }
}

/// The operation a finished draft makes on a `w`×`h` image, or `None` if it is too small to
/// mean anything (a slip of the pointer) or a label has no text.
pub fn to_op(d: &Draft, tool: Tool, colour: Colour, label: &str, w: f64, h: f64) -> Option<Op> {
    let fx = |v: f64| (v / w).clamp(0.0, 1.0);
    let fy = |v: f64| (v / h).clamp(0.0, 1.0);
    let pt = |p: &P| Pt::new(fx(p.0), fy(p.1));
    Some(match (tool, d) {
        (Tool::Crop | Tool::Ellipse, Draft::Rect { x, y, w: rw, h: rh }) => {
            if *rw < 4.0 || *rh < 4.0 {
                return None;
            }
            let (x, y) = (fx(*x), fy(*y));
            let (cw, ch) = (fx(*rw).min(1.0 - x), fy(*rh).min(1.0 - y));
            if tool == Tool::Crop {
                Op::Crop { x, y, w: cw, h: ch }
            } else {
                Op::Ellipse {
                    x,
                    y,
                    w: cw,
                    h: ch,
                    colour,
                }
            }
        }
        (Tool::Arrow, Draft::Line { from, to }) => {
            if (to.0 - from.0).hypot(to.1 - from.1) < 4.0 {
                return None;
            }
            Op::Arrow {
                from: pt(from),
                to: pt(to),
                colour,
            }
        }
        (Tool::Freehand, Draft::Path(points)) if !points.is_empty() => Op::Freehand {
            points: points.iter().take(super::ops::MAX_POINTS).map(pt).collect(),
            colour,
        },
        (Tool::Text, Draft::Text { at }) => {
            let text: String = label.trim().chars().take(super::ops::MAX_TEXT).collect();
            if text.is_empty() {
                return None;
            }
            Op::Text {
                at: pt(at),
                text,
                colour,
            }
        }
        _ => return None,
    })
}

/// Adds a freehand point unless it is within a pixel of the last one.
pub fn extend_path(points: &mut Vec<P>, p: P) {
    if points.len() >= super::ops::MAX_POINTS {
        return;
    }
    if points.last().is_none_or(|l| (l.0 - p.0).hypot(l.1 - p.1) >= 1.5) {
        points.push(p);
    }
}

#[cfg(test)]
#[path = "canvas_tests.rs"]
mod tests;
