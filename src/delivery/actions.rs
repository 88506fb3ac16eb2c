//! What a person does to photos the queue holds (ssr only): withdraws one, or settles the jobs
//! of photos they confirmed are in Medtech. Each in one transaction with the photos' badges.

use super::store::{DeliveryStore, now_ms, refresh};
use crate::{
    infra::{
        db::DbError,
        sql::{Sql, params},
    },
    staging::{queue, record::PhotoRecord},
};

impl DeliveryStore {
    /// Photo `id`, whichever launch staged it (the caller checks it is its patient's).
    pub async fn photo(&self, id: &str) -> Result<Option<PhotoRecord>, DbError> {
        let id = id.to_string();
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                queue::read_any(&mut tx, &id)
            })
            .await
    }

    /// Takes photo `r` out of the queue, for good, unless a part of it is being sent now: its
    /// jobs let go of it (a job left with no photo ends) and the photo is removed, audited with
    /// who and why. Answers whether it was withdrawn.
    pub async fn withdraw(&self, r: PhotoRecord, by: Option<String>, reason: String) -> Result<bool, DbError> {
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                let now = now_ms();
                let jobs: Vec<(String, String, String)> = tx.query_map(
                    "SELECT d.id, d.state, d.photo_ids FROM deliveries d JOIN delivery_photos p ON p.delivery_id = d.id
                     WHERE p.photo_id = ?1 AND d.state IN ('queued', 'sending', 'waiting', 'needs_person')",
                    params![r.id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )?;
                if jobs.iter().any(|(_, state, _)| state == "sending") {
                    return Ok(false);
                }
                if !queue::withdraw(&mut tx, &r, by.as_deref(), &reason)? {
                    return Ok(false);
                }
                for (job, _, ids) in jobs {
                    let mut ids: Vec<String> = serde_json::from_str(&ids).unwrap_or_default();
                    ids.retain(|p| *p != r.id);
                    tx.execute(
                        "DELETE FROM delivery_photos WHERE delivery_id = ?1 AND photo_id = ?2",
                        params![job, r.id],
                    )?;
                    let state = if ids.is_empty() { "withdrawn" } else { "queued" };
                    tx.execute(
                        "UPDATE deliveries SET photo_ids = ?1, state = CASE WHEN ?2 = 'withdrawn' THEN 'withdrawn' ELSE state END, updated_at = ?3 WHERE id = ?4",
                        params![serde_json::to_string(&ids).unwrap_or_default(), state, now, job],
                    )?;
                }
                tx.commit()?;
                Ok(true)
            })
            .await
    }

    /// Photos a person confirmed are in Medtech: the jobs that waited for a person about them
    /// end, and their badges follow.
    pub async fn settle(&self, photo_ids: Vec<String>) -> Result<(), DbError> {
        self.db
            .call(move |c| {
                let mut tx = c.transaction()?;
                for id in &photo_ids {
                    tx.execute(
                        "UPDATE deliveries SET state = 'done', updated_at = ?1 WHERE state = 'needs_person'
                         AND id IN (SELECT delivery_id FROM delivery_photos WHERE photo_id = ?2)",
                        params![now_ms(), id],
                    )?;
                }
                refresh(&mut tx, &photo_ids)?;
                tx.commit()?;
                Ok(())
            })
            .await
    }
}
