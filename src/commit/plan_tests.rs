//! Unit tests of `commit::plan`: every branch of the Inbox-Scan resend/fresh decision. A wrong
//! answer here is a duplicate document in the patient's Medtech record, or a lost photo.

use std::collections::BTreeSet;

use super::*;
use crate::model::PhotoState::*;

const ALL: [PhotoState; 6] = [Staged, Committing, Committed, Failed, Removed, Expired];

fn photo(state: PhotoState) -> PhotoFacts {
    PhotoFacts {
        state,
        unknown_outcome: false,
        shared: false,
    }
}

/// A failed photo whose last send's outcome is unknown.
fn unknown() -> PhotoFacts {
    PhotoFacts {
        unknown_outcome: true,
        ..photo(Failed)
    }
}

fn both(p: PhotoFacts) -> PhotoFacts {
    PhotoFacts { shared: true, ..p }
}

fn doc(id: &str, state: DocState) -> DocFacts {
    DocFacts {
        id: id.into(),
        state,
        alex_id: (state == DocState::Sent).then(|| format!("alex-{id}")),
    }
}

/// Both values of `resend_unknown`, for the answers that must not depend on it.
fn flags() -> [bool; 2] {
    [false, true]
}

// ---- admit: the state alone, before tags and documents are read ----

#[test]
fn admit_by_state() {
    for p in [
        photo(Committed),
        PhotoFacts {
            unknown_outcome: true,
            ..photo(Committed)
        },
        both(photo(Committed)),
    ] {
        assert_eq!(admit(&p), Ok(Some(Step::Committed)));
    }
    assert_eq!(admit(&photo(Committing)), Err(Refusal::Sending));
    assert_eq!(admit(&photo(Removed)), Err(Refusal::Gone(Removed)));
    assert_eq!(admit(&photo(Expired)), Err(Refusal::Gone(Expired)));
    assert_eq!(admit(&photo(Staged)), Ok(None));
    assert_eq!(admit(&photo(Failed)), Ok(None));
    assert_eq!(admit(&unknown()), Ok(None));
}

#[test]
fn route_agrees_with_admit_whatever_the_document() {
    // A photo that cannot go is refused (or skipped) before its document counts: a committed
    // photo whose document is unknown is never resent; one being sent is never sent twice.
    for state in [Committed, Committing, Removed, Expired] {
        for d in [None, Some(doc("d", DocState::Unknown)), Some(doc("d", DocState::Sent))] {
            for resend in flags() {
                for p in [
                    photo(state),
                    both(PhotoFacts {
                        unknown_outcome: true,
                        ..photo(state)
                    }),
                ] {
                    let want = match admit(&p) {
                        Ok(Some(step)) => Ok(step),
                        Err(r) => Err(r),
                        Ok(None) => unreachable!(),
                    };
                    assert_eq!(route(&p, d.as_ref(), resend), want, "{state:?} {d:?} resend={resend}");
                }
            }
        }
    }
}

// ---- fresh documents ----

#[test]
fn a_photo_never_sent_goes_into_a_fresh_document() {
    for resend in flags() {
        assert_eq!(route(&photo(Staged), None, resend), Ok(Step::Fresh));
        assert_eq!(route(&both(photo(Staged)), None, resend), Ok(Step::Fresh));
    }
}

#[test]
fn a_definite_failure_goes_into_a_fresh_document() {
    // ALEX said no: nothing of that document is in Medtech, so its photos go into a new one.
    for resend in flags() {
        for p in [photo(Failed), both(photo(Failed))] {
            assert_eq!(route(&p, Some(&doc("d", DocState::Failed)), resend), Ok(Step::Fresh));
            assert_eq!(route(&p, None, resend), Ok(Step::Fresh));
        }
    }
}

#[test]
fn an_unknown_media_outcome_with_no_pdf_goes_into_a_fresh_pdf_only_when_confirmed() {
    // The unknown part was a Media (no document): a PDF is a different target, but the GP must
    // still have checked first.
    assert_eq!(route(&unknown(), None, false), Err(Refusal::Unconfirmed));
    assert_eq!(route(&unknown(), None, true), Ok(Step::Fresh));
    assert_eq!(
        route(&unknown(), Some(&doc("d", DocState::Failed)), true),
        Ok(Step::Fresh)
    );
}

// ---- resend only after confirmation, only as itself ----

#[test]
fn an_unknown_document_is_never_resent_without_confirmation() {
    for p in [unknown(), both(unknown())] {
        assert_eq!(
            route(&p, Some(&doc("d", DocState::Unknown)), false),
            Err(Refusal::Unconfirmed)
        );
    }
}

#[test]
fn a_confirmed_unknown_document_is_resent_as_itself() {
    for p in [unknown(), both(unknown())] {
        assert_eq!(
            route(&p, Some(&doc("d-7", DocState::Unknown)), true),
            Ok(Step::Resend { doc: "d-7".into() })
        );
    }
}

// ---- a document in Medtech is never sent again ----

#[test]
fn a_sent_document_is_never_resent_and_its_photo_is_settled() {
    // Whatever the photo's failure says and whatever the GP asked: the PDF is there.
    for p in [photo(Staged), photo(Failed), unknown()] {
        for resend in flags() {
            assert_eq!(
                route(&p, Some(&doc("d", DocState::Sent)), resend),
                Ok(Step::Settle {
                    alex_id: Some("alex-d".into())
                }),
                "{p:?} resend={resend}"
            );
        }
    }
    // Confirmed in Medtech by the GP: sent, with no ALEX id.
    let confirmed = DocFacts {
        alex_id: None,
        ..doc("d", DocState::Sent)
    };
    assert_eq!(
        route(&unknown(), Some(&confirmed), true),
        Ok(Step::Settle { alex_id: None })
    );
}

