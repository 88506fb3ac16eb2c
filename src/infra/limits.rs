//! Per-address rate limits (ssr only) for routes that cost an ALEX call whoever asks: `/launch`
//! and the operations endpoints. A sliding window: at most `count` in any `window`, exactly as
//! the setting says ("120 launches per 10 minutes"). GCRA (`governor`) refills one every
//! `window / count` and so lets a 121st through five seconds later; a practice-sized limit has
//! no need of its memory savings. IPv6 callers are counted by their /64 (one host owns a whole
//! /64); idle addresses are forgotten every retention round, and the addresses tracked at once
//! are bounded.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Addresses tracked at once, at most; past it, a new address waits for idle ones to go.
const MAX_ADDRESSES: usize = 65_536;

pub struct AddressLimiter {
    count: usize,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl AddressLimiter {
    /// `count` requests in any `window` per address, all of them usable at once.
    pub fn new(count: u32, window: Duration) -> AddressLimiter {
        AddressLimiter {
            count: count.max(1) as usize,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// True when `ip` may go ahead now (and counts it).
    pub fn allow(&self, ip: IpAddr) -> bool {
        self.allow_at(ip, Instant::now())
    }

    fn allow_at(&self, ip: IpAddr, now: Instant) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let key = bucket(ip);
        if !seen.contains_key(&key) && seen.len() >= MAX_ADDRESSES {
            Self::forget(&mut seen, self.window, now);
            if seen.len() >= MAX_ADDRESSES {
                return false;
            }
        }
        let times = seen.entry(key).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.count {
            return false;
        }
        times.push_back(now);
        true
    }

    /// Forgets addresses with nothing in the window (bounds memory).
    pub fn forget_idle(&self) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        Self::forget(&mut seen, self.window, Instant::now());
    }

    fn forget(seen: &mut HashMap<IpAddr, VecDeque<Instant>>, window: Duration, now: Instant) {
        seen.retain(|_, t| t.back().is_some_and(|last| now.duration_since(*last) < window));
        seen.shrink_to_fit();
    }
}

/// IPv4 addresses as they are; IPv6 by their /64 network.
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_allowance() {
        let l = AddressLimiter::new(3, Duration::from_secs(600));
        let a = IpAddr::from([192, 0, 2, 1]);
        let b = IpAddr::from([192, 0, 2, 2]);
        assert!((0..3).all(|_| l.allow(a)));
        assert!(!l.allow(a), "a's fourth in the window is refused");
        assert!(l.allow(b), "b is not affected");
        // Two addresses of one IPv6 /64 share one allowance.
        let v6 = |last: u16| IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]);
        assert!((0..3).all(|i| l.allow(v6(i))));
        assert!(!l.allow(v6(99)));
        l.forget_idle();
    }

    #[test]
    fn the_count_holds_over_the_whole_window_not_just_at_once() {
        // 120 per 10 minutes: the 121st is refused all through the window, not 5 s later.
        let l = AddressLimiter::new(120, Duration::from_secs(600));
        let a = IpAddr::from([192, 0, 2, 7]);
        let t0 = Instant::now();
        assert!((0..120).all(|i| l.allow_at(a, t0 + Duration::from_millis(i))));
        for later in [6, 60, 599] {
            assert!(!l.allow_at(a, t0 + Duration::from_secs(later)), "+{later} s");
        }
        // Once the first of them is ten minutes old, one more may go.
        assert!(l.allow_at(a, t0 + Duration::from_secs(600)));
        assert!(!l.allow_at(a, t0 + Duration::from_secs(600)));
    }
}
