//! What several domains exchange, shared by the server and the browser: the patient as pages show
//! it, a photo as pages show it (and the states of its life), and the deployment's limits the
//! browser works within. Plain data; it imports nothing but the tag model.

use serde::{Deserialize, Serialize};

use crate::metadata::tags::Tags;

/// What the banner shows. Display strings only: formatting happens on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientSummary {
    pub name: String,
    pub birth_date: String,
    pub nhi: String,
}

/// Where a deployment may commit photos (`commit_targets`); with several, the GP chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitTarget {
    /// A FHIR Media per photo, in the patient's record.
    Media,
    /// PDFs in the patient's Inbox Scan folder (FHIR DocumentReference).
    ScanPdf,
    /// One TIFF per photo (the JPEG inside, a caption band below) in the Inbox Scan folder.
    ScanTiff,
}

impl CommitTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            CommitTarget::Media => "media",
            CommitTarget::ScanPdf => "scan_pdf",
            CommitTarget::ScanTiff => "scan_tiff",
        }
    }

    /// What it is in Medtech, for the GP.
    pub fn words(self) -> &'static str {
        match self {
            CommitTarget::Media => "the photo in the record (Media)",
            CommitTarget::ScanPdf => "the PDF in the Inbox Scan folder",
            CommitTarget::ScanTiff => "the TIFF image in the Inbox Scan folder",
        }
    }
}

impl PartialEq<&str> for CommitTarget {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Where a photo goes when committed: a set of commit targets, fixed at its first attempt (so a
/// retry goes where the first attempt went). Each member is a part of the photo's commit, with
/// a state of its own ([`PartState`]); the photo is committed when every part is in Medtech.
/// Written as the targets' words joined by commas ("media,scan_tiff"), as the `photos.target`
/// column and the commit calls hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Targets {
    pub media: bool,
    pub scan_pdf: bool,
    pub scan_tiff: bool,
}

impl Targets {
    pub const ALL: [CommitTarget; 3] = [CommitTarget::Media, CommitTarget::ScanPdf, CommitTarget::ScanTiff];

    pub fn one(target: CommitTarget) -> Targets {
        Targets::default().with(target)
    }

    pub fn with(mut self, target: CommitTarget) -> Targets {
        match target {
            CommitTarget::Media => self.media = true,
            CommitTarget::ScanPdf => self.scan_pdf = true,
            CommitTarget::ScanTiff => self.scan_tiff = true,
        }
        self
    }

    pub fn contains(self, target: CommitTarget) -> bool {
        match target {
            CommitTarget::Media => self.media,
            CommitTarget::ScanPdf => self.scan_pdf,
            CommitTarget::ScanTiff => self.scan_tiff,
        }
    }

    /// The members, in the order they are sent (documents first, then the Media).
    pub fn iter(self) -> impl Iterator<Item = CommitTarget> {
        [CommitTarget::ScanPdf, CommitTarget::ScanTiff, CommitTarget::Media]
            .into_iter()
            .filter(move |t| self.contains(*t))
    }

    pub fn is_empty(self) -> bool {
        self.iter().next().is_none()
    }

    /// Every member is also in `other`.
    pub fn within(self, other: &[CommitTarget]) -> bool {
        self.iter().all(|t| other.contains(&t))
    }

