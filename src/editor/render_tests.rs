//! Tests of the renderer: sizes, pixels, determinism, refusals.

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
