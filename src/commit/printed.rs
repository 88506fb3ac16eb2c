//! What an Inbox-Scan PDF prints about its photos: the document's title, and under each photo
//! every tag in words with its code, when and how it was taken, the edit, the consent and our
//! reference.

use super::documents::ScanDoc;
use crate::{
    infra::time::taken_words,
    launch::session::LaunchSession,
    metadata::{
        codes::{self, BODY_SITES, IMAGE_TYPES, LATERALITIES, VIEWS},
        tags::Tags,
    },
    staging::record::PhotoRecord,
};

/// "Clinical photographs — 23 Nov 2026 10:45" (+ " — part 1 of 2" when split); a TIFF of one
/// photo is "Clinical photograph — 23 Nov 2026 10:45".
pub fn doc_title(doc: &ScanDoc) -> String {
    if doc.kind == super::documents::DocKind::Tiff {
        return format!("Clinical photograph — {}", taken_words(doc.created_at));
    }
    let mut t = format!("Clinical photographs — {}", taken_words(doc.created_at));
    if doc.parts > 1 {
        t.push_str(&format!(" — part {} of {}", doc.part, doc.parts));
    }
    t
}

/// The label/value rows printed under a photo: every tag in words with its code, the
/// description, when and how it was taken, the consent, and our reference.
pub fn lines(r: &PhotoRecord, session: &LaunchSession) -> Vec<(String, String)> {
    let tags: &Tags = &r.tags;
    let mut out = Vec::new();
    let coded = |list: &'static [codes::Code], code: Option<&str>, words: Option<String>| {
        let c = codes::find(list, code?)?;
        Some(format!(
            "{} ({} {})",
            words.unwrap_or_else(|| c.label.to_string()),
            system_name(c.system),
            c.code
        ))
    };
    let lesion = r.lesion.as_ref().map(|l| match l.note.trim() {
        "" => l.label(),
        note => format!("{} — {note}", l.label()),
    });
    let rows = [
        ("Lesion", lesion),
        (
            "Body site",
            coded(BODY_SITES, tags.body_site.as_deref(), tags.site_words()),
        ),
        ("Laterality", coded(LATERALITIES, tags.laterality.as_deref(), None)),
        ("View", coded(VIEWS, tags.view.as_deref(), None)),
        (
            "Image type",
            Tags::label(IMAGE_TYPES, tags.image_type.as_deref()).map(str::to_string),
        ),
        ("Description", tags.description.clone().filter(|d| !d.trim().is_empty())),
    ];
    for (label, value) in rows {
        if let Some(v) = value {
            out.push((label.to_string(), v));
        }
    }
    let how = if r.source == "phone" { "phone" } else { "desktop" };
    out.push(("Taken".into(), format!("{} ({how})", taken_words(r.taken_at))));
    if let Ok(Some(edit)) = crate::editor::server::edit_of(r) {
        out.push(("Edited".into(), format!("in Clinical Images ({})", edit.summary())));
    }
    if let Some(words) = session
        .consent
        .as_ref()
        .and_then(|(k, reason)| crate::launch::api::consent_words(k, reason.as_deref()))
    {
        out.push(("Consent".into(), words));
    }
    out.push(("Reference".into(), r.id.clone()));
    out
}

fn system_name(system: &str) -> &'static str {
    if system == codes::SNOMED { "SNOMED CT" } else { "code" }
}
