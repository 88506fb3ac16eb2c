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
    let mut pb = PathBuilder::new();
    let (first, rest) = pts.split_first()?;
    pb.move_to(first.0 as f32, first.1 as f32);
    for p in rest {
        pb.line_to(p.0 as f32, p.1 as f32);
    }
    pb.finish()
}

fn polygon(pts: &[(f64, f64)]) -> Option<Path> {
    let mut pb = PathBuilder::new();
    let (first, rest) = pts.split_first()?;
    pb.move_to(first.0 as f32, first.1 as f32);
    for p in rest {
        pb.line_to(p.0 as f32, p.1 as f32);
    }
    pb.close();
    pb.finish()
}

/// The outline of `text` in the embedded font, `size` px high, centred on `centre`.
fn text_path(text: &str, centre: (f64, f64), size: f64) -> Option<Path> {
    let font = FontRef::try_from_slice(FONT).ok()?;
    let scaled = font.as_scaled(PxScale::from(size as f32));
    let s = scaled.h_scale_factor();
    let sv = scaled.v_scale_factor();
    // Lay out on one line, with kerning.
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
    let left = centre.0 as f32 - pen / 2.0;
    let baseline = centre.1 as f32 + (scaled.ascent() + scaled.descent()) / 2.0;
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
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, codecs::jpeg::JpegEncoder};

    const SKIN: [u8; 3] = [205, 150, 125];

    fn limits() -> RecheckLimits {
        RecheckLimits {
            max_pixels: 50_000_000,
            max_long_edge: 1920,
            max_bytes: 1_000_000,
        }
    }

    fn plain_jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_pixel(w, h, Rgb(SKIN));
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
        out
    }

    fn decode_rgb(jpeg: &[u8]) -> RgbImage {
        image::load_from_memory(jpeg).unwrap().to_rgb8()
    }

    fn near(a: [u8; 3], b: [u8; 3], tol: i32) -> bool {
        a.iter().zip(b).all(|(x, y)| (*x as i32 - y as i32).abs() <= tol)
    }

    fn arrow(colour: Colour) -> Op {
        Op::Arrow {
            from: Pt::new(0.1, 0.5),
            to: Pt::new(0.9, 0.5),
            colour,
        }
    }

    #[test]
    fn rotate_and_crop_change_the_dimensions() {
        let edit = Edit {
            ops: vec![
                Op::Crop {
                    x: 0.15,
                    y: 0.15,
                    w: 0.7,
                    h: 0.7,
                },
                Op::Rotate { quarter_turns: 1 },
            ],
        };
        let out = render(&plain_jpeg(400, 300), &edit, &limits()).unwrap();
        assert_eq!((out.width, out.height), (210, 280));
        assert_eq!((out.width, out.height), edit.size_after(400, 300));
        let img = decode_rgb(&out.jpeg);
        assert_eq!(img.dimensions(), (210, 280));
    }

    #[test]
    fn rotation_moves_pixels_the_right_way() {
        let mut img = RgbaImage::from_pixel(4, 2, image::Rgba([0, 0, 0, 255]));
        img.put_pixel(0, 0, image::Rgba([255, 0, 0, 255]));
        let cw = apply(
            img.clone(),
            &Edit {
                ops: vec![Op::Rotate { quarter_turns: 1 }],
            },
        );
        assert_eq!(cw.dimensions(), (2, 4));
        assert_eq!(
            cw.get_pixel(1, 0).0,
            [255, 0, 0, 255],
            "top-left goes to top-right when turned clockwise"
        );
        let acw = apply(
            img,
            &Edit {
                ops: vec![Op::Rotate { quarter_turns: -1 }],
            },
        );
        assert_eq!(
            acw.get_pixel(0, 3).0,
            [255, 0, 0, 255],
            "and to bottom-left anticlockwise"
        );
    }

    #[test]
    fn an_arrow_paints_its_line_in_the_colour() {
        let edit = Edit {
            ops: vec![arrow(Colour::Green)],
        };
        let out = render(&plain_jpeg(400, 300), &edit, &limits()).unwrap();
        let img = decode_rgb(&out.jpeg);
        for x in [80, 150, 250] {
            let p = img.get_pixel(x, 150).0;
            assert!(near(p, Colour::Green.rgb(), 40), "pixel at x={x} is {p:?}");
        }
        // Off the line, the photo is untouched; just outside the colour, the dark halo.
        assert!(near(img.get_pixel(200, 40).0, SKIN, 12));
        let halo = img.get_pixel(200, 150 - ops::stroke_px(400.0, 300.0) as u32).0;
        assert!(
            halo.iter().map(|c| *c as u32).sum::<u32>() < 250,
            "halo at the edge: {halo:?}"
        );
    }

    #[test]
    fn shapes_and_text_draw_without_changing_size() {
        let edit = Edit {
            ops: vec![
                Op::Ellipse {
                    x: 0.2,
                    y: 0.2,
                    w: 0.5,
                    h: 0.4,
                    colour: Colour::Cyan,
                },
                Op::Freehand {
                    points: vec![Pt::new(0.1, 0.9), Pt::new(0.2, 0.8), Pt::new(0.3, 0.9)],
                    colour: Colour::Yellow,
                },
                Op::Text {
                    at: Pt::new(0.5, 0.5),
                    text: "Lesion 1".into(),
                    colour: Colour::Yellow,
                },
            ],
        };
        let img = RgbaImage::from_pixel(400, 300, image::Rgba([SKIN[0], SKIN[1], SKIN[2], 255]));
        let out = apply(img, &edit);
        assert_eq!(out.dimensions(), (400, 300));
        let [r, g, b] = Colour::Yellow.rgb();
        let yellow = out.pixels().filter(|p| p.0 == [r, g, b, 255]).count();
        assert!(yellow > 300, "text and freehand paint yellow pixels ({yellow})");
        let [r, g, b] = Colour::Cyan.rgb();
        assert!(out.pixels().any(|p| p.0 == [r, g, b, 255]), "the ellipse paints cyan");
        // Ellipse: the stroke passes through the middle of its left side, not its centre.
        assert!(near(
            [
                out.get_pixel(180, 120)[0],
                out.get_pixel(180, 120)[1],
                out.get_pixel(180, 120)[2]
            ],
            SKIN,
            0
        ));
    }

    #[test]
    fn rendering_is_deterministic() {
        let original = plain_jpeg(640, 480);
        let edit = Edit {
            ops: vec![
                Op::Rotate { quarter_turns: -1 },
                arrow(Colour::Cyan),
                Op::Text {
                    at: Pt::new(0.3, 0.3),
                    text: "A".into(),
                    colour: Colour::Green,
                },
            ],
        };
        let a = render(&original, &edit, &limits()).unwrap();
        let b = render(&original, &edit, &limits()).unwrap();
        assert_eq!(a.jpeg, b.jpeg);
        assert_eq!((a.width, a.height), (480, 640));
    }

    /// Prints how long a typical edit of a 1920×1440 photo takes (a measurement, never a pass/fail
    /// on time): `cargo test --features ssr --lib render_time -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn render_time() {
        let photo = RgbImage::from_fn(1920, 1440, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, ((x ^ y) % 256) as u8])
        });
        let mut original = Vec::new();
        JpegEncoder::new_with_quality(&mut original, 88)
            .encode_image(&photo)
            .unwrap();
        let edit = Edit {
            ops: vec![
                Op::Crop {
                    x: 0.05,
                    y: 0.05,
                    w: 0.9,
                    h: 0.9,
                },
                Op::Rotate { quarter_turns: 1 },
                arrow(Colour::Green),
                Op::Text {
                    at: Pt::new(0.5, 0.2),
                    text: "Lesion 1".into(),
                    colour: Colour::Yellow,
                },
            ],
        };
        let started = std::time::Instant::now();
        let runs = 5;
        for _ in 0..runs {
            render(&original, &edit, &limits()).unwrap();
        }
        println!("render 1920×1440 + 4 ops: {:?} per photo", started.elapsed() / runs);
    }

    #[test]
    fn an_invalid_edit_is_refused_in_words() {
        let edit = Edit {
            ops: vec![Op::Crop {
                x: 0.0,
                y: 0.0,
                w: 0.01,
                h: 1.0,
            }],
        };
        let e = render(&plain_jpeg(400, 300), &edit, &limits()).unwrap_err();
        assert!(matches!(e, RenderError::Invalid(EditError::CropTooSmall)));
        assert_eq!(e.gp_message(), "That crop is too small to keep.");
        let e = render(b"not a jpeg", &Edit::default(), &limits()).unwrap_err();
        assert!(e.gp_message().contains("could not be opened"));
    }
}
