//! Seeded practices, patients and practitioners. All names are obviously fake; every NHI is a
//! valid *test* NHI (Z prefix) from ALEX_FACTS.md. Ids are derived deterministically so they
//! are stable across runs, 32 lower-case hex, and differ per facility for the same person.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub(crate) const NHI_SYSTEM: &str = "https://standards.digital.health.nz/ns/nhi-id";
pub(crate) const HPI_FACILITY_SYSTEM: &str = "https://standards.digital.health.nz/ns/hpi-facility-id";
pub(crate) const HPI_ORGANISATION_SYSTEM: &str = "https://standards.digital.health.nz/ns/hpi-organisation-id";
pub(crate) const PMS_VERSION_EXTENSION: &str = "http://alexapi.medtechglobal.com/fhir/StructureDefinition/pms-version";

/// The UAT test practice.
pub const UAT_FACILITY: &str = "F2N060-E";
/// A practice's own install.
pub const SECOND_FACILITY: &str = "F99669-C";
/// Listed, but not mapped to the simulator's client id: every FHIR call gets 403.
pub const UNMAPPED_FACILITY: &str = "F00000-X";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimFacility {
    /// HPI facility id, e.g. "F2N060-E".
    pub id: String,
    pub name: String,
    /// Whether "Medtech" has mapped this facility to the simulator's client id.
    pub mapped: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimPatient {
    /// 32 lower-hex, different per facility for the same NHI.
    pub id: String,
    pub nhi: String,
    pub family: String,
    pub given: String,
    /// "YYYY-MM-DD"
    pub birth_date: String,
    /// FHIR administrative gender: male | female | other | unknown.
    pub gender: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimPractitioner {
    /// 32 lower-hex.
    pub id: String,
    pub family: String,
    pub given: String,
}

pub(crate) struct SeedFacility {
    pub(crate) facility: SimFacility,
    pub(crate) location_id: String,
    pub(crate) organisation_id: String,
    pub(crate) hpi_organisation: String,
    pub(crate) pms_version: String,
    pub(crate) patients: Vec<SimPatient>,
    pub(crate) practitioners: Vec<SimPractitioner>,
}

pub(crate) struct Seed {
    pub(crate) facilities: Vec<SimFacility>,
    practices: Vec<SeedFacility>,
}

/// (NHI, family, given, birth date, gender, in F2N060-E, in F99669-C)
const PEOPLE: [(&str, &str, &str, &str, &str, bool, bool); 8] = [
    ("ZZZ0016", "Testpatient", "Aroha", "1975-03-14", "female", true, true),
    ("ZZZ0024", "Samplesmith", "Bob", "1962-11-02", "male", true, true),
    ("ZZZ0032", "Demoson", "Carol", "1988-07-21", "female", true, false),
    ("ZAA0067", "Fakerton", "Dinesh", "2001-01-09", "male", true, true),
    ("ZAC5361", "Mockford", "Eru", "1954-09-30", "male", true, false),
    ("ZZZ00AC", "Placeholder", "Frankie", "2015-05-05", "other", true, true),
    ("ZBN77VL", "Dummyworth", "Gina", "1999-12-31", "female", false, true),
    ("ZHW58CV", "Exampleton", "Hemi", "1970-06-15", "unknown", false, true),
];

/// (facility, family, given)
const DOCTORS: [(&str, &str, &str); 5] = [
    (UAT_FACILITY, "Simdoctor", "Grace"),
    (UAT_FACILITY, "Fakenurse", "Tane"),
    (UAT_FACILITY, "Testlocum", "Priya"),
    (SECOND_FACILITY, "Mockmedic", "Oliver"),
    (SECOND_FACILITY, "Sampleson", "Mere"),
];

/// First 32 hex digits of sha256 over the parts.
pub(crate) fn hex_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())[..32].to_string()
}

