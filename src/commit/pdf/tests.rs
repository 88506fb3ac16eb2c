use super::*;
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder};
use lopdf::{Document, Object};
use std::sync::OnceLock;

const MB: usize = 1024 * 1024;

/// A photo-like JPEG: smooth gradients plus noise, so it weighs what a real photo does.
fn jpeg(width: u32, height: u32, grey: bool, seed: u32, noise: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2654435761).max(1);
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let channels = if grey { 1 } else { 3 };
    let mut pixels = Vec::with_capacity((width * height) as usize * channels);
    for y in 0..height {
        for x in 0..width {
            for ch in 0..channels as u32 {
                let base = (x * 255 / width + y * 128 / height + ch * 60 + seed * 37) % 256;
                let jitter = if noise == 0 { 0 } else { rand() % (2 * noise + 1) };
                pixels.push((base + jitter).saturating_sub(noise).min(255) as u8);
            }
        }
    }
    let mut out = Vec::new();
    let colour = if grey {
        ExtendedColorType::L8
    } else {
        ExtendedColorType::Rgb8
    };
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(&pixels, width, height, colour)
        .unwrap();
    out
}

/// Six distinct noisy 1600×1200 photos (several hundred KB each), made once.
fn big_jpegs() -> &'static [Vec<u8>] {
    static JPEGS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    JPEGS.get_or_init(|| (0..6).map(|seed| jpeg(1600, 1200, false, seed + 1, 14)).collect())
}

fn header(name: &str) -> PdfHeader {
    PdfHeader {
        patient: PdfPatient {
            name: name.into(),
            birth_date: "12 Mar 1980".into(),
            nhi: "ZZZ0016".into(),
        },
        practitioner: "Dr Aroha Smith".into(),
        facility: "Riverside Medical Centre".into(),
        generated: "23 Nov 2026 10:45".into(),
    }
}

fn photo(jpeg: Vec<u8>, n: usize) -> PdfPhoto {
    PdfPhoto {
        jpeg,
        title: format!("Photo {n}: Left forearm — anterior — lesion — 23 Nov 2026 10:42"),
        lines: vec![
            ("Body site".into(), "Forearm (SNOMED CT 14975008)".into()),
            ("Laterality".into(), "Left".into()),
            ("View".into(), "Anterior".into()),
            ("Image type".into(), "Lesion".into()),
            (
                "Description".into(),
                format!("Pigmented lesion number {n}, 6 × 4 mm, irregular border"),
            ),
            ("Consent".into(), "Verbal".into()),
            ("Taken".into(), "23 Nov 2026 10:42".into()),
        ],
    }
}

/// WinAnsi bytes back to text, for the characters this module writes.
fn decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x20..=0x7e => b as char,
            0x85 => '…',
            0x91 => '‘',
            0x92 => '’',
            0x93 => '“',
            0x94 => '”',
            0x96 => '–',
            0x97 => '—',
            0xa0..=0xff => b as char,
            _ => '\u{fffd}',
        })
        .collect()
}

struct Parsed {
    doc: Document,
    /// Per page, the strings shown by Tj / TJ, in order.
    pages: Vec<Vec<String>>,
    images: Vec<EmbeddedImage>,
}

/// An image XObject as found in the file.
struct EmbeddedImage {
    width: i64,
    height: i64,
    filter: Vec<u8>,
    colour_space: Vec<u8>,
    data: Vec<u8>,
}

impl Parsed {
    fn page_text(&self, page: usize) -> String {
        self.pages[page].join("\n")
    }
    fn all_text(&self) -> String {
        self.pages.iter().map(|p| p.join("\n")).collect::<Vec<_>>().join("\n")
    }
    /// The page's strings joined by spaces: wrapped lines read as one.
    fn page_flat(&self, page: usize) -> String {
        self.pages[page].join(" ")
    }
}

