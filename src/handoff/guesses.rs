//! The limit on guessing phone codes (ssr only). Failed guesses are rows in the record store
//! (`code_guesses`, this domain's), so the limit holds across every instance sharing it.

use std::net::IpAddr;

use crate::{
    error::{AppError, ErrorKind},
    infra::{
        db::Db,
        limits::bucket,
        sql::{Sql, params},
    },
};

/// Counts failed guesses per client address (IPv6 by its /64) over ten minutes, and in all over
/// a minute (a flood of guesses from many addresses slows code guessing while it lasts, and stops
/// mattering a minute after it ends). Only guesses are limited: a live link token is always
/// accepted (see `mobile_view`). Rows older than the window are deleted as guesses come in; at
/// most about twice the limit per minute are ever written, since a refused guess is not counted.
pub struct GuessLimiter {
    db: Db,
    per_address: u32,
}

const WINDOW_MS: i64 = 600_000;
const GLOBAL_WINDOW_MS: i64 = 60_000;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl GuessLimiter {
    pub fn new(db: Db, per_address: u32) -> Self {
        GuessLimiter { db, per_address }
    }

    /// Refuses when this address has failed too often lately, or everyone together has in
    /// the last minute (at twice the per-address limit: the same rate as 20× over ten minutes).
    /// A store that cannot answer refuses too (closed, never open).
    pub async fn check(&self, ip: IpAddr) -> Result<(), AppError> {
        let (key, now) = (bucket(ip).to_string(), now_ms());
        let (mine, recent): (i64, i64) = self
            .db
            .call(move |c| {
                c.query_row(
                    "SELECT count(CASE WHEN bucket = ?1 THEN 1 END), count(CASE WHEN at_ms >= ?3 THEN 1 END)
                     FROM code_guesses WHERE at_ms >= ?2",
                    params![key, now - WINDOW_MS, now - GLOBAL_WINDOW_MS],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "phone code guesses could not be counted");
                AppError::internal()
            })?;
        let limit = i64::from(self.per_address);
        if mine >= limit || recent >= limit * 2 {
            tracing::warn!("phone code guessing limit reached");
            return Err(AppError::new(
                ErrorKind::InvalidInput,
                "Too many wrong codes. Wait ten minutes, or scan the QR code instead.",
            ));
        }
        Ok(())
    }

    /// Counts a failed guess from `ip` (and forgets guesses older than the window).
    pub async fn failed(&self, ip: IpAddr) {
        let (key, now) = (bucket(ip).to_string(), now_ms());
        let written = self
            .db
            .call(move |c| {
                c.execute("DELETE FROM code_guesses WHERE at_ms < ?1", params![now - WINDOW_MS])?;
                c.execute(
                    "INSERT INTO code_guesses (bucket, at_ms) VALUES (?1, ?2)",
                    params![key, now],
                )
            })
            .await;
        if let Err(e) = written {
            tracing::error!(error = %e, "a failed phone code guess could not be counted");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limiter_counts_per_address_and_in_all() {
        let dir = std::env::temp_dir().join(format!("ci-guess-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let l = GuessLimiter::new(Db::open(&dir.join("t.sqlite3")).unwrap(), 3);
        let a = IpAddr::from([10, 0, 0, 1]);
        let b = IpAddr::from([10, 0, 0, 2]);
        for _ in 0..3 {
            assert!(l.check(a).await.is_ok());
            l.failed(a).await;
        }
        assert!(l.check(a).await.is_err(), "a is blocked");
        assert!(l.check(b).await.is_ok(), "b is not");
        // Two addresses of one IPv6 /64 are one guesser.
        let v6 = |last: u16| IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]);
        for i in 0..2 {
            l.failed(v6(i)).await;
        }
        assert!(l.check(v6(7)).await.is_ok());
        l.failed(v6(8)).await;
        assert!(l.check(v6(9)).await.is_err(), "the /64 is blocked");
        for i in 0..60u8 {
            l.failed(IpAddr::from([10, 1, 0, i])).await;
        }
        assert!(
            l.check(IpAddr::from([10, 9, 9, 9])).await.is_err(),
            "the global cap holds"
        );
    }
}
