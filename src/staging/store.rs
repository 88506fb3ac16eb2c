//! The photo store: image bytes in an object store (a local directory or an S3 bucket), records
//! in the database's `photos` table. Ownership is decided before a byte is written (the store
//! mints every photo id), and every read of a stored object is checked against its SHA-256.
//! State changes are in `changes`, retention in `retention`, the record itself in `record`.

use std::sync::Arc;

use crate::infra::sql::{OptionalExtension, Sql, params};
use axum::body::Bytes;
use object_store::{ObjectStore, PutPayload, aws::AmazonS3Builder, local::LocalFileSystem, path::Path as BlobPath};

use super::{
    recheck::Checked,
    record::{COLUMNS, PhotoRecord, from_row},
};
use crate::model::PhotoState;
use crate::{
    infra::{
        audit::{Audit, append_audit},
        crypto::{constant_time_eq, sha256_hex},
        db::Db,
        time::now_secs,
    },
    launch::session::LaunchSession,
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
                let mut tx = c.transaction()?;
                let now = now_secs();
                let inserted = tx.execute(
                    "INSERT INTO photos (id, session_id, facility, patient_id, state, blob_key, sha256, bytes, width, height, source, taken_at, created_at, updated_at, upload_key)
                     VALUES (?1, ?2, ?3, ?4, 'staged', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13) ON CONFLICT DO NOTHING",
                    params![id, sid, fac, pid, blob_key, sha, bytes as i64, w, h, source, taken_at, now, key_of_upload],
                )?;
                if inserted == 1 {
                    append_audit(&mut tx, &Audit {
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
                c.query_map(
                    &format!("SELECT {COLUMNS} FROM photos WHERE session_id = ?1 AND state NOT IN ('removed', 'expired') ORDER BY created_at, rowid"),
                    params![sid],
                    from_row,
                )
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
                    let mut tx = c.transaction()?;
                    append_audit(
                        &mut tx,
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
}