fn parse(bytes: &[u8]) -> Parsed {
    check_xref(bytes);
    let doc = Document::load_mem(bytes).expect("the PDF parses");
    let mut pages = Vec::new();
    for (_, page_id) in doc.get_pages() {
        let content = doc.get_page_content(page_id);
        let ops = lopdf::content::Content::decode(&content)
            .expect("content stream decodes")
            .operations;
        let mut strings = Vec::new();
        for op in ops {
            match op.operator.as_str() {
                "Tj" => strings.push(decode(op.operands[0].as_str().unwrap())),
                "TJ" => strings.push(
                    op.operands[0]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|o| o.as_str().ok().map(decode))
                        .collect::<String>(),
                ),
                _ => {}
            }
        }
        pages.push(strings);
    }
    let mut images = Vec::new();
    for object in doc.objects.values() {
        if let Object::Stream(stream) = object
            && stream.dict.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"Image".as_slice())
        {
            let d = &stream.dict;
            images.push(EmbeddedImage {
                width: d.get(b"Width").unwrap().as_i64().unwrap(),
                height: d.get(b"Height").unwrap().as_i64().unwrap(),
                filter: d.get(b"Filter").unwrap().as_name().unwrap().to_vec(),
                colour_space: d.get(b"ColorSpace").unwrap().as_name().unwrap().to_vec(),
                data: stream.content.clone(),
            });
        }
    }
    Parsed { doc, pages, images }
}

/// The classic xref table must point at every object exactly.
fn check_xref(bytes: &[u8]) {
    assert!(bytes.starts_with(b"%PDF-1."));
    let tail = std::str::from_utf8(&bytes[bytes.len() - 40..]).unwrap();
    assert!(tail.trim_end().ends_with("%%EOF"));
    let at: usize = tail
        .split("startxref")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        bytes[at..].starts_with(b"xref\n0 "),
        "startxref points at the xref table"
    );
    let header_end = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let sub_end = header_end + bytes[header_end..].iter().position(|&b| b == b'\n').unwrap();
    let count: usize = std::str::from_utf8(&bytes[header_end..sub_end])
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let entries = &bytes[sub_end + 1..];
    for id in 1..count {
        let entry = &entries[id * 20..id * 20 + 20];
        assert_eq!(entry[17], b'n', "object {id} in use");
        let offset: usize = std::str::from_utf8(&entry[..10]).unwrap().parse().unwrap();
        assert!(
            bytes[offset..].starts_with(format!("{id} 0 obj").as_bytes()),
            "xref entry for {id}"
        );
    }
}

fn info_strings(doc: &Document) -> Vec<(String, Vec<u8>)> {
    let id = doc
        .trailer
        .get(b"Info")
        .expect("/Info in trailer")
        .as_reference()
        .unwrap();
    let info = doc.get_dictionary(id).unwrap();
    info.iter()
        .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), v.as_str().unwrap().to_vec()))
        .collect()
}

#[test]
fn page_per_photo_prints_identity_photo_and_metadata_on_every_page() {
    let jpegs = [
        big_jpegs()[0].clone(),
        jpeg(600, 800, false, 9, 10),
        jpeg(640, 480, true, 3, 10), // greyscale
    ];
    let photos: Vec<PdfPhoto> = jpegs.iter().enumerate().map(|(i, j)| photo(j.clone(), i)).collect();
    let started = std::time::Instant::now();
    let docs = render(&header("Jane Citizen"), &photos, Layout::PagePerPhoto, 8 * MB).unwrap();
    eprintln!(
        "3 photos ({} KB of JPEG) -> {} KB PDF in {:?}",
        jpegs.iter().map(Vec::len).sum::<usize>() / 1024,
        docs[0].bytes.len() / 1024,
        started.elapsed()
    );
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].photo_indices, vec![0, 1, 2]);
    assert_eq!(docs[0].page_count, 3);

    let parsed = parse(&docs[0].bytes);
    assert_eq!(parsed.pages.len(), 3);
    assert_eq!(parsed.images.len(), 3);
    let mut expected = [
        (1600, 1200, b"DeviceRGB".to_vec()),
        (600, 800, b"DeviceRGB".to_vec()),
        (640, 480, b"DeviceGray".to_vec()),
    ];
    let mut got: Vec<_> = parsed
        .images
        .iter()
        .map(|i| (i.width, i.height, i.colour_space.clone()))
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    for image in &parsed.images {
        assert_eq!(image.filter, b"DCTDecode");
        assert!(jpegs.contains(&image.data), "JPEG embedded byte for byte");
    }

    for (p, photo) in photos.iter().enumerate() {
        let text = parsed.page_text(p);
        for needle in [
            "Jane Citizen",
            "ZZZ0016",
            "12 Mar 1980",
            "Dr Aroha Smith",
            "Riverside Medical Centre",
            &format!("Clinical photographs — page {} of 3", p + 1),
            "Generated by Clinical Images 23 Nov 2026 10:45",
            &photo.title,
        ] {
            assert!(text.contains(needle), "page {p} lacks {needle:?}:\n{text}");
        }
        for (label, value) in &photo.lines {
            assert!(parsed.pages[p].contains(label), "page {p} lacks label {label}");
            assert!(parsed.pages[p].contains(value), "page {p} lacks value {value}");
        }
        assert!(!text.contains("document"), "a single document is not numbered");
    }

    let info = info_strings(&parsed.doc);
    assert!(info.iter().any(|(k, v)| k == "Title" && v == b"Clinical photographs"));
    assert!(info.iter().any(|(k, _)| k == "Producer"));
    for (_, v) in &info {
        let v = String::from_utf8_lossy(v);
        assert!(
            !v.contains("Jane") && !v.contains("Citizen") && !v.contains("ZZZ0016"),
            "no PHI in /Info"
        );
    }
}

