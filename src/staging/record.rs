//! One photo's record (ssr only): what the `photos` table holds, read strictly (a row that
//! cannot be read is refused, never defaulted), its audit entry, and how pages see it.

use crate::infra::sql::Row;

use super::{corrupt::CorruptRow, lesion::LesionTag, store::StoreError};
use crate::{
    infra::{
        audit::Audit,
        time::{clock, taken_words},
    },
    metadata::tags::Tags,
    model::{DeliveryState, PartState, PhotoState, PhotoView, Targets},
};

/// One photo's record.
#[derive(Debug, Clone)]
pub struct PhotoRecord {
    pub id: String,
    pub session_id: String,
    pub facility: String,
    pub patient_id: String,
    pub state: PhotoState,
    pub blob_key: String,
    pub sha256: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub source: String,
    pub taken_at: i64,
    pub tags: Tags,
    pub alex_id: Option<String>,
    pub failure_kind: Option<String>,
    pub failure: Option<String>,
    /// The editor's saved operations (JSON of `editor::ops::Edit`); `None` = unedited.
    pub edit: Option<String>,
    /// Where its commit goes (fixed at the first attempt).
    pub target: Option<Targets>,
    /// The Inbox-Scan PDF this photo was last sent in.
    pub scan_doc: Option<String>,
    /// The Inbox-Scan TIFF this photo was last sent as.
    pub tiff_doc: Option<String>,
    /// Its Media part: `None` until it is first sent.
    pub media_state: Option<PartState>,
    /// The lesion of a skin check it belongs to, and that lesion's number and note.
    pub lesion_id: Option<String>,
    pub lesion: Option<LesionTag>,
    /// Its place in the server's delivery queue (`None`: not queued). Set by `delivery`
    /// through `staging::queue`; a queued photo's tags, edits and removal are frozen.
    pub delivery: Option<DeliveryState>,
    /// When delivery tries it again (epoch seconds), while it waits.
    pub next_try_at: Option<i64>,
}

pub(crate) const COLUMNS: &str = "id, session_id, facility, patient_id, state, blob_key, sha256, bytes, width, height, \
                       source, taken_at, tags, alex_id, failure_kind, failure, edit, target, scan_doc, tiff_doc, media_state, lesion_id, \
                       delivery, next_try_at, \
                       (SELECT number FROM lesions WHERE lesions.id = photos.lesion_id), \
                       (SELECT note FROM lesions WHERE lesions.id = photos.lesion_id)";

pub(crate) fn from_row(r: &Row) -> crate::infra::sql::Result<PhotoRecord> {
    let id: String = r.get(0)?;
    let corrupt = |index, column| CorruptRow::error("photos", &id, index, column);
    let state: String = r.get(4)?;
    let state = PhotoState::parse(&state).ok_or_else(|| corrupt(4, "state"))?;
    let tags: String = r.get(12)?;
    let tags = serde_json::from_str(&tags).map_err(|_| corrupt(12, "tags"))?;
    let target = match r.get::<_, Option<String>>(17)? {
        Some(t) => Some(Targets::parse(&t).ok_or_else(|| corrupt(17, "target"))?),
        None => None,
    };
    let media_state = match r.get::<_, Option<String>>(20)? {
        Some(m) => Some(PartState::parse(&m).ok_or_else(|| corrupt(20, "media_state"))?),
        None => None,
    };
    Ok(PhotoRecord {
        session_id: r.get(1)?,
        facility: r.get(2)?,
        patient_id: r.get(3)?,
        state,
        blob_key: r.get(5)?,
        sha256: r.get(6)?,
        bytes: r.get::<_, i64>(7)? as u64,
        width: r.get(8)?,
        height: r.get(9)?,
        source: r.get(10)?,
        taken_at: r.get(11)?,
        tags,
        alex_id: r.get(13)?,
        failure_kind: r.get(14)?,
        failure: r.get(15)?,
        edit: r.get(16)?,
        target,
        scan_doc: r.get(18)?,
        tiff_doc: r.get(19)?,
        media_state,
        lesion_id: r.get(21)?,
        delivery: match r.get::<_, Option<String>>(22)? {
            Some(d) => Some(DeliveryState::parse(&d).ok_or_else(|| corrupt(22, "delivery"))?),
            None => None,
        },
        next_try_at: r.get(23)?,
        lesion: match r.get::<_, Option<u32>>(24)? {
            Some(number) => Some(LesionTag {
                number,
                note: r.get::<_, Option<String>>(25)?.unwrap_or_default(),
            }),
            None => None,
        },
        id,
    })
}

impl PhotoRecord {
    /// An audit entry about this photo.
    pub fn audit<'a>(&'a self, event: &'a str, practitioner: Option<&'a str>, detail: Option<&'a str>) -> Audit<'a> {
        Audit {
            event,
            photo_id: Some(&self.id),
            session_id: Some(&self.session_id),
            facility: Some(&self.facility),
            patient_id: Some(&self.patient_id),
            practitioner_id: practitioner,
            sha256: Some(&self.sha256),
            detail,
            ..Default::default()
        }
    }

    /// The photo as the phone that sent it may see it: no address naming the desktop session.
    pub fn phone_view(&self, required: &[String]) -> PhotoView {
        PhotoView {
            image_url: String::new(),
            ..self.view(required, "")
        }
    }

    pub fn view(&self, required: &[String], sid: &str) -> PhotoView {
        // An edited photo shows (and reports the size of) what a commit would send.
        let edit = self
            .edit
            .as_deref()
            .and_then(|j| crate::imaging::edit::Edit::from_saved(j).ok().flatten());
        let (width, height) = edit
            .as_ref()
            .map_or((self.width, self.height), |e| e.size_after(self.width, self.height));
        let image_url = match &edit {
            Some(e) => format!("/api/w/{sid}/photos/{}/rendered?e={}", self.id, e.fingerprint()),
            None => format!("/api/w/{sid}/photos/{}/image", self.id),
        };
        PhotoView {
            id: self.id.clone(),
            state: self.state,
            missing: self.tags.missing(required),
            tags: self.tags.clone(),
            width,
            height,
            bytes: self.bytes,
            source: self.source.clone(),
            taken: taken_words(self.taken_at),
            failure: self.failure.clone(),
            failure_kind: self.failure_kind.clone(),
            alex_id: self.alex_id.clone(),
            target: self.target.clone(),
            image_url,
            edited: edit.is_some(),
            lesion_id: self.lesion.as_ref().and(self.lesion_id.clone()),
            delivery: self.delivery,
            next_try: self
                .next_try_at
                .filter(|_| self.delivery == Some(DeliveryState::Waiting))
                .map(clock),
        }
    }
}

/// The photo after a guarded UPDATE: changed (1 row), in the wrong state, or not there.
pub(crate) fn moved(result: (usize, Option<PhotoRecord>)) -> Result<PhotoRecord, StoreError> {
    match result {
        (_, None) => Err(StoreError::NotFound),
        (1, Some(r)) => Ok(r),
        (_, Some(r)) => Err(StoreError::WrongState(r.state)),
    }
}
