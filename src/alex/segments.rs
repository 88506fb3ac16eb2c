//! Path segments made from outside input (ids, launch pairs): only in their real shape, so
//! nothing a caller sends can add a segment or climb out of the path it is meant for.

use super::AlexError;

/// An id or resource type as one path segment: FHIR id characters only, never `.`/`..`.
pub(super) fn segment(s: &str) -> Result<&str, AlexError> {
    let ok = !s.is_empty()
        && s.len() <= 4096
        && !s.bytes().all(|b| b == b'.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok { Ok(s) } else { Err(unsafe_segment()) }
}

fn unsafe_segment() -> AlexError {
    AlexError::Unexpected {
        status: 0,
        detail: "unsafe path segment".into(),
    }
}

/// A launch `context` or `signature` as a path segment: only in their real shape (base64 or
/// base64url, at most 4 KiB), with `+`, `/` and `=` percent-encoded, so nothing a caller sends
/// can add a segment or climb out of the decode path (`.`, `..` and `%` are never accepted).
pub(super) fn launch_segment(s: &str) -> Result<String, AlexError> {
    if !is_launch_token(s) {
        return Err(unsafe_segment());
    }
    Ok(s.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D"))
}

/// The shape of a launch `context` or `signature`: base64 or base64url text, at most 4 KiB.
pub fn is_launch_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 4096
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/' | b'='))
}
