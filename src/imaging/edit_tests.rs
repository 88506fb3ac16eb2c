use super::*;

fn arrow() -> Op {
    Op::Arrow {
        from: Pt::new(0.1, 0.1),
        to: Pt::new(0.9, 0.5),
        colour: Colour::Green,
    }
}

#[test]
fn sizes_follow_rotations_and_crops_in_order() {
    let edit = Edit {
        ops: vec![
            Op::Crop {
                x: 0.15,
                y: 0.15,
                w: 0.7,
                h: 0.7,
            },
            Op::Rotate { quarter_turns: 1 },
            arrow(),
        ],
    };
    assert_eq!(edit.size_after(1200, 900), (630, 840));
    assert_eq!(Op::Rotate { quarter_turns: 2 }.size_after(4, 3), (4, 3));
    assert_eq!(Op::Rotate { quarter_turns: -1 }.size_after(4, 3), (3, 4));
    assert!(edit.validate(1200, 900).is_ok());
}

#[test]
fn crop_rect_stays_inside() {
    assert_eq!(crop_rect(100, 50, 0.0, 0.0, 1.0, 1.0), (0, 0, 100, 50));
    assert_eq!(crop_rect(100, 50, 0.999, 0.999, 0.001, 0.001), (99, 49, 1, 1));
    assert_eq!(crop_rect(100, 50, 0.25, 0.5, 0.5, 0.5), (25, 25, 50, 25));
}

#[test]
fn validation_explains_what_is_wrong() {
    let v = |op: Op| Edit { ops: vec![op] }.validate(1000, 800);
    assert_eq!(
        v(Op::Crop {
            x: 0.0,
            y: 0.0,
            w: 0.01,
            h: 0.5
        }),
        Err(EditError::CropTooSmall)
    );
    assert_eq!(
        v(Op::Crop {
            x: 0.6,
            y: 0.0,
            w: 0.5,
            h: 0.5
        }),
        Err(EditError::OutOfBounds)
    );
    assert_eq!(
        v(Op::Arrow {
            from: Pt::new(f64::NAN, 0.0),
            to: Pt::new(0.5, 0.5),
            colour: Colour::Cyan
        }),
        Err(EditError::OutOfBounds)
    );
    assert_eq!(v(Op::Rotate { quarter_turns: 4 }), Err(EditError::BadRotation));
    let text = |t: &str| Op::Text {
        at: Pt::new(0.5, 0.5),
        text: t.into(),
        colour: Colour::Yellow,
    };
    assert_eq!(v(text(&"x".repeat(81))), Err(EditError::TextTooLong));
    assert_eq!(v(text("  ")), Err(EditError::TextEmpty));
    assert!(v(text(&"é".repeat(80))).is_ok());
    let points = vec![Pt::new(0.5, 0.5); MAX_POINTS + 1];
    assert_eq!(
        v(Op::Freehand {
            points,
            colour: Colour::Green
        }),
        Err(EditError::TooManyPoints)
    );
    let many = Edit {
        ops: vec![arrow(); MAX_OPS + 1],
    };
    assert_eq!(many.validate(100, 100), Err(EditError::TooManyOps));
    assert!(EditError::TooManyOps.to_string().contains("reset to the original"));
    let strokes = Edit {
        ops: vec![
            Op::Freehand {
                points: vec![Pt::new(0.5, 0.5); MAX_POINTS],
                colour: Colour::Green
            };
            MAX_TOTAL_POINTS / MAX_POINTS + 1
        ],
    };
    assert_eq!(strokes.validate(100, 100), Err(EditError::TooMuchDrawing));
}

#[test]
fn summary_names_kinds_not_text() {
    let edit = Edit {
        ops: vec![
            Op::Rotate { quarter_turns: 1 },
            Op::Crop {
                x: 0.1,
                y: 0.1,
                w: 0.5,
                h: 0.5,
            },
            Op::Text {
                at: Pt::new(0.5, 0.5),
                text: "Mrs Smith's mole".into(),
                colour: Colour::Green,
            },
        ],
    };
    assert_eq!(edit.summary(), "3 operations: rotate, crop, text");
    assert!(!edit.summary().contains("Smith"));
    assert_eq!(Edit::default().summary(), "reset to original");
}

#[test]
fn json_shape_and_fingerprint_are_stable() {
    let edit = Edit {
        ops: vec![Op::Rotate { quarter_turns: -1 }],
    };
    let json = serde_json::to_string(&edit).unwrap();
    assert_eq!(json, r#"{"ops":[{"op":"rotate","quarter_turns":-1}]}"#);
    assert_eq!(serde_json::from_str::<Edit>(&json).unwrap(), edit);
    assert_eq!(edit.fingerprint(), edit.clone().fingerprint());
    assert_ne!(edit.fingerprint(), Edit::default().fingerprint());
}

#[test]
fn arrow_head_points_at_the_tip() {
    let (shaft_end, [tip, l, r]) = arrow_geometry((0.0, 0.0), (100.0, 0.0), 4.0);
    assert_eq!(tip, (100.0, 0.0));
    assert!(shaft_end.0 < 100.0 && shaft_end.0 > 80.0);
    assert!((l.0 - r.0).abs() < 1e-9 && (l.1 + r.1).abs() < 1e-9);
    assert!(stroke_px(1920.0, 1440.0) > 10.0 && stroke_px(100.0, 100.0) >= 3.0);
    assert!(halo_px(4.0) > 4.0);
}
