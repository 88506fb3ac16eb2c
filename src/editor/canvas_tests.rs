use super::*;

#[test]
fn the_default_crop_is_centred_and_keeps_its_ratio() {
    let d = default_draft(Tool::Crop, Ratio::Free, 1200.0, 900.0).unwrap();
    let op = to_op(&d, Tool::Crop, Colour::Green, "", 1200.0, 900.0).unwrap();
    let edit = super::super::ops::Edit { ops: vec![op] };
    assert_eq!(edit.size_after(1200, 900), (840, 630));
    let Some(Draft::Rect { w, h, .. }) = default_draft(Tool::Crop, Ratio::ThreeFour, 1200.0, 900.0) else {
        panic!()
    };
    assert!((w / h - 0.75).abs() < 1e-9 && h <= 900.0 * 0.7 + 1e-9);
}

#[test]
fn dragging_holds_the_ratio_inside_the_image() {
    let Draft::Rect { x, y, w, h } = drag_rect((100.0, 100.0), (400.0, 150.0), Ratio::Square, 500.0, 300.0) else {
        panic!()
    };
    assert_eq!((x, y), (100.0, 100.0));
    assert!((w - h).abs() < 1e-9 && y + h <= 300.0 + 1e-9, "{w}×{h}");
    let Draft::Rect { x, w, .. } = drag_rect((100.0, 100.0), (20.0, 120.0), Ratio::Free, 500.0, 300.0) else {
        panic!()
    };
    assert_eq!((x, w), (20.0, 80.0));
}

#[test]
fn arrow_keys_move_and_resize_within_the_image() {
    let d = Draft::Rect {
        x: 10.0,
        y: 10.0,
        w: 50.0,
        h: 50.0,
    };
    assert_eq!(
        nudge(&d, -20.0, 0.0, false, Ratio::Free, 100.0, 100.0),
        Draft::Rect {
            x: 0.0,
            y: 10.0,
            w: 50.0,
            h: 50.0
        }
    );
    let Draft::Rect { w, h, .. } = nudge(&d, 100.0, 0.0, true, Ratio::Square, 100.0, 100.0) else {
        panic!()
    };
    assert!((w - h).abs() < 1e-9 && w <= 90.0 + 1e-9);
    let line = Draft::Line {
        from: (10.0, 10.0),
        to: (50.0, 50.0),
    };
    let Draft::Line { from, to } = nudge(&line, 100.0, 0.0, false, Ratio::Free, 100.0, 100.0) else {
        panic!()
    };
    assert_eq!((from, to), ((60.0, 10.0), (100.0, 50.0)));
}

#[test]
fn slips_and_empty_labels_make_no_operation() {
    let tiny = Draft::Line {
        from: (1.0, 1.0),
        to: (2.0, 2.0),
    };
    assert_eq!(to_op(&tiny, Tool::Arrow, Colour::Green, "", 100.0, 100.0), None);
    let at = Draft::Text { at: (50.0, 50.0) };
    assert_eq!(to_op(&at, Tool::Text, Colour::Green, "  ", 100.0, 100.0), None);
    assert!(matches!(
        to_op(&at, Tool::Text, Colour::Green, " mole ", 100.0, 100.0),
        Some(Op::Text { ref text, .. }) if text == "mole"
    ));
    let mut pts = vec![];
    extend_path(&mut pts, (1.0, 1.0));
    extend_path(&mut pts, (1.5, 1.0));
    extend_path(&mut pts, (5.0, 1.0));
    assert_eq!(pts.len(), 2);
}

#[test]
fn a_crop_is_taken_by_its_corner_or_moved_from_inside() {
    let rect = Draft::Rect {
        x: 100.0,
        y: 100.0,
        w: 400.0,
        h: 300.0,
    };
    // Reach is 4% of 1000 = 40 px.
    assert_eq!(
        grab(&rect, (505.0, 395.0), 1000.0, 800.0),
        Some(Grab::Corner((100.0, 100.0)))
    );
    assert_eq!(
        grab(&rect, (95.0, 410.0), 1000.0, 800.0),
        Some(Grab::Corner((500.0, 100.0)))
    );
    assert_eq!(
        grab(&rect, (300.0, 250.0), 1000.0, 800.0),
        Some(Grab::Inside((200.0, 150.0)))
    );
    assert_eq!(grab(&rect, (800.0, 700.0), 1000.0, 800.0), None);
    // Moving keeps the size and stays inside the image.
    assert_eq!(
        move_rect(&rect, (200.0, 150.0), (350.0, 300.0), 1000.0, 800.0),
        Draft::Rect {
            x: 150.0,
            y: 150.0,
            w: 400.0,
            h: 300.0
        }
    );
    assert_eq!(
        move_rect(&rect, (200.0, 150.0), (990.0, 790.0), 1000.0, 800.0),
        Draft::Rect {
            x: 600.0,
            y: 500.0,
            w: 400.0,
            h: 300.0
        }
    );
}
