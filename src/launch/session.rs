//! A launch session as the server holds it (ssr only): the facility, patient and practitioner a
//! verified launch fixed for its whole life, and what pages may see of it.

use super::api::SessionView;
use crate::model::PatientSummary;

#[derive(Debug, Clone)]
pub struct LaunchSession {
    pub id: String,
    pub facility: String,
    pub patient: Option<SessionPatient>,
    pub practitioner_id: Option<String>,
    pub practitioner_name: Option<String>,
    pub expires_at: i64,
    /// (kind, reason) once the patient's consent is recorded.
    pub consent: Option<(String, Option<String>)>,
    /// Its page was closed moments ago (the session ends unless the page comes back).
    pub closing: bool,
}

#[derive(Debug, Clone)]
pub struct SessionPatient {
    pub id: String,
    pub name: String,
    pub birth_date: String,
    pub nhi: String,
}

impl LaunchSession {
    pub fn view(&self, settings: &crate::config::Settings) -> SessionView {
        SessionView {
            limits: crate::model::ClientLimits {
                max_long_edge_px: settings.max_long_edge_px,
                max_image_bytes: settings.max_image_bytes,
                required_fields: settings.required_fields.clone(),
                phone_handoff: settings.phone_handoff,
                consent_required: settings.consent == crate::config::Consent::Required,
                commit_targets: settings.commit_targets.clone(),
                follow_up_tasks: settings.follow_up_tasks,
            },
            consent: self
                .consent
                .as_ref()
                .and_then(|(k, r)| super::api::consent_words(k, r.as_deref())),
            facility: self.facility.clone(),
            patient: self.patient.as_ref().map(|p| PatientSummary {
                name: p.name.clone(),
                birth_date: p.birth_date.clone(),
                nhi: p.nhi.clone(),
            }),
            practitioner: self.practitioner_name.clone(),
        }
    }
}

/// A session id as it may be logged: enough to correlate, not enough to use.
pub fn short(sid: &str) -> &str {
    &sid[..sid.len().min(6)]
}
