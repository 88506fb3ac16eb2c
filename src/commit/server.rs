//! Turning a staged photo into a Media in the patient's record (ssr only).

use super::documents::Part;
use crate::{
    alex::{
        fhir::{CodeableConcept, Coding},
        write::{MediaInput, media},
    },
    commit::service::Committer,
    error::{AppError, ErrorKind},
    infra::time::taken_words,
    launch::session::LaunchSession,
    metadata::{
        codes::{self, BODY_SITES, IMAGE_TYPES, LATERALITIES, SNOMED, VIEWS},
        tags::Tags,
    },
    model::{PhotoState, PhotoTarget},
    staging::{record::PhotoRecord, service::store_error, store::StoreError},
};

pub const OUTCOME_UNKNOWN: &str = "outcome_unknown";
/// The failure kind of a photo or document whose stored bytes no longer match their SHA-256.
pub const INTEGRITY: &str = "integrity";

pub async fn commit_one(
    state: &Committer,
    session: &LaunchSession,
    id: &str,
    resend_unknown: bool,
) -> Result<PhotoRecord, AppError> {
    let patient = session.patient.as_ref().ok_or_else(AppError::no_patient)?;
    let record = state
        .photos
        .get(&session.id, id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| store_error(StoreError::NotFound))?;
    check_owner(&record, session, patient)?;
    match record.state {
        PhotoState::Committed => return Ok(record),
        PhotoState::Committing => {
            return Err(AppError::new(ErrorKind::Conflict, "This photo is already being sent."));
        }
        PhotoState::Removed | PhotoState::Expired => return Err(store_error(StoreError::WrongState(record.state))),
        PhotoState::Staged | PhotoState::Failed => {}
    }
    check_tags(state, &record)?;
    let both = record.target == Some(PhotoTarget::Both);
    if both && record.alex_id.is_some() {
        // Its Media is in Medtech already; only the PDF half is still to go.
        return Ok(record);
    }
    if record.failure_kind.as_deref() == Some(OUTCOME_UNKNOWN) {
        if !resend_unknown {
            return Err(unknown_outcome());
        }
        let pdf_unknown = match record.scan_doc.as_deref() {
            Some(doc) => state
                .photos
                .scan_doc(&session.id, doc)
                .await
                .map_err(store_error)?
                .is_some_and(|d| d.state == super::documents::DocState::Unknown),
            None => false,
        };
        if matches!(record.target, Some(PhotoTarget::ScanPdf | PhotoTarget::ScanTiff)) || (both && pdf_unknown) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "This photo went in an Inbox Scan document whose arrival Medtech did not confirm: send that document again instead.",
            ));
        }
    }
    let record = match state
        .photos
        .transition(
            session,
            id,
            &[PhotoState::Staged, PhotoState::Failed],
            PhotoState::Committing,
            "committing",
            None,
        )
        .await
    {
        Ok(r) => r,
        Err(StoreError::WrongState(PhotoState::Committed)) => {
            return state
                .photos
                .get(&session.id, id)
                .await
                .map_err(store_error)?
                .ok_or_else(AppError::internal);
        }
        Err(e) => return Err(store_error(e)),
    };
    if !both {
        state
            .photos
            .set_target(&session.id, id, PhotoTarget::Media)
            .await
            .map_err(store_error)?;
    }
    let image = match crate::editor::server::committed_image(&state.renderer, &record).await {
        Ok(image) => image,
        Err(e) => {
            super::service::count_commit("media", Err(failure_kind(&e)));
            let _ = state
                .photos
                .finish_commit(
                    session,
                    &record,
                    Err((failure_kind(&e).into(), e.message.clone())),
                    None,
                )
                .await;
            return Err(e);
        }
    };
    let resource = media(MediaInput {
        identifier: &record.id,
        patient_id: &record.patient_id,
        practitioner_id: session.practitioner_id.as_deref(),
        taken: chrono::DateTime::from_timestamp(record.taken_at, 0).unwrap_or_else(chrono::Utc::now),
        jpeg: &image.jpeg,
        width: image.width,
        height: image.height,
        title: title(&record.tags, record.taken_at),
        body_site: body_site(&record.tags),
        view: coded(VIEWS, record.tags.view.as_deref()),
        reason: reason(&record.tags),
        notes: notes(&record.tags, session),
        dermoscopy: record.tags.image_type.as_deref() == Some("dermoscopy"),
    });
    let outcome = state.alex.create_media(&session.facility, &resource).await;
    super::service::count_commit("media", outcome.as_ref().map(|_| ()).map_err(|e| e.kind()));
    let (result, correlation) = match &outcome {
        Ok(created) => (Ok(created.id.clone()), Some(created.correlation_id.clone())),
        Err(e) => (Err((e.kind().to_string(), e.gp_message())), None),
    };
    let updated = match (&outcome, both) {
        (Ok(created), true) => {
            let complete = state.photos.scan_sent(&record).await.map_err(store_error)?;
            state
                .photos
                .finish_part(
                    session,
                    &record,
                    Part::Media { complete },
                    created.id.clone(),
                    correlation,
                )
                .await
        }
        _ => state.photos.finish_commit(session, &record, result, correlation).await,
    }
    .map_err(store_error)?;
    match outcome {
        Ok(created) => {
            tracing::info!(photo = %record.id, alex_id = %created.id, correlation_id = %created.correlation_id, bytes = image.jpeg.len(), "photo committed");
            crate::handoff::service::stop_when_all_committed(&state.handoffs, session).await?;
            Ok(updated)
        }
        Err(e) => {
            tracing::warn!(photo = %record.id, kind = e.kind(), error = %e, "photo commit failed");
            Ok(updated)
        }
    }
}

