//! Building the two resources we write — a photo as `Media`, or a PDF into the Inbox Scan folder
//! as `DocumentReference` — in the shape ALEX accepts and FHIR R4 allows.

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use sha2::Digest;

use super::fhir::{
    Annotation, Attachment, CodeableConcept, Coding, DocumentContent, DocumentReference, Identifier, LOINC,
    MEDIA_TYPE_SYSTEM, Media, PHOTO_DOCUMENT_LOINC, Reference,
};

/// Our identifier system: the value is fixed when a photo is staged and never changes, so a
/// retried write is recognisably the same photo.
pub const IDENTIFIER_SYSTEM: &str = "urn:x-clinical-images:photo-id";

/// A date-time in New Zealand time with its explicit offset (+12:00 or +13:00), as ALEX wants.
pub fn nz_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Pacific::Auckland)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn attachment(content_type: &str, bytes: &[u8], title: String, created: DateTime<Utc>) -> Attachment {
    Attachment {
        content_type: content_type.to_string(),
        data: STANDARD.encode(bytes),
        title,
        size: bytes.len() as u64,
        hash: Some(STANDARD.encode(sha1_digest(bytes))),
        creation: nz_datetime(created),
    }
}

/// R4 defines `Attachment.hash` as SHA-1; our own audit trail uses SHA-256.
fn sha1_digest(bytes: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(bytes).to_vec()
}

/// SHA-256 of bytes, lower-case hex (audit trail, de-duplication).

/// Everything a photo's Media needs, already in words and codes.
pub struct MediaInput<'a> {
    pub identifier: &'a str,
    pub patient_id: &'a str,
    pub practitioner_id: Option<&'a str>,
    pub taken: DateTime<Utc>,
    pub jpeg: &'a [u8],
    pub width: u32,
    pub height: u32,
    /// The only text a GP sees in Medtech: carries the tags in words.
    pub title: String,
    pub body_site: Option<CodeableConcept>,
    pub view: Option<CodeableConcept>,
    pub reason: Vec<CodeableConcept>,
    pub notes: Vec<String>,
    /// DICOM modality DMS (dermoscopy) instead of XC (external camera).
    pub dermoscopy: bool,
}

pub fn media(input: MediaInput<'_>) -> Media {
    Media {
        resource_type: "Media",
        identifier: vec![Identifier {
            system: Some(IDENTIFIER_SYSTEM.into()),
            value: Some(input.identifier.into()),
        }],
        status: "completed",
        type_: CodeableConcept {
            coding: vec![Coding::new(MEDIA_TYPE_SYSTEM, "image", "Image")],
            text: None,
        },
        modality: Some(CodeableConcept {
            coding: vec![if input.dermoscopy {
                Coding::new("http://dicom.nema.org/resources/ontology/DCM", "DMS", "Dermoscopy")
            } else {
                Coding::new(
                    "http://dicom.nema.org/resources/ontology/DCM",
                    "XC",
                    "External-camera Photography",
                )
            }],
            text: None,
        }),
        view: input.view,
        subject: Reference::to("Patient", input.patient_id),
        created_date_time: nz_datetime(input.taken),
        operator: input.practitioner_id.map(|p| Reference::to("Practitioner", p)),
        reason_code: input.reason,
        body_site: input.body_site,
        height: Some(input.height),
        width: Some(input.width),
        content: attachment("image/jpeg", input.jpeg, input.title, input.taken),
        note: input.notes.into_iter().map(|text| Annotation { text }).collect(),
    }
}

/// A document for the Medtech Inbox Scan folder (PDF or TIFF: the only types it takes).
pub struct ScanDocumentInput<'a> {
    pub identifier: &'a str,
    pub patient_id: &'a str,
    pub practitioner_id: &'a str,
    pub created: DateTime<Utc>,
    /// The document's bytes (a PDF for [`scan_document`]).
    pub pdf: &'a [u8],
    pub title: String,
    pub description: Option<String>,
}

/// A PDF for the Inbox Scan folder.
pub fn scan_document(input: ScanDocumentInput<'_>) -> DocumentReference {
    scan_document_as(input, "application/pdf")
}

/// A document of `content_type` (`application/pdf` or `image/tiff`) for the Inbox Scan folder.
pub fn scan_document_as(input: ScanDocumentInput<'_>, content_type: &str) -> DocumentReference {
    DocumentReference {
        resource_type: "DocumentReference",
        identifier: vec![Identifier {
            system: Some(IDENTIFIER_SYSTEM.into()),
            value: Some(input.identifier.into()),
        }],
        status: "current",
        type_: CodeableConcept {
            coding: vec![Coding::new(LOINC, PHOTO_DOCUMENT_LOINC, "Photographic image")],
            text: Some("Clinical photographs".into()),
        },
        subject: Reference::to("Patient", input.patient_id),
        date: nz_datetime(input.created),
        author: vec![Reference::to("Practitioner", input.practitioner_id)],
        description: input.description,
        content: vec![DocumentContent {
            attachment: attachment(content_type, input.pdf, input.title, input.created),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn nz_offsets_follow_daylight_saving() {
        let winter = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        assert_eq!(nz_datetime(winter), "2026-07-01T12:00:00+12:00");
        let summer = Utc.with_ymd_and_hms(2026, 11, 22, 21, 42, 5).unwrap();
        assert_eq!(nz_datetime(summer), "2026-11-23T10:42:05+13:00");
    }

    #[test]
    fn attachment_hash_is_sha1_base64() {
        let a = attachment("image/jpeg", b"abc", "t".into(), Utc::now());
        assert_eq!(a.hash.as_deref(), Some("qZk+NkcGgWq6PiVxeFDCbJzQ2J0="));
        assert_eq!(a.size, 3);
    }
}
