//! The live feed across instances (ssr only): a photo staged through one instance (a phone's
//! upload) reaches the pages of its session open on any instance. Each instance tells its own
//! pages at once and the others through `infra::bus` (PostgreSQL NOTIFY: the session's and the
//! photo's ids, never patient data); each instance reads the photo from the shared store.

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

impl Photos {
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
                    Ok(note) if note.instance != self.store.db.instance() => note,
                    Ok(_) => continue, // ours: already told
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