/// How a failure before the POST is recorded on the photo.
fn failure_kind(e: &AppError) -> &'static str {
    if e.kind == ErrorKind::Integrity {
        INTEGRITY
    } else {
        "storage"
    }
}

/// A photo belongs to the patient it was taken for; the session fixes who that is.
pub fn check_owner(
    record: &PhotoRecord,
    session: &LaunchSession,
    patient: &crate::launch::session::SessionPatient,
) -> Result<(), AppError> {
    if record.patient_id != patient.id || record.facility != session.facility {
        tracing::error!(photo = %record.id, "photo does not belong to the session's patient");
        return Err(AppError::new(
            ErrorKind::Conflict,
            "This photo belongs to another patient and cannot be sent here.",
        ));
    }
    Ok(())
}

/// Required tags must be present before a photo leaves.
pub fn check_tags(state: &Committer, record: &PhotoRecord) -> Result<(), AppError> {
    let missing = record.tags.missing(&state.settings.required_fields);
    if !missing.is_empty() {
        return Err(AppError::new(
            ErrorKind::InvalidInput,
            format!("This photo still needs: {}.", missing.join(", ")),
        ));
    }
    Ok(())
}

pub fn unknown_outcome() -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        "Medtech did not confirm whether it saved this photo. Check the patient's inbox in Medtech; \
         send it again only if it is not there.",
    )
}

/// The Media title — the only text a GP sees in Medtech — carries the tags in words:
/// "Left forearm — anterior — lesion — 23 Nov 2026 10:42".
pub fn title(tags: &Tags, taken_at: i64) -> String {
    let mut parts = tags.words();
    if parts.is_empty() {
        parts.push("Clinical photo".into());
    }
    parts.push(taken_words(taken_at));
    parts.join(" — ")
}

fn coded(list: &'static [codes::Code], code: Option<&str>) -> Option<CodeableConcept> {
    let c = codes::find(list, code?)?;
    Some(CodeableConcept {
        coding: vec![Coding::new(c.system, c.code, c.term)],
        text: Some(c.label.to_string()),
    })
}

/// Side-neutral site in `coding`, the words with the side in `text` (R4 Media has no laterality).
fn body_site(tags: &Tags) -> Option<CodeableConcept> {
    let mut cc = coded(BODY_SITES, tags.body_site.as_deref())?;
    cc.text = tags.site_words();
    Some(cc)
}

fn reason(tags: &Tags) -> Vec<CodeableConcept> {
    let Some(local) = codes::find(IMAGE_TYPES, tags.image_type.as_deref().unwrap_or("")) else {
        return vec![];
    };
    let mut coding = vec![Coding::new(local.system, local.code, local.term)];
    if let Some(std) = codes::image_type_standard_code(local.code) {
        coding.push(Coding::new(SNOMED, std.code, std.term));
    }
    vec![CodeableConcept {
        coding,
        text: Some(local.label.to_string()),
    }]
}

fn notes(tags: &Tags, session: &LaunchSession) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(words) = session
        .consent
        .as_ref()
        .and_then(|(k, r)| crate::launch::api::consent_words(k, r.as_deref()))
    {
        notes.push(words);
    }
    if let Some(lat) = codes::find(LATERALITIES, tags.laterality.as_deref().unwrap_or("")) {
        notes.push(format!("Laterality: {} (SNOMED CT {})", lat.label, lat.code));
    }
    if let Some(d) = tags.description.as_deref().filter(|d| !d.trim().is_empty()) {
        notes.push(d.trim().to_string());
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn title_carries_the_tags_in_words() {
        let tags = Tags {
            body_site: Some("14975008".into()),
            laterality: Some("7771000".into()),
            view: Some("255549009".into()),
            image_type: Some("lesion".into()),
            description: None,
        };
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 22, 21, 42, 0)
            .unwrap()
            .timestamp();
        assert_eq!(title(&tags, at), "Left forearm — anterior — lesion — 23 Nov 2026 10:42");
        assert_eq!(title(&Tags::default(), at), "Clinical photo — 23 Nov 2026 10:42");
    }

    #[test]
    fn body_site_is_side_neutral_with_side_in_text() {
        let tags = Tags {
            body_site: Some("85562004".into()),
            laterality: Some("24028007".into()),
            ..Default::default()
        };
        let cc = body_site(&tags).unwrap();
        assert_eq!(cc.coding[0].code.as_deref(), Some("85562004"));
        assert_eq!(cc.text.as_deref(), Some("Right hand"));
    }
}
