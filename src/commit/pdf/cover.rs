//! A skin-check report's first page: the body map (front and back, the patient's sides marked)
//! with each lesion's numbered marker, and a table of the lesions (number, site, side, note, how
//! many photos). The photos follow on the next pages, lesion by lesion.

use pdf_writer::{Content, Finish, Pdf, Rect, Ref};

use super::{AREA_BOTTOM, AREA_TOP, MARGIN, PAGE_H, PAGE_W, PdfHeader, draw_header, lines::*, text::*};
use crate::metadata::body_map::{self, HEIGHT, View, WIDTH};

/// What the first page of a report shows.
#[derive(Clone, Debug, Default)]
pub struct Cover {
    pub lesions: Vec<CoverLesion>,
}

#[derive(Clone, Debug)]
pub struct CoverLesion {
    /// "L2".
    pub label: String,
    pub view: View,
    pub x: u16,
    pub y: u16,
    /// "Forearm", "Left", "changing".
    pub site: String,
    pub side: String,
    pub note: String,
    pub photos: usize,
}

const SCALE: f32 = 0.8;
const MAP_W: f32 = WIDTH as f32 * SCALE;
const MAP_H: f32 = HEIGHT as f32 * SCALE;
const MARKER_R: f32 = 6.5;

/// Writes the cover page (`ids`: its page and content objects).
#[allow(clippy::too_many_arguments)]
pub(super) fn page(
    pdf: &mut Pdf,
    (page_id, content_id): (Ref, Ref),
    tree_id: Ref,
    (regular_id, bold_id): (Ref, Ref),
    header: &PdfHeader,
    cover: &Cover,
    pages: usize,
    numbering: Option<(usize, usize)>,
) {
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
    page.parent(tree_id);
    page.contents(content_id);
    page.resources()
        .fonts()
        .pair(Font::Regular.name(), regular_id)
        .pair(Font::Bold.name(), bold_id);
    page.finish();
    let mut c = Content::new();
    draw_header(&mut c, header, 1, pages, numbering);
    draw_footer(&mut c, header);
    draw(&mut c, cover);
    pdf.stream(content_id, &c.finish());
}

fn draw(c: &mut Content, cover: &Cover) {
    let top = AREA_TOP;
    text(
        c,
        Font::Bold,
        14.0,
        MARGIN,
        top - 14.0,
        &winansi("Skin check — body map and lesions"),
    );
    let map_top = top - 30.0;
    let gap = 40.0;
    let left = (PAGE_W - 2.0 * MAP_W - gap) / 2.0;
    for (i, (view, caption, near, far)) in [
        (View::Front, "Front (patient facing you)", "R", "L"),
        (View::Back, "Back (patient facing away)", "L", "R"),
    ]
    .into_iter()
    .enumerate()
    {
        let x0 = left + i as f32 * (MAP_W + gap);
        let at = |x: f32, y: f32| (r2(x0 + x * SCALE), r2(map_top - y * SCALE));
        c.save_state();
        c.set_fill_gray(0.94);
        c.set_stroke_gray(0.55);
        c.set_line_width(0.6);
        for r in body_map::regions().iter().filter(|r| r.view == view) {
            let (x, y) = at(r.rect.x as f32, (r.rect.y + r.rect.h) as f32);
            c.rect(x, y, r2(r.rect.w as f32 * SCALE), r2(r.rect.h as f32 * SCALE));
        }
        c.fill_nonzero_and_stroke();
        c.restore_state();
        text(c, Font::Bold, 11.0, x0, map_top - 10.0, near.as_bytes());
        text(c, Font::Bold, 11.0, x0 + MAP_W - 8.0, map_top - 10.0, far.as_bytes());
        let cap = winansi(caption);
        let w = text_width(&cap, Font::Regular, 9.0);
        text(
            c,
            Font::Regular,
            9.0,
            r2(x0 + (MAP_W - w) / 2.0),
            r2(map_top - MAP_H - 12.0),
            &cap,
        );
        for l in cover.lesions.iter().filter(|l| l.view == view) {
            let (x, y) = at(l.x as f32, l.y as f32);
            marker(c, x, y, &l.label);
        }
    }
    table(c, cover, map_top - MAP_H - 34.0);
}

