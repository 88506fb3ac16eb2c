//! Turning a staged photo into a Media in the patient's record (ssr only).

use super::{documents::DocKind, parts::Outcome};
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
    model::{CommitTarget, PartState, PhotoState, Targets},
    staging::{lesion::LesionTag, record::PhotoRecord, service::store_error, store::StoreError},
};

pub use crate::model::OUTCOME_UNKNOWN;
/// The failure kind of a photo or document whose stored bytes no longer match their SHA-256.
pub const INTEGRITY: &str = "integrity";

/// Sends the Media part of photo `id`'s commit. `requested` is where the GP asked it to go,
/// for a photo never sent before; a photo sent before keeps its targets.
pub async fn commit_one(
    state: &Committer,
    session: &LaunchSession,
    id: &str,
    resend_unknown: bool,
    requested: Targets,
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
    let targets = check_targets(state, &record, requested, CommitTarget::Media)?;
    if record.media_state == Some(PartState::Sent) {
        // Its Media is in Medtech already; only its other parts are still to go.
        return Ok(record);
    }
    let unknown =
        record.failure_kind.as_deref() == Some(OUTCOME_UNKNOWN) || record.media_state == Some(PartState::Unknown);
    if unknown && !resend_unknown {
        return Err(unknown_outcome());
    }
    for kind in [DocKind::Pdf, DocKind::Tiff] {
        let Some(doc) = kind.doc_of(&record) else { continue };
        if state
            .photos
            .scan_doc(&session.id, doc)
            .await
            .map_err(store_error)?
            .is_some_and(|d| d.state == PartState::Unknown)
        {
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
            (targets != Targets::one(CommitTarget::Media)).then(|| "media".to_string()),
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
    let targets = state.photos.fix_target(&record, targets).await.map_err(store_error)?;
    if !targets.contains(CommitTarget::Media) {
        // Another request fixed this photo's targets first, without a Media: none is sent.
        let back = if record.failure_kind.is_some() {
            PhotoState::Failed
        } else {
            PhotoState::Staged
        };
        let _ = state
            .photos
            .transition(session, id, &[PhotoState::Committing], back, "released", None)
            .await;
        return Err(elsewhere(targets));
    }
    let others = {
        let mut parts = state.photos.parts(&record, targets).await.map_err(store_error)?;
        parts.retain(|(t, _)| *t != CommitTarget::Media);
        parts
    };
    let finish = |outcome: Outcome, correlation: Option<String>| {
        state.photos.finish_target(
            session,
            &record,
            CommitTarget::Media,
            outcome,
            others.clone(),
            correlation,
            None,
        )
    };
    let image = match crate::editor::server::committed_image(&state.renderer, &record).await {
        Ok(image) => image,
        Err(e) => {
            super::service::count_commit("media", Err(failure_kind(&e)));
            let _ = finish(Err((failure_kind(&e).into(), e.message.clone())), None).await;
            return Err(e);
        }
    };
    state.photos.media_sending(&record).await.map_err(store_error)?;
    let resource = media(MediaInput {
        identifier: &record.id,
        patient_id: &record.patient_id,
        practitioner_id: session.practitioner_id.as_deref(),
        taken: chrono::DateTime::from_timestamp(record.taken_at, 0).unwrap_or_else(chrono::Utc::now),
        jpeg: &image.jpeg,
        width: image.width,
        height: image.height,
        title: title(record.lesion.as_ref(), &record.tags, record.taken_at),
        body_site: body_site(&record.tags),
        view: coded(VIEWS, record.tags.view.as_deref()),
        reason: reason(&record.tags),
        notes: notes(&record.tags, session),
        dermoscopy: record.tags.image_type.as_deref() == Some("dermoscopy"),
    });
    let outcome = state.alex.create_media(&session.facility, &resource).await;
    super::service::count_commit("media", outcome.as_ref().map(|_| ()).map_err(|e| e.kind()));
    let (result, correlation) = match &outcome {
        Ok(created) => (Ok(Some(created.id.clone())), Some(created.correlation_id.clone())),
        Err(e) => (Err((e.kind().to_string(), e.gp_message())), None),
    };
    let updated = finish(result, correlation).await.map_err(store_error)?;
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

/// Where this photo's commit goes: its own targets if it was sent before, else `requested` —
/// which must be enabled here and include `part`, the part being sent now.
pub fn check_targets(
    state: &Committer,
    record: &PhotoRecord,
    requested: Targets,
    part: CommitTarget,
) -> Result<Targets, AppError> {
    let targets = record.target.unwrap_or(requested);
    if !targets.within(&state.settings.commit_targets) || targets.is_empty() {
        return Err(AppError::new(
            ErrorKind::InvalidInput,
            "This practice does not save photos there: choose among the places offered.",
        ));
    }
    if !targets.contains(part) {
        return Err(elsewhere(targets));
    }
    Ok(targets)
}

/// A photo whose targets, fixed at its first attempt, do not include what was asked.
pub fn elsewhere(targets: Targets) -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        format!(
            "This photo is going to {}; it cannot go elsewhere now.",
            targets
                .iter()
                .map(CommitTarget::words)
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    )
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
/// "Left forearm — anterior — lesion — 23 Nov 2026 10:42"; a skin-check lesion's photo starts
/// with its number and ends with its note: "L2 Left forearm — close-up — changing — …".
pub fn title(lesion: Option<&LesionTag>, tags: &Tags, taken_at: i64) -> String {
    let mut parts = tags.words();
    if parts.is_empty() {
        parts.push("Clinical photo".into());
    }
    let mut parts = LesionTag::words(lesion, parts);
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
        assert_eq!(
            title(None, &tags, at),
            "Left forearm — anterior — lesion — 23 Nov 2026 10:42"
        );
        assert_eq!(title(None, &Tags::default(), at), "Clinical photo — 23 Nov 2026 10:42");
        let l2 = LesionTag {
            number: 2,
            note: "changing".into(),
        };
        assert_eq!(
            title(Some(&l2), &tags, at),
            "L2 Left forearm — anterior — lesion — changing — 23 Nov 2026 10:42"
        );
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
