use std::io::Cursor;

use tiff::{
    decoder::{Decoder, DecodingResult},
    tags::Tag,
};

use super::*;

fn jpeg(w: u32, h: u32, grey: bool) -> Vec<u8> {
    let rgb = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 3) as u8, (y * 5) as u8, ((x ^ y) * 7) as u8])
    });
    let mut out = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    if grey {
        let luma = image::DynamicImage::ImageRgb8(rgb).to_luma8();
        encoder
            .encode(luma.as_raw(), w, h, image::ExtendedColorType::L8)
            .unwrap();
    } else {
        encoder
            .encode(rgb.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .unwrap();
    }
    out
}

const TEXT: TiffText<'static> = TiffText {
    description: "Jane Testpatient — born 1 Jan 1980 — NHI ZZZ0016 — Left forearm — lesion",
    date_time: "2026:11:23 10:42:00",
};

/// The strip's bytes as written (the independent reader's offsets and counts).
fn strip(bytes: &[u8]) -> Vec<u8> {
    let mut d = Decoder::new(Cursor::new(bytes)).unwrap();
    let at = d.get_tag_u32(Tag::StripOffsets).unwrap() as usize;
    let n = d.get_tag_u32(Tag::StripByteCounts).unwrap() as usize;
    bytes[at..at + n].to_vec()
}

#[test]
fn a_colour_jpeg_goes_in_as_it_is_and_an_independent_reader_decodes_it() {
    let j = jpeg(321, 203, false);
    let t = wrap(&j, &TEXT).unwrap();
    assert_eq!(strip(&t), j, "the JPEG is the strip, byte for byte");
    let mut d = Decoder::new(Cursor::new(&t)).unwrap();
    assert_eq!(d.dimensions().unwrap(), (321, 203));
    assert_eq!(d.get_tag_u32(Tag::Compression).unwrap(), 7, "JPEG compression");
    assert_eq!(d.get_tag_u32(Tag::PhotometricInterpretation).unwrap(), 6, "YCbCr");
    assert_eq!(
        d.get_tag_ascii_string(Tag::ImageDescription).unwrap(),
        "Jane Testpatient - born 1 Jan 1980 - NHI ZZZ0016 - Left forearm - lesion"
    );
    assert_eq!(d.get_tag_ascii_string(Tag::DateTime).unwrap(), TEXT.date_time);
    match d.read_image().unwrap() {
        DecodingResult::U8(px) => assert_eq!(px.len(), 321 * 203 * 3),
        other => panic!("unexpected samples {:?}", std::mem::discriminant(&other)),
    }
}

#[test]
fn subsampling_is_the_streams_own() {
    let j = jpeg(64, 48, false);
    let (_, sub) = parse_frame(&j).unwrap();
    let t = wrap(&j, &TEXT).unwrap();
    let mut d = Decoder::new(Cursor::new(&t)).unwrap();
    let tag = d.get_tag_u32_vec(Tag::Unknown(530)).unwrap();
    assert_eq!(tag, vec![sub.0 as u32, sub.1 as u32]);
}

#[test]
fn a_grey_jpeg_is_declared_grey() {
    let j = jpeg(40, 30, true);
    let t = wrap(&j, &TEXT).unwrap();
    let mut d = Decoder::new(Cursor::new(&t)).unwrap();
    assert_eq!(d.get_tag_u32(Tag::PhotometricInterpretation).unwrap(), 1);
    assert_eq!(d.get_tag_u32(Tag::SamplesPerPixel).unwrap(), 1);
    match d.read_image().unwrap() {
        DecodingResult::U8(px) => assert_eq!(px.len(), 40 * 30),
        _ => panic!("8-bit grey expected"),
    }
}

#[test]
fn what_is_not_a_jpeg_is_refused() {
    assert_eq!(wrap(b"%PDF-1.7", &TEXT), Err(TiffError::NotJpeg));
    let j = jpeg(20, 20, false);
    assert_eq!(wrap(&j[..j.len() / 2], &TEXT), Err(TiffError::NotJpeg), "truncated");
}

#[test]
fn a_description_with_a_nul_or_macrons_still_reads_back() {
    let j = jpeg(16, 16, false);
    let t = wrap(
        &j,
        &TiffText {
            description: "Mere Tāmaki\0 — NHI ZZZ0016",
            date_time: "2026:01:02 03:04:05",
        },
    )
    .unwrap();
    let mut d = Decoder::new(Cursor::new(&t)).unwrap();
    assert_eq!(
        d.get_tag_ascii_string(Tag::ImageDescription).unwrap(),
        "Mere Tamaki - NHI ZZZ0016",
        "7-bit ASCII, as TIFF defines the type"
    );
}

/// libtiff's own reader, when installed (`./dev tools` installs `libtiff-tools`).
#[test]
fn libtiff_reads_it_as_jpeg_compressed_ycbcr() {
    let Ok(out) = std::process::Command::new("tiffinfo").arg("-h").output() else {
        panic!("tiffinfo is missing: run ./dev tools (installs libtiff-tools)");
    };
    let _ = out;
    let dir = std::env::temp_dir().join(format!("ci-tiff-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.tif");
    std::fs::write(&path, wrap(&jpeg(300, 200, false), &TEXT).unwrap()).unwrap();
    let out = std::process::Command::new("tiffinfo")
        .arg("-D")
        .arg(&path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Image Width: 300 Image Length: 200"), "{text}");
    assert!(text.contains("Compression Scheme: JPEG"), "{text}");
    assert!(text.contains("Photometric Interpretation: YCbCr"), "{text}");
    assert!(!text.to_lowercase().contains("error"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}