/// A filled circle with the lesion's number in it.
fn marker(c: &mut Content, x: f32, y: f32, label: &str) {
    const K: f32 = 0.5523 * MARKER_R;
    c.save_state();
    c.set_fill_rgb(0.70, 0.15, 0.12);
    c.move_to(x + MARKER_R, y);
    c.cubic_to(x + MARKER_R, y + K, x + K, y + MARKER_R, x, y + MARKER_R);
    c.cubic_to(x - K, y + MARKER_R, x - MARKER_R, y + K, x - MARKER_R, y);
    c.cubic_to(x - MARKER_R, y - K, x - K, y - MARKER_R, x, y - MARKER_R);
    c.cubic_to(x + K, y - MARKER_R, x + MARKER_R, y - K, x + MARKER_R, y);
    c.close_path();
    c.fill_nonzero();
    c.set_fill_gray(1.0);
    let t = winansi(label);
    let w = text_width(&t, Font::Bold, 6.5);
    text(c, Font::Bold, 6.5, r2(x - w / 2.0), r2(y - 2.3), &t);
    c.restore_state();
}

/// The lesion table; rows that do not fit are summed up in a last line.
fn table(c: &mut Content, cover: &Cover, top: f32) {
    const COLS: [(&str, f32); 5] = [
        ("Lesion", 0.0),
        ("Site", 50.0),
        ("Side", 200.0),
        ("Photos", 270.0),
        ("Note", 320.0),
    ];
    const ROW: f32 = 14.0;
    let right = PAGE_W - MARGIN;
    for (name, dx) in COLS {
        text(c, Font::Bold, 10.0, MARGIN + dx, top, name.as_bytes());
    }
    c.save_state();
    c.set_stroke_gray(0.6);
    c.set_line_width(0.5);
    c.move_to(MARGIN, top - 4.0);
    c.line_to(right, top - 4.0);
    c.stroke();
    c.restore_state();
    let room = ((top - 4.0 - AREA_BOTTOM) / ROW).floor() as usize;
    let shown = if cover.lesions.len() > room {
        room.saturating_sub(1)
    } else {
        cover.lesions.len()
    };
    for (i, l) in cover.lesions.iter().take(shown).enumerate() {
        let y = r2(top - ROW * (i + 1) as f32 - 2.0);
        let cell = |c: &mut Content, font, dx: f32, w: f32, s: &str| {
            let (t, size) = fit_line(s, font, 9.5, 6.0, w);
            text(c, font, size, MARGIN + dx, y, &t);
        };
        cell(c, Font::Bold, 0.0, 45.0, &l.label);
        cell(c, Font::Regular, 50.0, 145.0, &l.site);
        cell(c, Font::Regular, 200.0, 65.0, &l.side);
        cell(c, Font::Regular, 270.0, 45.0, &l.photos.to_string());
        cell(c, Font::Regular, 320.0, right - MARGIN - 320.0, &l.note);
    }
    if shown < cover.lesions.len() {
        let y = r2(top - ROW * (shown + 1) as f32 - 2.0);
        let more = format!(
            "… and {} more lesions: see the photos' pages.",
            cover.lesions.len() - shown
        );
        text(c, Font::Regular, 9.5, MARGIN, y, &winansi(&more));
    }
}

/// Every page's footer: when and by what it was generated.
pub(super) fn draw_footer(c: &mut Content, header: &PdfHeader) {
    let y = MARGIN + 12.0;
    c.save_state();
    c.set_stroke_gray(0.7);
    c.set_line_width(0.5);
    c.move_to(MARGIN, y);
    c.line_to(PAGE_W - MARGIN, y);
    c.stroke();
    c.set_fill_gray(0.3);
    let (footer, size) = fit_line(
        &format!("Generated by Clinical Images {}", header.generated),
        Font::Regular,
        8.0,
        5.0,
        PAGE_W - 2.0 * MARGIN,
    );
    text(c, Font::Regular, size, MARGIN, MARGIN + 2.0, &footer);
    c.restore_state();
}
