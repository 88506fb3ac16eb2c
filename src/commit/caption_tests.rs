use super::*;

fn photo(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 200) as u8, 40, (y % 200) as u8]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

fn limits() -> RecheckLimits {
    RecheckLimits {
        max_pixels: 40_000_000,
        max_long_edge: 1600,
        max_bytes: 1_000_000,
    }
}

fn lines() -> Vec<String> {
    vec![
        "Jane Testpatient · born 1 Jan 1980 · NHI ZZZ0016".into(),
        "Left forearm — anterior — lesion".into(),
        "Pigmented lesion 6 mm, irregular border, for a dermatologist's opinion".into(),
        "Taken 23 Nov 2026 10:42 · Dr Ana Practitioner".into(),
    ]
}

#[test]
fn the_band_is_below_the_photo_and_the_photo_keeps_its_size() {
    let out = with_band(&photo(640, 480), &lines(), &limits()).unwrap();
    assert_eq!(out.width, 640);
    assert!(out.height > 480 + 40, "a band of several lines: {}", out.height);
    let img = image::load_from_memory(&out.jpeg).unwrap().to_rgb8();
    // The photo's area is the photo (green channel ≈ 40), never white text over it.
    let photo_px = (0..480)
        .step_by(7)
        .flat_map(|y| (0..640).step_by(11).map(move |x| (x, y)));
    for (x, y) in photo_px {
        let g = img.get_pixel(x, y)[1];
        assert!((20..=70).contains(&g), "pixel ({x},{y}) of the photo changed: {g}");
    }
    // The band: white with dark text.
    let band: Vec<u8> = (482..out.height)
        .flat_map(|y| (0..640).map(move |x| (x, y)))
        .map(|(x, y)| img.get_pixel(x, y)[0])
        .collect();
    assert!(
        band.iter().filter(|&&v| v > 230).count() > band.len() / 2,
        "mostly white"
    );
    assert!(band.iter().any(|&v| v < 60), "text is printed");
}

#[test]
fn long_lines_wrap_within_the_photo_width() {
    let size = text_px(320);
    let wrapped = wrap(&lines()[2], 320.0 - 2.0 * size, size);
    assert!(wrapped.len() > 1);
    for l in &wrapped {
        assert!(text_width(l, size) <= 320.0 - 2.0 * size, "{l}");
    }
    assert_eq!(wrapped.join(" "), lines()[2]);
}

#[test]
fn a_large_noisy_photo_with_its_band_stays_under_the_cap() {
    let mut state = 7u32;
    let img = RgbImage::from_fn(1600, 1200, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode_image(&img)
        .unwrap();
    let out = with_band(&jpeg, &lines(), &limits()).unwrap();
    assert!(out.jpeg.len() <= 1_000_000, "{} bytes", out.jpeg.len());
}

#[test]
fn the_description_holds_every_fact() {
    assert_eq!(
        description(&lines()[..2]),
        "Jane Testpatient · born 1 Jan 1980 · NHI ZZZ0016 | Left forearm — anterior — lesion"
    );
}
