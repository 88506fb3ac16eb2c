//! Is an image file whole? Structural checks of JPEG, PNG and WebP files, as pure functions
//! used by the browser (before it decodes and re-encodes a photo: browsers paint what they
//! could not decode grey or black and say nothing) and by the server's re-check alike.
//!
//! - JPEG: every segment fits, the entropy-coded scans are followed by an end-of-image marker.
//! - PNG: every chunk fits and its CRC matches, and the file reaches `IEND`.
//! - WebP: the file is as long as its RIFF header says, and every chunk fits inside it.
//!
//! Bytes after the end of the image (e.g. a phone's "motion photo" video after a JPEG) are
//! allowed: what matters is that the image itself is all there.

use super::rules::{Sniffed, sniff};

/// What is wrong with a file that is not whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Damage {
    /// The file stops before the image ends (a cut-off download or copy).
    #[error("the file is incomplete")]
    Incomplete,
    /// The file's structure is broken (a checksum or a length that does not add up).
    #[error("the file is corrupt")]
    Corrupt,
}

impl Damage {
    /// The GP's message, naming the file.
    pub fn message(self, name: &str) -> String {
        match self {
            Damage::Incomplete => format!("{name} appears to be damaged (it is incomplete) and was not added."),
            Damage::Corrupt => format!("{name} appears to be damaged (parts of it cannot be read) and was not added."),
        }
    }
}

/// Checks that a JPEG, PNG or WebP file is structurally whole. Other kinds pass (they are
/// refused, or decoded, elsewhere).
pub fn check_whole(bytes: &[u8]) -> Result<(), Damage> {
    match sniff(bytes) {
        Sniffed::Jpeg => jpeg(bytes),
        Sniffed::Png => png(bytes),
        Sniffed::Webp => webp(bytes),
        Sniffed::Heic | Sniffed::Other => Ok(()),
    }
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn jpeg(b: &[u8]) -> Result<(), Damage> {
    let mut i = 2; // after SOI
    let mut scans = 0;
    loop {
        // Between segments: a marker, possibly after fill bytes (0xFF). Stray bytes before a
        // marker are tolerated, as decoders do.
        while i < b.len() && b[i] != 0xFF {
            i += 1;
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = b.get(i) else {
            return Err(Damage::Incomplete);
        };
        i += 1;
        match marker {
            0xD9 if scans > 0 => return Ok(()),
            0xD9 | 0xD8 => return Err(Damage::Corrupt),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = be16(b, i).ok_or(Damage::Incomplete)?;
        if len < 2 {
            return Err(Damage::Corrupt);
        }
        i += len;
        if i > b.len() {
            return Err(Damage::Incomplete);
        }
        if marker == 0xDA {
            scans += 1;
            i = scan_end(b, i)?;
        }
    }
}

/// The offset of the marker that ends the entropy-coded data starting at `i`.
fn scan_end(b: &[u8], mut i: usize) -> Result<usize, Damage> {
    loop {
        let at = i + b
            .get(i..)
            .ok_or(Damage::Incomplete)?
            .iter()
            .position(|&x| x == 0xFF)
            .ok_or(Damage::Incomplete)?;
        match b.get(at + 1) {
            None => return Err(Damage::Incomplete),
            // Stuffed zero, restart marker, or fill byte: still inside the scan.
            Some(0x00 | 0xD0..=0xD7) => i = at + 2,
            Some(0xFF) => i = at + 1,
            Some(_) => return Ok(at),
        }
    }
}

fn png(b: &[u8]) -> Result<(), Damage> {
    let mut i = 8; // after the signature
    let mut first = true;
    loop {
        let len = be32(b, i).ok_or(Damage::Incomplete)?;
        if len > 0x7FFF_FFFF {
            return Err(Damage::Corrupt);
        }
        let kind = b.get(i + 4..i + 8).ok_or(Damage::Incomplete)?;
        if first && kind != b"IHDR" {
            return Err(Damage::Corrupt);
        }
        first = false;
        let end = i + 8 + len as usize;
        let crc = be32(b, end).ok_or(Damage::Incomplete)?;
        if crc32(&b[i + 4..end]) != crc {
            return Err(Damage::Corrupt);
        }
        if kind == b"IEND" {
            return Ok(());
        }
        i = end + 4;
    }
}

fn webp(b: &[u8]) -> Result<(), Damage> {
    let riff = le32(b, 4).ok_or(Damage::Incomplete)? as usize;
    let end = 8 + riff;
    if riff < 4 || riff % 2 == 1 {
        return Err(Damage::Corrupt);
    }
    if b.len() < end {
        return Err(Damage::Incomplete);
    }
    let mut i = 12; // after "RIFF", size, "WEBP"
    let mut chunks = 0;
    while i < end {
        let size = le32(b, i + 4).ok_or(Damage::Corrupt)? as usize;
        let next = i + 8 + size + size % 2;
        if next > end {
            return Err(Damage::Corrupt);
        }
        chunks += 1;
        i = next;
    }
    if chunks == 0 {
        return Err(Damage::Incomplete);
    }
    Ok(())
}

/// CRC-32 (IEEE), as PNG uses it.
pub fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (n, slot) in t.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *slot = c;
        }
        t
    });
    !data
        .iter()
        .fold(!0u32, |c, &x| table[((c ^ x as u32) & 0xFF) as usize] ^ (c >> 8))
}

#[cfg(test)]
#[path = "integrity_tests.rs"]
mod tests;
