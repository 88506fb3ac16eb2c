//! NZ National Health Index numbers (HISO 10046:2023): format and check-digit validation.
//! Shared by the server (before any ALEX call) and the browser (instant feedback).

use serde::{Deserialize, Serialize};
use std::fmt;

/// FHIR identifier system for NHI numbers.
pub const NHI_SYSTEM: &str = "https://standards.digital.health.nz/ns/nhi-id";

/// A syntactically valid NHI with a correct check character, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nhi(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhiError {
    #[error("an NHI has 7 characters; this one has {0}")]
    Length(usize),
    #[error("an NHI starts with three letters (not I or O)")]
    Letters,
    #[error("characters 4 and 5 of an NHI are digits")]
    Digits,
    #[error("an NHI ends in 2 digits (old format) or 2 letters (new format)")]
    Format,
    #[error("the NHI's check character is wrong: it may be mistyped")]
    CheckDigit,
}

impl Nhi {
    pub fn parse(input: &str) -> Result<Nhi, NhiError> {
        let s: Vec<char> = input.trim().chars().map(|c| c.to_ascii_uppercase()).collect();
        if s.len() != 7 {
            return Err(NhiError::Length(s.len()));
        }
        let mut sum = 0u32;
        for (i, &c) in s[..3].iter().enumerate() {
            sum += letter_value(c).ok_or(NhiError::Letters)? * (7 - i as u32);
        }
        for (i, &c) in s[3..5].iter().enumerate() {
            sum += c.to_digit(10).ok_or(NhiError::Digits)? * (4 - i as u32);
        }
        let (c5, check) = (s[5], s[6]);
        if c5.is_ascii_digit() && check.is_ascii_digit() {
            // Old format AAANNNC: mod 11, remainder 0 invalid, check = (11 - r) mod 10.
            sum += c5.to_digit(10).unwrap_or(0) * 2;
            let r = sum % 11;
            if r == 0 || (11 - r) % 10 != check.to_digit(10).unwrap_or(99) {
                return Err(NhiError::CheckDigit);
            }
        } else if let (Some(v5), Some(vc)) = (letter_value(c5), letter_value(check)) {
            // New format AAANNAX: mod 23, check letter value = 23 - r.
            sum += v5 * 2;
            if 23 - sum % 23 != vc {
                return Err(NhiError::CheckDigit);
            }
        } else {
            return Err(NhiError::Format);
        }
        Ok(Nhi(s.into_iter().collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Test NHIs start with Z (HISO 10046).
    pub fn is_test(&self) -> bool {
        self.0.starts_with('Z')
    }
}

/// A=1 … Z=24 skipping I and O.
fn letter_value(c: char) -> Option<u32> {
    if !c.is_ascii_uppercase() || c == 'I' || c == 'O' {
        return None;
    }
    let mut v = c as u32 - 'A' as u32 + 1;
    if c > 'I' {
        v -= 1;
    }
    if c > 'O' {
        v -= 1;
    }
    Some(v)
}

impl TryFrom<String> for Nhi {
    type Error = NhiError;
    fn try_from(s: String) -> Result<Self, NhiError> {
        Nhi::parse(&s)
    }
}

impl From<Nhi> for String {
    fn from(n: Nhi) -> String {
        n.0
    }
}

impl fmt::Display for Nhi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_hiso_examples() {
        for ok in [
            "ZZZ0016", "ZZZ0024", "ZZZ0032", "ZAA0067", "ZAC5361", "ZZZ00AC", "ZBN77VL", "ZHW58CV",
        ] {
            assert_eq!(Nhi::parse(ok).map(|n| n.to_string()), Ok(ok.to_string()), "{ok}");
        }
        assert_eq!(Nhi::parse(" zzz0016 ").unwrap().as_str(), "ZZZ0016");
    }

    #[test]
    fn rejects_the_hiso_examples() {
        for bad in ["ZZZ0044", "ZZZ0017", "DAB8233", "ZZZ00AA", "ZZZ00AX", "ZHW58CZ"] {
            assert_eq!(Nhi::parse(bad), Err(NhiError::CheckDigit), "{bad}");
        }
    }

    #[test]
    fn rejects_malformed_input_with_a_reason() {
        assert_eq!(Nhi::parse("ZZZ001"), Err(NhiError::Length(6)));
        assert_eq!(Nhi::parse("ZIZ0016"), Err(NhiError::Letters));
        assert_eq!(Nhi::parse("ZZZA016"), Err(NhiError::Digits));
        assert_eq!(Nhi::parse("ZZZ001A"), Err(NhiError::Format));
        assert_eq!(Nhi::parse("ZZZ00A1"), Err(NhiError::Format));
        assert_eq!(Nhi::parse("ZZZ0Ω16"), Err(NhiError::Digits));
    }

    #[test]
    fn new_format_check_letter_is_never_z() {
        // 23 - r is at most 23 (Y), so a Z check letter can never validate.
        for mid in ["00A", "58C", "77V"] {
            assert!(Nhi::parse(&format!("ZHW{mid}Z")).is_err());
        }
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<Nhi>("\"ZZZ0016\"").is_ok());
        assert!(serde_json::from_str::<Nhi>("\"ZZZ0017\"").is_err());
    }
}
