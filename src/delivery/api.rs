//! The delivery server functions: each authorises its launch session once, then hands the use
//! case that session (never the request's headers).

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{PhotoView, Targets},
};

#[cfg(feature = "ssr")]
use crate::{
    delivery::service::Deliveries,
    infra::http::{request_headers, service},
    launch::{server::authorise, session::LaunchSession},
    staging::service::Photos,
};

/// The session this request may act for: its cookie proves this browser opened it.
#[cfg(feature = "ssr")]
async fn session(sid: &str) -> Result<LaunchSession, AppError> {
    authorise(&service::<Photos>()?.sessions, sid, &request_headers()?).await
}

/// Commit: the photos `ids` are recorded as going to Medtech — each where it went before, or to
/// `targets` — and from now on the server sends them, whether or not this page stays open.
/// Answers at once, whatever state Medtech is in. A photo whose arrival Medtech did not confirm
/// is only queued again with `resend_unknown`, after the GP checked Medtech.
#[server(prefix = "/api", endpoint = "photos/queue")]
pub async fn queue_photos(
    sid: String,
    ids: Vec<String>,
    targets: Targets,
    #[server(default)] resend_unknown: bool,
) -> Result<Vec<PhotoView>, AppError> {
    let session = session(&sid).await?;
    service::<Deliveries>()?
        .queue(&session, &ids, targets, resend_unknown)
        .await
}

/// Withdraws a photo the server holds and is not sending now: it is removed, never sent, with
/// `reason` in the audit.
#[server(prefix = "/api", endpoint = "photos/withdraw")]
pub async fn withdraw_photo(sid: String, id: String, reason: String) -> Result<(), AppError> {
    let session = session(&sid).await?;
    service::<Deliveries>()?.withdraw(&session, &id, &reason).await
}

/// "It is in Medtech": after an unknown outcome, the GP checked and found the photo there.
#[server(prefix = "/api", endpoint = "photos/in-medtech")]
pub async fn mark_in_medtech(sid: String, id: String) -> Result<Vec<PhotoView>, AppError> {
    let session = session(&sid).await?;
    service::<Deliveries>()?.confirm(&session, &id).await
}

/// This patient's photos from earlier launches at this practice that are still on their way to
/// Medtech, or need someone.
#[server(prefix = "/api", endpoint = "photos/held")]
pub async fn held_photos(sid: String) -> Result<Vec<PhotoView>, AppError> {
    let session = session(&sid).await?;
    service::<Deliveries>()?.held(&session).await
}
