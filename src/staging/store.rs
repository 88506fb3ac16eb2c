//! Staged photos: image bytes in an object store (a local directory by default), records and
//! the audit trail in SQLite. Every state change is one audit entry, in the same transaction.

use std::sync::Arc;

use axum::body::Bytes;
use object_store::{ObjectStore, PutPayload, aws::AmazonS3Builder, local::LocalFileSystem, path::Path as BlobPath};
use rusqlite::{OptionalExtension, Row, params};

use super::corrupt::CorruptRow;
use super::recheck::Checked;
use crate::model::{PhotoState, PhotoView};
use crate::{
    infra::{
        audit::{Audit, append_audit},
        crypto::{constant_time_eq, sha256_hex},
        db::Db,
        time::{now_secs, taken_words},
    },
    launch::session::LaunchSession,
    metadata::tags::{TagPatch, Tags},
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("object store: {0}")]
    Blob(#[from] object_store::Error),
    #[error(transparent)]
    Db(#[from] crate::infra::db::DbError),
    #[error("no such photo")]
    NotFound,
    #[error("photo is {0:?}")]
    WrongState(PhotoState),
    #[error("blob store configuration: {0}")]
    Config(String),
    /// The stored bytes are not the ones whose SHA-256 was recorded when they were written.
    #[error("stored object {0} does not match its recorded SHA-256")]
    Integrity(String),
}

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
    /// Where the last commit attempt went: `media` or `scan_pdf`.
    pub target: Option<String>,
    /// The Inbox-Scan document this photo was last sent in.
    pub scan_doc: Option<String>,
}

const COLUMNS: &str = "id, session_id, facility, patient_id, state, blob_key, sha256, bytes, width, height, \
                       source, taken_at, tags, alex_id, failure_kind, failure, edit, target, scan_doc";

fn from_row(r: &Row<'_>) -> rusqlite::Result<PhotoRecord> {
    let id: String = r.get(0)?;
    let corrupt = |index, column| CorruptRow::error("photos", &id, index, column);
    let state: String = r.get(4)?;
    let state = PhotoState::parse(&state).ok_or_else(|| corrupt(4, "state"))?;
    let tags: String = r.get(12)?;
    let tags = serde_json::from_str(&tags).map_err(|_| corrupt(12, "tags"))?;
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
        target: r.get(17)?,
        scan_doc: r.get(18)?,
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
        }
    }
}

/// The photo after a guarded UPDATE: changed (1 row), in the wrong state, or not there.
fn moved(result: (usize, Option<PhotoRecord>)) -> Result<PhotoRecord, StoreError> {
    match result {
        (_, None) => Err(StoreError::NotFound),
        (1, Some(r)) => Ok(r),
        (_, Some(r)) => Err(StoreError::WrongState(r.state)),
    }
}

#[derive(Clone)]
pub struct PhotoStore {
    pub(crate) db: Db,
    pub(crate) blobs: Arc<dyn ObjectStore>,
}

impl PhotoStore {
    /// Blobs in `{data_dir}/blobs` on the local disk.
    pub fn local(db: Db, data_dir: &std::path::Path) -> Result<Self, StoreError> {
        let dir = data_dir.join("blobs");
        std::fs::create_dir_all(&dir).map_err(|e| object_store::Error::Generic {
            store: "local",
            source: Box::new(e),
        })?;
        Ok(PhotoStore {
            db,
            blobs: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
        })
    }

