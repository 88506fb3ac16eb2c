use super::*;
use crate::model::CommitTarget::{Media, ScanPdf, ScanTiff};
use PartState::{Failed, Sent, Unknown};

fn ok() -> Outcome {
    Ok(Some("alex-1".into()))
}

fn err(kind: &str) -> Outcome {
    Err((kind.into(), "Medtech said no.".into()))
}

#[test]
fn a_photo_is_committed_only_when_every_part_is_in_medtech() {
    assert_eq!(settle(Media, &ok(), &[], None).state, PhotoState::Committed);
    assert_eq!(
        settle(Media, &ok(), &[(ScanPdf, Some(Sent)), (ScanTiff, Some(Sent))], None).state,
        PhotoState::Committed
    );
    for other in [None, Some(PartState::Sending)] {
        let s = settle(Media, &ok(), &[(ScanPdf, Some(Sent)), (ScanTiff, other)], None);
        assert_eq!(
            s,
            Settled {
                state: PhotoState::Staged,
                failure: None
            },
            "the TIFF is still to go"
        );
    }
}

#[test]
fn an_unknown_part_keeps_the_photo_waiting_for_the_gp_whatever_finishes_after_it() {
    // The TIFF's arrival is unknown; the Media then succeeds, or fails definitively: the photo
    // still says unknown, so nothing resends the TIFF without the GP checking Medtech.
    for outcome in [ok(), err("unavailable")] {
        let s = settle(Media, &outcome, &[(ScanTiff, Some(Unknown))], None);
        assert_eq!(s.state, PhotoState::Failed);
        let (kind, words) = s.failure.unwrap();
        assert_eq!(kind, OUTCOME_UNKNOWN);
        assert!(words.contains("TIFF"), "{words}");
    }
    let s = settle(ScanPdf, &err(OUTCOME_UNKNOWN), &[(Media, Some(Sent))], None);
    assert_eq!(s.failure.unwrap().0, OUTCOME_UNKNOWN);
}

#[test]
fn a_failed_part_names_itself_and_a_later_success_does_not_hide_it() {
    let s = settle(ScanTiff, &err("unavailable"), &[(Media, Some(Sent))], None);
    let (kind, words) = s.failure.unwrap();
    assert_eq!(kind, "unavailable");
    assert!(words.starts_with("The TIFF image in the Inbox Scan folder:"), "{words}");
    // The PDF failed before; the Media now succeeds: the photo stays failed, so a retry sends the PDF.
    let previous = Some(("unavailable".to_string(), "The PDF …: down".to_string()));
    let s = settle(Media, &ok(), &[(ScanPdf, Some(Failed))], previous.clone());
    assert_eq!(s.state, PhotoState::Failed);
    assert_eq!(s.failure, previous);
    // An unknown earlier failure is never carried onto a part that definitely failed.
    let s = settle(
        Media,
        &ok(),
        &[(ScanPdf, Some(Failed))],
        Some((OUTCOME_UNKNOWN.into(), "?".into())),
    );
    assert_eq!(s.failure.unwrap().0, "failed");
}

#[test]
fn audit_details_say_which_part_and_what_is_still_to_go() {
    assert_eq!(detail(Media, &[], &ok()), None);
    assert_eq!(detail(Media, &[], &err("unavailable")).as_deref(), Some("unavailable"));
    assert_eq!(
        detail(ScanPdf, &[(Media, None), (ScanTiff, Some(Sent))], &ok()).as_deref(),
        Some("scan_pdf; media to follow")
    );
    assert_eq!(
        detail(Media, &[(ScanPdf, Some(Sent))], &ok()).as_deref(),
        Some("media; scan_pdf done")
    );
}
