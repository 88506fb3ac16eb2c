//! The memory budget every decode (and rendering) runs under: at most `slots` at once (the
//! cores), and at most `total` bytes of decoded pixels held at once. A caller waits its turn in
//! arrival order (a flood from one caller queues behind itself rather than jumping ahead of
//! others who came earlier); an image whose cost alone exceeds the whole budget is refused at
//! once instead of ballooning the server. Blocking: call it from a blocking thread (the
//! re-check and the renderer run in `spawn_blocking`).

use std::{
    collections::VecDeque,
    sync::{Condvar, Mutex, OnceLock},
    time::Duration,
};

/// Why a decode could not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Costs more than the whole budget.
    TooBig,
    /// Waited longer than the budget's patience for room.
    Busy,
}

#[derive(Default)]
struct Inner {
    used: u64,
    running: usize,
    peak_running: usize,
    peak_used: u64,
    queue: VecDeque<u64>,
    next_ticket: u64,
}

pub struct Budget {
    total: u64,
    slots: usize,
    patience: Duration,
    inner: Mutex<Inner>,
    turn: Condvar,
}

/// The queue at one moment (for metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Depth {
    pub waiting: usize,
    pub running: usize,
}

/// Held while decoding; gives its room back when dropped.
pub struct Permit<'a> {
    budget: &'a Budget,
    cost: u64,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut inner = self.budget.lock();
        inner.used -= self.cost;
        inner.running -= 1;
        drop(inner);
        self.budget.turn.notify_all();
    }
}

impl Budget {
    pub fn new(total: u64, slots: usize, patience: Duration) -> Self {
        Budget {
            total,
            slots: slots.max(1),
            patience,
            inner: Mutex::new(Inner::default()),
            turn: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Waits (in arrival order) until `cost` bytes and a slot are free.
    pub fn acquire(&self, cost: u64) -> Result<Permit<'_>, Refused> {
        if cost > self.total {
            return Err(Refused::TooBig);
        }
        let deadline = std::time::Instant::now() + self.patience;
        let mut inner = self.lock();
        let ticket = inner.next_ticket;
        inner.next_ticket += 1;
        inner.queue.push_back(ticket);
        loop {
            let first = inner.queue.front() == Some(&ticket);
            if first && inner.running < self.slots && inner.used + cost <= self.total {
                inner.queue.pop_front();
                inner.used += cost;
                inner.running += 1;
                inner.peak_running = inner.peak_running.max(inner.running);
                inner.peak_used = inner.peak_used.max(inner.used);
                drop(inner);
                // The next in line may fit too.
                self.turn.notify_all();
                return Ok(Permit { budget: self, cost });
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                inner.queue.retain(|t| *t != ticket);
                drop(inner);
                self.turn.notify_all();
                return Err(Refused::Busy);
            }
            inner = self
                .turn
                .wait_timeout(inner, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// How many decodes wait for room now, and how many run.
    pub fn depth(&self) -> Depth {
        let inner = self.lock();
        Depth {
            waiting: inner.queue.len(),
            running: inner.running,
        }
    }

    /// The most decodes that ran at once, and the most bytes held at once, so far.
    pub fn peaks(&self) -> (usize, u64) {
        let inner = self.lock();
        (inner.peak_running, inner.peak_used)
    }
}

/// Default total: enough for two 12-megapixel JPEGs at once (7 bytes a pixel each).
pub const DEFAULT_TOTAL: u64 = 168 << 20;

static GLOBAL: OnceLock<Budget> = OnceLock::new();

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Sets the process's budget (at start-up, from `Settings::decode_budget_mib`); the first call
/// wins. Without it the default applies.
pub fn configure(total_bytes: u64) {
    let _ = GLOBAL.set(Budget::new(total_bytes, cores(), Duration::from_secs(60)));
}

/// The process's budget.
pub fn global() -> &'static Budget {
    GLOBAL.get_or_init(|| Budget::new(DEFAULT_TOTAL, cores(), Duration::from_secs(60)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    #[test]
    fn never_more_than_the_slots_or_the_bytes_at_once() {
        let b = Arc::new(Budget::new(100, 2, Duration::from_secs(10)));
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..12)
            .map(|i| {
                let (b, now, most) = (b.clone(), now.clone(), most.clone());
                std::thread::spawn(move || {
                    let _p = b.acquire(if i % 3 == 0 { 70 } else { 30 }).unwrap();
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let (running, used) = b.peaks();
        assert!(running <= 2 && most.load(Ordering::SeqCst) <= 2, "{running}");
        assert!(used <= 100, "{used}");
    }

    #[test]
    fn too_big_is_refused_at_once_and_a_full_budget_times_out() {
        let b = Budget::new(100, 1, Duration::from_millis(50));
        assert_eq!(b.acquire(101).err(), Some(Refused::TooBig));
        let held = b.acquire(60).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(b.acquire(60).err(), Some(Refused::Busy));
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(held);
        assert!(b.acquire(100).is_ok(), "room comes back");
    }
}
