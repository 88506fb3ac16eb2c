//! Text blocks under a photo: the title and label/value rows broken into lines for a width, and
//! drawn from the top down (cut with "…" when they do not fit).

use pdf_writer::{Content, Str};

use super::{PdfPhoto, jpeg::*, text::*};

#[derive(Clone, Copy)]
pub(super) struct TextStyle {
    pub(super) title_size: f32,
    pub(super) title_leading: f32,
    pub(super) after_title: f32,
    pub(super) body_size: f32,
    pub(super) body_leading: f32,
}

pub(super) const PAGE_STYLE: TextStyle = TextStyle {
    title_size: 12.0,
    title_leading: 15.0,
    after_title: 4.0,
    body_size: 10.0,
    body_leading: 13.0,
};
pub(super) const SHEET_STYLE: TextStyle = TextStyle {
    title_size: 8.5,
    title_leading: 10.5,
    after_title: 2.5,
    body_size: 7.5,
    body_leading: 9.3,
};

#[derive(Clone, Copy)]
pub(super) struct Item<'a> {
    pub(super) photo: &'a PdfPhoto,
    pub(super) info: JpegInfo,
}

/// One piece of text on one line, `dx` from the block's left edge.
pub(super) struct Run {
    pub(super) font: Font,
    pub(super) size: f32,
    pub(super) dx: f32,
    pub(super) max_w: f32,
    pub(super) text: Vec<u8>,
}

pub(super) struct TextLine {
    pub(super) runs: Vec<Run>,
    pub(super) leading: f32,
}

/// The photo's title and label/value rows as lines for a block `w` wide.
pub(super) fn text_lines(photo: &PdfPhoto, w: f32, style: TextStyle) -> Vec<TextLine> {
    let mut out = Vec::new();
    let title = wrap(&winansi(&photo.title), Font::Bold, style.title_size, w);
    let title_count = title.len();
    for (i, text) in title.into_iter().enumerate() {
        let extra = if i + 1 == title_count && !photo.lines.is_empty() {
            style.after_title
        } else {
            0.0
        };
        out.push(TextLine {
            runs: vec![Run {
                font: Font::Bold,
                size: style.title_size,
                dx: 0.0,
                max_w: w,
                text,
            }],
            leading: style.title_leading + extra,
        });
    }
    let size = style.body_size;
    let labels: Vec<Vec<u8>> = photo.lines.iter().map(|(label, _)| winansi(label)).collect();
    let widest = labels
        .iter()
        .map(|l| text_width(l, Font::Bold, size))
        .fold(0.0, f32::max);
    let label_col = (widest + size).min(w * 0.4);
    for ((_, value), label) in photo.lines.iter().zip(&labels) {
        let (value_dx, value_w) = if label.is_empty() {
            (0.0, w)
        } else {
            (label_col, w - label_col)
        };
        let label_lines = if label.is_empty() {
            Vec::new()
        } else {
            wrap(label, Font::Bold, size, label_col - size * 0.5)
        };
        let mut value = winansi(value);
        if value.iter().all(|&b| b == b' ') {
            value = vec![EM_DASH];
        }
        let value_lines = wrap(&value, Font::Regular, size, value_w);
        let rows = label_lines.len().max(value_lines.len());
        let mut label_lines = label_lines.into_iter();
        let mut value_lines = value_lines.into_iter();
        for _ in 0..rows {
            let mut runs = Vec::new();
            if let Some(text) = label_lines.next() {
                runs.push(Run {
                    font: Font::Bold,
                    size,
                    dx: 0.0,
                    max_w: label_col,
                    text,
                });
            }
            if let Some(text) = value_lines.next() {
                runs.push(Run {
                    font: Font::Regular,
                    size,
                    dx: value_dx,
                    max_w: value_w,
                    text,
                });
            }
            out.push(TextLine {
                runs,
                leading: style.body_leading,
            });
        }
    }
    out
}

pub(super) fn lines_height(lines: &[TextLine]) -> f32 {
    lines.iter().map(|l| l.leading).sum()
}

/// Draws `lines` from `top` down, at most `max_h` tall; lines that do not fit are left out and the
/// last one drawn ends in "…".
pub(super) fn draw_lines(c: &mut Content, mut lines: Vec<TextLine>, x: f32, top: f32, max_h: f32) {
    let mut used = 0.0;
    let mut fit = 0;
    for line in &lines {
        if used + line.leading > max_h + 0.01 {
            break;
        }
        used += line.leading;
        fit += 1;
    }
    let cut = fit < lines.len();
    lines.truncate(fit);
    if cut && let Some(run) = lines.last_mut().and_then(|l| l.runs.last_mut()) {
        ellipsize(&mut run.text, run.font, run.size, run.max_w);
    }
    let mut y = top;
    for line in &lines {
        let size = line.runs.iter().map(|r| r.size).fold(0.0, f32::max);
        let baseline = y - size * 0.9;
        for run in &line.runs {
            text(c, run.font, run.size, x + run.dx, baseline, &run.text);
        }
        y -= line.leading;
    }
}

/// Two decimals are plenty for coordinates and keep the streams short.
pub(super) fn r2(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

pub(super) fn text(c: &mut Content, font: Font, size: f32, x: f32, y: f32, s: &[u8]) {
    if s.is_empty() {
        return;
    }
    c.begin_text();
    c.set_font(font.name(), r2(size));
    c.next_line(r2(x), r2(y));
    c.show(Str(s));
    c.end_text();
}
