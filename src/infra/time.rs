//! Times as stored (seconds since the epoch) and as a GP reads them (New Zealand time).

/// Seconds since the Unix epoch (how times are stored).
pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// "23 Nov 2026 10:42" in New Zealand time.
pub fn taken_words(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| {
            t.with_timezone(&chrono_tz::Pacific::Auckland)
                .format("%-d %b %Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// "10:52" (New Zealand time) for an epoch second.
pub fn clock(at: i64) -> String {
    taken_words(at).rsplit(' ').next().unwrap_or_default().to_string()
}

/// `1985-03-12` → `12 Mar 1985` (unambiguous for a GP).
pub fn format_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_unambiguously() {
        assert_eq!(format_date("1985-03-12"), "12 Mar 1985");
        assert_eq!(format_date("garbage"), "garbage");
    }
}
