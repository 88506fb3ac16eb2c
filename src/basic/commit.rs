//! Committing from the basic page (ssr only): the photos enter the server's delivery queue, as
//! the commit bar's do, and the answer says where they are — after waiting a moment, so a
//! healthy Medtech's "saved" is said at once.

use std::time::{Duration, Instant};

use axum::http::HeaderMap;

use crate::{
    delivery::service::Deliveries,
    error::AppError,
    launch::server::authorise,
    model::{DeliveryState, PhotoState, Targets},
    staging::service::Photos,
};

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How long the answer waits for the queue to send what it can.
const SETTLE: Duration = Duration::from_millis(900);

/// Commits `ids` — each where it went before, or to `chosen` — and says how it stands.
pub async fn send(
    photos: &Photos,
    deliveries: &Deliveries,
    sid: &str,
    headers: &HeaderMap,
    ids: &[String],
    chosen: Targets,
    resend_unknown: bool,
) -> Result<String, AppError> {
    let session = authorise(&photos.sessions, sid, headers).await?;
    deliveries.queue(&session, ids, chosen, resend_unknown).await?;
    let started = Instant::now();
    loop {
        let now = photos.list(sid, headers).await?;
        let mine: Vec<_> = now.iter().filter(|v| ids.contains(&v.id)).collect();
        if mine.is_empty() {
            // A photo of an earlier launch: this page does not follow it.
            return Ok("Saved for sending again: the server sends it to Medtech.".to_string());
        }
        let moving = mine
            .iter()
            .filter(|v| matches!(v.delivery, Some(DeliveryState::Queued | DeliveryState::Sending)))
            .count();
        if moving == 0 || started.elapsed() >= SETTLE {
            let saved = mine.iter().filter(|v| v.state == PhotoState::Committed).count();
            let held = mine.iter().filter(|v| v.is_frozen()).count();
            let stopped = mine.len() - saved - held;
            return match (held, stopped) {
                (0, 0) => Ok(format!("{saved} photo{} saved to Medtech.", plural(saved))),
                (_, 0) => Ok(format!(
                    "{saved} saved to Medtech; {held} on the way — the server sends them by itself, \
                     so you can close this page."
                )),
                _ => Err(AppError::invalid(format!(
                    "{saved} saved; {stopped} not saved — each photo below says why."
                ))),
            };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
