//! The server's own check of every uploaded photo (never trusting the browser): a real image by
//! content, within dimension limits (decompression bombs), decoded, turned upright, and
//! re-encoded as a baseline JPEG within the byte cap, so nothing but pixels reaches ALEX.

use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage, codecs::jpeg::JpegEncoder,
    imageops::FilterType, metadata::Orientation,
};

use crate::imaging::{
    integrity::{Damage, check_whole},
    rules::{MIN_LONG_EDGE, target_size},
};

#[path = "recheck_budget.rs"]
pub mod budget;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecheckError {
    #[error("not an image we accept (JPEG, PNG or WebP)")]
    NotAnImage,
    #[error("image is {width}×{height}, over the {max_pixels}-pixel limit")]
    TooManyPixels { width: u32, height: u32, max_pixels: u64 },
    #[error("image is damaged: {0}")]
    Damaged(Damage),
    #[error("image cannot be decoded: {0}")]
    Undecodable(String),
    #[error("image cannot be made to fit {0} bytes")]
    TooLarge(u64),
    #[error("decoding {width}×{height} needs {needed} bytes, over the {budget}-byte budget")]
    OverBudget {
        width: u32,
        height: u32,
        needed: u64,
        budget: u64,
    },
    #[error("no room to decode within the wait")]
    Busy,
}

