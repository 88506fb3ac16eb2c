//! The body map's regions: pure data and lookup, no UI. Each region is a rectangle on the front
//! or back outline, and resolves to one verified body-site code (`codes::BODY_SITES`) and one
//! laterality code (`codes::LATERALITIES`): the patient's left or right, or "Not applicable" for a
//! structure in the middle (head, neck, genitalia). Regions whose site needs more precision
//! (hand → finger, fingernail; foot → toe, toenail; head → eyelid, ear, …) list the finer choices.
//!
//! Coordinates are in the map's own units: each view is `WIDTH` × `HEIGHT`. On the front view the
//! patient faces the viewer, so the patient's right is on the viewer's left; on the back view the
//! patient's left is on the viewer's left. The views are labelled so, and `mirror` does the flip.

use super::codes::{self, BODY_SITES, LATERALITIES};

pub const WIDTH: u16 = 160;
pub const HEIGHT: u16 = 380;

pub const LEFT: &str = "7771000";
pub const RIGHT: &str = "24028007";
pub const NOT_APPLICABLE: &str = "385432009";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    Front,
    Back,
}

impl View {
    pub fn word(self) -> &'static str {
        match self {
            View::Front => "front",
            View::Back => "back",
        }
    }
    pub fn parse(s: &str) -> Option<View> {
        match s {
            "front" => Some(View::Front),
            "back" => Some(View::Back),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
    /// In the middle of the body: laterality "Not applicable".
    Middle,
}

impl Side {
    pub fn code(self) -> &'static str {
        match self {
            Side::Left => LEFT,
            Side::Right => RIGHT,
            Side::Middle => NOT_APPLICABLE,
        }
    }
}

/// A finer site offered after a region is chosen. `paired` structures (eyelid, ear) on a middle
/// region have a side the map cannot know: choosing one clears the laterality for the GP to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub site: &'static str,
    pub paired: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

impl Rect {
    pub fn centre(&self) -> (u16, u16) {
        (self.x + self.w / 2, self.y + self.h / 2)
    }
    pub fn contains(&self, x: u16, y: u16) -> bool {
        x >= self.x && x <= self.x + self.w && y >= self.y && y <= self.y + self.h
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Stable id, e.g. "front-left-forearm" (used by the UI and tests).
    pub id: &'static str,
    pub view: View,
    pub side: Side,
    /// Body-site code (side-neutral), from `BODY_SITES`.
    pub site: &'static str,
    pub rect: Rect,
    /// Finer sites offered after the region is chosen (the region's own site first).
    pub choices: &'static [Choice],
}

impl Region {
    pub fn site_label(&self) -> &'static str {
        codes::find(BODY_SITES, self.site).map_or("?", |c| c.label)
    }

    /// "Left forearm (front)", "Neck (back)": what a screen reader says.
    pub fn label(&self) -> String {
        let site = self.site_label();
        let words = match self.side {
            Side::Left => format!("Left {}", lower_first(site)),
            Side::Right => format!("Right {}", lower_first(site)),
            Side::Middle => site.to_string(),
        };
        format!("{words} ({})", self.view.word())
    }

