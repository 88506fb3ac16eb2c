//! Whether a received Inbox-Scan file is readable as what it claims to be, by an independent
//! decoder — as a Medtech Inbox viewer would have to open it.

use std::io::Cursor;

/// A TIFF opens, has an image of sane dimensions, and its first image decodes (the JPEG strip
/// of a JPEG-in-TIFF included).
pub(crate) fn tiff(bytes: &[u8]) -> Result<(), String> {
    let mut d = ::tiff::decoder::Decoder::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let (w, h) = d.dimensions().map_err(|e| e.to_string())?;
    if w == 0 || h == 0 || w as u64 * h as u64 > 100_000_000 {
        return Err(format!("image of {w} × {h} pixels"));
    }
    d.read_image().map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tiff_header_with_nothing_readable_behind_it_is_refused() {
        assert!(super::tiff(b"II*\0\x08\0\0\0\xff\xff").is_err());
        assert!(super::tiff(b"II*\0").is_err());
    }

    #[test]
    fn a_whole_tiff_is_read() {
        let mut out = std::io::Cursor::new(Vec::new());
        ::tiff::encoder::TiffEncoder::new(&mut out)
            .unwrap()
            .write_image::<::tiff::encoder::colortype::RGB8>(4, 3, &[90u8; 36])
            .unwrap();
        assert_eq!(super::tiff(out.get_ref()), Ok(()));
    }
}
