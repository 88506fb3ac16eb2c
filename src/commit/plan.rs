//! The Inbox-Scan resend/fresh decision (pure; ssr only): for each photo asked for, whether it is
//! done already, is settled from a PDF that is already in Medtech, has its document resent as
//! itself, goes into a fresh document — or stops the whole request.
//!
//! This is what keeps a second copy of a document out of Medtech: a document whose outcome was
//! unknown is only ever resent as the very same document (same identifier, same bytes), and only
//! after the GP has checked Medtech; a document in Medtech is never sent again. `scan::commit_scan`
//! reads the records and acts; every choice it makes about a photo is made here.

use crate::{
    error::{AppError, ErrorKind},
    model::{CommitTarget, PhotoState},
    staging::{record::PhotoRecord, service::store_error, store::StoreError},
};

use super::{
    documents::{DocState, ScanDoc},
    server::{OUTCOME_UNKNOWN, unknown_outcome},
};

/// A photo asked for, as recorded.
#[derive(Clone, Copy, Debug)]
pub struct PhotoFacts {
    pub state: PhotoState,
    /// Its last send's outcome is unknown: Medtech may or may not have it.
    pub unknown_outcome: bool,
    /// Its commit has other parts than this document (a Media, or a document of another kind):
    /// they are other calls'.
    pub shared: bool,
}

impl PhotoFacts {
    /// The photo as the part `this` (a document kind's target) sees it.
    pub fn of(r: &PhotoRecord, this: CommitTarget) -> Self {
        PhotoFacts {
            state: r.state,
            unknown_outcome: r.failure_kind.as_deref() == Some(OUTCOME_UNKNOWN),
            shared: r.target.is_some_and(|t| t.iter().any(|x| x != this)),
        }
    }
}

/// The photo's Inbox-Scan document (the one its record points at), as recorded.
#[derive(Clone, Debug)]
pub struct DocFacts {
    pub id: String,
    pub state: DocState,
    pub alex_id: Option<String>,
}

impl DocFacts {
    pub fn of(d: &ScanDoc) -> Self {
        DocFacts {
            id: d.id.clone(),
            state: d.state,
            alex_id: d.alex_id.clone(),
        }
    }
}

/// What happens to one photo asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Committed already: nothing to do.
    Committed,
    /// Its commit has other parts and this document is in Medtech: nothing to do here (the
    /// other parts are other calls').
    DocInMedtech,
    /// Its document (its only part) is in Medtech but the photo was never marked: record it as
    /// committed with the document's ALEX id (none when the GP confirmed the document).
    Settle { alex_id: Option<String> },
    /// Its document's outcome was unknown and the GP has checked: resend that very document.
    Resend { doc: String },
    /// Into a new document.
    Fresh,
}

/// Why a photo stops the whole request (before anything is locked or sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// It is being sent right now.
    Sending,
    /// It is removed or expired.
    Gone(PhotoState),
    /// Medtech did not confirm its last send and the GP has not said to send it again.
    Unconfirmed,
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        match r {
            Refusal::Sending => AppError::new(ErrorKind::Conflict, "A photo is already being sent."),
            Refusal::Gone(state) => store_error(StoreError::WrongState(state)),
            Refusal::Unconfirmed => unknown_outcome(),
        }
    }
}

/// The first look at a photo, from its state alone — before its tags and its document are read.
/// `Ok(None)` means "look closer" ([`route`]).
pub fn admit(photo: &PhotoFacts) -> Result<Option<Step>, Refusal> {
    match photo.state {
        PhotoState::Committed => Ok(Some(Step::Committed)),
        PhotoState::Committing => Err(Refusal::Sending),
        PhotoState::Removed | PhotoState::Expired => Err(Refusal::Gone(photo.state)),
        PhotoState::Staged | PhotoState::Failed => Ok(None),
    }
}

/// What happens to `photo`, given its document `doc` (if its record points at one that exists)
/// and whether the GP has said to resend what Medtech did not confirm.
pub fn route(photo: &PhotoFacts, doc: Option<&DocFacts>, resend_unknown: bool) -> Result<Step, Refusal> {
    if let Some(step) = admit(photo)? {
        return Ok(step);
    }
    if let Some(d) = doc.filter(|d| d.state == DocState::Sent) {
        // Its document is in Medtech already: never a second one.
        return Ok(if photo.shared {
            Step::DocInMedtech
        } else {
            Step::Settle {
                alex_id: d.alex_id.clone(),
            }
        });
    }
    if photo.unknown_outcome && !resend_unknown {
        return Err(Refusal::Unconfirmed);
    }
    // A document Medtech may hold is only ever resent as itself — whatever the photo's own
    // failure now says (another part may have failed since).
    if let Some(d) = doc.filter(|d| d.state == DocState::Unknown) {
        if !resend_unknown {
            return Err(Refusal::Unconfirmed);
        }
        return Ok(Step::Resend { doc: d.id.clone() });
    }
    Ok(Step::Fresh)
}

/// One photo to lock before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock<'a> {
    pub photo: &'a str,
    /// False for a photo of a resent document: if the GP has removed it since, it stays removed
    /// (the document goes without its record changing); any other photo that cannot be locked
    /// stops the commit.
    pub required: bool,
}

/// The photos to lock, in order: the fresh ones, then every photo of the resent documents.
pub fn locks<'a>(fresh: impl IntoIterator<Item = &'a str>, resend_photos: &'a [String]) -> Vec<Lock<'a>> {
    fresh
        .into_iter()
        .chain(resend_photos.iter().map(String::as_str))
        .map(|photo| Lock {
            photo,
            required: !resend_photos.iter().any(|p| p == photo),
        })
        .collect()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
