//! The server's own check of every uploaded photo (never trusting the browser): a real image by
//! content, within dimension limits (decompression bombs), decoded, turned upright, and
//! re-encoded as a baseline JPEG within the byte cap, so nothing but pixels reaches ALEX.

use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, codecs::jpeg::JpegEncoder, imageops::FilterType,
};

use crate::capture::rules::{MIN_LONG_EDGE, target_size};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecheckError {
    #[error("not an image we accept (JPEG, PNG or WebP)")]
    NotAnImage,
    #[error("image is {width}×{height}, over the {max_pixels}-pixel limit")]
    TooManyPixels { width: u32, height: u32, max_pixels: u64 },
    #[error("image cannot be decoded: {0}")]
    Undecodable(String),
    #[error("image cannot be made to fit {0} bytes")]
    TooLarge(u64),
}

impl RecheckError {
    pub fn gp_message(&self) -> String {
        match self {
            RecheckError::NotAnImage => "That file is not a photo we can use (JPEG, PNG or WebP).".into(),
            RecheckError::TooManyPixels { .. } => "That image is far larger than a photo; it was not added.".into(),
            RecheckError::Undecodable(_) => "That photo appears to be damaged and could not be opened.".into(),
            RecheckError::TooLarge(_) => "That photo could not be made small enough to send to Medtech.".into(),
        }
    }
}

/// A photo as it will be stored and sent.
#[derive(Debug)]
pub struct Checked {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

pub struct RecheckLimits {
    pub max_pixels: u64,
    pub max_long_edge: u32,
    pub max_bytes: u64,
}

pub fn recheck(bytes: &[u8], limits: &RecheckLimits) -> Result<Checked, RecheckError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| RecheckError::NotAnImage)?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        _ => return Err(RecheckError::NotAnImage),
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| RecheckError::Undecodable(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if width as u64 * height as u64 > limits.max_pixels {
        return Err(RecheckError::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    let mut lim = Limits::default();
    lim.max_image_width = Some(width);
    lim.max_image_height = Some(height);
    lim.max_alloc = Some(limits.max_pixels * 4 + (64 << 20));
    decoder
        .set_limits(lim)
        .map_err(|e| RecheckError::Undecodable(e.to_string()))?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| RecheckError::Undecodable(e.to_string()))?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    let img = DynamicImage::ImageRgb8(img.to_rgb8());
    encode_to_fit(img, limits)
}

pub fn encode_to_fit(mut img: DynamicImage, limits: &RecheckLimits) -> Result<Checked, RecheckError> {
    let (w, h) = target_size(img.width(), img.height(), limits.max_long_edge);
    if (w, h) != (img.width(), img.height()) {
        img = img.resize_exact(w, h, FilterType::Lanczos3);
    }
    loop {
        for quality in [88u8, 80, 72, 62, 52] {
            let mut out = Vec::with_capacity(512 * 1024);
            JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&img)
                .map_err(|e| RecheckError::Undecodable(e.to_string()))?;
            if out.len() as u64 <= limits.max_bytes {
                return Ok(Checked {
                    jpeg: out,
                    width: img.width(),
                    height: img.height(),
                });
            }
        }
        let long = img.width().max(img.height());
        if long <= MIN_LONG_EDGE {
            return Err(RecheckError::TooLarge(limits.max_bytes));
        }
        let (w, h) = target_size(img.width(), img.height(), (long as f64 * 0.8) as u32);
        img = img.resize_exact(w, h, FilterType::Triangle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb, RgbImage, codecs::png::PngEncoder};

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

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
            RecheckError::Undecodable(_)
        ));
    }
}
