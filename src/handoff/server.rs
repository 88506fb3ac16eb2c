//! Phone handoff over HTTP (ssr only): the phone's upload, and the event stream that shows new
//! photos on the desktop without a reload.

use std::{convert::Infallible, time::Duration};

use axum::{
    Json,
    extract::{Multipart, Path, State},
    http::{HeaderMap, StatusCode},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::Stream;
use tokio_stream::{StreamExt, wrappers::BroadcastStream};

use super::service::{Handoffs, resolve};
use crate::{
    error::AppError,
    infra::http::error_response,
    launch::server::authorise,
    staging::{
        server::{body_length, count_upload, read_upload, stage_upload},
        service::{PhotoEvent, Photos},
    },
};

/// `POST /api/m/{token}/photos` — the phone's upload: same fields and checks as the desktop's.
pub async fn upload(
    State(state): State<Handoffs>,
    Path(token): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let result = async {
        let (session, _) = resolve(&state, &token).await?;
        let patient_id = session
            .patient
            .as_ref()
            .map(|p| p.id.clone())
            .ok_or_else(AppError::no_patient)?;
        let photos = &state.staging;
        let _pass = photos.uploads.enter(&session.id, body_length(photos, &headers)).await?;
        let upload = read_upload(photos, multipart).await?;
        let record = stage_upload(photos, &session, &patient_id, upload, "phone").await?;
        Ok::<_, AppError>(record)
    }
    .await;
    count_upload("phone", &result);
    match result {
        // Nothing sent to the phone names the desktop session: no image address in the answer.
        Ok(record) => (
            StatusCode::CREATED,
            Json(record.phone_view(&state.staging.settings.required_fields)),
        )
            .into_response(),
        Err(e) => error_response(e),
    }
}

/// `GET /api/w/{sid}/events` — server-sent events: `photo` with a photo's JSON whenever one
/// of this session's photos is staged (from the phone or another tab), and `resync` when this
/// stream fell behind and events were lost: the page then reloads its photo list.
pub async fn events(State(state): State<Photos>, Path(sid): Path<String>, headers: HeaderMap) -> Response {
    let session = match authorise(&state.sessions, &sid, &headers).await {
        Ok(s) => s,
        Err(e) => return error_response(e),
    };
    let required = state.settings.required_fields.clone();
    let rx = BroadcastStream::new(state.events.subscribe());
    let sid_for_views = sid.clone();
    // Counted while the stream lives: the guard goes with it when the page disconnects.
    let subscribed = crate::infra::gauge::Held::new("clinical_images_live_feed_subscribers");
    let mut watching = state.watch(&session.id);
    // A newer stream of this session (past the few allowed) ends this one.
    let replaced = watching.closed();
    let stream = rx.filter_map(move |ev| {
        let _open = (&subscribed, &watching); // the stream owns the guards
        match ev {
            Ok(PhotoEvent::Staged { session_id, record }) => (session_id == session.id).then(|| {
                let view = record.view(&required, &sid_for_views);
                Ok::<_, Infallible>(Event::default().event("photo").json_data(view).unwrap_or_default())
            }),
            Ok(PhotoEvent::Missed) => Some(Ok(Event::default().event("resync").data("missed"))),
            Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(missed)) => {
                tracing::warn!(missed, "live feed fell behind; the page is asked to reload its photos");
                Some(Ok(Event::default().event("resync").data("lagged")))
            }
        }
    });
    sse(futures::StreamExt::take_until(stream, replaced)).into_response()
}

fn sse(stream: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> impl IntoResponse {
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
