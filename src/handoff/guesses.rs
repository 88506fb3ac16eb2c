//! The limit on guessing phone codes (ssr only).

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::error::{AppError, ErrorKind};

/// Counts failed guesses per client address over a sliding window (ten minutes), and in all
/// over a short one (a minute: a flood of guesses from many addresses slows code guessing
/// while it lasts, and stops mattering a minute after it ends). Only guesses are limited: a
/// live link token is always accepted (see `mobile_view`).
pub struct GuessLimiter {
    window: Duration,
    global_window: Duration,
    per_address: u32,
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl GuessLimiter {
    pub fn new(per_address: u32) -> Self {
        GuessLimiter {
            window: Duration::from_secs(600),
            global_window: Duration::from_secs(60),
            per_address,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn prune(&self, q: &mut VecDeque<Instant>, now: Instant) {
        while q.front().is_some_and(|t| now.duration_since(*t) > self.window) {
            q.pop_front();
        }
    }

    /// Refuses when this address has failed too often lately, or everyone together has in
    /// the last minute (at twice the per-address limit: the same rate as 20× over ten minutes).
    pub fn check(&self, ip: IpAddr) -> Result<(), AppError> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut recent = 0usize;
        for q in seen.values_mut() {
            self.prune(q, now);
            recent += q
                .iter()
                .filter(|t| now.duration_since(**t) <= self.global_window)
                .count();
        }
        seen.retain(|_, q| !q.is_empty());
        let mine = seen.get(&ip).map_or(0, |q| q.len());
        if mine >= self.per_address as usize || recent >= self.per_address as usize * 2 {
            tracing::warn!("phone code guessing limit reached");
            return Err(AppError::new(
                ErrorKind::InvalidInput,
                "Too many wrong codes. Wait ten minutes, or scan the QR code instead.",
            ));
        }
        Ok(())
    }

    pub fn failed(&self, ip: IpAddr) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(ip)
            .or_default()
            .push_back(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_counts_per_address_and_in_all() {
        let l = GuessLimiter::new(3);
        let a = IpAddr::from([10, 0, 0, 1]);
        let b = IpAddr::from([10, 0, 0, 2]);
        for _ in 0..3 {
            assert!(l.check(a).is_ok());
            l.failed(a);
        }
        assert!(l.check(a).is_err(), "a is blocked");
        assert!(l.check(b).is_ok(), "b is not");
        for i in 0..60u8 {
            l.failed(IpAddr::from([10, 1, 0, i]));
        }
        assert!(l.check(IpAddr::from([10, 9, 9, 9])).is_err(), "the global cap holds");
    }
}