    /// An S3-compatible bucket. `env` supplies `S3_BUCKET` (required), `S3_REGION`,
    /// `S3_ENDPOINT` (for non-AWS stores), `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY` and
    /// `S3_ALLOW_HTTP` (`true` for a plain-http endpoint on a private network).
    pub fn s3(db: Db, env: impl Fn(&str) -> Option<String>) -> Result<Self, StoreError> {
        let get = |k: &str| env(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let bucket = get("S3_BUCKET").ok_or_else(|| StoreError::Config("S3_BUCKET is not set".into()))?;
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(get("S3_REGION").unwrap_or_else(|| "ap-southeast-2".into()))
            .with_allow_http(get("S3_ALLOW_HTTP").is_some_and(|v| v == "true" || v == "1"));
        if let Some(endpoint) = get("S3_ENDPOINT") {
            b = b.with_endpoint(endpoint);
        }
        if let (Some(id), Some(secret)) = (get("S3_ACCESS_KEY_ID"), get("S3_SECRET_ACCESS_KEY")) {
            b = b.with_access_key_id(id).with_secret_access_key(secret);
        }
        Ok(PhotoStore {
            db,
            blobs: Arc::new(b.build()?),
        })
    }

    /// The store `settings.blob_store` names.
    pub fn from_settings(
        db: Db,
        settings: &crate::config::Settings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, StoreError> {
        match settings.blob_store {
            crate::config::BlobStore::S3 => Self::s3(db, env),
            crate::config::BlobStore::Local => Self::local(db, &settings.data_dir),
        }
    }

    /// Stages a photo for this session: the server mints its id (so no caller can name, and
    /// overwrite, a photo it does not own), stores the image under a key made from that fresh
    /// id, then its record and an `added` audit entry. Idempotent by `upload_key` (the browser's
    /// own id for the upload) within the session: a retried upload answers the photo it staged.
    pub async fn stage(
        &self,
        session: &LaunchSession,
        patient_id: &str,
        upload_key: &str,
        checked: Checked,
        source: &str,
        taken_at: i64,
    ) -> Result<PhotoRecord, StoreError> {
        if let Some(existing) = self.by_upload_key(&session.id, upload_key).await? {
            return Ok(existing);
        }
        // Ownership first: a fresh id, which no other session can know or hold.
        let id = uuid::Uuid::new_v4().hyphenated().to_string();
        let key = format!("photos/{id}.jpg");
        let sha = sha256_hex(&checked.jpeg);
        let bytes = checked.jpeg.len() as u64;
        self.blobs
            .put(&BlobPath::from(key.as_str()), PutPayload::from(checked.jpeg))
            .await?;
        let (sid, fac, pid, prac) = (
            session.id.clone(),
            session.facility.clone(),
            patient_id.to_string(),
            session.practitioner_id.clone(),
        );
        let (key_of_upload, source) = (upload_key.to_string(), source.to_string());
        let (w, h) = (checked.width, checked.height);
        let blob_key = key.clone();
        let inserted = self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let now = now_secs();
                let inserted = tx.execute(
                    "INSERT OR IGNORE INTO photos (id, session_id, facility, patient_id, state, blob_key, sha256, bytes, width, height, source, taken_at, created_at, updated_at, upload_key)
                     VALUES (?1, ?2, ?3, ?4, 'staged', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)",
                    params![id, sid, fac, pid, blob_key, sha, bytes as i64, w, h, source, taken_at, now, key_of_upload],
                )?;
                if inserted == 1 {
                    append_audit(&tx, &Audit {
                        event: "added",
                        photo_id: Some(&id),
                        session_id: Some(&sid),
                        facility: Some(&fac),
                        patient_id: Some(&pid),
                        practitioner_id: prac.as_deref(),
                        sha256: Some(&sha),
                        detail: Some(&source),
                        ..Default::default()
                    })?;
                }
                tx.commit()?;
                Ok(inserted == 1)
            })
            .await?;
        if !inserted {
            // The same upload raced itself and the other attempt won: keep only its image.
            self.delete_blob(&key).await?;
        }
        self.by_upload_key(&session.id, upload_key)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The photo a session staged for one upload of its browser's.
    async fn by_upload_key(&self, session_id: &str, upload_key: &str) -> Result<Option<PhotoRecord>, StoreError> {
        let (sid, key) = (session_id.to_string(), upload_key.to_string());
        Ok(self
            .db
            .call(move |c| {
                c.query_row(
                    &format!("SELECT {COLUMNS} FROM photos WHERE session_id = ?1 AND upload_key = ?2"),
                    params![sid, key],
                    from_row,
                )
                .optional()
            })
            .await?)
    }

    /// Deletes one stored object; one already gone is fine.
    pub(crate) async fn delete_blob(&self, key: &str) -> Result<(), StoreError> {
        match self.blobs.delete(&BlobPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The session's photos, oldest first (removed ones excluded).
    pub async fn list(&self, session_id: &str) -> Result<Vec<PhotoRecord>, StoreError> {
        let sid = session_id.to_string();
        Ok(self
            .db
            .call(move |c| {
                let mut st = c.prepare(&format!(
                    "SELECT {COLUMNS} FROM photos WHERE session_id = ?1 AND state NOT IN ('removed', 'expired') ORDER BY created_at, rowid"
                ))?;
                st.query_map(params![sid], from_row)?.collect()
            })
            .await?)
    }

    pub async fn get(&self, session_id: &str, id: &str) -> Result<Option<PhotoRecord>, StoreError> {
        let (sid, id) = (session_id.to_string(), id.to_string());
        Ok(self
            .db
            .call(move |c| {
                c.query_row(
                    &format!("SELECT {COLUMNS} FROM photos WHERE id = ?1 AND session_id = ?2"),
                    params![id, sid],
                    from_row,
                )
                .optional()
            })
            .await?)
    }

    /// The staged image, checked against the SHA-256 recorded at staging. A mismatch is never
    /// handed out: it is audited (`integrity_failed`) and answered as `StoreError::Integrity`.
    pub async fn image(&self, record: &PhotoRecord) -> Result<Bytes, StoreError> {
        let result = self.verified(&record.blob_key, &record.sha256).await;
        if let Err(StoreError::Integrity(_)) = &result {
            tracing::error!(photo = %record.id, "staged image does not match its SHA-256: not used");
            let r = record.clone();
            self.db
                .call(move |c| {
                    let tx = c.transaction()?;
                    append_audit(
                        &tx,
                        &r.audit(
                            "integrity_failed",
                            None,
                            Some("stored image differs from the one staged"),
                        ),
                    )?;
                    tx.commit()
                })
                .await?;
        }
        result
    }

    /// An object's bytes, only if their SHA-256 is `sha256`.
    pub(crate) async fn verified(&self, key: &str, sha256: &str) -> Result<Bytes, StoreError> {
        if key.is_empty() {
            return Err(StoreError::NotFound);
        }
        let bytes = self.blobs.get(&BlobPath::from(key)).await?.bytes().await?;
        if !constant_time_eq(sha256_hex(&bytes).as_bytes(), sha256.as_bytes()) {
            return Err(StoreError::Integrity(key.to_string()));
        }
        Ok(bytes)
    }

    /// Applies a tag change to photos of this session that can still change (not committed).
    pub async fn update_tags(
        &self,
        session: &LaunchSession,
        ids: Vec<String>,
        patch: TagPatch,
    ) -> Result<Vec<PhotoRecord>, StoreError> {
        let (sid, prac) = (session.id.clone(), session.practitioner_id.clone());
        Ok(self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let mut changed = Vec::new();
                for id in ids {
                    let Some(mut r) = tx
                        .query_row(
                            &format!("SELECT {COLUMNS} FROM photos WHERE id = ?1 AND session_id = ?2"),
                            params![id, sid],
                            from_row,
                        )
                        .optional()?
                    else {
                        continue;
                    };
                    if !matches!(r.state, PhotoState::Staged | PhotoState::Failed) {
                        continue;
                    }
                    patch.apply(&mut r.tags);
                    let json = serde_json::to_string(&r.tags).unwrap_or_else(|_| "{}".into());
                    tx.execute(
                        "UPDATE photos SET tags = ?1, updated_at = ?2 WHERE id = ?3",
                        params![json, now_secs(), r.id],
                    )?;
                    append_audit(&tx, &r.audit("tagged", prac.as_deref(), Some(&json)))?;
                    changed.push(r);
                }
                tx.commit()?;
                Ok(changed)
            })
            .await?)
    }

    /// Saves (or, with `None`, clears) the editor's operations for a photo that can still change.
    /// The original image is never touched; `detail` goes to the `edited` audit entry.
    pub async fn set_edit(
        &self,
        session: &LaunchSession,
        id: &str,
        edit: Option<String>,
        detail: String,
    ) -> Result<PhotoRecord, StoreError> {
        let (sid, id, prac) = (session.id.clone(), id.to_string(), session.practitioner_id.clone());
        let result = self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let changed = tx.execute(
                    "UPDATE photos SET edit = ?1, updated_at = ?2 WHERE id = ?3 AND session_id = ?4 AND state IN ('staged', 'failed')",
                    params![edit, now_secs(), id, sid],
                )?;
                let r = tx
                    .query_row(&format!("SELECT {COLUMNS} FROM photos WHERE id = ?1 AND session_id = ?2"), params![id, sid], from_row)
                    .optional()?;
                if let (1, Some(r)) = (changed, &r) {
                    append_audit(&tx, &r.audit("edited", prac.as_deref(), Some(&detail)))?;
                }
                tx.commit()?;
                Ok((changed, r))
            })
            .await?;
        moved(result)
    }

    /// Removes (or, with `removed = false`, restores) a photo that is not committed.
    pub async fn set_removed(
        &self,
        session: &LaunchSession,
        id: &str,
        removed: bool,
    ) -> Result<PhotoRecord, StoreError> {
        let (from, to, event) = if removed {
            ("state IN ('staged', 'failed')", PhotoState::Removed, "removed")
        } else {
            ("state = 'removed'", PhotoState::Staged, "restored")
        };
        self.transition(session, id, from, to, event, None).await
    }

    /// Moves one photo between states when its current state matches `from_sql`, with an audit
    /// entry; answers the photo as it now is, or why it could not move.
    pub async fn transition(
        &self,
        session: &LaunchSession,
        id: &str,
        from_sql: &'static str,
        to: PhotoState,
        event: &'static str,
        detail: Option<String>,
    ) -> Result<PhotoRecord, StoreError> {
        let (sid, id, prac) = (session.id.clone(), id.to_string(), session.practitioner_id.clone());
        let result = self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let moved = tx.execute(
                    &format!(
                        "UPDATE photos SET state = ?1, updated_at = ?2 WHERE id = ?3 AND session_id = ?4 AND {from_sql}"
                    ),
                    params![to.as_str(), now_secs(), id, sid],
                )?;
                let r = tx
                    .query_row(
                        &format!("SELECT {COLUMNS} FROM photos WHERE id = ?1 AND session_id = ?2"),
                        params![id, sid],
                        from_row,
                    )
                    .optional()?;
                if let (1, Some(r)) = (moved, &r) {
                    append_audit(&tx, &r.audit(event, prac.as_deref(), detail.as_deref()))?;
                }
                tx.commit()?;
                Ok((moved, r))
            })
            .await?;
        moved(result)
    }

    /// Records the outcome of a commit attempt that began with `transition(... Committing)`.
    pub async fn finish_commit(
        &self,
        session: &LaunchSession,
        record: &PhotoRecord,
        outcome: Result<String, (String, String)>,
        correlation_id: Option<String>,
    ) -> Result<PhotoRecord, StoreError> {
        let (id, prac) = (record.id.clone(), session.practitioner_id.clone());
        let rec = record.clone();
        let r = self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let now = now_secs();
                match &outcome {
                    Ok(alex_id) => tx.execute(
                        "UPDATE photos SET state = 'committed', alex_id = ?1, failure_kind = NULL, failure = NULL, updated_at = ?2 WHERE id = ?3",
                        params![alex_id, now, id],
                    )?,
                    Err((kind, message)) => tx.execute(
                        "UPDATE photos SET state = 'failed', failure_kind = ?1, failure = ?2, updated_at = ?3 WHERE id = ?4",
                        params![kind, message, now, id],
                    )?,
                };
                let event = if outcome.is_ok() { "committed" } else { "failed" };
                append_audit(&tx, &Audit {
                    alex_id: outcome.as_ref().ok().map(String::as_str),
                    correlation_id: correlation_id.as_deref(),
                    ..rec.audit(event, prac.as_deref(), outcome.as_ref().err().map(|(k, _)| k.as_str()))
                })?;
                let r = tx.query_row(&format!("SELECT {COLUMNS} FROM photos WHERE id = ?1"), params![id], from_row)?;
                tx.commit()?;
                Ok(r)
            })
            .await?;
        Ok(r)
    }

    /// After a restart, a photo left "committing" may or may not have reached Medtech: mark it
    /// failed with an unknown outcome, so it is never re-sent without the GP checking first.
    pub async fn recover_interrupted(&self) -> Result<usize, StoreError> {
        Ok(self
            .db
            .call(|c| {
                let tx = c.transaction()?;
                let stuck: Vec<PhotoRecord> = {
                    let mut st = tx.prepare(&format!("SELECT {COLUMNS} FROM photos WHERE state = 'committing'"))?;
                    st.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?
                };
                for r in &stuck {
                    tx.execute(
                        "UPDATE photos SET state = 'failed', failure_kind = 'outcome_unknown', failure = ?1, updated_at = ?2 WHERE id = ?3",
                        params![crate::alex::AlexError::OutcomeUnknown { detail: String::new() }.gp_message(), now_secs(), r.id],
                    )?;
                    append_audit(&tx, &r.audit("failed", None, Some("outcome_unknown: interrupted by restart")))?;
                }
                PhotoStore::recover_scan_docs(&tx)?;
                tx.commit()?;
                Ok(stuck.len())
            })
            .await?)
    }

    /// Retention: photos added more than `older_than_secs` ago lose their image. Those never
    /// committed become `expired`; committed ones keep their record (the audit needs it).
    /// Spent handoff links are forgotten too. Returns how many images were deleted.
    pub async fn purge(&self, older_than_secs: i64) -> Result<usize, StoreError> {
        let cutoff = now_secs() - older_than_secs;
        let due: Vec<PhotoRecord> = self
            .db
            .call(move |c| {
                let mut st = c.prepare(&format!(
                    "SELECT {COLUMNS} FROM photos WHERE created_at < ?1 AND blob_key != '' AND state != 'committing'"
                ))?;
                st.query_map(params![cutoff], from_row)?.collect()
            })
            .await?;
        for r in &due {
            self.delete_blob(&r.blob_key).await?;
            let r = r.clone();
            self.db
                .call(move |c| {
                    let tx = c.transaction()?;
                    let expire = r.state != PhotoState::Committed;
                    tx.execute(
                        "UPDATE photos SET blob_key = '', state = CASE WHEN ?1 THEN 'expired' ELSE state END, updated_at = ?2 WHERE id = ?3",
                        params![expire, now_secs(), r.id],
                    )?;
                    append_audit(&tx, &r.audit(if expire { "expired" } else { "image_deleted" }, None, Some("retention")))?;
                    tx.commit()
                })
                .await?;
        }
        self.purge_scan_docs(cutoff).await?;
        let orphans = self.sweep_orphans(cutoff).await?;
        if orphans > 0 {
            tracing::warn!(
                objects = orphans,
                "retention: stored objects no record refers to were deleted"
            );
        }
        Ok(due.len())
    }

    /// Deletes stored objects older than `cutoff` that no photo or document refers to (an
    /// upload cut short between its image and its record, a crash mid-write): nothing stored
    /// outlives retention. Returns how many were deleted.
    pub async fn sweep_orphans(&self, cutoff: i64) -> Result<usize, StoreError> {
        use futures::TryStreamExt;
        let known: std::collections::HashSet<String> = self
            .db
            .call(|c| {
                let mut st = c.prepare(
                    "SELECT blob_key FROM photos WHERE blob_key != '' UNION SELECT blob_key FROM scan_documents WHERE blob_key != ''",
                )?;
                st.query_map([], |r| r.get(0))?.collect()
            })
            .await?;
        let cutoff = chrono::DateTime::from_timestamp(cutoff, 0).unwrap_or_default();
        let mut swept = 0;
        for prefix in ["photos", "scan"] {
            let objects: Vec<_> = self.blobs.list(Some(&BlobPath::from(prefix))).try_collect().await?;
            for o in objects {
                if o.last_modified < cutoff && !known.contains(o.location.as_ref()) {
                    self.delete_blob(o.location.as_ref()).await?;
                    swept += 1;
                }
            }
        }
        Ok(swept)
    }
}
