//! A graceful stop (ssr only): while the server drains, no new write to ALEX starts (callers are
//! told the server is restarting, and try again), and the writes already in flight finish, for a
//! bounded time, before the process exits — so a deploy never cuts a commit in half.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::sync::Notify;

use crate::error::{AppError, ErrorKind};

#[derive(Clone, Default)]
pub struct Drain(Arc<Inner>);

#[derive(Default)]
struct Inner {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
}

/// One write to ALEX in flight; the drain waits for it.
pub struct Write(Drain);

impl Drop for Write {
    fn drop(&mut self) {
        if self.0.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.0.idle.notify_waiters();
        }
    }
}

pub fn restarting() -> AppError {
    AppError::new(
        ErrorKind::Busy,
        "The server is restarting. Nothing was sent; try again in a moment.",
    )
}

impl Drain {
    /// A write may start: counted until its guard drops. Refused while draining.
    pub fn begin_write(&self) -> Result<Write, AppError> {
        self.0.in_flight.fetch_add(1, Ordering::AcqRel);
        let write = Write(self.clone());
        if self.0.draining.load(Ordering::Acquire) {
            return Err(restarting());
        }
        Ok(write)
    }

    /// From now on no write starts.
    pub fn start(&self) {
        self.0.draining.store(true, Ordering::Release);
    }

    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::Acquire)
    }

    pub fn in_flight(&self) -> usize {
        self.0.in_flight.load(Ordering::Acquire)
    }

    /// Waits until no write is in flight, at most `limit`; answers whether they all finished.
    pub async fn settled(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let idle = self.0.idle.notified();
            if self.in_flight() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.in_flight() == 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_in_flight_finish_and_new_ones_are_refused() {
        let drain = Drain::default();
        let first = drain.begin_write().unwrap();
        drain.start();
        assert_eq!(drain.begin_write().err().map(|e| e.kind), Some(ErrorKind::Busy));
        assert_eq!(drain.in_flight(), 1, "a refused write is not counted");
        assert!(!drain.settled(Duration::from_millis(50)).await, "still one in flight");
        let waiter = tokio::spawn({
            let drain = drain.clone();
            async move { drain.settled(Duration::from_secs(10)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(first);
        assert!(waiter.await.unwrap());
    }
}
