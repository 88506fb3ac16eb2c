//! Stuck photos, for the operator: across all sessions, photos that are failed, of unknown
//! outcome, or not committed and near retention — with their practice, age, state and last
//! reason, never an image, a patient or a session. `GET /api/ops/stuck` (JSON) and `GET
//! /ops/stuck` (a plain HTML page, rendered here), both behind `OPS_TOKEN` as a bearer header
//! (never in the address: addresses end up in logs and browser history).

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{ops::authorised, state::AppState};
use crate::{delivery::report::QueueReport, staging::report::StuckPhoto};

/// Uncommitted photos within this many hours of retention are listed, unless asked otherwise.
const DEFAULT_WITHIN_HOURS: u64 = 6;
const MAX_ROWS: u32 = 1000;

#[derive(Deserialize)]
pub struct StuckQuery {
    /// List photos not committed whose image is deleted within this many hours.
    within_hours: Option<u64>,
}

/// The stuck photos and the window used, with the delivery queue, or a ready error response.
async fn load(
    state: &AppState,
    headers: &HeaderMap,
    q: &StuckQuery,
) -> Result<(u64, Vec<StuckPhoto>, QueueReport), Response> {
    authorised(state, headers)?;
    let queue = state.deliveries.store().report().await.map_err(|e| {
        tracing::error!(error = %e, "the delivery queue could not be read");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })?;
    let retention = state.settings.retention_hours;
    let within = q.within_hours.unwrap_or(DEFAULT_WITHIN_HOURS).min(retention);
    state
        .photos
        .store
        .stuck(
            retention as i64 * 3600,
            state.settings.delivery_hold_days as i64 * 86_400,
            within as i64 * 3600,
            MAX_ROWS,
        )
        .await
        .map(|rows| (within, rows, queue))
        .map_err(|e| {
            tracing::error!(error = %e, "stuck photos could not be listed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })
}

/// `GET /api/ops/stuck[?within_hours=N]`: the stuck photos as JSON, oldest first.
pub async fn stuck_json(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<StuckQuery>) -> Response {
    match load(&state, &headers, &q).await {
        Ok((within, photos, queue)) => Json(json!({
            "retention_hours": state.settings.retention_hours,
            "delivery_hold_days": state.settings.delivery_hold_days,
            "within_hours": within,
            "photos": photos,
            "delivery": queue,
        }))
        .into_response(),
        Err(denied) => denied,
    }
}

/// `GET /ops/stuck[?within_hours=N]`: the same list as a page.
pub async fn stuck_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<StuckQuery>) -> Response {
    match load(&state, &headers, &q).await {
        Ok((within, photos, queue)) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page(state.settings.retention_hours, within, &photos, &queue),
        )
            .into_response(),
        Err(denied) => denied,
    }
}

fn page(retention_hours: u64, within: u64, photos: &[StuckPhoto], queue: &QueueReport) -> String {
    let mut rows = String::new();
    for p in photos {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            crate::infra::http::html_escape(&p.photo_id),
            crate::infra::http::html_escape(&p.facility),
            p.stuck.as_str(),
            crate::infra::http::html_escape(&p.state),
            hours(p.age_secs),
            hours(p.expires_in_secs),
            crate::infra::http::html_escape(
                &[p.failure_kind.as_deref(), p.reason.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": ")
            ),
        ));
    }
    if photos.is_empty() {
        rows.push_str("<tr><td colspan=\"7\">Nothing is stuck.</td></tr>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stuck photos</title></head><body>\n\
         <h1>Stuck photos</h1>\n\
         <p>{} photo(s) failed, of unknown outcome, or not committed within {within} h of retention \
         (images are deleted {retention_hours} h after they were added). The audit trail: \
         <code>GET /api/audit?photo=…&amp;event=…&amp;since=…</code> with the same token.</p>\n\
         <table>\n<thead><tr><th>photo</th><th>practice</th><th>stuck</th><th>state</th><th>age</th>\
         <th>expires in</th><th>last reason</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n{}</body></html>\n",
        photos.len(),
        delivery_section(queue),
    )
}

fn hours(secs: i64) -> String {
    format!("{:.1} h", secs as f64 / 3600.0)
}

/// The delivery queue: its depth, its oldest job and each practice's state.
fn delivery_section(q: &QueueReport) -> String {
    let mut rows = String::new();
    for f in &q.facilities {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} s</td><td>{}</td></tr>\n",
            crate::infra::http::html_escape(&f.facility),
            f.state.as_str(),
            f.failures,
            f.next_try_in_secs,
            f.down_for_secs.map_or_else(String::new, |s| format!("{s} s")),
        ));
    }
    format!(
        "<h2>Delivery queue</h2>\n<p>{} part(s) not yet in Medtech: {} queued, {} sending, {} waiting for Medtech, \
         {} needing a person. Oldest: {}.</p>\n<table>\n<thead><tr><th>practice</th><th>state</th><th>failures in a row</th>\
         <th>next try in</th><th>down for</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n",
        q.depth(),
        q.queued,
        q.sending,
        q.waiting,
        q.needs_person,
        q.oldest_secs.map_or_else(|| "none".to_string(), |s| format!("{s} s")),
    )
}