    pub fn as_string(self) -> String {
        Targets::ALL
            .into_iter()
            .filter(|t| self.contains(*t))
            .map(CommitTarget::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// From the words joined by commas; `both` is how older records wrote Media and a PDF.
    pub fn parse(s: &str) -> Option<Targets> {
        if s == "both" {
            return Some(Targets::one(CommitTarget::Media).with(CommitTarget::ScanPdf));
        }
        let mut set = Targets::default();
        for word in s.split(',') {
            set = set.with(Targets::ALL.into_iter().find(|t| t.as_str() == word.trim())?);
        }
        (!set.is_empty()).then_some(set)
    }
}

impl TryFrom<String> for Targets {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Targets::parse(&s).ok_or_else(|| format!("unknown commit targets: {s}"))
    }
}

impl From<Targets> for String {
    fn from(t: Targets) -> String {
        t.as_string()
    }
}

/// Where one part of a photo's commit is — its Media, or an Inbox-Scan document it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartState {
    /// Recorded (or being resent) and on its way.
    Sending,
    /// In Medtech: ALEX answered with its id, or the GP confirmed it is there.
    Sent,
    /// ALEX said no: nothing of it is in Medtech.
    Failed,
    /// Posted with no answer: it may or may not be in Medtech.
    Unknown,
}

impl PartState {
    /// As the `scan_documents.state` and `photos.media_state` columns hold it.
    pub fn as_str(self) -> &'static str {
        match self {
            PartState::Sending => "sending",
            PartState::Sent => "sent",
            PartState::Failed => "failed",
            PartState::Unknown => "unknown",
        }
    }

    /// From its column; anything else is a corrupt row.
    pub fn parse(s: &str) -> Option<Self> {
        [
            PartState::Sending,
            PartState::Sent,
            PartState::Failed,
            PartState::Unknown,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// The deployment's settings the browser needs to prepare and check photos.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientLimits {
    pub max_long_edge_px: u32,
    pub max_image_bytes: u64,
    pub required_fields: Vec<String>,
    pub phone_handoff: bool,
    pub consent_required: bool,
    /// Where photos may be committed; with several, the GP chooses.
    pub commit_targets: Vec<CommitTarget>,
    /// The commit confirmation offers a follow-up task.
    #[serde(default)]
    pub follow_up_tasks: bool,
}

/// A photo's life: staged → committing → committed, or → failed → committing again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoState {
    Staged,
    Committing,
    Committed,
    Failed,
    Removed,
    /// Not committed within the retention time: its image was deleted.
    Expired,
}

impl PhotoState {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoState::Staged => "staged",
            PhotoState::Committing => "committing",
            PhotoState::Committed => "committed",
            PhotoState::Failed => "failed",
            PhotoState::Removed => "removed",
            PhotoState::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<PhotoState> {
        Some(match s {
            "staged" => PhotoState::Staged,
            "committing" => PhotoState::Committing,
            "committed" => PhotoState::Committed,
            "failed" => PhotoState::Failed,
            "removed" => PhotoState::Removed,
            "expired" => PhotoState::Expired,
            _ => return None,
        })
    }
}

/// One photo as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhotoView {
    pub id: String,
    pub state: PhotoState,
    pub tags: Tags,
    /// Labels of required tags still missing (empty = ready).
    pub missing: Vec<String>,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// "desktop" or "phone".
    pub source: String,
    /// e.g. "23 Nov 2026 10:42" (NZ time).
    pub taken: String,
    /// Why the last commit failed, in words for the GP.
    pub failure: Option<String>,
    /// The failure's kind (e.g. `unavailable`, `outcome_unknown`).
    pub failure_kind: Option<String>,
    pub alex_id: Option<String>,
    /// Where it was (or is being) committed.
    pub target: Option<Targets>,
    /// URL of the image as it will be committed (same origin; needs this browser's session
    /// cookie): the original, or the editor's rendering when the photo has an edit.
    pub image_url: String,
    /// The photo has a saved edit (crop, rotation or annotations).
    pub edited: bool,
    /// The skin-check lesion it belongs to (`staging::lesion`), if any.
    #[serde(default)]
    pub lesion_id: Option<String>,
    /// Its place in the server's delivery queue once the GP pressed Commit (`None`: not queued;
    /// a queued photo's tags and edits are frozen).
    #[serde(default)]
    pub delivery: Option<DeliveryState>,
    /// When the server tries it again, "14:05" (NZ time), while it waits for Medtech.
    #[serde(default)]
    pub next_try: Option<String>,
}