#[test]
fn both_targets_with_the_pdf_in_medtech_leave_the_photo_to_its_media_half() {
    for p in [both(photo(Staged)), both(photo(Failed)), both(unknown())] {
        for resend in flags() {
            assert_eq!(
                route(&p, Some(&doc("d", DocState::Sent)), resend),
                Ok(Step::DocInMedtech)
            );
        }
    }
}

#[test]
fn only_the_photos_own_document_counts() {
    // No document (never recorded, or not found) is not "sent": nothing is settled.
    assert_eq!(route(&photo(Failed), None, true), Ok(Step::Fresh));
    assert_eq!(route(&both(photo(Staged)), None, false), Ok(Step::Fresh));
}

// ---- a whole request, as `commit_scan` folds it ----

#[derive(Debug, Default, PartialEq)]
struct Plan {
    settle: Vec<&'static str>,
    resend: BTreeSet<String>,
    fresh: Vec<&'static str>,
}

/// The request fold of `commit_scan`: the first refusal stops everything.
fn plan(asked: &[(&'static str, PhotoFacts, Option<DocFacts>)], resend_unknown: bool) -> Result<Plan, Refusal> {
    let mut out = Plan::default();
    for (id, p, d) in asked {
        if admit(p)?.is_some() {
            continue;
        }
        match route(p, d.as_ref(), resend_unknown)? {
            Step::Committed | Step::DocInMedtech => {}
            Step::Settle { .. } => out.settle.push(*id),
            Step::Resend { doc } => {
                out.resend.insert(doc);
            }
            Step::Fresh => out.fresh.push(*id),
        }
    }
    Ok(out)
}

#[test]
fn a_mixed_request_resends_each_unknown_document_once_and_makes_fresh_ones_for_the_rest() {
    let asked = [
        ("a", photo(Staged), None),
        ("b", unknown(), Some(doc("d1", DocState::Unknown))),
        ("c", unknown(), Some(doc("d1", DocState::Unknown))),
        ("e", both(unknown()), Some(doc("d2", DocState::Unknown))),
        ("f", photo(Failed), Some(doc("d3", DocState::Failed))),
        ("g", photo(Committed), Some(doc("d4", DocState::Unknown))),
        ("h", photo(Failed), Some(doc("d5", DocState::Sent))),
        ("i", both(photo(Staged)), Some(doc("d6", DocState::Sent))),
    ];
    let want = Plan {
        settle: vec!["h"],
        resend: ["d1".to_string(), "d2".to_string()].into(),
        fresh: vec!["a", "f"],
    };
    assert_eq!(plan(&asked, true), Ok(want));
}

#[test]
fn one_photo_that_cannot_go_refuses_the_whole_request() {
    let ok = ("a", photo(Staged), None);
    for (bad, why) in [
        (
            ("b", unknown(), Some(doc("d1", DocState::Unknown))),
            Refusal::Unconfirmed,
        ),
        (("b", unknown(), None), Refusal::Unconfirmed),
        (("b", photo(Committing), None), Refusal::Sending),
        (("b", photo(Removed), None), Refusal::Gone(Removed)),
    ] {
        assert_eq!(plan(&[ok.clone(), bad.clone()], false), Err(why));
        assert_eq!(plan(&[bad, ok.clone()], false), Err(why));
    }
}

#[test]
fn every_state_is_decided() {
    // No state falls through to a send it should not have.
    for state in ALL {
        let sends = matches!(route(&photo(state), None, true), Ok(Step::Fresh | Step::Resend { .. }));
        assert_eq!(sends, matches!(state, Staged | Failed), "{state:?}");
    }
}

// ---- locking ----

#[test]
fn fresh_photos_must_lock_and_a_resent_documents_photos_may_stay_removed() {
    let resend_photos = vec!["r1".to_string(), "r2".to_string()];
    assert_eq!(
        locks(["f1", "f2"], &resend_photos),
        vec![
            Lock {
                photo: "f1",
                required: true
            },
            Lock {
                photo: "f2",
                required: true
            },
            Lock {
                photo: "r1",
                required: false
            },
            Lock {
                photo: "r2",
                required: false
            },
        ]
    );
    assert_eq!(
        locks(["f1"], &[]),
        vec![Lock {
            photo: "f1",
            required: true
        }]
    );
    assert!(locks([], &[]).is_empty());
}

#[test]
fn a_photo_in_a_resent_document_is_never_required_even_when_asked_fresh() {
    let resend_photos = vec!["x".to_string()];
    assert!(locks(["x"], &resend_photos).iter().all(|l| !l.required));
}

// ---- the GP's messages ----

#[test]
fn refusals_are_conflicts_in_plain_english() {
    let sending = AppError::from(Refusal::Sending);
    assert_eq!(sending.kind, ErrorKind::Conflict);
    assert_eq!(sending.message, "A photo is already being sent.");
    let gone = AppError::from(Refusal::Gone(Removed));
    assert_eq!(gone.kind, ErrorKind::Conflict);
    assert!(gone.message.contains("removed"), "{}", gone.message);
    assert_eq!(AppError::from(Refusal::Unconfirmed), unknown_outcome());
}
