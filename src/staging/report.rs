//! What the operator sees of the photo store (ssr only): how many photos wait for someone (for
//! metrics), and which photos are stuck — failed, of unknown outcome, or not committed and close
//! to retention — across all sessions. Never an image, a patient or a session: a photo's id, its
//! practice, its age, its state and the last reason it gave.

use crate::infra::sql::{Sql, params};
use serde::Serialize;

use super::store::{PhotoStore, StoreError};
use crate::infra::time::now_secs;

/// The failure kind of a commit whose outcome Medtech did not confirm.
const OUTCOME_UNKNOWN: &str = "outcome_unknown";

/// Photos waiting for someone, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waiting {
    /// Failed for a definite reason (sending again is safe).
    pub failed: u64,
    /// Sent, but Medtech did not confirm it arrived (the GP must check Medtech).
    pub outcome_unknown: u64,
    /// Being sent now (or interrupted, until the next start marks them).
    pub committing: u64,
}

/// Why a photo is on the stuck list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stuck {
    Failed,
    OutcomeUnknown,
    /// Not committed, and its image is deleted within the window asked for.
    NearRetention,
    /// The delivery queue holds it (queued, waiting for Medtech, or needing a person).
    InDelivery,
}

impl Stuck {
    pub fn as_str(self) -> &'static str {
        match self {
            Stuck::Failed => "failed",
            Stuck::OutcomeUnknown => "outcome_unknown",
            Stuck::NearRetention => "near_retention",
            Stuck::InDelivery => "in_delivery",
        }
    }
}

/// One stuck photo, as the operator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct StuckPhoto {
    pub photo_id: String,
    /// The practice (HPI facility id).
    pub facility: String,
    pub stuck: Stuck,
    /// The photo's own state (`failed`, `staged`, `committing`).
    pub state: String,
    pub age_secs: i64,
    /// Seconds until retention deletes its image (0: at the next purge).
    pub expires_in_secs: i64,
    pub failure_kind: Option<String>,
    /// The last reason given, in our own words (never a remote body).
    pub reason: Option<String>,
    /// Its place in the delivery queue, if it is in it.
    pub delivery: Option<String>,
}

impl PhotoStore {
    /// How many photos are failed, of unknown outcome, or being sent, across all sessions.
    pub async fn waiting(&self) -> Result<Waiting, StoreError> {
        Ok(self
            .db
            .call(|c| {
                c.query_row(
                    "SELECT
                       count(CASE WHEN state = 'failed' AND COALESCE(failure_kind, '') != ?1 THEN 1 END),
                       count(CASE WHEN state = 'failed' AND failure_kind = ?1 THEN 1 END),
                       count(CASE WHEN state = 'committing' THEN 1 END)
                     FROM photos WHERE state IN ('failed', 'committing')",
                    params![OUTCOME_UNKNOWN],
                    |r| {
                        Ok(Waiting {
                            failed: r.get::<_, i64>(0)? as u64,
                            outcome_unknown: r.get::<_, i64>(1)? as u64,
                            committing: r.get::<_, i64>(2)? as u64,
                        })
                    },
                )
            })
            .await?)
    }

    /// Photos across all sessions that still hold their image and are failed, of unknown
    /// outcome, or not committed and due for retention within `within_secs` (retention deletes
    /// images `retention_secs` after they were added). Oldest first, at most `limit`.
    pub async fn stuck(
        &self,
        retention_secs: i64,
        hold_secs: i64,
        within_secs: i64,
        limit: u32,
    ) -> Result<Vec<StuckPhoto>, StoreError> {
        let now = now_secs();
        // Added before this, a photo's image goes within the window.
        let near = now - retention_secs + within_secs;
        Ok(self
            .db
            .call(move |c| {
                c.query_map(
                    "SELECT id, facility, state, created_at, failure_kind, failure, delivery FROM photos
                     WHERE blob_key != '' AND (state = 'failed' OR delivery IS NOT NULL
                       OR (state IN ('staged', 'committing') AND created_at <= ?1))
                     ORDER BY created_at, rowid LIMIT ?2",
                    params![near, limit],
                    |r| {
                        let state: String = r.get(2)?;
                        let created: i64 = r.get(3)?;
                        let failure_kind: Option<String> = r.get(4)?;
                        let delivery: Option<String> = r.get(6)?;
                        let stuck = match (state.as_str(), failure_kind.as_deref(), &delivery) {
                            ("failed", Some(OUTCOME_UNKNOWN), _) => Stuck::OutcomeUnknown,
                            (_, _, Some(_)) => Stuck::InDelivery,
                            ("failed", _, _) => Stuck::Failed,
                            _ => Stuck::NearRetention,
                        };
                        let keep = if delivery.is_some() { hold_secs } else { retention_secs };
                        Ok(StuckPhoto {
                            photo_id: r.get(0)?,
                            facility: r.get(1)?,
                            stuck,
                            state,
                            age_secs: (now - created).max(0),
                            expires_in_secs: (created + keep - now).max(0),
                            failure_kind,
                            reason: r.get(5)?,
                            delivery,
                        })
                    },
                )
            })
            .await?)
    }

    /// How many photos not committed lose their image within `within_secs` (for retention's
    /// warning: a count, never who).
    pub async fn uncommitted_due(
        &self,
        retention_secs: i64,
        hold_secs: i64,
        within_secs: i64,
    ) -> Result<u64, StoreError> {
        let near = now_secs() - retention_secs + within_secs;
        let held_near = now_secs() - hold_secs + within_secs;
        Ok(self
            .db
            .call(move |c| {
                c.query_row(
                    "SELECT COUNT(*) FROM photos WHERE blob_key != '' AND state IN ('staged', 'failed')
                     AND created_at < CASE WHEN delivery IS NULL THEN ?1 ELSE ?2 END",
                    params![near, held_near],
                    |r| r.get::<_, i64>(0),
                )
            })
            .await? as u64)
    }
}
