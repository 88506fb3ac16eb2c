//! The state one widget page shares between its parts (capture, strip, tagging, commit).
//! Only plain data lives in signals; browser objects (files, blobs) stay in `capture::browser`.

use leptos::prelude::*;

use crate::model::{ClientLimits, PatientSummary, PhotoView};

/// A photo still in the browser: being prepared or uploaded, or failed before it was staged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The id the photo will be staged under (fixed before the first upload attempt).
    pub id: String,
    pub name: String,
    pub status: UploadStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UploadStatus {
    Preparing,
    Uploading(u8),
    /// Could not be staged; kept with the reason until retried or discarded.
    Failed(String),
}

/// A message for the GP (file rejected, camera refused, photo removed with undo …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    pub is_error: bool,
    /// A removed photo that "Undo" restores.
    pub undo_photo: Option<String>,
}

#[derive(Clone, Copy)]
pub struct Workspace {
    pub sid: StoredValue<String>,
    /// Where photos are uploaded: the desktop session's or the phone link's endpoint.
    pub upload_url: StoredValue<String>,
    /// Tags sent with each new upload (the phone's quick tags).
    pub next_tags: RwSignal<crate::metadata::tags::TagPatch>,
    pub patient: StoredValue<PatientSummary>,
    pub limits: StoredValue<ClientLimits>,
    pub photos: RwSignal<Vec<PhotoView>>,
    pub uploads: RwSignal<Vec<Upload>>,
    /// The photo shown large and tagged.
    pub current: RwSignal<Option<String>>,
    /// Photos ticked for "apply to selected".
    pub ticked: RwSignal<Vec<String>>,
    pub notices: RwSignal<Vec<Notice>>,
    /// Committed photos the GP cleared from view.
    pub cleared: RwSignal<Vec<String>>,
    /// The commit confirmation is open.
    pub confirming: RwSignal<bool>,
}

impl Workspace {
    pub fn new(sid: String, patient: PatientSummary, limits: ClientLimits, photos: Vec<PhotoView>) -> Self {
        let current = photos.first().map(|p| p.id.clone());
        Workspace {
            upload_url: StoredValue::new(format!("/api/w/{sid}/photos")),
            next_tags: RwSignal::new(Default::default()),
            sid: StoredValue::new(sid),
            patient: StoredValue::new(patient),
            limits: StoredValue::new(limits),
            photos: RwSignal::new(photos),
            uploads: RwSignal::new(Vec::new()),
            current: RwSignal::new(current),
            ticked: RwSignal::new(Vec::new()),
            notices: RwSignal::new(Vec::new()),
            cleared: RwSignal::new(Vec::new()),
            confirming: RwSignal::new(false),
        }
    }

    /// A workspace that uploads through a phone link (`token`) rather than a desktop session.
    pub fn for_phone(token: String, patient: PatientSummary, limits: ClientLimits) -> Self {
        let ws = Workspace::new(token.clone(), patient, limits, Vec::new());
        ws.upload_url.set_value(format!("/api/m/{token}/photos"));
        ws
    }

    pub fn sid(&self) -> String {
        self.sid.get_value()
    }

    /// Photos on show (cleared committed ones hidden).
    pub fn visible(&self) -> Vec<PhotoView> {
        let cleared = self.cleared.get();
        self.photos
            .get()
            .into_iter()
            .filter(|p| !cleared.contains(&p.id))
            .collect()
    }

    /// Inserts or replaces photos by id, keeping order.
    pub fn upsert(&self, views: Vec<PhotoView>) {
        self.photos.update(|list| {
            for v in views {
                match list.iter_mut().find(|p| p.id == v.id) {
                    Some(slot) => *slot = v,
                    None => list.push(v),
                }
            }
        });
    }

    pub fn remove_local(&self, id: &str) {
        self.photos.update(|l| l.retain(|p| p.id != id));
        self.ticked.update(|t| t.retain(|x| x != id));
        if self.current.get_untracked().as_deref() == Some(id) {
            self.current
                .set(self.photos.get_untracked().first().map(|p| p.id.clone()));
        }
    }

    pub fn notify(&self, text: impl Into<String>, is_error: bool, undo_photo: Option<String>) {
        let text = text.into();
        self.notices.update(|n| {
            let id = n.iter().map(|x| x.id).max().unwrap_or(0) + 1;
            n.push(Notice {
                id,
                text,
                is_error,
                undo_photo,
            });
            if n.len() > 5 {
                n.remove(0);
            }
        });
    }

    pub fn set_upload(&self, id: &str, status: UploadStatus) {
        self.uploads.update(|u| {
            if let Some(x) = u.iter_mut().find(|x| x.id == id) {
                x.status = status;
            }
        });
    }

    /// Moves the current photo by `delta` along the strip.
    pub fn step(&self, delta: i32) {
        let list = self.visible();
        if list.is_empty() {
            return;
        }
        let at = self
            .current
            .get_untracked()
            .and_then(|c| list.iter().position(|p| p.id == c))
            .unwrap_or(0) as i32;
        let next = (at + delta).clamp(0, list.len() as i32 - 1) as usize;
        self.current.set(Some(list[next].id.clone()));
    }
}
