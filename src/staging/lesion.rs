//! Lesions of a skin check, as pages see them: a number (L1, L2, …), a point on the body map, a
//! site and side (verified codes), an optional note, and how many photos belong to it. Several
//! photos (overview, close-up, dermoscopy) may belong to one lesion; the lesion's number and note
//! travel with each photo into what is committed.

use serde::{Deserialize, Serialize};

use crate::metadata::{body_map::View, tags::Tags};

pub const MAX_NOTE: usize = 200;
/// Most lesions one session may mark (removed ones included: their numbers are never reused).
pub const MAX_LESIONS: usize = 99;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LesionView {
    pub id: String,
    pub number: u32,
    pub view: View,
    pub x: u16,
    pub y: u16,
    /// Body-site code (side-neutral) and laterality code, from the verified lists.
    pub site: String,
    pub laterality: String,
    pub note: String,
    /// Photos of this session linked to it (not removed).
    pub photos: u32,
}

impl LesionView {
    /// "L2".
    pub fn label(&self) -> String {
        format!("L{}", self.number)
    }

    /// "Left forearm" (the site with its side, as a GP says it).
    pub fn site_words(&self) -> String {
        let tags = Tags {
            body_site: Some(self.site.clone()),
            laterality: Some(self.laterality.clone()).filter(|l| !l.is_empty()),
            ..Default::default()
        };
        tags.site_words().unwrap_or_default()
    }
}

/// What a photo's record carries of its lesion (for titles, captions and PDF lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LesionTag {
    pub number: u32,
    pub note: String,
}

impl LesionTag {
    /// "L2".
    pub fn label(&self) -> String {
        format!("L{}", self.number)
    }

    /// The photo's words with the lesion: "L2 Left forearm", "close-up", …, then the note.
    pub fn words(tag: Option<&LesionTag>, mut words: Vec<String>) -> Vec<String> {
        let Some(l) = tag else { return words };
        match words.first_mut() {
            Some(first) => *first = format!("{} {first}", l.label()),
            None => words.push(l.label()),
        }
        let note = l.note.trim();
        if !note.is_empty() {
            words.push(note.to_string());
        }
        words
    }
}
