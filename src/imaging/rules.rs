//! The rules of photo preparation, as pure functions (tested natively, used by the browser
//! code and the server's re-check alike).

/// What kind of file this is, by its first bytes (never by its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Jpeg,
    Png,
    Webp,
    /// HEIC/HEIF (iPhone): only some browsers can decode it.
    Heic,
    Other,
}

pub fn sniff(head: &[u8]) -> Sniffed {
    match head {
        [0xFF, 0xD8, 0xFF, ..] => Sniffed::Jpeg,
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Sniffed::Png,
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Sniffed::Webp,
        [_, _, _, _, b'f', b't', b'y', b'p', brand @ ..] if brand.len() >= 4 => match &brand[..4] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => Sniffed::Heic,
            _ => Sniffed::Other,
        },
        _ => Sniffed::Other,
    }
}

/// Why a file cannot be added, in words for the GP (with the file's name).
pub fn rejection(name: &str, sniffed: Sniffed) -> Option<String> {
    match sniffed {
        Sniffed::Jpeg | Sniffed::Png | Sniffed::Webp => None,
        Sniffed::Heic => Some(format!(
            "{name} is an iPhone HEIC photo, which this browser cannot open. On the iPhone, choose \
             Settings › Camera › Formats › Most Compatible, or share the photo by email or AirDrop \
             (it arrives as a JPEG), or use \"Use my phone\" to take it directly."
        )),
        Sniffed::Other => Some(format!(
            "{name} is not a photo we can use: only JPEG, PNG, WebP (and HEIC where the browser supports it) can be added."
        )),
    }
}

/// The size to draw at: the longest edge at most `max_long_edge`, aspect kept, never upscaled.
pub fn target_size(width: u32, height: u32, max_long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_long_edge || long == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = max_long_edge as f64 / long as f64;
    let w = ((width as f64 * scale).round() as u32).clamp(1, max_long_edge);
    let h = ((height as f64 * scale).round() as u32).clamp(1, max_long_edge);
    (w, h)
}

/// JPEG qualities tried in order until the photo fits the byte cap.
pub const QUALITY_LADDER: [f64; 5] = [0.85, 0.78, 0.7, 0.6, 0.5];

/// After the ladder is exhausted, the photo is shrunk by this factor and the ladder tried again.
pub const SHRINK: f64 = 0.8;

/// The smallest long edge we will shrink to before giving up.
pub const MIN_LONG_EDGE: u32 = 640;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1, 0, 0]), Sniffed::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Sniffed::Png);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Sniffed::Webp);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Sniffed::Heic);
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0"), Sniffed::Other);
        assert_eq!(sniff(b"%PDF-1.7"), Sniffed::Other);
        assert_eq!(sniff(b""), Sniffed::Other);
    }

    #[test]
    fn rejections_name_the_file_and_say_why() {
        assert!(rejection("a.jpg", Sniffed::Jpeg).is_none());
        let heic = rejection("IMG_0001.HEIC", Sniffed::Heic).unwrap();
        assert!(heic.contains("IMG_0001.HEIC") && heic.contains("JPEG"));
        assert!(
            rejection("notes.pdf", Sniffed::Other)
                .unwrap()
                .starts_with("notes.pdf is not a photo")
        );
    }

    #[test]
    fn target_size_keeps_aspect_and_never_upscales() {
        assert_eq!(target_size(4032, 3024, 1920), (1920, 1440));
        assert_eq!(target_size(3024, 4032, 1920), (1440, 1920));
        assert_eq!(target_size(800, 600, 1920), (800, 600));
        assert_eq!(target_size(10000, 10, 1920), (1920, 2));
        assert_eq!(target_size(0, 0, 1920), (1, 1));
    }
}
