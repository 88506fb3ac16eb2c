//! How fast delivery writes to one practice (pure): a sliding minute of sends, a bound on sends
//! in flight, and the backoff after the practice could not be reached — the whole practice waits
//! on it, one probe at a time, like a circuit breaker.

use crate::config::Settings;

/// The sliding window the per-minute limit counts in (ms).
pub const WINDOW_MS: i64 = 60_000;

/// One practice's pacing, from the settings.
#[derive(Clone, Copy, Debug)]
pub struct Pacing {
    pub per_minute: u32,
    pub at_once: u32,
    pub first_ms: u64,
    pub max_ms: u64,
}

impl Pacing {
    pub fn of(s: &Settings) -> Pacing {
        Pacing {
            per_minute: s.delivery_per_minute.max(1),
            at_once: s.delivery_at_once.max(1),
            first_ms: s.delivery_backoff_first_ms.max(100),
            max_ms: (s.delivery_backoff_max_seconds * 1000).max(s.delivery_backoff_first_ms.max(100)),
        }
    }

    /// The sends of the last minute before `now` (older ones are forgotten).
    pub fn recent(sends: &[i64], now: i64) -> Vec<i64> {
        sends
            .iter()
            .copied()
            .filter(|t| *t > now - WINDOW_MS && *t <= now)
            .collect()
    }

    /// Whether one more send fits this minute.
    pub fn has_room(&self, recent: &[i64]) -> bool {
        recent.len() < self.per_minute as usize
    }

    /// Sends in flight allowed now: one (the probe) while the practice is failing.
    pub fn at_once(&self, failures: i64) -> i64 {
        if failures > 0 { 1 } else { self.at_once as i64 }
    }

    /// The wait after the practice's `failures`-th failure in a row (ms): the first wait,
    /// doubling, capped, with jitter (`jitter` in 0..=1 picks within the upper quarter, so
    /// instances never retry in step). ALEX's own `Retry-After` is honoured when longer.
    pub fn backoff(&self, failures: u32, retry_after_ms: Option<u64>, jitter: f64) -> u64 {
        let ceiling = self
            .first_ms
            .saturating_mul(1u64 << failures.saturating_sub(1).min(20))
            .min(self.max_ms);
        let wait = ceiling - ((ceiling / 4) as f64 * (1.0 - jitter.clamp(0.0, 1.0))) as u64;
        wait.max(retry_after_ms.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacing() -> Pacing {
        Pacing {
            per_minute: 30,
            at_once: 3,
            first_ms: 2000,
            max_ms: 60_000,
        }
    }

    #[test]
    fn backoff_doubles_to_its_cap_with_jitter_in_the_upper_quarter() {
        let p = pacing();
        assert_eq!(p.backoff(1, None, 1.0), 2000);
        assert_eq!(p.backoff(1, None, 0.0), 1500);
        assert_eq!(p.backoff(2, None, 1.0), 4000);
        assert_eq!(p.backoff(5, None, 1.0), 32_000);
        assert_eq!(p.backoff(6, None, 1.0), 60_000);
        assert_eq!(p.backoff(60, None, 0.0), 45_000);
        // Retry-After wins when longer, never when shorter.
        assert_eq!(p.backoff(1, Some(120_000), 0.5), 120_000);
        assert_eq!(p.backoff(6, Some(10), 1.0), 60_000);
    }

    #[test]
    fn the_minute_slides() {
        let p = pacing();
        let sends: Vec<i64> = (0..30).map(|i| 1_000 + i).collect();
        let now = 30_000;
        assert!(!p.has_room(&Pacing::recent(&sends, now)));
        assert_eq!(Pacing::recent(&sends, 61_000).len(), 29);
        assert!(p.has_room(&Pacing::recent(&sends, 61_000)));
    }

    #[test]
    fn a_failing_practice_gets_one_probe() {
        assert_eq!(pacing().at_once(0), 3);
        assert_eq!(pacing().at_once(4), 1);
    }

    #[test]
    fn an_hour_down_costs_a_few_dozen_calls() {
        // Every wait at its shortest: the most calls an hour-long outage can cost.
        let p = pacing();
        let (mut t, mut calls) = (0u64, 0u32);
        while t < 3_600_000 {
            calls += 1;
            t += p.backoff(calls, None, 0.0);
        }
        assert!(calls < 90, "{calls} calls");
    }
}
