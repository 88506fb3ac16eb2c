use super::*;
use crate::metadata::codes::{BODY_SITES, LATERALITIES, find};

/// Every region and every finer choice resolves to a verified body-site code, and every side to
/// a verified laterality code (`Side::Middle` is "Not applicable"). The lists in `codes` are
/// themselves checked against `shared/CLINICAL_CODES.md`.
#[test]
fn every_region_maps_only_to_verified_codes() {
    assert!(regions().len() > 40);
    for r in regions() {
        assert!(
            find(BODY_SITES, r.site).is_some(),
            "{}: site {} is not verified",
            r.id,
            r.site
        );
        assert!(find(LATERALITIES, r.side.code()).is_some(), "{}: side", r.id);
        for c in r.choices {
            assert!(
                find(BODY_SITES, c.site).is_some(),
                "{}: choice {} is not verified",
                r.id,
                c.site
            );
            let side = side_for(r, Some(c));
            assert!(side.is_empty() || is_laterality(side), "{}: choice side {side}", r.id);
        }
        if !r.choices.is_empty() {
            assert_eq!(r.choices[0].site, r.site, "{}: its own site is the first choice", r.id);
        }
    }
}

#[test]
fn paired_regions_have_one_left_and_one_right_mirrored() {
    let left = region("front-left-forearm").unwrap();
    let right = region("front-right-forearm").unwrap();
    assert_eq!(left.label(), "Left forearm (front)");
    assert_eq!(left.site, "14975008");
    assert_eq!(left.side.code(), "7771000");
    // Front view: the patient's left is on the viewer's right.
    assert!(left.rect.x > right.rect.x);
    assert_eq!(mirror(left.rect), right.rect);
    // Back view: the patient's left is on the viewer's left.
    let bl = region("back-left-forearm").unwrap();
    assert!(bl.rect.x < region("back-right-forearm").unwrap().rect.x);
    assert_eq!(region("front-neck").unwrap().label(), "Neck (front)");
}

#[test]
fn ids_are_unique_and_regions_of_a_view_do_not_overlap_and_fit() {
    let mut seen = std::collections::HashSet::new();
    for r in regions() {
        assert!(seen.insert(r.id), "duplicate {}", r.id);
        assert!(
            r.rect.x + r.rect.w <= WIDTH && r.rect.y + r.rect.h <= HEIGHT,
            "{} outside",
            r.id
        );
        assert!(r.rect.w >= 10 && r.rect.h >= 12, "{} is too small to tap", r.id);
        for o in regions().iter().filter(|o| o.view == r.view && o.id != r.id) {
            let a = r.rect;
            let b = o.rect;
            let apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
            assert!(apart, "{} overlaps {}", r.id, o.id);
        }
    }
}

#[test]
fn finer_choices_and_highlighting() {
    let hand = region("front-left-hand").unwrap();
    assert!(hand.choices.iter().any(|c| c.site == "7569003"), "finger");
    assert!(hand.choices.iter().any(|c| c.site == "770809003"), "fingernail");
    assert!(
        region("front-right-foot")
            .unwrap()
            .choices
            .iter()
            .any(|c| c.site == "770805009")
    );
    let head = region("front-head").unwrap();
    let eyelid = head.choices.iter().find(|c| c.site == "80243003").unwrap();
    assert_eq!(side_for(head, Some(eyelid)), "", "an eyelid's side is the GP's to say");
    assert_eq!(side_for(hand, hand.choices.get(2)), "7771000");
    assert!(hand.shows(Some("7569003"), Some("7771000")));
    assert!(!hand.shows(Some("7569003"), Some("24028007")));
    assert!(head.shows(Some("89545001"), Some("385432009")));
    let at = region_at(View::Front, hand.rect.centre().0, hand.rect.centre().1).unwrap();
    assert_eq!(at.id, "front-left-hand");
}