impl RecheckError {
    pub fn gp_message(&self) -> String {
        match self {
            RecheckError::NotAnImage => "That file is not a photo we can use (JPEG, PNG or WebP).".into(),
            RecheckError::TooManyPixels { .. } | RecheckError::OverBudget { .. } => {
                "That image is far larger than a photo; it was not added.".into()
            }
            RecheckError::Damaged(Damage::Incomplete) => {
                "That photo appears to be damaged (it is incomplete) and was not added.".into()
            }
            RecheckError::Damaged(Damage::Corrupt) | RecheckError::Undecodable(_) => {
                "That photo appears to be damaged (parts of it cannot be read) and was not added.".into()
            }
            RecheckError::TooLarge(_) => "That photo could not be made small enough to send to Medtech.".into(),
            RecheckError::Busy => "The server is busy with other photos. Try again in a minute.".into(),
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

/// Re-checks an upload under the process's decode budget.
pub fn recheck(bytes: &[u8], limits: &RecheckLimits) -> Result<Checked, RecheckError> {
    recheck_within(bytes, limits, budget::global())
}

/// Re-checks an upload: a JPEG, PNG or WebP by content, structurally whole, within the pixel
/// limit and the decode budget, decoded strictly (a decoder error is damage, never grey
/// filler), flattened on white, turned upright, and re-encoded to fit.
pub fn recheck_within(bytes: &[u8], limits: &RecheckLimits, budget: &budget::Budget) -> Result<Checked, RecheckError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| RecheckError::NotAnImage)?;
    let format = match reader.format() {
        Some(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => return Err(RecheckError::NotAnImage),
    };
    if format == ImageFormat::Jpeg {
        return recheck_jpeg(bytes, limits, budget);
    }
    let mut decoder = reader.into_decoder().map_err(|e| damaged_or(bytes, e))?;
    let (width, height) = decoder.dimensions();
    // A bomb is refused by its header, before anything else is read.
    within_pixels(width, height, limits)?;
    check_whole(bytes).map_err(RecheckError::Damaged)?;
    // The decoded buffer, plus an RGB copy when it is not RGB already.
    let cost = decoder.total_bytes() + width as u64 * height as u64 * (3 + SHRINK_COST);
    let _permit = admit(budget, width, height, cost)?;
    let mut lim = Limits::default();
    lim.max_image_width = Some(width);
    lim.max_image_height = Some(height);
    lim.max_alloc = Some(cost + (16 << 20));
    decoder.set_limits(lim).map_err(undecodable)?;
    let orientation = decoder.orientation().ok();
    let img = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    finish(on_white(img), orientation, limits)
}

/// JPEG: decoded by zune-jpeg in strict mode, which refuses data that ends early or does not
/// decode (the lenient default paints the rest grey).
fn recheck_jpeg(bytes: &[u8], limits: &RecheckLimits, budget: &budget::Budget) -> Result<Checked, RecheckError> {
    let mut decoder = strict_jpeg(bytes);
    decoder.decode_headers().map_err(|e| damaged_or(bytes, e))?;
    let (width, height) = decoder
        .dimensions()
        .map(|(w, h)| (w as u32, h as u32))
        .ok_or_else(|| RecheckError::Undecodable("no dimensions".into()))?;
    within_pixels(width, height, limits)?;
    check_whole(bytes).map_err(RecheckError::Damaged)?;
    // The RGB output, plus the decoder's working planes (at most one more byte a pixel for
    // a baseline file, whole coefficient planes for a progressive one), and the shrinking.
    let pixels = width as u64 * height as u64;
    let cost = pixels * (SHRINK_COST + if progressive(bytes) { 9 } else { 4 });
    let _permit = admit(budget, width, height, cost)?;
    let orientation = decoder.exif().and_then(|e| Orientation::from_exif_chunk(e));
    let rgb = decoder.decode().map_err(undecodable)?;
    let img = RgbImage::from_raw(width, height, rgb).ok_or_else(|| RecheckError::Undecodable("short output".into()))?;
    finish(img, orientation, limits)
}

/// A JPEG decoder (RGB out) that errors where the lenient one would guess.
fn strict_jpeg(bytes: &[u8]) -> zune_jpeg::JpegDecoder<zune_core::bytestream::ZCursor<&[u8]>> {
    use zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(u16::MAX as usize)
        .set_max_height(u16::MAX as usize)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options)
}

/// Whether a JPEG's frame is progressive (SOF2 before the first scan).
fn progressive(bytes: &[u8]) -> bool {
    let mut i = 2;
    while let (Some(&0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) {
        match marker {
            0xC2 | 0xC6 | 0xCA | 0xCE => return true,
            0xC0 | 0xC1 | 0xC3 | 0xDA => return false,
            _ => {}
        }
        let len = bytes
            .get(i + 2..i + 4)
            .map_or(0, |l| u16::from_be_bytes([l[0], l[1]]) as usize);
        i += 2 + len.max(2);
    }
    false
}

/// A header that cannot be read: damage when the file is not whole, else undecodable.
fn damaged_or(bytes: &[u8], e: impl std::fmt::Display) -> RecheckError {
    match check_whole(bytes) {
        Err(d) => RecheckError::Damaged(d),
        Ok(()) => undecodable(e),
    }
}

fn undecodable(e: impl std::fmt::Display) -> RecheckError {
    RecheckError::Undecodable(e.to_string())
}

fn within_pixels(width: u32, height: u32, limits: &RecheckLimits) -> Result<(), RecheckError> {
    if width as u64 * height as u64 > limits.max_pixels {
        return Err(RecheckError::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

fn admit(budget: &budget::Budget, width: u32, height: u32, cost: u64) -> Result<budget::Permit<'_>, RecheckError> {
    budget.acquire(cost).map_err(|r| match r {
        budget::Refused::TooBig => RecheckError::OverBudget {
            width,
            height,
            needed: cost,
            budget: budget.total(),
        },
        budget::Refused::Busy => RecheckError::Busy,
    })
}

/// An image as opaque RGB: transparent parts become white (a record's photo is viewed on
/// white; black would hide a dark lesion's edge).
pub fn on_white(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    RgbImage::from_fn(w, h, |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((c as u32 * a as u32 + 255 * (255 - a as u32) + 127) / 255) as u8;
        image::Rgb([over(r), over(g), over(b)])
    })
}

/// Bytes a pixel of the original costs to shrink (see `finish`): at most a quarter of the
/// pixels, as floats, in Lanczos's intermediate.
const SHRINK_COST: u64 = 3;

/// Shrinks first (the full-size image is never copied: a box filter halves it, or more, by
/// a whole factor, then Lanczos takes it to size), then turns it upright.
fn finish(img: RgbImage, orientation: Option<Orientation>, limits: &RecheckLimits) -> Result<Checked, RecheckError> {
    let (w, h) = target_size(img.width(), img.height(), limits.max_long_edge);
    let factor = img.width() / w.max(1);
    let mut img = if factor >= 2 {
        let (bw, bh) = (img.width() / factor, img.height() / factor);
        DynamicImage::ImageRgb8(image::imageops::thumbnail(&img, bw.max(1), bh.max(1)))
    } else {
        DynamicImage::ImageRgb8(img)
    };
    if (w, h) != (img.width(), img.height()) {
        img = img.resize_exact(w, h, FilterType::Lanczos3);
    }
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
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
#[path = "recheck_tests.rs"]
mod tests;
