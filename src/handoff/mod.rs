//! Phone handoff: the desktop shows a QR code (and a short typable code) for a mobile URL
//! bound to its launch session; the GP's phone opens it, confirms the patient, takes photos,
//! and they appear on the desktop within a second (server-sent events).
//!
//! `api` holds the server functions; `service` (ssr) links, codes and what a phone may see,
//! `guesses` (ssr) the limit on guessing codes, `server` (ssr) the phone's upload and the event
//! stream; `desktop` the desktop panel, `mobile` the phone's pages.

pub mod api;
pub mod desktop;
#[cfg(feature = "ssr")]
pub mod guesses;
pub mod mobile;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

use crate::model::{ClientLimits, PatientSummary};

/// What the desktop shows while phone capture is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffView {
    pub url: String,
    /// Eight characters shown as "ABCD-EFGH", for typing at `/m`.
    pub code: String,
    /// The QR code of `url`, rendered on the server.
    pub qr_svg: String,
    pub valid_minutes: u64,
    /// Local (NZ) time it stops working, e.g. "10:52".
    pub expires_at: String,
}

/// What the phone shows: who the photos are for, and how to prepare them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MobileView {
    pub patient: PatientSummary,
    pub limits: ClientLimits,
    pub expires_at: String,
}

/// The alphabet of typable codes: no 0/O, 1/I/L confusion.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// "abcd efgh", "ABCD-EFGH" → "ABCDEFGH" (None when it cannot be a code).
pub fn normalise_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == 8 && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_normalise() {
        assert_eq!(normalise_code("abcd-efgh").as_deref(), Some("ABCDEFGH"));
        assert_eq!(normalise_code(" K7M4 QPXZ ").as_deref(), Some("K7M4QPXZ"));
        assert_eq!(normalise_code("ABCD-EFG"), None);
        assert_eq!(normalise_code("ABCD-EFG0"), None, "0 is not in the alphabet");
    }
}
