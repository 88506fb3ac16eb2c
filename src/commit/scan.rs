//! The Inbox-Scan write path (ssr only): ready photos become one or more PDFs (each ≤ the size
//! cap, split without dropping a photo) — or, for the TIFF target, one TIFF each (`tiffs.rs`) —
//! each posted once as a `DocumentReference` into the patient's Inbox Scan folder.
//!
//! Never a duplicate: a document's identifier and bytes are recorded before its POST. A definite
//! failure (ALEX said no) leaves nothing in Medtech, so its photos go into a fresh document next
//! time; an unknown outcome is only ever resent as the very same document, after the GP checked.

use std::collections::BTreeSet;

use super::{
    documents::{DocKind, DocState, NewDoc, ScanDoc},
    parts::Outcome,
    pdf::{self, Layout, PdfHeader, PdfPatient, PdfPhoto},
    plan::{self, DocFacts, PhotoFacts, Step},
    printed::{doc_title, lines},
    server::{INTEGRITY, OUTCOME_UNKNOWN, title},
};
use crate::{
    alex::write::{ScanDocumentInput, scan_document_as},
    commit::service::Committer,
    config::ScanLayout,
    error::{AppError, ErrorKind},
    infra::time::taken_words,
    launch::session::LaunchSession,
    model::{PhotoState, Targets},
    staging::{record::PhotoRecord, service::store_error, store::StoreError},
};

use super::api::SCAN_BATCH;

/// Commits the photos `ids` into the Inbox Scan folder as documents of `kind`: PDFs (split
/// under the size cap) or one TIFF each. This is one part of each photo's commit; `requested` is
/// where the GP asked a photo never sent before to go (its other parts are other calls', in any
/// order). Answers every photo touched, as it now is (including the other photos of a document
/// that was resent).
pub async fn commit_scan(
    state: &Committer,
    session: &LaunchSession,
    ids: &[String],
    resend_unknown: bool,
    kind: DocKind,
    requested: Targets,
) -> Result<Vec<PhotoRecord>, AppError> {
    if !state.settings.commit_targets.contains(&kind.target()) {
        return Err(AppError::new(
            ErrorKind::InvalidInput,
            match kind {
                DocKind::Pdf => "This practice does not save photos as PDFs in the Inbox Scan folder.",
                DocKind::Tiff => "This practice does not save photos as TIFF images in the Inbox Scan folder.",
            },
        ));
    }
    let patient = session.patient.as_ref().ok_or_else(AppError::no_patient)?;
    let Some(practitioner_id) = session.practitioner_id.clone() else {
        return Err(AppError::new(
            ErrorKind::InvalidInput,
            "A document in the Inbox needs you as its author, but Medtech did not say who you are. \
             Open Clinical Images again from Medtech.",
        ));
    };
    if ids.is_empty() || ids.len() > SCAN_BATCH {
        return Err(AppError::new(
            ErrorKind::InvalidInput,
            format!("Choose between 1 and {SCAN_BATCH} photos to send at once."),
        ));
    }

    // Decide, for every photo asked for, whether it goes into a new document or its document is
    // resent — refusing the whole request before anything is locked if one cannot go (plan.rs).
    let mut fresh = Vec::new();
    let mut resend = BTreeSet::new();
    for id in ids {
        let r = state
            .photos
            .get(&session.id, id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| store_error(StoreError::NotFound))?;
        super::server::check_owner(&r, session, patient)?;
        let photo = PhotoFacts::of(&r, kind.target());
        if plan::admit(&photo)?.is_some() {
            continue;
        }
        super::server::check_tags(state, &r)?;
        super::server::check_targets(state, &r, requested, kind.target())?;
        let doc = match kind.doc_of(&r) {
            Some(d) => state.photos.scan_doc(&session.id, d).await.map_err(store_error)?,
            None => None,
        };
        match plan::route(&photo, doc.as_ref().map(DocFacts::of).as_ref(), resend_unknown)? {
            Step::Committed | Step::DocInMedtech => {}
            Step::Settle { alex_id } => {
                finish(state, session, &r, kind, Ok(alex_id), None).await?;
            }
            Step::Resend { doc } => {
                resend.insert(doc);
            }
            Step::Fresh => fresh.push(r),
        }
    }

    let mut docs = Vec::new();
    for doc_id in resend {
        let Some(doc) = state.photos.scan_doc(&session.id, &doc_id).await.map_err(store_error)? else {
            return Err(AppError::internal());
        };
        docs.push(doc);
    }
    let resend_photos: Vec<String> = docs.iter().flat_map(|d| d.photo_ids.clone()).collect();

    // Lock every photo that will be sent. A photo that cannot be locked stops the commit and
    // releases what was locked: nothing has been sent yet.
    let mut locked: Vec<PhotoRecord> = Vec::new();
    for lock in plan::locks(fresh.iter().map(|r| r.id.as_str()), &resend_photos) {
        let detail = Some(kind.target().as_str().to_string());
        match state
            .photos
            .transition(
                session,
                lock.photo,
                &[PhotoState::Staged, PhotoState::Failed],
                PhotoState::Committing,
                "committing",
                detail,
            )
            .await
        {
            Ok(r) => {
                let fixed = state.photos.fix_target(&r, requested).await;
                locked.push(r);
                // Another request may have fixed the photo's targets first, without this kind.
                let refusal = match fixed {
                    Ok(t) if t.contains(kind.target()) => None,
                    Ok(t) => Some(super::server::elsewhere(t)),
                    Err(e) => Some(store_error(e)),
                };
                if let Some(e) = refusal {
                    release(state, session, &locked).await;
                    return Err(e);
                }
            }
            // A photo of a resent document the GP has since removed: it stays removed.
            Err(StoreError::WrongState(_)) if !lock.required => {}
            Err(e) => {
                release(state, session, &locked).await;
                return Err(store_error(e));
            }
        }
    }

    if !fresh.is_empty() {
        let rendered = match kind {
            DocKind::Pdf => render(state, session, patient, &fresh).await,
            DocKind::Tiff => super::tiffs::render(state, session, patient, &fresh).await,
        };
        match rendered {
            Ok(new_docs) => match state
                .photos
                .record_scan_docs(session, &patient.id, new_docs, kind)
                .await
            {
                Ok(recorded) => docs.extend(recorded),
                Err(e) => {
                    release(state, session, &locked).await;
                    return Err(store_error(e));
                }
            },
            Err(e) => {
                release(state, session, &locked).await;
                return Err(e);
            }
        }
    }

    for doc in &docs {
        post(state, session, &practitioner_id, doc, &locked).await?;
    }

    let mut out = Vec::new();
    let touched: BTreeSet<&String> = ids.iter().chain(resend_photos.iter()).collect();
    for id in touched {
        if let Some(r) = state.photos.get(&session.id, id).await.map_err(store_error)? {
            out.push(r);
        }
    }
    crate::handoff::service::stop_when_all_committed(&state.handoffs, session).await?;
    Ok(out)
}