#[test]
fn contact_sheet_puts_four_photos_on_a_page() {
    let photos: Vec<PdfPhoto> = (0..5).map(|i| photo(jpeg(400, 300, false, i as u32, 8), i)).collect();
    let docs = render(&header("Jane Citizen"), &photos, Layout::ContactSheet, 8 * MB).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].page_count, 2);
    let parsed = parse(&docs[0].bytes);
    assert_eq!(parsed.pages.len(), 2);
    assert_eq!(parsed.images.len(), 5);
    let per_page: Vec<usize> = parsed
        .doc
        .get_pages()
        .values()
        .map(|&id| {
            let page = parsed.doc.get_dictionary(id).unwrap();
            let resources = page.get(b"Resources").unwrap().as_dict().unwrap();
            resources.get(b"XObject").unwrap().as_dict().unwrap().len()
        })
        .collect();
    assert_eq!(per_page, vec![4, 1]);
    for (i, photo) in photos.iter().enumerate() {
        let text = parsed.page_flat(i / 4);
        assert!(text.contains(&photo.title), "{} on page {}", photo.title, i / 4 + 1);
        for (label, value) in &photo.lines {
            assert!(
                text.contains(label.as_str()) && text.contains(value.as_str()),
                "{label}: {value}"
            );
        }
    }
    for p in 0..2 {
        let text = parsed.page_text(p);
        assert!(text.contains(&format!("page {} of 2", p + 1)));
        assert!(text.contains("Jane Citizen") && text.contains("ZZZ0016"));
    }
}

#[test]
fn splits_into_documents_under_the_limit_keeping_every_photo_in_order() {
    let photos: Vec<PdfPhoto> = (0..12).map(|i| photo(big_jpegs()[i % 6].clone(), i)).collect();
    let sizes: usize = photos.iter().map(|p| p.jpeg.len()).sum();
    eprintln!("12 photos: {} KB of JPEG", sizes / 1024);
    assert!(sizes > 5 * MB, "test photos are large ({sizes} bytes)");
    let max = 3 * MB;
    for layout in [Layout::PagePerPhoto, Layout::ContactSheet] {
        let docs = render(&header("Jane Citizen"), &photos, layout, max).unwrap();
        assert!(docs.len() >= 3, "{layout:?}: {} documents", docs.len());
        let all: Vec<usize> = docs.iter().flat_map(|d| d.photo_indices.clone()).collect();
        assert_eq!(all, (0..12).collect::<Vec<_>>());
        for (k, d) in docs.iter().enumerate() {
            assert!(d.bytes.len() <= max, "document {k} is {} bytes", d.bytes.len());
            let parsed = parse(&d.bytes);
            assert_eq!(parsed.pages.len(), d.page_count);
            assert_eq!(parsed.images.len(), d.photo_indices.len());
            let text = (0..d.page_count).map(|p| parsed.page_flat(p)).collect::<String>();
            for &i in &d.photo_indices {
                assert!(text.contains(&photos[i].title));
            }
            for p in 0..d.page_count {
                let text = parsed.page_text(p);
                assert!(
                    text.contains(&format!("document {} of {}", k + 1, docs.len())),
                    "{text}"
                );
                assert!(text.contains(&format!("page {} of {}", p + 1, d.page_count)));
            }
            // Greedy: the next photo would not have fitted.
            if let Some(&next) = docs.get(k + 1).map(|n| &n.photo_indices[0]) {
                assert!(d.bytes.len() + photos[next].jpeg.len() > max - 64 * 1024);
            }
        }
    }
}

