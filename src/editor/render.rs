//! Renders an `Edit` over the staged original (ssr only): rotate and crop with the `image`
//! crate, shapes with `tiny-skia` (anti-aliased, each over a dark halo), text as glyph outlines
//! of an embedded font, then a JPEG within the app's limits. Pure and deterministic: the same
//! original and edit always give the same bytes. CPU-bound: call it from `spawn_blocking`.

use std::io::Cursor;

use ab_glyph::{Font, FontRef, OutlineCurve, PxScale, ScaleFont};
use image::{DynamicImage, ImageReader, Limits, RgbaImage, imageops};
use tiny_skia::{FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, PixmapMut, Rect, Stroke, Transform};

use super::ops::{self, Colour, Edit, EditError, HALO_RGBA, Op, Pt};
use crate::staging::recheck::{Checked, RecheckError, RecheckLimits, encode_to_fit};

/// DejaVu Sans Bold (see `DejaVuSans-Bold.LICENSE`); server build only, never in the WASM.
static FONT: &[u8] = include_bytes!("DejaVuSans-Bold.ttf");

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Invalid(#[from] EditError),
    #[error("original cannot be decoded: {0}")]
    Decode(String),
    #[error(transparent)]
    Encode(#[from] RecheckError),
}

impl RenderError {
    pub fn gp_message(&self) -> String {
        match self {
            RenderError::Invalid(e) => e.to_string(),
            RenderError::Decode(_) => "The original photo could not be opened to apply the edit.".into(),
            RenderError::Encode(e) => e.gp_message(),
        }
    }
}

/// The original with the edit applied, as a JPEG within `limits`.
pub fn render(original: &[u8], edit: &Edit, limits: &RecheckLimits) -> Result<Checked, RenderError> {
    let img = decode(original, limits)?;
    edit.validate(img.width(), img.height())?;
    let out = apply(img, edit);
    Ok(encode_to_fit(
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(out).to_rgb8()),
        limits,
    )?)
}

fn decode(bytes: &[u8], limits: &RecheckLimits) -> Result<RgbaImage, RenderError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| RenderError::Decode(e.to_string()))?;
    let mut lim = Limits::default();
    lim.max_alloc = Some(limits.max_pixels * 4 + (64 << 20));
    reader.limits(lim);
    let img = reader.decode().map_err(|e| RenderError::Decode(e.to_string()))?;
    Ok(img.to_rgba8())
}

/// Applies every operation in order to an opaque RGBA image.
pub fn apply(mut img: RgbaImage, edit: &Edit) -> RgbaImage {
    for op in &edit.ops {
        img = match op {
            Op::Rotate { quarter_turns } => match quarter_turns.rem_euclid(4) {
                1 => imageops::rotate90(&img),
                2 => imageops::rotate180(&img),
                3 => imageops::rotate270(&img),
                _ => img,
            },
            Op::Crop { x, y, w, h } => {
                let (x0, y0, cw, ch) = ops::crop_rect(img.width(), img.height(), *x, *y, *w, *h);
                imageops::crop_imm(&img, x0, y0, cw, ch).to_image()
            }
            shape => {
                draw(&mut img, shape);
                img
            }
        };
    }
    img
}

fn paint(rgba: [u8; 4]) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(rgba[0], rgba[1], rgba[2], rgba[3]);
    p.anti_alias = true;
    p
}

fn colour_paint(c: Colour) -> Paint<'static> {
    let [r, g, b] = c.rgb();
    paint([r, g, b, 255])
}

fn stroke(width: f64) -> Stroke {
    Stroke {
        width: width as f32,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    }
}

/// Draws one annotation onto the image (opaque RGBA is also premultiplied RGBA).
fn draw(img: &mut RgbaImage, op: &Op) {
    let (w, h) = (img.width(), img.height());
    let Some(mut pixmap) = PixmapMut::from_bytes(img.as_mut(), w, h) else {
        return;
    };
    let (wf, hf) = (w as f64, h as f64);
    let px = |p: &Pt| (p.x * wf, p.y * hf);
    let line = ops::stroke_px(wf, hf);
    let halo = ops::halo_px(line);
    let id = Transform::identity();
    match op {
        Op::Arrow { from, to, colour } => {
            let (shaft_end, head) = ops::arrow_geometry(px(from), px(to), line);
            let shaft = polyline(&[px(from), shaft_end]);
            let head = polygon(&head);
            let mut both = PathBuilder::new();
            for p in [&shaft, &head].into_iter().flatten() {
                both.push_path(p);
            }
            if let Some(both) = both.finish() {
                pixmap.stroke_path(&both, &paint(HALO_RGBA), &stroke(halo), id, None);
            }
            if let Some(shaft) = shaft {
                pixmap.stroke_path(&shaft, &colour_paint(*colour), &stroke(line), id, None);
            }
            if let Some(head) = head {
                pixmap.fill_path(&head, &colour_paint(*colour), FillRule::Winding, id, None);
                pixmap.stroke_path(&head, &colour_paint(*colour), &stroke(line * 0.5), id, None);
            }
        }
        Op::Ellipse {
            x,
            y,
            w: ew,
            h: eh,
            colour,
        } => {
            let rect = Rect::from_xywh((x * wf) as f32, (y * hf) as f32, (ew * wf) as f32, (eh * hf) as f32);
            if let Some(path) = rect.and_then(PathBuilder::from_oval) {
                pixmap.stroke_path(&path, &paint(HALO_RGBA), &stroke(halo), id, None);
                pixmap.stroke_path(&path, &colour_paint(*colour), &stroke(line), id, None);
            }
        }
        Op::Freehand { points, colour } => {
            let pts: Vec<(f64, f64)> = points.iter().map(px).collect();
            // A single tap is a dot: a zero-length line with round caps.
            let pts = if pts.len() == 1 {
                vec![pts[0], (pts[0].0 + 0.01, pts[0].1)]
            } else {
                pts
            };
            if let Some(path) = polyline(&pts) {
                pixmap.stroke_path(&path, &paint(HALO_RGBA), &stroke(halo), id, None);
                pixmap.stroke_path(&path, &colour_paint(*colour), &stroke(line), id, None);
            }
        }
        Op::Text { at, text, colour } => {
            let size = ops::text_px(wf, hf);
            if let Some(path) = text_path(text, px(at), size) {
                pixmap.stroke_path(
                    &path,
                    &paint(HALO_RGBA),
                    &stroke(ops::text_halo_px(size) * 2.0),
                    id,
                    None,
                );
                pixmap.fill_path(&path, &colour_paint(*colour), FillRule::Winding, id, None);
            }
        }
        Op::Rotate { .. } | Op::Crop { .. } => {}
    }
}