/// Puts locked photos back as they were (nothing was sent).
async fn release(state: &Committer, session: &LaunchSession, locked: &[PhotoRecord]) {
    for r in locked {
        let back = if r.failure_kind.is_some() {
            PhotoState::Failed
        } else {
            PhotoState::Staged
        };
        let _ = state
            .photos
            .transition(session, &r.id, &[PhotoState::Committing], back, "released", None)
            .await;
    }
}

/// Renders the PDFs for `photos` (their edits applied), split under the size cap.
async fn render(
    state: &Committer,
    session: &LaunchSession,
    patient: &crate::launch::session::SessionPatient,
    photos: &[PhotoRecord],
) -> Result<Vec<NewDoc>, AppError> {
    let (photos, cover) = super::report::arrange(state, &session.id, photos).await?;
    let mut items = Vec::with_capacity(photos.len());
    for r in &photos {
        let image = crate::editor::server::committed_image(&state.renderer, r).await?;
        items.push(PdfPhoto {
            jpeg: image.jpeg,
            title: title(r.lesion.as_ref(), &r.tags, r.taken_at),
            lines: lines(r, session),
        });
    }
    let facility = match state.alex.location(&session.facility).await {
        Ok(l) => l.name.unwrap_or_else(|| session.facility.clone()),
        Err(_) => session.facility.clone(),
    };
    let header = PdfHeader {
        patient: PdfPatient {
            name: patient.name.clone(),
            birth_date: patient.birth_date.clone(),
            nhi: patient.nhi.clone(),
        },
        practitioner: session.practitioner_name.clone().unwrap_or_default(),
        facility,
        generated: taken_words(chrono::Utc::now().timestamp()),
    };
    let layout = match state.settings.scan_layout {
        ScanLayout::ContactSheet => Layout::ContactSheet,
        ScanLayout::PagePerPhoto => Layout::PagePerPhoto,
    };
    let max = state.settings.scan_max_bytes as usize;
    let ids: Vec<String> = photos.iter().map(|r| r.id.clone()).collect();
    let rendered =
        tokio::task::spawn_blocking(move || pdf::render_report(&header, cover.as_ref(), &items, layout, max))
            .await
            .map_err(|_| AppError::internal())?
            .map_err(|e| {
                tracing::error!(error = %e, "scan PDF could not be made");
                AppError::new(ErrorKind::Internal, "The PDF could not be made from these photos.")
            })?;
    Ok(rendered
        .into_iter()
        .map(|doc| NewDoc {
            id: uuid::Uuid::new_v4().to_string(),
            photo_ids: doc.photo_indices.iter().map(|&i| ids[i].clone()).collect(),
            pages: doc.page_count as u32,
            pdf: doc.bytes,
        })
        .collect())
}