#[test]
fn a_photo_too_large_for_any_document_is_an_error() {
    let small = jpeg(200, 150, false, 1, 4);
    let photos = vec![
        photo(small.clone(), 0),
        photo(big_jpegs()[0].clone(), 1),
        photo(small, 2),
    ];
    let max = big_jpegs()[0].len() / 2;
    let err = render(&header("Jane Citizen"), &photos, Layout::PagePerPhoto, max).unwrap_err();
    assert!(matches!(err, PdfError::PhotoTooLarge { index: 1 }), "{err:?}");
    assert_eq!(err.to_string(), "photo 1 alone exceeds the document size limit");
}

#[test]
fn anything_but_an_embeddable_jpeg_is_refused() {
    let good = jpeg(64, 48, false, 1, 4);
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&[0u8; 16 * 16 * 3], 16, 16, ExtendedColorType::Rgb8)
        .unwrap();
    let truncated = good[..good.len() / 2].to_vec();
    let mut progressive_12bit = good.clone();
    let sof = progressive_12bit.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
    progressive_12bit[sof + 4] = 12; // precision
    for (bad, what) in [
        (png, "PNG"),
        (truncated, "truncated"),
        (Vec::new(), "empty"),
        (progressive_12bit, "12-bit"),
    ] {
        let photos = vec![photo(good.clone(), 0), photo(good.clone(), 1), photo(bad, 2)];
        let err = render(&header("Jane Citizen"), &photos, Layout::ContactSheet, 8 * MB).unwrap_err();
        assert!(matches!(err, PdfError::BadJpeg { index: 2 }), "{what}: {err:?}");
    }
    assert_eq!(
        parse_jpeg(&good),
        Some(JpegInfo {
            width: 64,
            height: 48,
            components: 3
        })
    );
    assert_eq!(
        parse_jpeg(&jpeg(30, 20, true, 1, 0)),
        Some(JpegInfo {
            width: 30,
            height: 20,
            components: 1
        })
    );
}

