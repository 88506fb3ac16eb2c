//! Per-address rate limits (ssr only) for routes that cost an ALEX call whoever asks: `/launch`
//! and the operations endpoints. GCRA via `governor`; IPv6 callers are counted by their /64
//! (one host owns a whole /64), and idle entries are forgotten every retention round.

use std::{net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct AddressLimiter {
    inner: DefaultKeyedRateLimiter<IpAddr>,
}

impl AddressLimiter {
    /// `count` requests per `window` per address, all of them usable at once.
    pub fn new(count: u32, window: Duration) -> AddressLimiter {
        let count = NonZeroU32::new(count.max(1)).unwrap_or(NonZeroU32::MIN);
        let period = (window / count.get()).max(Duration::from_millis(1));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(count))
            .allow_burst(count);
        AddressLimiter {
            inner: RateLimiter::keyed(quota),
        }
    }

    /// True when `ip` may go ahead now (and counts it).
    pub fn allow(&self, ip: IpAddr) -> bool {
        self.inner.check_key(&bucket(ip)).is_ok()
    }

    /// Forgets addresses whose allowance is whole again (bounds memory).
    pub fn forget_idle(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
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
}
