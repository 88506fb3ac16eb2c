//! What an Inbox-Scan TIFF says about its photo (ssr only): the facts — patient, tags in words,
//! description, when it was taken, who took it — as lines for the caption band printed *below*
//! the photo (never over it) and as the TIFF's ImageDescription; and the band itself, drawn with
//! the editor's embedded font and encoded with the photo as one JPEG under the size cap.

use image::{DynamicImage, ImageReader, Limits, Rgb, RgbImage, imageops};
use tiny_skia::{FillRule, Paint, PixmapMut, Transform};

use crate::{
    editor::render::{text_line, text_width},
    infra::time::taken_words,
    launch::session::{LaunchSession, SessionPatient},
    staging::{
        recheck::{Checked, RecheckLimits, encode_to_fit},
        record::PhotoRecord,
    },
};

/// The facts printed under a photo, one per line, before wrapping.
pub fn facts(r: &PhotoRecord, patient: &SessionPatient, session: &LaunchSession) -> Vec<String> {
    let mut out = vec![format!(
        "{} · born {} · NHI {}",
        patient.name, patient.birth_date, patient.nhi
    )];
    let words = crate::staging::lesion::LesionTag::words(r.lesion.as_ref(), r.tags.words());
    if !words.is_empty() {
        out.push(words.join(" — "));
    }
    if let Some(d) = r.tags.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        out.push(d.to_string());
    }
    let mut when = format!("Taken {}", taken_words(r.taken_at));
    if let Some(p) = session.practitioner_name.as_deref().filter(|p| !p.trim().is_empty()) {
        when.push_str(&format!(" · {p}"));
    }
    out.push(when);
    out
}

/// The ImageDescription: the same facts on one line.
pub fn description(facts: &[String]) -> String {
    facts.join(" | ")
}

/// Splits `line` into lines no wider than `width` px at `size` (a word longer than the width
/// stands on a line of its own).
fn wrap(line: &str, width: f32, size: f32) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in line.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && text_width(&candidate, size) > width {
            out.push(std::mem::replace(&mut current, word.to_string()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The text size for a photo `width` px wide: legible on screen and in print.
fn text_px(width: u32) -> f32 {
    (width as f32 / 45.0).clamp(12.0, 36.0)
}

/// The photo with a white band below it holding `facts` (no band when there are none), as one
/// JPEG within `limits` (its long
/// edge may exceed the photo's by the band: the photo itself is never scaled for the band, only
/// when the size cap demands it).
pub fn with_band(photo: &[u8], facts: &[String], limits: &RecheckLimits) -> Result<Checked, String> {
    let mut reader = ImageReader::new(std::io::Cursor::new(photo))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut lim = Limits::default();
    lim.max_alloc = Some(limits.max_pixels * 4 + (64 << 20));
    reader.limits(lim);
    let img = reader.decode().map_err(|e| e.to_string())?.to_rgb8();
    let (w, h) = img.dimensions();
    let size = text_px(w);
    let margin = (size * 0.8).round();
    let line_h = (size * 1.35).round();
    let lines: Vec<String> = facts
        .iter()
        .flat_map(|l| wrap(l, w as f32 - 2.0 * margin, size))
        .collect();
    let band = if lines.is_empty() {
        0
    } else {
        (2.0 * margin + line_h * lines.len() as f32).ceil() as u32
    };

    let mut canvas = RgbImage::from_pixel(w, h + band, Rgb([255, 255, 255]));
    imageops::replace(&mut canvas, &img, 0, 0);
    drop(img);
    let mut rgba = DynamicImage::ImageRgb8(canvas).to_rgba8();
    if let Some(mut pixmap) = PixmapMut::from_bytes(rgba.as_mut(), w, h + band) {
        let mut ink = Paint::default();
        ink.set_color_rgba8(0, 0, 0, 255);
        ink.anti_alias = true;
        for (n, line) in lines.iter().enumerate() {
            let baseline = h as f32 + margin + line_h * n as f32 + size;
            if let Some(path) = text_line(line, (margin, baseline), size) {
                pixmap.fill_path(&path, &ink, FillRule::Winding, Transform::identity(), None);
            }
        }
    }
    let composed = DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(rgba).to_rgb8());
    let limits = RecheckLimits {
        max_long_edge: limits.max_long_edge.max(w.max(h + band)),
        ..*limits
    };
    encode_to_fit(composed, &limits).map_err(|e| e.to_string())
}

#[cfg(test)]
#[path = "caption_tests.rs"]
mod tests;
