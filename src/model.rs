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
}

impl PartialEq<&str> for CommitTarget {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Where a photo's commit went (or is going): a Media, an Inbox-Scan PDF, both at once, or an
/// Inbox-Scan TIFF of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoTarget {
    Media,
    ScanPdf,
    Both,
    ScanTiff,
}

impl PhotoTarget {
    /// As the `photos.target` column holds it.
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoTarget::Media => "media",
            PhotoTarget::ScanPdf => "scan_pdf",
            PhotoTarget::Both => "both",
            PhotoTarget::ScanTiff => "scan_tiff",
        }
    }

    pub fn parse(s: &str) -> Option<PhotoTarget> {
        [
            PhotoTarget::Media,
            PhotoTarget::ScanPdf,
            PhotoTarget::Both,
            PhotoTarget::ScanTiff,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }

    /// A document in the Inbox Scan folder (a PDF, or its own TIFF) is (part of) it: the photo's
    /// `scan_doc` names that document.
    pub fn has_scan_doc(self) -> bool {
        self != PhotoTarget::Media
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
    pub target: Option<PhotoTarget>,
    /// URL of the image as it will be committed (same origin; needs this browser's session
    /// cookie): the original, or the editor's rendering when the photo has an edit.
    pub image_url: String,
    /// The photo has a saved edit (crop, rotation or annotations).
    pub edited: bool,
}

impl PhotoView {
    pub fn is_ready(&self) -> bool {
        self.missing.is_empty() && matches!(self.state, PhotoState::Staged | PhotoState::Failed)
    }
}
