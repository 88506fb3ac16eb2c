//! The tags a photo carries, which are missing, and how they read in words.

use serde::{Deserialize, Serialize};

use super::codes::{self, BODY_SITES, IMAGE_TYPES, LATERALITIES, VIEWS};

/// Codes chosen from the lists in `codes` (by code value), plus free text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tags {
    pub body_site: Option<String>,
    pub laterality: Option<String>,
    pub view: Option<String>,
    pub image_type: Option<String>,
    pub description: Option<String>,
}

/// A change to apply to one or many photos: `Some` fields are set (an empty string clears).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagPatch {
    pub body_site: Option<String>,
    pub laterality: Option<String>,
    pub view: Option<String>,
    pub image_type: Option<String>,
    pub description: Option<String>,
}

pub const MAX_DESCRIPTION: usize = 500;

/// The tag fields, as named in settings (`required_fields`) and the UI.
pub const FIELDS: [(&str, &str); 4] = [
    ("body_site", "Body site"),
    ("laterality", "Laterality"),
    ("view", "View"),
    ("image_type", "Image type"),
];

impl TagPatch {
    /// Checks every code against its verified list and the description's length.
    pub fn validate(&self) -> Result<(), String> {
        let check = |value: &Option<String>, list: &'static [codes::Code], what: &str| match value.as_deref() {
            None | Some("") => Ok(()),
            Some(code) if codes::find(list, code).is_some() => Ok(()),
            Some(_) => Err(format!("That {what} is not one of the offered choices.")),
        };
        check(&self.body_site, BODY_SITES, "body site")?;
        check(&self.laterality, LATERALITIES, "laterality")?;
        check(&self.view, VIEWS, "view")?;
        check(&self.image_type, IMAGE_TYPES, "image type")?;
        if self
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
        {
            return Err(format!("The description is limited to {MAX_DESCRIPTION} characters."));
        }
        Ok(())
    }

    pub fn apply(&self, tags: &mut Tags) {
        let set = |slot: &mut Option<String>, v: &Option<String>| {
            if let Some(v) = v {
                let v = v.trim();
                *slot = (!v.is_empty()).then(|| v.to_string());
            }
        };
        set(&mut tags.body_site, &self.body_site);
        set(&mut tags.laterality, &self.laterality);
        set(&mut tags.view, &self.view);
        set(&mut tags.image_type, &self.image_type);
        set(&mut tags.description, &self.description);
    }
}

impl Tags {
    /// A coded field by its settings name (`body_site`, `laterality`, `view`, `image_type`).
    pub fn get(&self, field: &str) -> Option<&str> {
        match field {
            "body_site" => self.body_site.as_deref(),
            "laterality" => self.laterality.as_deref(),
            "view" => self.view.as_deref(),
            "image_type" => self.image_type.as_deref(),
            _ => None,
        }
    }

    /// The labels of required fields still empty.
    pub fn missing(&self, required: &[String]) -> Vec<String> {
        FIELDS
            .iter()
            .filter(|(f, _)| required.iter().any(|r| r == f) && self.get(f).is_none())
            .map(|(_, label)| label.to_string())
            .collect()
    }

    pub fn label(list: &'static [codes::Code], code: Option<&str>) -> Option<&'static str> {
        code.and_then(|c| codes::find(list, c)).map(|c| c.label)
    }

    /// "Left forearm", "Forearm", or None: the site with its side, as a GP says it.
    pub fn site_words(&self) -> Option<String> {
        let site = Self::label(BODY_SITES, self.body_site.as_deref())?;
        let side = match self.laterality.as_deref() {
            Some("7771000") => Some("Left"),
            Some("24028007") => Some("Right"),
            Some("51440002") => Some("Both sides,"),
            Some("399488007") => Some("Midline"),
            _ => None,
        };
        Some(match side {
            Some(side) => format!("{side} {}", lowercase_first(site)),
            None => site.to_string(),
        })
    }

    /// Everything recorded, in words, joined with " — " (used for the Media title and the PDF).
    pub fn words(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.site_words());
        out.extend(Self::label(VIEWS, self.view.as_deref()).map(lowercase_first));
        out.extend(Self::label(IMAGE_TYPES, self.image_type.as_deref()).map(lowercase_first));
        out
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(site: &str, side: &str, view: &str, kind: &str) -> Tags {
        let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
        Tags {
            body_site: s(site),
            laterality: s(side),
            view: s(view),
            image_type: s(kind),
            description: None,
        }
    }

    #[test]
    fn words_read_like_a_gp_writes() {
        let t = tags("14975008", "7771000", "255549009", "lesion");
        assert_eq!(t.words().join(" — "), "Left forearm — anterior — lesion");
        let t = tags("85562004", "51440002", "", "rash");
        assert_eq!(t.words().join(" — "), "Both sides, hand — rash");
        let t = tags("45206002", "385432009", "", "");
        assert_eq!(t.words(), ["Nose"]);
    }

    #[test]
    fn missing_lists_required_empty_fields() {
        let required: Vec<String> = ["body_site", "laterality", "image_type"].map(String::from).to_vec();
        assert_eq!(
            Tags::default().missing(&required),
            ["Body site", "Laterality", "Image type"]
        );
        assert!(tags("14975008", "7771000", "", "lesion").missing(&required).is_empty());
    }

    #[test]
    fn patches_validate_codes_and_apply() {
        let bad = TagPatch {
            body_site: Some("22335008".into()),
            ..Default::default()
        };
        assert!(
            bad.validate().is_err(),
            "a wrong 'Leg' code from public code is refused"
        );
        let p = TagPatch {
            body_site: Some("14975008".into()),
            view: Some("".into()),
            ..Default::default()
        };
        p.validate().unwrap();
        let mut t = tags("85562004", "7771000", "255549009", "");
        p.apply(&mut t);
        assert_eq!(t.body_site.as_deref(), Some("14975008"));
        assert_eq!(t.view, None, "empty clears");
        assert_eq!(t.laterality.as_deref(), Some("7771000"), "absent keeps");
    }
}
