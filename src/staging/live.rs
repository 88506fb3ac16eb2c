//! The live feed across instances (ssr only): a photo staged through one instance (a phone's
//! upload) reaches the pages of its session open on any instance. Each instance tells its own
//! pages at once and the others through `infra::bus` (PostgreSQL NOTIFY: the session's and the
//! photo's ids, never patient data); each instance reads the photo from the shared store.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use serde::{Deserialize, Serialize};

use super::{
    record::PhotoRecord,
    service::{PhotoEvent, Photos},
};
use crate::infra::bus::{self, Heard};

const CHANNEL: &str = "clinical_images_photos";

/// What goes between instances: who sent it, the session, the photo.
#[derive(Serialize, Deserialize)]
struct Note {
    instance: String,
    session: String,
    photo: String,
}

/// How many pages of each session listen on this instance: a photo staged elsewhere is read
/// from the store only when one of its session's pages is here to be told.
#[derive(Clone, Default)]
pub struct Watchers(Arc<Mutex<HashMap<String, usize>>>);

/// A page listening for its session's photos; counted until dropped (with its event stream).
pub struct Watch {
    watchers: Watchers,
    session: String,
}

impl Watchers {
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut counts = self.watchers.counts();
        if let Some(n) = counts.get_mut(&self.session) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.session);
            }
        }
    }
}

impl Photos {
    /// A page of `session_id` listens here until the returned guard is dropped.
    pub fn watch(&self, session_id: &str) -> Watch {
        *self.watchers.counts().entry(session_id.to_string()).or_default() += 1;
        Watch {
            watchers: self.watchers.clone(),
            session: session_id.to_string(),
        }
    }

    /// A photo of `record.session_id` was staged: its pages here hear it now, elsewhere as soon
    /// as the notification arrives.
    pub async fn publish(&self, record: &PhotoRecord) {
        let _ = self.events.send(PhotoEvent::Staged {
            session_id: record.session_id.clone(),
            record: record.clone(),
        });
        let note = Note {
            instance: self.store.db.instance().to_string(),
            session: record.session_id.clone(),
            photo: record.id.clone(),
        };
        let payload = serde_json::to_string(&note).unwrap_or_default();
        if let Err(e) = bus::notify(&self.store.db, CHANNEL, payload).await {
            tracing::warn!(error = %e, "other instances could not be told of a staged photo");
        }
    }

    /// Passes photos staged through other instances to this instance's pages, until the app
    /// stops; after a lost connection every page is asked to reload (it may have missed some).
    /// Returns at once on SQLite.
    pub async fn relay(self) {
        let Some(mut heard) = bus::listen(&self.store.db, CHANNEL) else {
            return;
        };
        while let Some(h) = heard.recv().await {
            let note = match h {
                Heard::Missed => {
                    let _ = self.events.send(PhotoEvent::Missed);
                    continue;
                }
                Heard::Message(m) => match serde_json::from_str::<Note>(&m) {
                    Ok(note) if note.instance == self.store.db.instance() => continue, // ours: already told
                    Ok(note) if !self.watchers.counts().contains_key(&note.session) => continue, // nobody here
                    Ok(note) => note,
                    Err(_) => {
                        tracing::warn!("an unreadable note from another instance was ignored");
                        continue;
                    }
                },
            };
            match self.store.get(&note.session, &note.photo).await {
                Ok(Some(record)) => {
                    let _ = self.events.send(PhotoEvent::Staged {
                        session_id: note.session,
                        record,
                    });
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "a photo staged elsewhere could not be read; pages reload");
                    let _ = self.events.send(PhotoEvent::Missed);
                }
            }
        }
    }
}
