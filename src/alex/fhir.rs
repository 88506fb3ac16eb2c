//! The few FHIR R4 structures we read from and write to ALEX. Hand-written on purpose (a full
//! FHIR model costs minutes and gigabytes to compile). Reads tolerate unknown fields; writes
//! carry only what R4 allows and ALEX accepts.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::nhi::NHI_SYSTEM;

pub const MEDIA_TYPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/media-type";
pub const LOINC: &str = "http://loinc.org";
pub const PHOTO_DOCUMENT_LOINC: &str = "72170-4";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Coding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    pub fn new(system: &str, code: &str, display: &str) -> Self {
        Coding {
            system: Some(system.into()),
            code: Some(code.into()),
            display: Some(display.into()),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Identifier {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Reference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    pub fn to(resource_type: &str, id: &str) -> Self {
        Reference {
            reference: Some(format!("{resource_type}/{id}")),
            display: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HumanName {
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix: Vec<String>,
}

/// The name to show: the official one if present, as "Given Family".
pub fn display_name(names: &[HumanName]) -> Option<String> {
    let name = names
        .iter()
        .find(|n| n.use_.as_deref() == Some("official"))
        .or(names.first())?;
    if let Some(text) = name.text.as_ref().filter(|t| !t.trim().is_empty()) {
        return Some(text.trim().to_string());
    }
    let mut parts: Vec<&str> = name.given.iter().map(String::as_str).collect();
    parts.extend(name.family.as_deref());
    let joined = parts.join(" ");
    (!joined.trim().is_empty()).then(|| joined.trim().to_string())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub id: String,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    #[serde(default)]
    pub name: Vec<HumanName>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
}

impl Patient {
    pub fn nhi(&self) -> Option<&str> {
        self.identifier
            .iter()
            .find(|i| i.system.as_deref() == Some(NHI_SYSTEM))
            .and_then(|i| i.value.as_deref())
    }
    pub fn display_name(&self) -> Option<String> {
        display_name(&self.name)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Practitioner {
    pub id: String,
    #[serde(default)]
    pub name: Vec<HumanName>,
}

impl Practitioner {
    pub fn display_name(&self) -> Option<String> {
        display_name(&self.name)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    pub managing_organization: Option<Reference>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Bundle {
    #[serde(default)]
    pub entry: Vec<BundleEntry>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BundleEntry {
    pub resource: Option<Value>,
}

impl Bundle {
    /// The entries of one resource type. ALEX answers an empty search with a Bundle holding an
    /// OperationOutcome entry, so every entry's `resourceType` is checked.
    pub fn resources<T: serde::de::DeserializeOwned>(&self, resource_type: &str) -> Vec<Result<T, serde_json::Error>> {
        self.entry
            .iter()
            .filter_map(|e| e.resource.as_ref())
            .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some(resource_type))
            .map(|r| serde_json::from_value(r.clone()))
            .collect()
    }

    /// The OperationOutcome ALEX puts in place of "no matches", if any.
    pub fn outcome(&self) -> Option<OperationOutcome> {
        self.resources::<OperationOutcome>("OperationOutcome")
            .into_iter()
            .find_map(Result::ok)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OperationOutcome {
    #[serde(default)]
    pub issue: Vec<OutcomeIssue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutcomeIssue {
    pub severity: Option<String>,
    pub code: Option<String>,
    pub diagnostics: Option<String>,
    pub details: Option<CodeableConcept>,
}

impl OperationOutcome {
    /// The issue's code (`forbidden`, `business-rule`, `exception` …) of the first issue.
    pub fn code(&self) -> Option<&str> {
        self.issue.first().and_then(|i| i.code.as_deref())
    }
    /// All diagnostics and detail texts, joined.
    pub fn text(&self) -> String {
        self.issue
            .iter()
            .flat_map(|i| {
                i.diagnostics
                    .iter()
                    .chain(i.details.as_ref().and_then(|d| d.text.as_ref()))
            })
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// An Attachment carrying inline data: `contentType` is always present (R4 invariant att-1).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub content_type: String,
    /// Base64 of the bytes.
    pub data: String,
    pub title: String,
    pub size: u64,
    /// Base64 SHA-1 of the bytes, as R4 defines `Attachment.hash`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    pub creation: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Annotation {
    pub text: String,
}

/// R4 Media as ALEX accepts it (ALEX_FACTS: identifier.value is mandatory).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    pub resource_type: &'static str,
    pub identifier: Vec<Identifier>,
    pub status: &'static str,
    #[serde(rename = "type")]
    pub type_: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modality: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<CodeableConcept>,
    pub subject: Reference,
    pub created_date_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reason_code: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_site: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    pub content: Attachment,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// R4 DocumentReference for the Medtech Inbox Scan folder (PDF or TIFF only, ≤ 8 MB).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DocumentReference {
    pub resource_type: &'static str,
    pub identifier: Vec<Identifier>,
    pub status: &'static str,
    #[serde(rename = "type")]
    pub type_: CodeableConcept,
    pub subject: Reference,
    pub date: String,
    pub author: Vec<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub content: Vec<DocumentContent>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DocumentContent {
    pub attachment: Attachment,
}

/// What ALEX's vendorforms launch decode returns.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LaunchContext {
    pub patient_id: Option<String>,
    pub facility_code: String,
    pub provider_id: Option<String>,
    pub created_time: Option<String>,
}

/// The result of a create: the new id, and what ALEX said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub id: String,
    pub location: Option<String>,
    pub etag: Option<String>,
    /// The `mt-correlationid` of the call that created it.
    pub correlation_id: String,
}
