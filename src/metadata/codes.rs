//! The only clinical codes the product offers, copied from `shared/CLINICAL_CODES.md`, where each
//! was verified in two independent sources. A test re-reads that file and fails if any code here
//! is missing from it or carries another meaning. Body sites are side-neutral: laterality is a
//! separate field and the two are never combined into a pre-lateralised code.

use serde::Serialize;

pub const SNOMED: &str = "http://snomed.info/sct";
/// Our own code system for image types and the views SNOMED has no code for.
pub const LOCAL_IMAGE_TYPE: &str = "urn:x-clinical-images:codesystem:image-type";
pub const LOCAL_VIEW: &str = "urn:x-clinical-images:codesystem:view";

/// One choice in a picker: what the GP reads, and the code stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Code {
    pub label: &'static str,
    pub system: &'static str,
    pub code: &'static str,
    /// The code system's own term (for SNOMED, the verified term).
    pub term: &'static str,
}

const fn sct(label: &'static str, code: &'static str, term: &'static str) -> Code {
    Code {
        label,
        system: SNOMED,
        code,
        term,
    }
}

pub const BODY_SITES: &[Code] = &[
    sct("Head", "69536005", "Head structure"),
    sct("Scalp", "41695006", "Scalp structure"),
    sct("Face", "89545001", "Face structure"),
    sct("Forehead", "52795006", "Forehead structure"),
    sct("Eye region", "371398005", "Eye region structure"),
    sct("Eyelid", "80243003", "Eyelid structure"),
    sct("Ear", "117590005", "Ear structure"),
    sct("Nose", "45206002", "Nasal structure"),
    sct("Lip", "48477009", "Lip structure"),
    sct("Mouth", "123851003", "Mouth region structure"),
    sct("Neck", "45048000", "Neck structure"),
    sct("Chest", "51185008", "Thoracic structure"),
    sct("Breast", "76752008", "Breast structure"),
    sct("Axilla", "91470000", "Axillary region structure"),
    sct("Abdomen", "818983003", "Abdomen"),
    sct("Back", "77568009", "Structure of back of trunk"),
    sct("Lower back", "37822005", "Lower back structure"),
    sct("Trunk", "22943007", "Trunk structure"),
    sct("Buttock", "46862004", "Buttock structure"),
    sct("Groin", "26893007", "Inguinal region structure"),
    sct(
        "External genitalia (skin)",
        "60944009",
        "Skin structure of external genitalia",
    ),
    sct("Perineum", "38864007", "Perineal structure"),
    sct("Perianal region", "397158004", "Perianal region structure"),
    sct("Shoulder", "16982005", "Shoulder region structure"),
    sct("Upper arm", "40983000", "Upper arm structure"),
    sct("Elbow", "127949000", "Elbow region structure"),
    sct("Forearm", "14975008", "Forearm structure"),
    sct("Wrist", "8205005", "Wrist region structure"),
    sct("Hand", "85562004", "Hand structure"),
    sct("Palm (skin)", "70887009", "Skin structure of palmar area of hand"),
    sct("Finger", "7569003", "Finger structure"),
    sct("Fingernail", "770809003", "Structure of nail unit of finger"),
    sct("Upper limb (whole arm)", "53120007", "Upper limb structure"),
    sct("Hip", "29836001", "Hip region structure"),
    sct("Thigh", "68367000", "Thigh structure"),
    sct("Knee", "72696002", "Knee region structure"),
    sct("Lower leg", "30021000", "Lower leg structure"),
    sct("Shin (skin)", "25763004", "Skin of anterior surface of lower leg"),
    sct("Calf", "53840002", "Structure of calf of leg"),
    sct("Ankle", "344001", "Ankle region structure"),
    sct("Foot", "56459004", "Foot structure"),
    sct("Heel", "76853006", "Heel structure"),
    sct("Toe", "29707007", "Toe structure"),
    sct("Toenail", "770805009", "Structure of nail unit of toe"),
    sct("Lower limb (whole leg)", "61685007", "Lower limb structure"),
    sct("Skin (site not listed)", "39937001", "Skin structure"),
];

