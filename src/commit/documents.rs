//! Inbox-Scan documents as records (ssr only): each PDF or TIFF gets its identifier and its stored bytes
//! *before* it is posted, so a resend after an unknown outcome sends the very same document, and a
//! photo always knows which document it went in.

use crate::infra::sql::{OptionalExtension, Row, Sql, params};
use axum::body::Bytes;
use object_store::{PutPayload, path::Path as BlobPath};

use crate::{
    infra::instances::unclaimed,
    infra::{
        audit::{Audit, append_audit},
        crypto::sha256_hex,
        time::now_secs,
    },
    launch::session::LaunchSession,
    model::{CommitTarget, Targets},
    staging::{
        corrupt::CorruptRow,
        record::PhotoRecord,
        store::{PhotoStore, StoreError},
    },
};

/// One Inbox-Scan document as recorded.
#[derive(Debug, Clone)]
pub struct ScanDoc {
    /// Also the `identifier` sent to ALEX.
    pub id: String,
    pub session_id: String,
    pub facility: String,
    pub patient_id: String,
    /// The photos it holds, in page order.
    pub photo_ids: Vec<String>,
    /// Its place when a commit was split: part `part` of `parts`.
    pub part: u32,
    pub parts: u32,
    pub state: DocState,
    pub blob_key: String,
    pub sha256: String,
    pub bytes: u64,
    pub pages: u32,
    pub alex_id: Option<String>,
    pub created_at: i64,
    /// A PDF of one or more photos, or a TIFF of one.
    pub kind: DocKind,
}

/// What an Inbox-Scan document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    Pdf,
    Tiff,
}

impl DocKind {
    /// As the `scan_documents.kind` column holds it.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Tiff => "tiff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [DocKind::Pdf, DocKind::Tiff].into_iter().find(|k| k.as_str() == s)
    }

    /// The commit target that writes this kind of document.
    pub fn target(self) -> CommitTarget {
        match self {
            DocKind::Pdf => CommitTarget::ScanPdf,
            DocKind::Tiff => CommitTarget::ScanTiff,
        }
    }

    /// The document of this kind a photo was last sent in (its PDF, or its own TIFF).
    pub fn doc_of(self, r: &PhotoRecord) -> Option<&str> {
        match self {
            DocKind::Pdf => r.scan_doc.as_deref(),
            DocKind::Tiff => r.tiff_doc.as_deref(),
        }
    }

    /// The `photos` column that names a photo's document of this kind.
    fn photo_column(self) -> &'static str {
        match self {
            DocKind::Pdf => "scan_doc",
            DocKind::Tiff => "tiff_doc",
        }
    }

    /// The attachment's media type.
    pub fn content_type(self) -> &'static str {
        match self {
            DocKind::Pdf => "application/pdf",
            DocKind::Tiff => "image/tiff",
        }
    }
}

/// Where a recorded document is: the state of the part of a photo's commit it carries.
pub use crate::model::PartState as DocState;

/// A rendered document about to be recorded (a PDF, or a TIFF for the TIFF target).
pub struct NewDoc {
    pub id: String,
    pub photo_ids: Vec<String>,
    /// The document's bytes (PDF or TIFF).
    pub pdf: Vec<u8>,
    pub pages: u32,
}

const COLUMNS: &str = "id, session_id, facility, patient_id, photo_ids, part, parts, state, blob_key, sha256, bytes, pages, alex_id, created_at, kind";

fn from_row(r: &Row) -> crate::infra::sql::Result<ScanDoc> {
    let id: String = r.get(0)?;
    let ids: String = r.get(4)?;
    let photo_ids = serde_json::from_str(&ids).map_err(|_| CorruptRow::error("scan_documents", &id, 4, "photo_ids"))?;
    Ok(ScanDoc {
        session_id: r.get(1)?,
        facility: r.get(2)?,
        patient_id: r.get(3)?,
        photo_ids,
        part: r.get(5)?,
        parts: r.get(6)?,
        state: DocState::parse(&r.get::<_, String>(7)?)
            .ok_or_else(|| CorruptRow::error("scan_documents", &id, 7, "state"))?,
        blob_key: r.get(8)?,
        sha256: r.get(9)?,
        bytes: r.get::<_, i64>(10)? as u64,
        pages: r.get(11)?,
        alex_id: r.get(12)?,
        created_at: r.get(13)?,
        kind: DocKind::parse(&r.get::<_, String>(14)?)
            .ok_or_else(|| CorruptRow::error("scan_documents", &id, 14, "kind"))?,
        id,
    })
}

