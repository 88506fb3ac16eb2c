//! What an instance does besides answering requests (ssr only): its heartbeat and the recovery
//! of commits left by instances that are gone, the retention purge (one instance at a time), and
//! the live feed's relay from other instances. All of it stops with the server.

use std::time::Duration;

use super::state::AppState;
use crate::infra::instances;

/// Runs every background duty of this instance until aborted.
pub async fn run(state: AppState) {
    tokio::join!(
        heartbeat(state.clone()),
        retention(state.clone()),
        state.photos.clone().relay(),
        state.deliveries.clone().run()
    );
}

/// With a shared store: writes this instance's heartbeat every few seconds, and recovers the
/// commits of instances whose heartbeat stopped: their photos become outcome-unknown (never sent
/// again unchecked). On SQLite (one instance) nothing: that recovery ran once at start-up.
async fn heartbeat(state: AppState) {
    if !state.db.is_shared() {
        return;
    }
    let mut tick = tokio::time::interval(instances::beat_every(&state.db));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = instances::beat(&state.db).await {
            tracing::warn!(error = %e, "heartbeat could not be written");
            continue;
        }
        match state.photos.store.recover_interrupted().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                photos = n,
                "commits left by an instance that stopped marked outcome-unknown"
            ),
            Err(e) => tracing::error!(error = %e, "commits left by stopped instances could not be recovered"),
        }
    }
}

/// Deletes images past the retention time, at start-up and then every ten minutes. The
/// store-wide part runs on one instance at a time (the others skip that round).
async fn retention(state: AppState) {
    let keep = state.settings.retention_hours as i64 * 3600;
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        // What this instance holds in memory.
        state.renderer.forget();
        state.sessions.launch_limiter.forget_idle();
        state.ops_limiter.forget_idle();
        super::metrics::upkeep();
        let purged = state.db.exclusive("retention", || purge(&state, keep)).await;
        match purged {
            Ok(Some(())) => {}
            Ok(None) => tracing::debug!("retention: another instance is purging"),
            Err(e) => tracing::error!(error = %e, "retention: the purge lock could not be taken"),
        }
    }
}

/// What every domain forgets from the shared store.
async fn purge(state: &AppState, keep: i64) {
    crate::launch::engine::forget_old(&state.sessions).await;
    let hold = state.settings.delivery_hold_days as i64 * 86_400;
    match state.photos.store.purge(keep, hold).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(images = n, "retention: images deleted"),
        Err(e) => tracing::error!(error = %e, "retention purge failed"),
    }
    let cutoff = crate::infra::time::now_secs() - keep;
    if let Err(e) = state.committer.photos.purge_scan_docs(cutoff).await {
        tracing::error!(error = %e, "retention: Scan documents could not be purged");
    }
    if let Err(e) = crate::handoff::service::purge(&state.handoffs).await {
        tracing::error!(error = %e.message, "retention: phone links could not be forgotten");
    }
}