/// Where a committed photo is in the server's delivery queue (the photo's `delivery` column).
/// After it, the photo is in Medtech (`Committed`) or needs a person (`Failed`, with why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Recorded; a worker will send it as soon as the practice's pacing allows.
    Queued,
    /// A worker is sending a part of it now.
    Sending,
    /// Medtech could not take it just now (the practice is unreachable, or busy): the server
    /// tries again by itself.
    Waiting,
    /// Delivery stopped and a person must act: Medtech refused it, did not confirm it, or could
    /// not be reached for the whole retry window. Kept (never expired) until someone acts.
    NeedsYou,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sending => "sending",
            DeliveryState::Waiting => "waiting",
            DeliveryState::NeedsYou => "needs_you",
        }
    }

    /// The server holds it: its tags, edits and removal are frozen until delivery ends.
    pub fn is_frozen(self) -> bool {
        !matches!(self, DeliveryState::NeedsYou)
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Queued,
            DeliveryState::Sending,
            DeliveryState::Waiting,
            DeliveryState::NeedsYou,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// A photo's `failure_kind` when Medtech did not confirm whether it saved it (or a part of it):
/// nothing of it is sent again until the GP has checked.
pub const OUTCOME_UNKNOWN: &str = "outcome_unknown";
/// A committed photo's `failure_kind` when the GP confirmed it is in Medtech (it has no ALEX id).
pub const CONFIRMED_BY_GP: &str = "confirmed_by_gp";

impl PhotoView {
    pub fn is_ready(&self) -> bool {
        !self.is_frozen() && self.missing.is_empty() && matches!(self.state, PhotoState::Staged | PhotoState::Failed)
    }

    /// The server is delivering it (queued, sending or waiting): nothing about it may change.
    pub fn is_frozen(&self) -> bool {
        self.delivery.is_some_and(DeliveryState::is_frozen)
    }

    /// What the GP reads of its delivery: "Queued", "Sending", "Waiting for Medtech (next try
    /// 14:05)", "In Medtech", "Needs you" — `None` before Commit.
    pub fn delivery_words(&self) -> Option<String> {
        match self.delivery {
            Some(DeliveryState::Queued) => Some("Queued".into()),
            Some(DeliveryState::Sending) => Some("Sending".into()),
            Some(DeliveryState::Waiting) => Some(match &self.next_try {
                Some(at) => format!("Waiting for Medtech (next try {at})"),
                None => "Waiting for Medtech".into(),
            }),
            Some(DeliveryState::NeedsYou) => Some("Needs you".into()),
            None if self.state == PhotoState::Committed => Some("In Medtech".into()),
            None => None,
        }
    }

    /// Waiting for the GP to check Medtech after an unknown outcome.
    pub fn is_unknown(&self) -> bool {
        self.state == PhotoState::Failed && self.failure_kind.as_deref() == Some(OUTCOME_UNKNOWN)
    }

    /// Its next part may be sent now: staged, or failed for a reason a retry mends — or, once the
    /// GP has checked Medtech (`resend_unknown`), failed with an unknown outcome.
    pub fn may_send(&self, resend_unknown: bool) -> bool {
        if self.is_frozen() {
            return false;
        }
        match self.state {
            PhotoState::Staged => true,
            PhotoState::Failed => resend_unknown || !self.is_unknown(),
            _ => false,
        }
    }
}

/// Photos grouped by where each goes: a photo sent before keeps its targets (if still offered),
/// so a retry goes where the first attempt went; the others go to `chosen`.
pub fn group_by_targets<'a>(
    photos: impl IntoIterator<Item = &'a PhotoView>,
    offered: &[CommitTarget],
    chosen: Targets,
) -> Vec<(Targets, Vec<String>)> {
    let mut groups: Vec<(Targets, Vec<String>)> = Vec::new();
    for p in photos {
        let targets = p.target.filter(|t| t.within(offered)).unwrap_or(chosen);
        match groups.iter_mut().find(|(t, _)| *t == targets) {
            Some((_, ids)) => ids.push(p.id.clone()),
            None => groups.push((targets, vec![p.id.clone()])),
        }
    }
    groups
}
