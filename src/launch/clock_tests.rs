use chrono::{TimeZone, Utc};

use super::*;

/// 2026-12-07 01:00 UTC is 14:00 NZDT the same day.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 1, 0, 0).unwrap()
}

#[test]
fn a_fresh_launch_opens_in_every_format_alex_may_write() {
    // 30 s old, written three ways.
    let cases = [
        ("2026-12-07T00:59:30Z", Reading::Offset),
        ("2026-12-07T13:59:30+13:00", Reading::Offset),
        ("2026-12-07T13:59:30", Reading::NewZealand),
        ("2026-12-07T13:59:30.123", Reading::NewZealand),
        ("2026-12-07T00:59:30", Reading::Utc),
        ("2026-12-07 00:59:30", Reading::Utc),
    ];
    for (s, reading) in cases {
        assert_eq!(judge(Some(s), 300, now()), Verdict::Fresh(reading), "{s}");
    }
}

#[test]
fn the_age_limit_holds_under_the_reading_that_fits() {
    // 10 minutes old as UTC, 13 h 10 min as NZ time: old either way.
    assert_eq!(
        judge(Some("2026-12-07T00:50:00"), 300, now()),
        Verdict::TooOld { seen_secs: 600 }
    );
    // 10 minutes old as NZ time.
    assert_eq!(
        judge(Some("2026-12-07T13:50:00"), 300, now()),
        Verdict::TooOld { seen_secs: 600 }
    );
    // From the future beyond the skew allowance, in any reading.
    assert_eq!(
        judge(Some("2026-12-07T01:10:00Z"), 300, now()),
        Verdict::TooOld { seen_secs: -600 }
    );
    // Two minutes ahead is clock skew, and fine.
    assert!(judge(Some("2026-12-07T01:01:30Z"), 300, now()).is_fresh());
}

#[test]
fn a_missing_or_unreadable_time_is_refused_unless_the_check_is_off() {
    for s in [None, Some(""), Some("   "), Some("yesterday"), Some("07/12/2026 14:00")] {
        assert_eq!(judge(s, 300, now()), Verdict::Unreadable, "{s:?}");
    }
    assert_eq!(judge(None, 0, now()), Verdict::Unchecked);
    assert!(Verdict::Unchecked.is_fresh());
}

#[test]
fn winter_time_is_read_as_nzst() {
    // 2026-07-01 02:00 UTC is 14:00 NZST (+12).
    let july = Utc.with_ymd_and_hms(2026, 7, 1, 2, 0, 0).unwrap();
    assert_eq!(
        judge(Some("2026-07-01T13:59:00"), 300, july),
        Verdict::Fresh(Reading::NewZealand)
    );
    assert_eq!(
        judge(Some("2026-07-01T01:59:00"), 300, july),
        Verdict::Fresh(Reading::Utc)
    );
}
