//! The instances sharing the record store (ssr only; the `instances` table is this module's).
//! Each instance writes its heartbeat every few seconds; work an instance claimed (a commit in
//! flight) belongs to it while its heartbeat is fresh, and is recovered by any other instance
//! once it is not — an instance killed mid-commit leaves outcome-unknown photos, never a resend.

use super::{
    db::{Db, DbError},
    sql::{Sql, params},
    time::now_secs,
};

/// How often an instance writes its heartbeat: six beats in the time after which an instance
/// not heard from is gone (`Db::live_secs`, 30 s by default): a pause of the database or of the
/// machine shorter than that never lets another instance take over its commits.
pub fn beat_every(db: &Db) -> std::time::Duration {
    std::time::Duration::from_secs((db.live_secs() / 6).max(1) as u64)
}

/// Records that this instance is alive (its first beat also records when it started), and
/// forgets instances gone for a day.
pub async fn beat(db: &Db) -> Result<(), DbError> {
    let id = db.instance().to_string();
    let now = now_secs();
    db.call(move |c| {
        c.execute(
            "INSERT INTO instances (id, started_at, seen_at) VALUES (?1, ?2, ?2)
             ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
            params![id, now],
        )?;
        c.execute("DELETE FROM instances WHERE seen_at < ?1", params![now - 86_400])
    })
    .await?;
    Ok(())
}

/// This instance stops (a graceful stop): its row goes, so nothing waits for its heartbeat.
/// (On SQLite there are no heartbeats.)
pub async fn leave(db: &Db) -> Result<(), DbError> {
    if !db.is_shared() {
        return Ok(());
    }
    let id = db.instance().to_string();
    db.call(move |c| c.execute("DELETE FROM instances WHERE id = ?1", params![id]))
        .await?;
    Ok(())
}

/// Instances heard from at or after this time are alive. On SQLite there is one instance, so
/// at its start-up everything claimed before belongs to a process that is gone: `i64::MAX`.
pub fn alive_since(db: &Db) -> i64 {
    if db.is_shared() {
        now_secs() - db.live_secs()
    } else {
        i64::MAX
    }
}

/// SQL that is true when `column` (an instance id) names no live instance; the parameter `?{n}`
/// is `alive_since`.
pub fn unclaimed(column: &str, n: usize) -> String {
    format!("({column} IS NULL OR {column} NOT IN (SELECT id FROM instances WHERE seen_at >= ?{n}))")
}