/// Posts one recorded document and records the outcome on it and on each of its locked photos.
async fn post(
    state: &Committer,
    session: &LaunchSession,
    practitioner_id: &str,
    doc: &ScanDoc,
    locked: &[PhotoRecord],
) -> Result<(), AppError> {
    let photos: Vec<&PhotoRecord> = locked.iter().filter(|r| doc.photo_ids.contains(&r.id)).collect();
    let outcome = match state.photos.scan_pdf(doc).await {
        Ok(pdf) => {
            if doc.state != DocState::Sending {
                // A resend: it is on its way again.
                state
                    .photos
                    .set_scan_doc_state(doc, DocState::Sending, None, None, None)
                    .await
                    .map_err(store_error)?;
            }
            let resource = scan_document_as(
                ScanDocumentInput {
                    identifier: &doc.id,
                    patient_id: &doc.patient_id,
                    practitioner_id,
                    created: chrono::DateTime::from_timestamp(doc.created_at, 0).unwrap_or_else(chrono::Utc::now),
                    pdf: &pdf,
                    title: doc_title(doc),
                    description: Some(match doc.kind {
                        DocKind::Pdf => format!(
                            "{} clinical photograph{} with body site, laterality, view and type printed on each page",
                            doc.photo_ids.len(),
                            if doc.photo_ids.len() == 1 { "" } else { "s" }
                        ),
                        DocKind::Tiff => "A clinical photograph (JPEG in TIFF) with the patient, tags, date and practitioner printed below it".into(),
                    }),
                },
                doc.kind.content_type(),
            );
            state
                .alex
                .create_document_reference(&doc.facility, &resource)
                .await
                .map_err(|e| (e.kind().to_string(), e.gp_message()))
        }
        Err(StoreError::Integrity(_)) => {
            tracing::error!(document = %doc.id, "stored document does not match its SHA-256: not sent");
            Err((
                INTEGRITY.into(),
                "The document's stored file is not the one recorded, so it was not sent. Send these photos again."
                    .into(),
            ))
        }
        Err(_) => Err(("storage".into(), "The document's file could not be read.".into())),
    };
    super::service::count_commit(
        doc.kind.target().as_str(),
        outcome.as_ref().map(|_| ()).map_err(|(kind, _)| kind.as_str()),
    );
    match &outcome {
        Ok(created) => {
            tracing::info!(document = %doc.id, alex_id = %created.id, correlation_id = %created.correlation_id,
                photos = photos.len(), bytes = doc.bytes, pages = doc.pages, "scan document committed");
            state
                .photos
                .set_scan_doc_state(
                    doc,
                    DocState::Sent,
                    Some(created.id.clone()),
                    Some(created.correlation_id.clone()),
                    None,
                )
                .await
                .map_err(store_error)?;
        }
        Err((kind, message)) => {
            tracing::warn!(document = %doc.id, kind = %kind, photos = photos.len(), "scan document commit failed");
            let doc_state = if kind == OUTCOME_UNKNOWN {
                DocState::Unknown
            } else {
                DocState::Failed
            };
            state
                .photos
                .set_scan_doc_state(doc, doc_state, None, None, Some((kind.clone(), message.clone())))
                .await
                .map_err(store_error)?;
        }
    }
    for r in photos {
        // As it is now: its other parts may have finished since the lock.
        let r = state
            .photos
            .get(&session.id, &r.id)
            .await
            .map_err(store_error)?
            .unwrap_or_else(|| r.clone());
        let (result, correlation) = match &outcome {
            Ok(created) => (Ok(Some(created.id.clone())), Some(created.correlation_id.clone())),
            Err(e) => (Err(e.clone()), None),
        };
        finish(state, session, &r, doc.kind, result, correlation).await?;
    }
    Ok(())
}

/// Records the outcome of photo `r`'s document part (`kind`) and the photo's state that follows.
async fn finish(
    state: &Committer,
    session: &LaunchSession,
    r: &PhotoRecord,
    kind: DocKind,
    outcome: Outcome,
    correlation: Option<String>,
) -> Result<PhotoRecord, AppError> {
    let this = kind.target();
    let targets = r.target.unwrap_or(Targets::one(this));
    let mut others = state.photos.parts(r, targets).await.map_err(store_error)?;
    others.retain(|(t, _)| *t != this);
    state
        .photos
        .finish_target(session, r, this, outcome, others, correlation, None)
        .await
        .map_err(store_error)
}
