//! Metrics (ssr only): the process's one Prometheus recorder, installed once by the composition
//! root, and `GET /metrics` (the Prometheus text format) behind `OPS_TOKEN` like every other
//! operations endpoint. The domains record through the `metrics` facade where things happen;
//! what is a level rather than an event (photos waiting, the decode queue) is read at scrape time.
//!
//! No label ever carries identity: labels are targets, outcomes (error kinds), ALEX resource
//! types, HTTP statuses, photo states and browser engines — fixed, small sets.

use std::sync::OnceLock;

use crate::delivery::report::FacilityState;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use metrics::{Unit, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::{ops::authorised, state::AppState};

/// The ALEX latency histogram's buckets, in seconds.
const ALEX_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder, once: later calls (a second server in one test process)
/// answer the same handle. `None` if another recorder was installed first (by an embedding
/// program): metrics are then that recorder's business and `/metrics` answers 404.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("clinical_images_alex_call_seconds".into()), ALEX_BUCKETS)
                .expect("buckets are not empty");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    describe_counter!(
        "clinical_images_commits_total",
        "Commits to Medtech by target and outcome."
    );
    describe_counter!(
        "clinical_images_alex_calls_total",
        "ALEX calls by endpoint, method and status."
    );
    describe_histogram!(
        "clinical_images_alex_call_seconds",
        Unit::Seconds,
        "ALEX call latency by endpoint and method."
    );
    describe_counter!(
        "clinical_images_alex_token_fetches_total",
        "ALEX token fetches by outcome."
    );
    describe_counter!("clinical_images_uploads_total", "Photo uploads by source and outcome.");
    describe_counter!(
        "clinical_images_launches_total",
        "Launches from Medtech by outcome and browser engine."
    );
    describe_counter!(
        "clinical_images_wasm_started_total",
        "Opened launches whose page's WebAssembly ran, by browser engine."
    );
    describe_gauge!(
        "clinical_images_photos_waiting",
        "Photos waiting for someone, by state."
    );
    describe_gauge!(
        "clinical_images_delivery_queue",
        "Delivery jobs not yet in Medtech, by state."
    );
    describe_gauge!(
        "clinical_images_delivery_oldest_seconds",
        "Age of the oldest delivery job not yet in Medtech."
    );
    describe_gauge!(
        "clinical_images_delivery_facilities",
        "Practices by delivery state (healthy, backing_off, open)."
    );
    describe_counter!(
        "clinical_images_delivery_attempts_total",
        "Delivery attempts by part and the state the job was left in."
    );
    describe_gauge!(
        "clinical_images_live_feed_subscribers",
        "Open live-feed (event stream) connections."
    );
    describe_gauge!(
        "clinical_images_decode_queue",
        "Image decodes waiting for and holding the memory budget."
    );
    describe_gauge!(
        "clinical_images_render_waiting",
        "Edit renderings waiting for their turn."
    );
}

/// Keeps histograms from growing between scrapes (run on the retention tick).
pub fn upkeep() {
    if let Some(h) = HANDLE.get().and_then(Option::as_ref) {
        h.run_upkeep();
    }
}

/// `GET /metrics`: the Prometheus text format. Needs `Authorization: Bearer $OPS_TOKEN`; closed
/// (404) without OPS_TOKEN.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(denied) = authorised(&state, &headers) {
        return denied;
    }
    let Some(handle) = install() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.photos.store.waiting().await {
        Ok(w) => {
            gauge!("clinical_images_photos_waiting", "state" => "failed").set(w.failed as f64);
            gauge!("clinical_images_photos_waiting", "state" => "outcome_unknown").set(w.outcome_unknown as f64);
            gauge!("clinical_images_photos_waiting", "state" => "committing").set(w.committing as f64);
        }
        Err(e) => tracing::error!(error = %e, "metrics: photos waiting could not be counted"),
    }
    match state.deliveries.store().report().await {
        Ok(q) => {
            for (name, n) in [
                ("queued", q.queued),
                ("sending", q.sending),
                ("waiting", q.waiting),
                ("needs_person", q.needs_person),
            ] {
                gauge!("clinical_images_delivery_queue", "state" => name).set(n as f64);
            }
            gauge!("clinical_images_delivery_oldest_seconds").set(q.oldest_secs.unwrap_or(0) as f64);
            for s in [FacilityState::Healthy, FacilityState::BackingOff, FacilityState::Open] {
                let n = q.facilities.iter().filter(|f| f.state == s).count();
                gauge!("clinical_images_delivery_facilities", "state" => s.as_str()).set(n as f64);
            }
        }
        Err(e) => tracing::error!(error = %e, "metrics: the delivery queue could not be read"),
    }
    let depth = crate::staging::recheck::budget::global().depth();
    gauge!("clinical_images_decode_queue", "state" => "waiting").set(depth.waiting as f64);
    gauge!("clinical_images_decode_queue", "state" => "running").set(depth.running as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        handle.render(),
    )
        .into_response()
}
