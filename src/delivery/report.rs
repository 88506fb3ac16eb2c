//! What the queue shows people (ssr only): its depth, its oldest job and each practice's state
//! for the operator (`/ops/stuck`, `/metrics`); never a patient or an image.

use serde::Serialize;

use super::store::{DeliveryStore, now_ms};
use crate::infra::{
    db::DbError,
    sql::{Sql, params},
};

/// A practice's delivery state, like a circuit breaker's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityState {
    /// Its last send went in.
    Healthy,
    /// It failed lately and its wait is over: one probe at a time goes.
    BackingOff,
    /// It failed and its wait runs: nothing is sent to it until `open_until`.
    Open,
}

impl FacilityState {
    pub fn as_str(self) -> &'static str {
        match self {
            FacilityState::Healthy => "healthy",
            FacilityState::BackingOff => "backing_off",
            FacilityState::Open => "open",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Facility {
    pub facility: String,
    pub state: FacilityState,
    pub failures: i64,
    /// Seconds until its next try (0 when none waits).
    pub next_try_in_secs: i64,
    /// Seconds since its outage began.
    pub down_for_secs: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct QueueReport {
    pub queued: i64,
    pub sending: i64,
    pub waiting: i64,
    pub needs_person: i64,
    /// Age of the oldest job not yet in Medtech (seconds).
    pub oldest_secs: Option<i64>,
    pub facilities: Vec<Facility>,
}

impl QueueReport {
    pub fn depth(&self) -> i64 {
        self.queued + self.sending + self.waiting + self.needs_person
    }
}

impl DeliveryStore {
    /// The queue as the operator sees it.
    pub async fn report(&self) -> Result<QueueReport, DbError> {
        self.db
            .call(|c| {
                let now = now_ms();
                let mut report = QueueReport::default();
                let counts: Vec<(String, i64, i64)> = c.query_map(
                    "SELECT state, COUNT(*), MIN(created_at) FROM deliveries
                     WHERE state IN ('queued', 'sending', 'waiting', 'needs_person') GROUP BY state",
                    params![],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?;
                for (state, n, oldest) in counts {
                    match state.as_str() {
                        "queued" => report.queued = n,
                        "sending" => report.sending = n,
                        "waiting" => report.waiting = n,
                        _ => report.needs_person = n,
                    }
                    let age = (now - oldest) / 1000;
                    report.oldest_secs = Some(report.oldest_secs.map_or(age, |a| a.max(age)));
                }
                report.facilities = c.query_map(
                    "SELECT facility, failures, open_until, outage_since FROM delivery_facilities ORDER BY facility",
                    params![],
                    |r| {
                        let failures: i64 = r.get(1)?;
                        let open_until: i64 = r.get(2)?;
                        let since: Option<i64> = r.get(3)?;
                        Ok(Facility {
                            facility: r.get(0)?,
                            state: if failures == 0 {
                                FacilityState::Healthy
                            } else if open_until > now {
                                FacilityState::Open
                            } else {
                                FacilityState::BackingOff
                            },
                            failures,
                            next_try_in_secs: ((open_until - now) / 1000).max(0),
                            down_for_secs: since.map(|s| (now - s) / 1000),
                        })
                    },
                )?;
                Ok(report)
            })
            .await
    }
}

impl DeliveryStore {
    /// A patient's photos at a practice that the queue still holds, from launches other than
    /// `except_sid` (the caller's session fixes the practice and the patient).
    pub async fn held(
        &self,
        facility: String,
        patient_id: String,
        except_sid: String,
    ) -> Result<Vec<crate::staging::record::PhotoRecord>, DbError> {
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                crate::staging::queue::held_for(&mut tx, &facility, &patient_id, &except_sid)
            })
            .await
    }
}