#[test]
fn no_photos_no_documents() {
    assert!(
        render(&header("Jane Citizen"), &[], Layout::PagePerPhoto, 8 * MB)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn characters_outside_winansi_fall_back_to_plain_letters() {
    assert_eq!(winansi("Tāne Mahuta"), b"Tane Mahuta");
    assert_eq!(winansi("ĀĒĪŌŪ āēīōū ȳ"), b"AEIOU aeiou y");
    assert_eq!(winansi("a\u{304}"), b"a", "decomposed macron");
    assert_eq!(
        winansi("— – × é …"),
        [0x97, b' ', 0x96, b' ', 0xd7, b' ', 0xe9, b' ', 0x85]
    );
    assert_eq!(winansi("≤ 5 mm → ok\t😀\u{7}"), b"<= 5 mm -> ok ?");
    assert_eq!(winansi("Œuvre Łódź"), [&[0x8c][..], b"uvre L\xf3dz"].concat());

    let mut p = photo(jpeg(120, 90, false, 2, 4), 0);
    p.title = "Ōtautahi — Tāne’s knee".into();
    p.lines.push(("Whānau".into(), "Kōrero: ūkaipō 😀".into()));
    let docs = render(&header("Tāne Mahuta"), &[p], Layout::PagePerPhoto, 8 * MB).unwrap();
    let parsed = parse(&docs[0].bytes);
    let text = parsed.all_text();
    assert!(text.contains("Tane Mahuta"), "{text}");
    assert!(text.contains("Otautahi — Tane’s knee"));
    assert!(text.contains("Whanau") && text.contains("Korero: ukaipo ?"));
    let info = info_strings(&parsed.doc);
    assert!(info.iter().all(|(_, v)| !String::from_utf8_lossy(v).contains("Tane")));
}

#[test]
fn widths_and_wrapping() {
    assert_eq!(
        text_width(b"Hello", Font::Regular, 1000.0),
        (722 + 556 + 222 + 222 + 556) as f32
    );
    assert_eq!(
        text_width(b"Hello", Font::Bold, 1000.0),
        (722 + 556 + 278 + 278 + 611) as f32
    );
    assert_eq!(text_width(&[EM_DASH, 0xd7], Font::Regular, 1000.0), 1000.0 + 584.0);

    let long = "Irregularly pigmented macule with asymmetric borders, approximately 6 by 4 mm, noted by the \
                    patient three months ago; no bleeding. Supercalifragilisticexpialidociousmeasurementwordthatnever\
                    endsatall. Review in six weeks with dermoscopy.";
    let lines = wrap(&winansi(long), Font::Regular, 10.0, 150.0);
    assert!(lines.len() > 5);
    for line in &lines {
        assert!(text_width(line, Font::Regular, 10.0) <= 150.0, "{:?}", decode(line));
        assert!(!line.is_empty());
    }
    assert_eq!(
        lines.concat().iter().filter(|&&b| b != b' ').count(),
        long.chars().filter(|&c| c != ' ').count()
    );
    assert_eq!(wrap(b"", Font::Regular, 10.0, 100.0), vec![Vec::<u8>::new()]);

    // A long description wraps on the page and every word is printed.
    let mut p = photo(jpeg(160, 120, false, 2, 4), 0);
    p.lines.push(("Description".into(), long.repeat(3)));
    for layout in [Layout::PagePerPhoto, Layout::ContactSheet] {
        let docs = render(&header("Jane Citizen"), std::slice::from_ref(&p), layout, 8 * MB).unwrap();
        let text = parse(&docs[0].bytes).all_text();
        if layout == Layout::PagePerPhoto {
            for word in long.split_whitespace().filter(|w| w.len() < 30) {
                assert!(text.contains(word), "{word}");
            }
        } else {
            assert!(text.contains('…'), "the compact cell cuts what does not fit");
        }
    }
}

#[test]
fn text_that_cannot_fit_is_cut_not_lost_photo() {
    let mut p = photo(jpeg(160, 120, false, 2, 4), 0);
    p.lines = (0..200).map(|i| (format!("Row {i}"), "value".to_string())).collect();
    let mut long_name = header(&"Wharepapa-Te Whakatōhea ".repeat(8));
    long_name.facility = "F".repeat(300);
    for layout in [Layout::PagePerPhoto, Layout::ContactSheet] {
        let docs = render(&long_name, std::slice::from_ref(&p), layout, 8 * MB).unwrap();
        let parsed = parse(&docs[0].bytes);
        assert_eq!(parsed.images.len(), 1);
        let text = parsed.all_text();
        assert!(text.contains("Row 0") && text.contains('…') && !text.contains("Row 199"));
        assert!(text.contains("Wharepapa-Te Whakatohea") && text.contains("ZZZ0016"));
    }
}

/// Writes sample documents for a person to look at (`pdftoppm -png`, `qpdf --check`):
/// `cargo test --features ssr --lib commit::pdf::tests::write_samples -- --ignored`.
#[test]
#[ignore]
fn write_samples() {
    let dir = std::env::temp_dir().join("clinical-images-pdf-samples");
    std::fs::create_dir_all(&dir).unwrap();
    let mut photos: Vec<PdfPhoto> = (0..5).map(|i| photo(big_jpegs()[i % 6].clone(), i)).collect();
    photos[1].jpeg = jpeg(900, 1200, false, 7, 10);
    photos[2].jpeg = jpeg(800, 600, true, 8, 10);
    photos[3].lines.push((
        "Description".into(),
        "Irregularly pigmented macule with asymmetric borders, noted by the patient three months ago; \
             no bleeding, no itch. Review in six weeks with dermoscopy. Whānau aware."
            .into(),
    ));
    let header = header("Tāne Mahuta-Wiremu");
    for (layout, name) in [(Layout::PagePerPhoto, "page"), (Layout::ContactSheet, "sheet")] {
        for (k, doc) in render(&header, &photos, layout, 8 * MB).unwrap().iter().enumerate() {
            std::fs::write(dir.join(format!("{name}-{k}.pdf")), &doc.bytes).unwrap();
        }
        for (k, doc) in render(&header, &photos, layout, 3 * MB).unwrap().iter().enumerate() {
            std::fs::write(dir.join(format!("{name}-split-{k}.pdf")), &doc.bytes).unwrap();
        }
    }
    eprintln!("samples in {}", dir.display());
}

/// A skin-check report: its first page is the body map with a numbered marker per lesion and the
/// lesion table, with identity like every page; split under the cap, no photo is dropped and
/// only the first document has the cover.
#[test]
fn a_report_starts_with_the_map_and_lesion_table_and_splits_without_dropping_a_photo() {
    use crate::metadata::body_map::{View, region};
    let lesion = |n: u32, id: &str, note: &str| {
        let r = region(id).unwrap();
        let (x, y) = r.rect.centre();
        CoverLesion {
            label: format!("L{n}"),
            view: r.view,
            x,
            y,
            site: r.site_label().into(),
            side: "Left".into(),
            note: note.into(),
            photos: 2,
        }
    };
    let cover = Cover {
        lesions: vec![
            lesion(1, "front-left-forearm", "changing"),
            lesion(2, "back-left-lower-back", ""),
            lesion(3, "front-head", "biopsy planned"),
        ],
    };
    assert_eq!(cover.lesions[1].view, View::Back);
    let photos: Vec<PdfPhoto> = big_jpegs()
        .iter()
        .enumerate()
        .map(|(i, j)| photo(j.clone(), i + 1))
        .collect();
    let whole = render_report(
        &header("Aroha Ngata"),
        Some(&cover),
        &photos,
        Layout::PagePerPhoto,
        32 * MB,
    )
    .unwrap();
    assert_eq!(whole.len(), 1);
    assert_eq!(whole[0].page_count, 7, "the cover and six photos");
    let p = parse(&whole[0].bytes);
    assert_eq!(p.images.len(), 6);
    let first = p.page_text(0);
    assert!(first.contains("Skin check — body map and lesions"), "{first}");
    for l in ["L1", "L2", "L3"] {
        let shown = p.pages[0].iter().filter(|s| s.as_str() == l).count();
        assert_eq!(shown, 2, "{l}: a marker on the map and a row in the table");
    }
    for words in [
        "Forearm",
        "changing",
        "biopsy planned",
        "Front (patient facing you)",
        "Back (patient facing away)",
    ] {
        assert!(first.contains(words), "{words} in {first}");
    }
    for page in 0..7 {
        assert!(p.page_text(page).contains("ZZZ0016"), "identity on page {}", page + 1);
        assert!(p.page_flat(page).contains(&format!("page {} of 7", page + 1)));
    }

    let cap = whole[0].bytes.len() / 2;
    let split = render_report(&header("Aroha Ngata"), Some(&cover), &photos, Layout::PagePerPhoto, cap).unwrap();
    assert!(split.len() >= 2);
    let all: Vec<usize> = split.iter().flat_map(|d| d.photo_indices.clone()).collect();
    assert_eq!(all, (0..6).collect::<Vec<_>>(), "every photo, once, in order");
    for (k, d) in split.iter().enumerate() {
        assert!(d.bytes.len() <= cap);
        let p = parse(&d.bytes);
        assert_eq!(
            p.page_text(0).contains("Skin check"),
            k == 0,
            "only the first document has the cover"
        );
        assert_eq!(d.page_count, d.photo_indices.len() + usize::from(k == 0));
    }
}
