//! The thin TIFF container around a JPEG (ssr only): one image, one strip, the JPEG stream as it
//! is ("new-style" JPEG-in-TIFF, Compression = 7, TIFF Technical Note 2) — never re-encoded,
//! never inflated to raw pixels.
//!
//! Why hand-written: the `tiff` crate's encoder compresses only raw samples (none, LZW, Deflate,
//! PackBits), and the crates that write JPEG compression encode the pixels themselves; a
//! committed photo must go in byte for byte. What is written is checked in tests by independent
//! readers (the `tiff` crate's decoder and libtiff's `tiffinfo`).
//!
//! Layout (little-endian): header, the IFD, its out-of-line values, then the JPEG strip.

use super::pdf::jpeg::parse_frame;

/// Why a JPEG cannot be wrapped.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TiffError {
    #[error("not a baseline or progressive 8-bit grey or colour JPEG")]
    NotJpeg,
    #[error("too large for a TIFF")]
    TooLarge,
}

/// What the TIFF says besides the image.
pub struct TiffText<'a> {
    /// The ImageDescription tag (270): the facts the caption band prints.
    pub description: &'a str,
    /// The DateTime tag (306), "YYYY:MM:DD HH:MM:SS".
    pub date_time: &'a str,
}

const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;

/// One IFD entry before layout: a tag, its type, its count and its value bytes.
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    value: Vec<u8>,
}

fn shorts(tag: u16, values: &[u16]) -> Entry {
    Entry {
        tag,
        kind: SHORT,
        count: values.len() as u32,
        value: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

fn long(tag: u16, value: u32) -> Entry {
    Entry {
        tag,
        kind: LONG,
        count: 1,
        value: value.to_le_bytes().to_vec(),
    }
}

fn rationals(tag: u16, values: &[(u32, u32)]) -> Entry {
    Entry {
        tag,
        kind: RATIONAL,
        count: values.len() as u32,
        value: values
            .iter()
            .flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes()))
            .collect(),
    }
}

/// An ASCII value: NUL-terminated (UTF-8 passes through as bytes; a NUL inside is dropped).
/// An ASCII entry. TIFF 6 defines ASCII as 7-bit: UTF-8 there reads as "Â·" in most readers,
/// so the text is transliterated (the caption's "·" and "—" as "-", "ā" as "a"); the band
/// printed under the photo keeps every letter as written.
fn ascii(tag: u16, text: &str) -> Entry {
    let plain: String = text
        .chars()
        .map(|c| match c {
            '·' | '—' | '–' => "-".to_string(),
            c if c.is_ascii() => c.to_string(),
            c => deunicode::deunicode_char(c).unwrap_or("?").to_string(),
        })
        .collect();
    let mut value: Vec<u8> = plain.bytes().filter(|&b| b != 0 && b.is_ascii()).collect();
    value.push(0);
    Entry {
        tag,
        kind: ASCII,
        count: value.len() as u32,
        value,
    }
}

/// Wraps `jpeg` as a one-strip TIFF. A 3-component JPEG is declared YCbCr (as baseline JPEG
/// codes colour) with the stream's own chroma subsampling; a 1-component one is grey.
pub fn wrap(jpeg: &[u8], text: &TiffText<'_>) -> Result<Vec<u8>, TiffError> {
    let (info, subsampling) = parse_frame(jpeg).ok_or(TiffError::NotJpeg)?;
    let colour = info.components == 3;
    // Header (8) + IFD (2 + 12 n + 4) + values + strip must stay under 4 GiB; far more than any photo.
    if jpeg.len() > u32::MAX as usize / 2 {
        return Err(TiffError::TooLarge);
    }
    let mut entries = vec![
        long(256, info.width),
        long(257, info.height),
        shorts(258, if colour { &[8, 8, 8] } else { &[8] }),
        shorts(259, &[7]),
        shorts(262, &[if colour { 6 } else { 1 }]),
        ascii(270, text.description),
        long(273, 0), // StripOffsets: set once the layout is known
        shorts(277, &[info.components as u16]),
        long(278, info.height),
        long(279, jpeg.len() as u32),
        rationals(282, &[(72, 1)]),
        rationals(283, &[(72, 1)]),
        shorts(284, &[1]),
        shorts(296, &[2]),
        ascii(305, "Clinical Images"),
        ascii(306, text.date_time),
    ];
    if colour {
        entries.push(shorts(530, &[subsampling.0, subsampling.1]));
        // Full-range YCbCr, as JFIF codes it.
        entries.push(rationals(
            532,
            &[(0, 1), (255, 1), (128, 1), (255, 1), (128, 1), (255, 1)],
        ));
    }
    entries.sort_by_key(|e| e.tag);

    let ifd_len = 2 + 12 * entries.len() + 4;
    let values_at = 8 + ifd_len;
    let out_of_line: usize = entries
        .iter()
        .filter(|e| e.value.len() > 4)
        .map(|e| e.value.len().next_multiple_of(2))
        .sum();
    let strip_at = (values_at + out_of_line) as u32;
    if let Some(e) = entries.iter_mut().find(|e| e.tag == 273) {
        e.value = strip_at.to_le_bytes().to_vec();
    }

    let mut out = Vec::with_capacity(strip_at as usize + jpeg.len());
    out.extend_from_slice(b"II*\0");
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    let mut values = Vec::with_capacity(out_of_line);
    for e in &entries {
        out.extend_from_slice(&e.tag.to_le_bytes());
        out.extend_from_slice(&e.kind.to_le_bytes());
        out.extend_from_slice(&e.count.to_le_bytes());
        if e.value.len() <= 4 {
            let mut inline = [0u8; 4];
            inline[..e.value.len()].copy_from_slice(&e.value);
            out.extend_from_slice(&inline);
        } else {
            out.extend_from_slice(&((values_at + values.len()) as u32).to_le_bytes());
            values.extend_from_slice(&e.value);
            if values.len() % 2 == 1 {
                values.push(0); // values start on a word boundary
            }
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    out.extend_from_slice(&values);
    debug_assert_eq!(out.len(), strip_at as usize);
    out.extend_from_slice(jpeg);
    Ok(out)
}

#[cfg(test)]
#[path = "jpeg_tiff_tests.rs"]
mod tests;