pub const LATERALITIES: &[Code] = &[
    sct("Left", "7771000", "Left (qualifier value)"),
    sct("Right", "24028007", "Right (qualifier value)"),
    sct("Bilateral", "51440002", "Right and left (qualifier value)"),
    sct("Midline", "399488007", "Midline (qualifier value)"),
    sct("Not applicable", "385432009", "Not applicable (qualifier value)"),
];

pub const VIEWS: &[Code] = &[
    sct("Anterior", "255549009", "Anterior (qualifier value)"),
    sct("Posterior", "255551008", "Posterior (qualifier value)"),
    sct("Lateral", "49370004", "Lateral (qualifier value)"),
    sct("Medial", "255561001", "Medial (qualifier value)"),
    sct("Superior", "264217000", "Superior (qualifier value)"),
    sct("Inferior", "261089000", "Inferior (qualifier value)"),
    Code {
        label: "Close-up",
        system: LOCAL_VIEW,
        code: "close-up",
        term: "Close-up",
    },
    Code {
        label: "Overview",
        system: LOCAL_VIEW,
        code: "overview",
        term: "Overview",
    },
];

const fn local_type(label: &'static str, code: &'static str) -> Code {
    Code {
        label,
        system: LOCAL_IMAGE_TYPE,
        code,
        term: label,
    }
}

/// Image types: no standard code set covers these, so they are our own codes.
pub const IMAGE_TYPES: &[Code] = &[
    local_type("Clinical photo", "clinical-photo"),
    local_type("Lesion", "lesion"),
    local_type("Rash", "rash"),
    local_type("Wound", "wound"),
    local_type("Post-operative", "post-operative"),
    local_type("Dermoscopy", "dermoscopy"),
];

/// Standard codes that mean the same as some of our image types (added beside the local code).
pub fn image_type_standard_code(local: &str) -> Option<Code> {
    match local {
        "lesion" => Some(sct("Skin lesion", "95324001", "Skin lesion")),
        "rash" => Some(sct("Rash", "271807003", "Eruption of skin")),
        _ => None,
    }
}

/// Finds a code by its code value in one list.
pub fn find(list: &'static [Code], code: &str) -> Option<&'static Code> {
    if code.is_empty() {
        return None;
    }
    list.iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every SNOMED code offered must appear in CLINICAL_CODES.md with the same term.
    #[test]
    fn every_snomed_code_is_in_the_verified_file() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/CLINICAL_CODES.md");
        let Ok(doc) = std::fs::read_to_string(path) else {
            panic!("{path} is missing: the verified code list must sit beside the repository");
        };
        let rows: Vec<Vec<String>> = doc
            .lines()
            .filter(|l| l.starts_with('|'))
            .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
            .collect();
        let verified = |code: &str, term: &str| {
            rows.iter()
                .any(|r| r.iter().any(|c| c == code) && r.iter().any(|c| c == term))
        };
        let offered = BODY_SITES.iter().chain(LATERALITIES).chain(VIEWS).chain(IMAGE_TYPES);
        for c in offered.filter(|c| c.system == SNOMED) {
            assert!(
                verified(c.code, c.term),
                "{} {} ({}) is not verified",
                c.code,
                c.term,
                c.label
            );
        }
    }

    #[test]
    fn codes_known_to_be_shipped_wrong_elsewhere_carry_their_real_meaning() {
        assert_eq!(find(BODY_SITES, "40983000").unwrap().label, "Upper arm");
        assert_eq!(find(BODY_SITES, "53120007").unwrap().label, "Upper limb (whole arm)");
        assert!(find(BODY_SITES, "22335008").is_none());
        assert!(find(BODY_SITES, "43799004").is_none());
        assert!(find(LATERALITIES, "373067005").is_none());
    }

    #[test]
    fn codes_are_unique_and_body_sites_are_side_neutral() {
        for list in [BODY_SITES, LATERALITIES, VIEWS, IMAGE_TYPES] {
            let mut seen = std::collections::HashSet::new();
            assert!(list.iter().all(|c| seen.insert(c.code)));
        }
        assert!(
            BODY_SITES
                .iter()
                .all(|c| !c.term.contains("left") && !c.term.contains("right"))
        );
    }
}
