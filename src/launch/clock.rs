//! The launch clock (pure, but for `note`): how old a launch is by ALEX's `createdTime`. ALEX
//! publishes no format for it, so a time with an offset (RFC 3339) is read as written, and one
//! without is read both as New Zealand time and as UTC: a launch fresh under either reading
//! opens. That reopens no replay — a launch pair opens one session, once, whatever its age —
//! and the age limit still holds under the reading that fits. Which reading fitted is counted
//! (`clinical_images_launch_clock_total{reading}`) and said once in the log, so the operator
//! learns ALEX's real format.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// Up to two minutes of clock difference between Medtech and us, into the future.
const CLOCK_SKEW_SECS: i64 = 120;

/// How a `createdTime` was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// RFC 3339, with its own offset.
    Offset,
    /// No offset: New Zealand time (NZST/NZDT).
    NewZealand,
    /// No offset: UTC.
    Utc,
}

impl Reading {
    pub fn slug(self) -> &'static str {
        match self {
            Reading::Offset => "offset",
            Reading::NewZealand => "new_zealand",
            Reading::Utc => "utc",
        }
    }
}

/// What the clock says of one launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the age limit under this reading.
    Fresh(Reading),
    /// The check is off (`launch_max_age_seconds = 0`).
    Unchecked,
    /// Readable, but fresh under no reading: `seen_secs` is its age under the reading closest to
    /// fresh (negative: from the future), for the page that says so.
    TooOld { seen_secs: i64 },
    /// Missing, or in no format we read: refused (fail closed).
    Unreadable,
}

impl Verdict {
    pub fn is_fresh(self) -> bool {
        matches!(self, Verdict::Fresh(_) | Verdict::Unchecked)
    }
}

/// Judges a launch's `createdTime` against `now` and the age limit.
pub fn judge(created: Option<&str>, max_age_secs: u64, now: DateTime<Utc>) -> Verdict {
    if max_age_secs == 0 {
        return Verdict::Unchecked;
    }
    let readings = match created.map(str::trim) {
        Some(s) if !s.is_empty() => readings(s),
        _ => Vec::new(),
    };
    if readings.is_empty() {
        return Verdict::Unreadable;
    }
    let fresh = |age: i64| age >= -CLOCK_SKEW_SECS && age <= max_age_secs as i64;
    let ages: Vec<(Reading, i64)> = readings
        .into_iter()
        .map(|(r, t)| (r, now.signed_duration_since(t).num_seconds()))
        .collect();
    if let Some((r, _)) = ages.iter().find(|(_, age)| fresh(*age)) {
        return Verdict::Fresh(*r);
    }
    let (_, seen_secs) = ages
        .into_iter()
        .min_by_key(|(_, age)| age.abs())
        .unwrap_or((Reading::Offset, 0));
    Verdict::TooOld { seen_secs }
}

/// Every reading of `s`, New Zealand first.
fn readings(s: &str) -> Vec<(Reading, DateTime<Utc>)> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return vec![(Reading::Offset, t.with_timezone(&Utc))];
    }
    let Ok(naive) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(t) = chrono_tz::Pacific::Auckland.from_local_datetime(&naive).earliest() {
        out.push((Reading::NewZealand, t.with_timezone(&Utc)));
    }
    out.push((Reading::Utc, naive.and_utc()));
    out
}

/// Counts the reading that fitted, and says the first in the log (never the time itself).
#[cfg(feature = "ssr")]
pub fn note(reading: Reading) {
    use std::sync::Once;
    static FIRST: Once = Once::new();
    metrics::counter!("clinical_images_launch_clock_total", "reading" => reading.slug()).increment(1);
    FIRST.call_once(|| {
        tracing::info!(
            reading = reading.slug(),
            "launch clock: ALEX's createdTime is read as {} (the first launch since start-up)",
            reading.slug()
        );
    });
}

#[cfg(test)]
#[path = "clock_tests.rs"]
mod tests;
