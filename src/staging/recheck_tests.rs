//! Tests of the re-check (a sibling file to keep `recheck.rs` short).
use super::*;
use image::{ImageEncoder, Rgb, RgbImage, codecs::png::PngEncoder};

use crate::imaging::integrity::crc32;

fn limits() -> RecheckLimits {
    RecheckLimits {
        max_pixels: 50_000_000,
        max_long_edge: 1920,
        max_bytes: 1_000_000,
    }
}

fn noisy(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let v = (x.wrapping_mul(2654435761) ^ y.wrapping_mul(40503)) as u8;
        Rgb([v, v.wrapping_add(x as u8), v ^ (y as u8)])
    })
}

fn jpeg_of(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 95).encode_image(img).unwrap();
    out
}

/// Wraps a JPEG with an APP1 Exif segment carrying an orientation tag (and a fake GPS IFD
/// pointer), as phones write them.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = vec![b'M', b'M', 0, 42, 0, 0, 0, 8, 0, 2];
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0]); // GPSInfo IFD pointer
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn turns_upright_strips_exif_and_fits() {
    let src = with_exif_orientation(&jpeg_of(&noisy(400, 300)), 6);
    assert!(src.windows(4).any(|w| w == b"Exif"));
    let c = recheck(&src, &limits()).unwrap();
    assert_eq!((c.width, c.height), (300, 400), "orientation 6 rotates 90°");
    assert!(!c.jpeg.windows(4).any(|w| w == b"Exif"), "no EXIF survives");
    assert!(c.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
}

#[test]
fn big_photos_shrink_under_the_cap() {
    let c = recheck(&jpeg_of(&noisy(4000, 3000)), &limits()).unwrap();
    assert!(c.jpeg.len() <= 1_000_000, "{}", c.jpeg.len());
    assert_eq!(c.width, 1920);
}

#[test]
fn png_is_accepted_and_becomes_jpeg() {
    let mut png = Vec::new();
    let img = noisy(64, 48);
    PngEncoder::new(&mut png)
        .write_image(img.as_raw(), 64, 48, image::ExtendedColorType::Rgb8)
        .unwrap();
    let c = recheck(&png, &limits()).unwrap();
    assert!(c.jpeg.starts_with(&[0xFF, 0xD8]));
}

#[test]
fn refuses_non_images_bombs_and_garbage() {
    assert_eq!(
        recheck(b"%PDF-1.7 not an image", &limits()).unwrap_err(),
        RecheckError::NotAnImage
    );
    assert_eq!(recheck(b"", &limits()).unwrap_err(), RecheckError::NotAnImage);
    // A PNG header claiming 100000×100000 pixels: refused before any allocation.
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\r".to_vec();
    bomb.extend_from_slice(&ihdr);
    bomb.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    bomb.extend_from_slice(b"\0\0\0\0IDAT\x35\xaf\x06\x1e");
    let e = recheck(&bomb, &limits()).unwrap_err();
    assert!(matches!(e, RecheckError::TooManyPixels { width: 100_000, .. }), "{e:?}");
    // The same check on an ordinary photo with a lower limit.
    let small = RecheckLimits {
        max_pixels: 10_000,
        ..limits()
    };
    assert!(matches!(
        recheck(&jpeg_of(&noisy(400, 300)), &small),
        Err(RecheckError::TooManyPixels { .. })
    ));
    let mut truncated = jpeg_of(&noisy(200, 200));
    truncated.truncate(300);
    assert!(matches!(
        recheck(&truncated, &limits()).unwrap_err(),
        RecheckError::Undecodable(_) | RecheckError::Damaged(_)
    ));
}

fn png_of(img: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
    out
}

fn webp_of(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn cut(mut bytes: Vec<u8>, fraction: f64) -> Vec<u8> {
    bytes.truncate((bytes.len() as f64 * fraction) as usize);
    bytes
}

#[test]
fn truncated_images_are_refused_as_incomplete() {
    let incomplete = Err(RecheckError::Damaged(Damage::Incomplete));
    let jpeg = jpeg_of(&noisy(400, 300));
    assert_eq!(
        recheck(&cut(jpeg.clone(), 1.0 / 3.0), &limits()).map(|_| ()),
        incomplete
    );
    assert_eq!(recheck(&cut(jpeg.clone(), 0.999), &limits()).map(|_| ()), incomplete);
    let png = png_of(&DynamicImage::ImageRgb8(noisy(200, 150)));
    assert_eq!(recheck(&cut(png.clone(), 0.5), &limits()).map(|_| ()), incomplete);
    assert_eq!(
        recheck(&png[..png.len() - 12], &limits()).map(|_| ()),
        incomplete,
        "no IEND"
    );
    let webp = webp_of(&noisy(200, 150));
    assert_eq!(recheck(&cut(webp.clone(), 0.5), &limits()).map(|_| ()), incomplete);
    // The whole files pass.
    for whole in [jpeg, png, webp] {
        assert!(recheck(&whole, &limits()).is_ok());
    }
    assert_eq!(
        RecheckError::Damaged(Damage::Incomplete).gp_message(),
        "That photo appears to be damaged (it is incomplete) and was not added."
    );
}

#[test]
fn corrupt_bytes_in_the_middle_are_refused_not_painted_grey() {
    // PNG: a byte changed inside the image data fails its chunk's CRC.
    let mut png = png_of(&DynamicImage::ImageRgb8(noisy(200, 150)));
    let mid = png.len() / 2;
    png[mid] ^= 0x5A;
    assert_eq!(
        recheck(&png, &limits()).map(|_| ()),
        Err(RecheckError::Damaged(Damage::Corrupt))
    );
    // JPEG: part of the scan overwritten (all ones: no Huffman code): the structure is whole,
    // but the strict decoder refuses what the lenient one painted grey.
    let mut jpeg = jpeg_of(&noisy(400, 300));
    let mid = jpeg.len() / 2;
    for pair in jpeg[mid..mid + 400].chunks_mut(2) {
        pair.copy_from_slice(&[0xFF, 0x00]);
    }
    assert_eq!(check_whole(&jpeg), Ok(()));
    let e = recheck(&jpeg, &limits()).unwrap_err();
    assert!(matches!(e, RecheckError::Undecodable(_)), "{e:?}");
    assert!(e.gp_message().contains("damaged"));
    // WebP: a chunk claiming more than the file holds.
    let mut webp = webp_of(&noisy(200, 150));
    webp[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        recheck(&webp, &limits()).map(|_| ()),
        Err(RecheckError::Damaged(Damage::Corrupt))
    );
}

#[test]
fn the_jpeg_decoder_itself_refuses_a_premature_end() {
    // Behind the structural check (which refuses it first), the decoder is strict too.
    let cut = cut(jpeg_of(&noisy(400, 300)), 1.0 / 3.0);
    assert!(strict_jpeg(&cut).decode().is_err(), "no grey filler");
    assert!(strict_jpeg(&jpeg_of(&noisy(400, 300))).decode().is_ok());
}

#[test]
fn transparency_is_flattened_on_white() {
    // Left half transparent, right half opaque red.
    let img = image::RgbaImage::from_fn(64, 32, |x, _| {
        if x < 32 {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([200, 0, 0, 255])
        }
    });
    let c = recheck(&png_of(&DynamicImage::ImageRgba8(img)), &limits()).unwrap();
    let out = image::load_from_memory(&c.jpeg).unwrap().to_rgb8();
    let [r, g, b] = out.get_pixel(8, 16).0;
    assert!(
        r > 240 && g > 240 && b > 240,
        "transparent became ({r},{g},{b}), not white"
    );
    let [r, g, b] = out.get_pixel(56, 16).0;
    assert!(r > 150 && g < 60 && b < 60, "opaque kept ({r},{g},{b})");
}

/// A small PNG declaring `w`×`h` RGB pixels: valid chunks, next to no image data.
fn declared_png(w: u32, h: u32) -> Vec<u8> {
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn a_small_file_declaring_fifty_megapixels_is_refused_at_once() {
    let bomb = declared_png(8000, 6250);
    assert!(bomb.len() < 1000);
    let started = std::time::Instant::now();
    let e = recheck(&bomb, &limits()).unwrap_err();
    assert!(matches!(e, RecheckError::OverBudget { .. }), "{e:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        e.gp_message(),
        "That image is far larger than a photo; it was not added."
    );
}

#[test]
fn decodes_stay_within_their_budget() {
    let budget = budget::Budget::new(4_000_000, 2, std::time::Duration::from_secs(30));
    let jpeg = std::sync::Arc::new(jpeg_of(&noisy(600, 400)));
    let budget = std::sync::Arc::new(budget);
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (jpeg, budget) = (jpeg.clone(), budget.clone());
            std::thread::spawn(move || recheck_within(&jpeg, &limits(), &budget).map(|c| c.width))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), Ok(600));
    }
    let (running, used) = budget.peaks();
    assert!(running >= 1 && running <= 2, "{running}");
    assert!(used <= 4_000_000, "{used}");
    // 600×400 costs 1.7 MB to decode and shrink: a budget below that refuses it.
    let tiny = budget::Budget::new(500_000, 2, std::time::Duration::from_secs(1));
    assert!(matches!(
        recheck_within(&jpeg, &limits(), &tiny),
        Err(RecheckError::OverBudget { .. })
    ));
}