impl Seed {
    pub(crate) fn new() -> Seed {
        let facilities = vec![
            SimFacility {
                id: UAT_FACILITY.into(),
                name: "Simulated UAT Test Practice".into(),
                mapped: true,
            },
            SimFacility {
                id: SECOND_FACILITY.into(),
                name: "Simulated Riverside Medical Centre".into(),
                mapped: true,
            },
            SimFacility {
                id: UNMAPPED_FACILITY.into(),
                name: "Simulated Unmapped Practice".into(),
                mapped: false,
            },
        ];
        let practices = facilities
            .iter()
            .filter(|f| f.mapped)
            .map(|f| {
                let in_facility =
                    |uat: bool, second: bool| (f.id == UAT_FACILITY && uat) || (f.id == SECOND_FACILITY && second);
                let patients = PEOPLE
                    .iter()
                    .filter(|p| in_facility(p.5, p.6))
                    .map(|p| SimPatient {
                        id: hex_id(&[&f.id, p.0]),
                        nhi: p.0.into(),
                        family: p.1.into(),
                        given: p.2.into(),
                        birth_date: p.3.into(),
                        gender: p.4.into(),
                    })
                    .collect();
                let practitioners = DOCTORS
                    .iter()
                    .filter(|d| d.0 == f.id)
                    .map(|d| SimPractitioner {
                        id: hex_id(&["practitioner", &f.id, d.1, d.2]),
                        family: d.1.into(),
                        given: d.2.into(),
                    })
                    .collect();
                SeedFacility {
                    location_id: hex_id(&["location", &f.id]),
                    organisation_id: hex_id(&["organisation", &f.id]),
                    hpi_organisation: if f.id == UAT_FACILITY { "G00001-G" } else { "G00002-J" }.into(),
                    pms_version: "Medtech Evolution 10.9 (simulated)".into(),
                    facility: f.clone(),
                    patients,
                    practitioners,
                }
            })
            .collect();
        Seed { facilities, practices }
    }

    /// The practice behind a *mapped* facility id.
    pub(crate) fn practice(&self, facility: &str) -> Option<&SeedFacility> {
        self.practices
            .iter()
            .find(|p| p.facility.id == facility && p.facility.mapped)
    }

    pub(crate) fn patients(&self, facility: &str) -> impl Iterator<Item = &SimPatient> {
        self.practice(facility).into_iter().flat_map(|p| p.patients.iter())
    }

    pub(crate) fn practitioners(&self, facility: &str) -> impl Iterator<Item = &SimPractitioner> {
        self.practice(facility).into_iter().flat_map(|p| p.practitioners.iter())
    }
}

impl SeedFacility {
    pub(crate) fn patient(&self, id: &str) -> Option<&SimPatient> {
        self.patients.iter().find(|p| p.id == id)
    }

    pub(crate) fn practitioner(&self, id: &str) -> Option<&SimPractitioner> {
        self.practitioners.iter().find(|p| p.id == id)
    }

    pub(crate) fn location_resource(&self) -> Value {
        json!({
            "resourceType": "Location",
            "id": self.location_id,
            "meta": { "versionId": "1" },
            "extension": [{ "url": PMS_VERSION_EXTENSION, "valueString": self.pms_version }],
            "identifier": [{ "use": "official", "system": HPI_FACILITY_SYSTEM, "value": self.facility.id }],
            "status": "active",
            "name": self.facility.name,
            "mode": "instance",
            "managingOrganization": {
                "reference": format!("Organization/{}", self.organisation_id),
                "identifier": { "system": HPI_ORGANISATION_SYSTEM, "value": self.hpi_organisation },
                "display": self.facility.name
            }
        })
    }
}

pub(crate) fn patient_resource(p: &SimPatient) -> Value {
    json!({
        "resourceType": "Patient",
        "id": p.id,
        "meta": { "versionId": "1" },
        "identifier": [{ "use": "official", "system": NHI_SYSTEM, "value": p.nhi }],
        "active": true,
        "name": [{ "use": "official", "family": p.family, "given": [p.given] }],
        "gender": p.gender,
        "birthDate": p.birth_date
    })
}

pub(crate) fn practitioner_resource(p: &SimPractitioner) -> Value {
    json!({
        "resourceType": "Practitioner",
        "id": p.id,
        "meta": { "versionId": "1" },
        "active": true,
        "name": [{ "use": "official", "family": p.family, "given": [p.given], "prefix": ["Dr"] }]
    })
}

/// HISO 10046:2023 NHI check (old `AAANNNC` and new `AAANNAX` formats).
#[cfg(test)]
pub(crate) fn nhi_is_valid(nhi: &str) -> bool {
    crate::nhi::Nhi::parse(nhi).is_ok_and(|n| n.as_str() == nhi)
}