    /// True when a photo tagged `site`/`laterality` is shown by this region.
    pub fn shows(&self, site: Option<&str>, laterality: Option<&str>) -> bool {
        let Some(site) = site else { return false };
        let site_ok = site == self.site || self.choices.iter().any(|c| c.site == site);
        let side_ok = match self.side {
            Side::Middle => laterality != Some(LEFT) && laterality != Some(RIGHT),
            s => laterality == Some(s.code()),
        };
        site_ok && side_ok
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

const fn ch(site: &'static str) -> Choice {
    Choice { site, paired: false }
}
const fn paired(site: &'static str) -> Choice {
    Choice { site, paired: true }
}

const FACE: &[Choice] = &[
    ch("89545001"),
    ch("52795006"),
    paired("371398005"),
    paired("80243003"),
    ch("45206002"),
    ch("48477009"),
    ch("123851003"),
    paired("117590005"),
    ch("41695006"),
    ch("69536005"),
];
const HEAD_BACK: &[Choice] = &[ch("69536005"), ch("41695006"), paired("117590005")];
const CHEST: &[Choice] = &[ch("51185008"), ch("76752008"), ch("91470000")];
const GENITAL: &[Choice] = &[ch("60944009"), ch("38864007")];
const PERIANAL: &[Choice] = &[ch("397158004"), ch("38864007")];
const HAND_FRONT: &[Choice] = &[ch("85562004"), ch("70887009"), ch("7569003"), ch("770809003")];
const HAND_BACK: &[Choice] = &[ch("85562004"), ch("7569003"), ch("770809003")];
const LOWER_LEG: &[Choice] = &[ch("30021000"), ch("25763004")];
const CALF: &[Choice] = &[ch("53840002"), ch("30021000")];
const FOOT: &[Choice] = &[ch("56459004"), ch("29707007"), ch("770805009")];
const HEEL: &[Choice] = &[ch("76853006"), ch("56459004"), ch("29707007"), ch("770805009")];
const UPPER_LIMB: &[Choice] = &[ch("40983000"), ch("53120007")];
const LOWER_LIMB: &[Choice] = &[ch("68367000"), ch("29836001"), ch("61685007")];
const NONE: &[Choice] = &[];

const fn r(x: u16, y: u16, w: u16, h: u16) -> Rect {
    Rect { x, y, w, h }
}

/// One shape drawn on the viewer's left half (or across the middle), and what it is.
struct Shape {
    name: &'static str,
    site: &'static str,
    rect: Rect,
    choices: &'static [Choice],
}

const fn s(name: &'static str, site: &'static str, rect: Rect, choices: &'static [Choice]) -> Shape {
    Shape {
        name,
        site,
        rect,
        choices,
    }
}

/// Middle shapes (drawn across the centre line) of each view.
const FRONT_MIDDLE: &[Shape] = &[
    s("head", "89545001", r(62, 6, 36, 46), FACE),
    s("neck", "45048000", r(71, 52, 18, 12), NONE),
    s("genitals", "60944009", r(75, 150, 10, 16), GENITAL),
];
const BACK_MIDDLE: &[Shape] = &[
    s("head", "69536005", r(62, 6, 36, 46), HEAD_BACK),
    s("neck", "45048000", r(71, 52, 18, 12), NONE),
    s("perianal", "397158004", r(75, 150, 10, 16), PERIANAL),
];
/// Paired shapes, as drawn on the viewer's left; `mirror` gives the other one.
const FRONT_PAIRED: &[Shape] = &[
    s("shoulder", "16982005", r(36, 64, 22, 18), NONE),
    s("chest", "51185008", r(58, 64, 21, 40), CHEST),
    s("abdomen", "818983003", r(58, 104, 21, 46), NONE),
    s("groin", "26893007", r(58, 150, 17, 16), NONE),
    s("upper-arm", "40983000", r(34, 82, 22, 44), UPPER_LIMB),
    s("elbow", "127949000", r(31, 126, 22, 14), NONE),
    s("forearm", "14975008", r(27, 140, 22, 46), NONE),
    s("wrist", "8205005", r(25, 186, 22, 12), NONE),
    s("hand", "85562004", r(20, 198, 26, 34), HAND_FRONT),
    s("thigh", "68367000", r(58, 166, 21, 68), LOWER_LIMB),
    s("knee", "72696002", r(58, 234, 21, 20), NONE),
    s("lower-leg", "30021000", r(58, 254, 21, 78), LOWER_LEG),
    s("ankle", "344001", r(58, 332, 21, 12), NONE),
    s("foot", "56459004", r(52, 344, 27, 26), FOOT),
];
const BACK_PAIRED: &[Shape] = &[
    s("shoulder", "16982005", r(36, 64, 22, 18), NONE),
    s("back", "77568009", r(58, 64, 21, 52), NONE),
    s("lower-back", "37822005", r(58, 116, 21, 34), NONE),
    s("buttock", "46862004", r(58, 150, 17, 26), NONE),
    s("upper-arm", "40983000", r(34, 82, 22, 44), UPPER_LIMB),
    s("elbow", "127949000", r(31, 126, 22, 14), NONE),
    s("forearm", "14975008", r(27, 140, 22, 46), NONE),
    s("wrist", "8205005", r(25, 186, 22, 12), NONE),
    s("hand", "85562004", r(20, 198, 26, 34), HAND_BACK),
    s("thigh", "68367000", r(58, 176, 21, 58), LOWER_LIMB),
    s("knee", "72696002", r(58, 234, 21, 20), NONE),
    s("calf", "53840002", r(58, 254, 21, 78), CALF),
    s("ankle", "344001", r(58, 332, 21, 12), NONE),
    s("heel", "76853006", r(52, 344, 27, 26), HEEL),
];

pub fn mirror(rect: Rect) -> Rect {
    Rect {
        x: WIDTH - rect.x - rect.w,
        ..rect
    }
}

const fn ids(view: View) -> (&'static [Shape], &'static [Shape]) {
    match view {
        View::Front => (FRONT_MIDDLE, FRONT_PAIRED),
        View::Back => (BACK_MIDDLE, BACK_PAIRED),
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Every region of both views (built once).
pub fn regions() -> &'static [Region] {
    static ALL: std::sync::OnceLock<Vec<Region>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = Vec::new();
        for view in [View::Front, View::Back] {
            let (middle, paired) = ids(view);
            for sh in middle {
                out.push(Region {
                    id: leak(format!("{}-{}", view.word(), sh.name)),
                    view,
                    side: Side::Middle,
                    site: sh.site,
                    rect: sh.rect,
                    choices: sh.choices,
                });
            }
            // Front: the viewer's left is the patient's right. Back: it is the patient's left.
            let (near, far) = match view {
                View::Front => (Side::Right, Side::Left),
                View::Back => (Side::Left, Side::Right),
            };
            for sh in paired {
                for (side, rect) in [(near, sh.rect), (far, mirror(sh.rect))] {
                    let word = if side == Side::Left { "left" } else { "right" };
                    out.push(Region {
                        id: leak(format!("{}-{word}-{}", view.word(), sh.name)),
                        view,
                        side,
                        site: sh.site,
                        rect,
                        choices: sh.choices,
                    });
                }
            }
        }
        out
    })
}

pub fn region(id: &str) -> Option<&'static Region> {
    regions().iter().find(|r| r.id == id)
}

/// The region under a point of one view (for a lesion's marker), if any.
pub fn region_at(view: View, x: u16, y: u16) -> Option<&'static Region> {
    regions().iter().find(|r| r.view == view && r.rect.contains(x, y))
}

/// The laterality a click on `region` records, and the one a finer `choice` records.
pub fn side_for(region: &Region, choice: Option<&Choice>) -> &'static str {
    match (region.side, choice) {
        (Side::Middle, Some(c)) if c.paired => "",
        (side, _) => side.code(),
    }
}

/// True when `code` is offered by the verified laterality list (used by tests and lesions).
pub fn is_laterality(code: &str) -> bool {
    codes::find(LATERALITIES, code).is_some()
}

#[cfg(test)]
#[path = "body_map_tests.rs"]
mod tests;
