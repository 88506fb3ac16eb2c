//! Hashing, comparing secrets, and capability tokens.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 (photo and document integrity, secrets stored as hashes).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Compares two secrets without leaking their length or content through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Compare digests so neither length nor content leaks through timing.
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    da.iter().zip(db.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh capability token: 256 random bits, base64url (43 characters). Session ids, browser
/// secrets and phone links all use it.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `s` has the shape of a `random_token` (checked before any lookup).
pub fn is_token(s: &str) -> bool {
    s.len() == 43 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_recognised() {
        let t = random_token();
        assert_eq!(t.len(), 43);
        assert!(is_token(&t));
        assert_ne!(t, random_token());
        assert!(!is_token("../etc"));
    }

    #[test]
    fn secrets_compare_by_content() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert_eq!(sha256_hex(b"").len(), 64);
    }
}
