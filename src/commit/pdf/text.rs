//! Text in the standard Helvetica fonts: WinAnsi encoding, glyph widths, wrapping.

use pdf_writer::Name;

// ---------------------------------------------------------------------------------------------
// Text: WinAnsi encoding and Helvetica metrics

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Font {
    Regular,
    Bold,
}

impl Font {
    pub(super) fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

pub(super) const ELLIPSIS: u8 = 0x85;
pub(super) const EM_DASH: u8 = 0x97;

/// Base letters of Latin Extended-A (U+0100..=U+017F); '?' marks the few handled before lookup.
pub(super) const LATIN_EXT_A: &[u8; 128] =
    b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/// Encodes text for a WinAnsiEncoding font. Characters WinAnsi lacks become their base letter
/// (Māori macrons: ā → a), a close ASCII spelling (≤ → <=), or "?"; whitespace becomes a space and
/// other control characters are dropped.
pub(super) fn winansi(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let code = c as u32;
        match c {
            ' '..='~' => out.push(code as u8),
            '\u{a0}'..='\u{ff}' => out.push(code as u8),
            c if c.is_whitespace() => out.push(b' '),
            c if c.is_control() => {}
            '\u{0300}'..='\u{036f}' | '\u{200b}'..='\u{200d}' | '\u{feff}' => {} // combining marks, zero-width
            '€' => out.push(0x80),
            '‚' => out.push(0x82),
            'ƒ' => out.push(0x83),
            '„' => out.push(0x84),
            '…' => out.push(ELLIPSIS),
            '†' => out.push(0x86),
            '‡' => out.push(0x87),
            'ˆ' => out.push(0x88),
            '‰' => out.push(0x89),
            'Š' => out.push(0x8a),
            '‹' => out.push(0x8b),
            'Œ' => out.push(0x8c),
            'Ž' => out.push(0x8e),
            '\u{2018}' | '\u{201b}' => out.push(0x91),
            '\u{2019}' => out.push(0x92),
            '\u{201c}' | '\u{201f}' => out.push(0x93),
            '\u{201d}' => out.push(0x94),
            '•' | '\u{2219}' => out.push(0x95),
            '–' | '\u{2012}' => out.push(0x96),
            '—' | '\u{2015}' => out.push(EM_DASH),
            '˜' => out.push(0x98),
            '™' => out.push(0x99),
            'š' => out.push(0x9a),
            '›' => out.push(0x9b),
            'œ' => out.push(0x9c),
            'ž' => out.push(0x9e),
            'Ÿ' => out.push(0x9f),
            '\u{2010}' | '\u{2011}' | '\u{2212}' | '\u{2043}' => out.push(b'-'),
            '\u{2032}' => out.push(b'\''),
            '\u{2033}' => out.push(b'"'),
            'μ' => out.push(0xb5),
            '≤' => out.extend_from_slice(b"<="),
            '≥' => out.extend_from_slice(b">="),
            '≠' => out.extend_from_slice(b"!="),
            '≈' => out.push(b'~'),
            '→' => out.extend_from_slice(b"->"),
            '←' => out.extend_from_slice(b"<-"),
            'Ĳ' => out.extend_from_slice(b"IJ"),
            'ĳ' => out.extend_from_slice(b"ij"),
            'Ȳ' => out.push(b'Y'),
            'ȳ' => out.push(b'y'),
            '\u{0100}'..='\u{017f}' => out.push(LATIN_EXT_A[(code - 0x100) as usize]),
            _ => out.push(b'?'),
        }
    }
    out
}

/// Helvetica advance widths (1/1000 em) for WinAnsi codes 32..=255 (Adobe core-14 AFM metrics).
#[rustfmt::skip]
pub(super) const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350,
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Helvetica-Bold advance widths (1/1000 em) for WinAnsi codes 32..=255.
#[rustfmt::skip]
pub(super) const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350,
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

/// Width in points of WinAnsi-encoded `text` set in `font` at `size`.
pub(super) fn text_width(text: &[u8], font: Font, size: f32) -> f32 {
    let table = match font {
        Font::Regular => &HELVETICA,
        Font::Bold => &HELVETICA_BOLD,
    };
    let units: u32 = text
        .iter()
        .map(|&b| if b >= 32 { table[(b - 32) as usize] as u32 } else { 0 })
        .sum();
    units as f32 * size / 1000.0
}

/// Breaks encoded text into lines no wider than `max_w`, at spaces; a word wider than a line is
/// cut. Always at least one (possibly empty) line.
pub(super) fn wrap(text: &[u8], font: Font, size: f32, max_w: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let mut word = word;
        if !line.is_empty() {
            let mut candidate = line.clone();
            candidate.push(b' ');
            candidate.extend_from_slice(word);
            if text_width(&candidate, font, size) <= max_w {
                line = candidate;
                continue;
            }
            lines.push(std::mem::take(&mut line));
        }
        // `line` is empty: cut the word while it is too wide on its own.
        while word.len() > 1 && text_width(word, font, size) > max_w {
            let mut cut = word.len() - 1;
            while cut > 1 && text_width(&word[..cut], font, size) > max_w {
                cut -= 1;
            }
            lines.push(word[..cut].to_vec());
            word = &word[cut..];
        }
        line = word.to_vec();
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Shortens `text` so that it followed by "…" fits `max_w`, and appends the "…".
pub(super) fn ellipsize(text: &mut Vec<u8>, font: Font, size: f32, max_w: f32) {
    let ellipsis_w = text_width(&[ELLIPSIS], font, size);
    while !text.is_empty() && text_width(text, font, size) + ellipsis_w > max_w {
        text.pop();
    }
    while text.last() == Some(&b' ') {
        text.pop();
    }
    text.push(ELLIPSIS);
}

/// Fits one line into `max_w`: shrinks the size down to `min_size`, then cuts with "…".
pub(super) fn fit_line(text: &str, font: Font, size: f32, min_size: f32, max_w: f32) -> (Vec<u8>, f32) {
    let mut bytes = winansi(text);
    let w = text_width(&bytes, font, size);
    if w <= max_w {
        return (bytes, size);
    }
    let shrunk = ((size * max_w / w * 10.0).floor() / 10.0).max(min_size);
    if text_width(&bytes, font, shrunk) > max_w {
        ellipsize(&mut bytes, font, shrunk, max_w);
    }
    (bytes, shrunk)
}
