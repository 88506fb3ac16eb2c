//! The live feed across instances (ssr only): a photo staged through one instance (a phone's
//! upload) reaches the pages of its session open on any instance. Each instance tells its own
//! pages at once and the others through `infra::bus` (PostgreSQL NOTIFY: the session's and the
//! photo's ids, never patient data); each instance reads the photo from the shared store.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

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

/// Event streams of one session open at once on this instance, at most: a new one closes the
/// oldest (a reloaded page leaves its old stream behind until the socket times out).
pub const MAX_STREAMS_PER_SESSION: usize = 4;

/// The pages of each session that listen on this instance, oldest first: a photo staged
/// elsewhere is read from the store only when one of its session's pages is here to be told.
#[derive(Clone, Default)]
pub struct Watchers(Arc<Mutex<Listening>>);

#[derive(Default)]
struct Listening {
    next: u64,
    /// Per session: each stream's number and the sender that closes it.
    streams: HashMap<String, Vec<(u64, oneshot::Sender<()>)>>,
}

/// A page listening for its session's photos; counted until dropped (with its event stream).
pub struct Watch {
    watchers: Watchers,
    session: String,
    id: u64,
    closed: Option<oneshot::Receiver<()>>,
}

impl Watch {
    /// Resolves when a newer stream of the same session has taken this one's place.
    pub fn closed(&mut self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let rx = self.closed.take();
        async move {
            if let Some(rx) = rx {
                let _ = rx.await;
            } else {
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Watchers {
    fn lock(&self) -> std::sync::MutexGuard<'_, Listening> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn listening(&self, session: &str) -> bool {
        self.lock().streams.contains_key(session)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut l = self.watchers.lock();
        if let Some(list) = l.streams.get_mut(&self.session) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                l.streams.remove(&self.session);
            }
        }
    }
}

impl Photos {
    /// A page of `session_id` listens here until the returned guard is dropped. Past
    /// `MAX_STREAMS_PER_SESSION`, the session's oldest stream is told to close.
    pub fn watch(&self, session_id: &str) -> Watch {
        let (tx, rx) = oneshot::channel();
        let mut l = self.watchers.lock();
        l.next += 1;
        let id = l.next;
        let list = l.streams.entry(session_id.to_string()).or_default();
        list.push((id, tx));
        if list.len() > MAX_STREAMS_PER_SESSION {
            let (_, oldest) = list.remove(0);
            let _ = oldest.send(());
        }
        drop(l);
        Watch {
            watchers: self.watchers.clone(),
            session: session_id.to_string(),
            id,
            closed: Some(rx),
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
                    Ok(note) if !self.watchers.listening(&note.session) => continue,   // nobody here
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
