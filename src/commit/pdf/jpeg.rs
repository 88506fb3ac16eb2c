//! Reading what the PDF needs from a JPEG's frame header (it is embedded as it is).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::commit) struct JpegInfo {
    pub(in crate::commit) width: u32,
    pub(in crate::commit) height: u32,
    pub(in crate::commit) components: u8,
}

/// As [`parse_frame`], without the sampling factors.
pub(super) fn parse_jpeg(d: &[u8]) -> Option<JpegInfo> {
    parse_frame(d).map(|(info, _)| info)
}

/// Reads the frame header of an 8-bit Huffman-coded JPEG (SOF0 baseline, SOF1 extended, SOF2
/// progressive: all DCTDecode can show) with 1 (grey) or 3 (RGB) components, and checks that a
/// scan follows and the file ends. Anything else — arithmetic, lossless, 12-bit, CMYK, truncated,
/// not a JPEG — is `None`. Also answers the first component's sampling factors (horizontal,
/// vertical) over the others' — for YCbCr, how the chroma is subsampled (TIFF's YCbCrSubSampling).
pub(in crate::commit) fn parse_frame(d: &[u8]) -> Option<(JpegInfo, (u16, u16))> {
    if d.len() < 4 || d[0] != 0xFF || d[1] != 0xD8 {
        return None;
    }
    let mut i = 2;
    let mut frame = None;
    loop {
        if *d.get(i)? != 0xFF {
            return None;
        }
        while *d.get(i)? == 0xFF {
            i += 1; // fill bytes
        }
        let marker = d[i];
        i += 1;
        match marker {
            0x01 | 0xD0..=0xD7 => continue, // no length
            0x00 | 0xD8 | 0xD9 => return None,
            _ => {}
        }
        let len = u16::from_be_bytes([*d.get(i)?, *d.get(i + 1)?]) as usize;
        if len < 2 {
            return None;
        }
        let seg = d.get(i + 2..i + len)?;
        match marker {
            0xC0..=0xC2 => {
                if frame.is_some() || seg.len() < 6 {
                    return None;
                }
                let precision = seg[0];
                let height = u16::from_be_bytes([seg[1], seg[2]]) as u32;
                let width = u16::from_be_bytes([seg[3], seg[4]]) as u32;
                let components = seg[5];
                if precision != 8
                    || height == 0
                    || width == 0
                    || !matches!(components, 1 | 3)
                    || seg.len() < 6 + 3 * components as usize
                {
                    return None;
                }
                let factors = |c: usize| {
                    let hv = seg[6 + 3 * c + 1];
                    ((hv >> 4).max(1) as u16, (hv & 0x0F).max(1) as u16)
                };
                let (h0, v0) = factors(0);
                let (hc, vc) = if components == 3 { factors(1) } else { (h0, v0) };
                frame = Some((
                    JpegInfo {
                        width,
                        height,
                        components,
                    },
                    ((h0 / hc).max(1), (v0 / vc).max(1)),
                ));
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return None,
            0xDA => {
                let info = frame?;
                // The end-of-image marker; FF D9 cannot occur inside entropy-coded data.
                let tail = &d[d.len().saturating_sub(1024).max(i + len)..];
                return tail.windows(2).any(|w| w == [0xFF, 0xD9]).then_some(info);
            }
            _ => {}
        }
        i += len;
    }
}