impl PhotoStore {
    /// Stores the documents (PDFs, or one TIFF per photo), then records them (`sending`) and
    /// points each photo at its document, with a `scan_document` audit entry per photo — all
    /// before anything is posted.
    pub async fn record_scan_docs(
        &self,
        session: &LaunchSession,
        patient_id: &str,
        docs: Vec<NewDoc>,
        kind: DocKind,
    ) -> Result<Vec<ScanDoc>, StoreError> {
        let mut rows = Vec::new();
        // A TIFF holds one photo: each is a whole document, never "part n of m".
        let parts = if kind == DocKind::Tiff { 1 } else { docs.len() as u32 };
        for (n, doc) in docs.into_iter().enumerate() {
            let key = format!("scan/{}.{}", doc.id, kind.as_str());
            let sha = sha256_hex(&doc.pdf);
            let bytes = doc.pdf.len() as u64;
            self.blobs
                .put(&BlobPath::from(key.as_str()), PutPayload::from(doc.pdf))
                .await?;
            rows.push(ScanDoc {
                id: doc.id,
                session_id: session.id.clone(),
                facility: session.facility.clone(),
                patient_id: patient_id.to_string(),
                photo_ids: doc.photo_ids,
                part: if kind == DocKind::Tiff { 1 } else { n as u32 + 1 },
                parts,
                state: DocState::Sending,
                blob_key: key,
                sha256: sha,
                bytes,
                pages: doc.pages,
                alex_id: None,
                created_at: now_secs(),
                kind,
            });
        }
        let prac = session.practitioner_id.clone();
        let saved = rows.clone();
        let me = self.db.instance().to_string();
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                for d in &rows {
                    tx.execute(
                        &format!("INSERT INTO scan_documents ({COLUMNS}, updated_at, claimed_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?14, ?13, ?15)"),
                        params![
                            d.id, d.session_id, d.facility, d.patient_id,
                            serde_json::to_string(&d.photo_ids).unwrap_or_default(),
                            d.part, d.parts, d.state.as_str(), d.blob_key, d.sha256, d.bytes as i64, d.pages, d.created_at,
                            d.kind.as_str(), me
                        ],
                    )?;
                    let detail = format!("{} document {} (part {} of {}, {} bytes)", d.kind.as_str(), d.id, d.part, d.parts, d.bytes);
                    for photo in &d.photo_ids {
                        tx.execute(
                            &format!("UPDATE photos SET {} = ?1, updated_at = ?2 WHERE id = ?3 AND session_id = ?4", d.kind.photo_column()),
                            params![d.id, now_secs(), photo, d.session_id],
                        )?;
                        let sha: Option<String> =
                            tx.query_row("SELECT sha256 FROM photos WHERE id = ?1", params![photo], |r| r.get(0)).optional()?;
                        append_audit(&mut tx, &Audit {
                            event: "scan_document",
                            photo_id: Some(photo),
                            session_id: Some(&d.session_id),
                            facility: Some(&d.facility),
                            patient_id: Some(&d.patient_id),
                            practitioner_id: prac.as_deref(),
                            sha256: sha.as_deref(),
                            detail: Some(&detail),
                            ..Default::default()
                        })?;
                    }
                }
                tx.commit()
            })
            .await?;
        Ok(saved)
    }

    pub async fn scan_doc(&self, session_id: &str, id: &str) -> Result<Option<ScanDoc>, StoreError> {
        let (sid, id) = (session_id.to_string(), id.to_string());
        Ok(self
            .db
            .call(move |c| {
                c.query_row(
                    &format!("SELECT {COLUMNS} FROM scan_documents WHERE id = ?1 AND session_id = ?2"),
                    params![id, sid],
                    from_row,
                )
                .optional()
            })
            .await?)
    }

    /// The stored document (PDF or TIFF), byte for byte as first rendered (checked against its recorded SHA-256).
    pub async fn scan_pdf(&self, doc: &ScanDoc) -> Result<Bytes, StoreError> {
        self.verified(&doc.blob_key, &doc.sha256).await
    }

    /// Records a document's state: `sending` again for a resend, or the outcome of a POST.
    pub async fn set_scan_doc_state(
        &self,
        doc: &ScanDoc,
        state: DocState,
        alex_id: Option<String>,
        correlation_id: Option<String>,
        failure: Option<(String, String)>,
    ) -> Result<(), StoreError> {
        let (id, me) = (doc.id.clone(), self.db.instance().to_string());
        let (kind, message) = failure.unzip();
        self.db
            .call(move |c| {
                c.execute(
                    "UPDATE scan_documents SET state = ?1, alex_id = COALESCE(?2, alex_id), correlation_id = COALESCE(?3, correlation_id),
                     failure_kind = ?4, failure = ?5, updated_at = ?6, claimed_by = ?8 WHERE id = ?7",
                    params![state.as_str(), alex_id, correlation_id, kind, message, now_secs(), id, me],
                )
            })
            .await?;
        Ok(())
    }

    /// Fixes where a photo's commit goes, at its first attempt: a retry goes where that went.
    /// Answers the photo's targets as they now are.
    pub async fn fix_target(&self, record: &PhotoRecord, targets: Targets) -> Result<Targets, StoreError> {
        if let Some(fixed) = record.target {
            return Ok(fixed);
        }
        let (sid, id) = (record.session_id.clone(), record.id.clone());
        // One statement: set it unless another request already did, and read what it is.
        let fixed: Option<String> = self
            .db
            .call(move |c| {
                c.query_row(
                    "UPDATE photos SET target = COALESCE(target, ?1) WHERE id = ?2 AND session_id = ?3 RETURNING target",
                    params![targets.as_string(), id, sid],
                    |r| r.get(0),
                )
                .optional()
            })
            .await?;
        Ok(fixed.as_deref().and_then(Targets::parse).unwrap_or(targets))
    }

    /// The state of each part of a photo's commit — its Media and its documents — as recorded
    /// now (`None`: not sent yet).
    pub async fn parts(
        &self,
        r: &PhotoRecord,
        targets: Targets,
    ) -> Result<Vec<(CommitTarget, Option<DocState>)>, StoreError> {
        let mut out = Vec::new();
        for target in targets.iter() {
            let state = match target {
                CommitTarget::Media => r.media_state,
                CommitTarget::ScanPdf | CommitTarget::ScanTiff => {
                    let kind = if target == CommitTarget::ScanPdf {
                        DocKind::Pdf
                    } else {
                        DocKind::Tiff
                    };
                    match kind.doc_of(r) {
                        Some(doc) => self.scan_doc(&r.session_id, doc).await?.map(|d| d.state),
                        None => None,
                    }
                }
            };
            out.push((target, state));
        }
        Ok(out)
    }

    /// After a restart, a document left `sending` may or may not have reached Medtech.
    pub(crate) fn recover_scan_docs(tx: &mut impl Sql, alive_since: i64) -> crate::infra::sql::Result<usize> {
        tx.execute(
            &format!(
                "UPDATE scan_documents SET state = 'unknown', updated_at = ?1 WHERE state = 'sending' AND {}",
                unclaimed("claimed_by", 2)
            ),
            params![now_secs(), alive_since],
        )
    }

    /// Retention: stored PDFs older than the cutoff are deleted (they carry the patient's identity).
    pub async fn purge_scan_docs(&self, cutoff: i64) -> Result<usize, StoreError> {
        let due: Vec<(String, String)> = self
            .db
            .call(move |c| {
                c.query_map(
                    "SELECT id, blob_key FROM scan_documents WHERE created_at < ?1 AND blob_key != '' AND state != 'sending'",
                    params![cutoff],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
            .await?;
        for (id, key) in &due {
            match self.blobs.delete(&BlobPath::from(key.as_str())).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            let id = id.clone();
            self.db
                .call(move |c| {
                    c.execute(
                        "UPDATE scan_documents SET blob_key = '', updated_at = ?1 WHERE id = ?2",
                        params![now_secs(), id],
                    )
                })
                .await?;
        }
        Ok(due.len())
    }
}