fn polyline(pts: &[(f64, f64)]) -> Option<Path> {
    path_through(pts, false)
}

fn polygon(pts: &[(f64, f64)]) -> Option<Path> {
    path_through(pts, true)
}

fn path_through(pts: &[(f64, f64)], closed: bool) -> Option<Path> {
    let mut pb = PathBuilder::new();
    let (first, rest) = pts.split_first()?;
    pb.move_to(first.0 as f32, first.1 as f32);
    for p in rest {
        pb.line_to(p.0 as f32, p.1 as f32);
    }
    if closed {
        pb.close();
    }
    pb.finish()
}

/// The outline of `text` in the embedded font, `size` px high, centred on `centre`.
fn text_path(text: &str, centre: (f64, f64), size: f64) -> Option<Path> {
    let font = FontRef::try_from_slice(FONT).ok()?;
    let scaled = font.as_scaled(PxScale::from(size as f32));
    let width = text_width(text, size as f32);
    let left = centre.0 as f32 - width / 2.0;
    let baseline = centre.1 as f32 + (scaled.ascent() + scaled.descent()) / 2.0;
    text_line(text, (left, baseline), size as f32)
}

/// The width of `text` set on one line in the embedded font, `size` px high (with kerning).
pub fn text_width(text: &str, size: f32) -> f32 {
    let Ok(font) = FontRef::try_from_slice(FONT) else {
        return 0.0;
    };
    layout(&font, text, size).1
}

/// Lays `text` out on one line: each glyph with its pen position, and the total advance.
fn layout(font: &FontRef<'_>, text: &str, size: f32) -> (Vec<(ab_glyph::GlyphId, f32)>, f32) {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut glyphs = Vec::new();
    let mut pen = 0f32;
    let mut prev = None;
    for ch in text.chars().filter(|c| !c.is_control()) {
        let id = font.glyph_id(ch);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        glyphs.push((id, pen));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    (glyphs, pen)
}

/// The outline of `text` in the embedded font, `size` px high, on one line starting at
/// `origin` (left end of the baseline). Shared with the captions printed under committed photos.
pub fn text_line(text: &str, origin: (f32, f32), size: f32) -> Option<Path> {
    let font = FontRef::try_from_slice(FONT).ok()?;
    let scaled = font.as_scaled(PxScale::from(size));
    let s = scaled.h_scale_factor();
    let sv = scaled.v_scale_factor();
    let (glyphs, _) = layout(&font, text, size);
    let (left, baseline) = origin;
    let mut pb = PathBuilder::new();
    for (id, x) in glyphs {
        let Some(outline) = font.outline(id) else { continue };
        let map = |p: ab_glyph::Point| (left + x + p.x * s, baseline - p.y * sv);
        let mut last: Option<(f32, f32)> = None;
        for curve in &outline.curves {
            let (start, end) = match curve {
                OutlineCurve::Line(a, b) | OutlineCurve::Quad(a, _, b) | OutlineCurve::Cubic(a, _, _, b) => {
                    (map(*a), map(*b))
                }
            };
            if last != Some(start) {
                if last.is_some() {
                    pb.close();
                }
                pb.move_to(start.0, start.1);
            }
            match curve {
                OutlineCurve::Line(..) => pb.line_to(end.0, end.1),
                OutlineCurve::Quad(_, c, _) => {
                    let c = map(*c);
                    pb.quad_to(c.0, c.1, end.0, end.1)
                }
                OutlineCurve::Cubic(_, c1, c2, _) => {
                    let (c1, c2) = (map(*c1), map(*c2));
                    pb.cubic_to(c1.0, c1.1, c2.0, c2.1, end.0, end.1)
                }
            }
            last = Some(end);
        }
        if last.is_some() {
            pb.close();
        }
    }
    pb.finish()
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
