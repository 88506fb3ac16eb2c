//! The basic widget's routes (ssr only): `GET /w/{sid}/basic` renders the page; each form posts
//! to its own address and is answered `303 See Other` back to the page, with what happened in a
//! short-lived cookie (read once, then cleared). Every route authorises its session exactly as
//! the server functions do, and the guard's same-origin and body-type rules apply to the posts.

use axum::{
    Extension, Router,
    extract::{DefaultBodyLimit, FromRef, Multipart, Path, State, multipart::MultipartRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use cookie::Cookie;
use leptos::config::LeptosOptions;

use super::{
    commit::{plural, send},
    page::{BasicPage, render},
};
use crate::{
    commit::service::Committer,
    delivery::service::Deliveries,
    error::{AppError, ErrorKind},
    infra::http::Client,
    launch::server::{Sessions, authorise, embeddable, record_consent},
    metadata::tags::TagPatch,
    model::{CommitTarget, Targets},
    staging::{
        server::{BodyPace, Upload, read_capped, stage_upload},
        service::{Photos, store_error},
    },
};

/// The most photos one add-photos form takes.
pub const MAX_FILES: usize = 20;
const FLASH: &str = "ci_basic_notice";

/// The basic widget's routes, for any state that holds the services they use.
pub fn router<S>(max_upload_bytes: u64) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Sessions: FromRef<S>,
    Photos: FromRef<S>,
    Committer: FromRef<S>,
    Deliveries: FromRef<S>,
    LeptosOptions: FromRef<S>,
{
    let body_limit = MAX_FILES * (max_upload_bytes as usize + 64 * 1024);
    Router::new()
        .route("/w/{sid}/basic", get(page))
        .route("/w/{sid}/basic/consent", post(consent))
        .route(
            "/w/{sid}/basic/photos",
            post(add).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/w/{sid}/basic/photos/{id}/tags", post(tags))
        .route("/w/{sid}/basic/commit", post(commit))
        .route("/w/{sid}/basic/photos/{id}/resend", post(resend))
        .route("/w/{sid}/basic/photos/{id}/confirm", post(confirm))
        .route("/w/{sid}/basic/photos/{id}/withdraw", post(withdraw))
}

/// Back to the page, saying what happened (`Err`: a problem, in the GP's words). A session id
/// that is not one in shape goes home instead: the address is ours, whatever the path held.
fn back(sid: &str, client: &Client, outcome: Result<String, AppError>) -> Response {
    if sid.is_empty() || sid.len() > 64 || !sid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    }
    let value = match outcome {
        Ok(text) => format!("0{text}"),
        Err(e) => format!("1{}", e.message),
    };
    let value: String = value.chars().take(600).collect();
    let cookie = embeddable(
        Cookie::build((FLASH, value)).path(format!("/w/{sid}/basic")),
        client.https,
    )
    .max_age(cookie::time::Duration::seconds(120))
    .build();
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/w/{sid}/basic"))]).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie.encoded().to_string()) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

fn read_flash(headers: &HeaderMap) -> Option<(bool, String)> {
    let value = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|c| c.name() == FLASH)?
        .value()
        .to_string();
    let mut chars = value.chars();
    let problem = chars.next()? == '1';
    Some((problem, chars.collect()))
}

fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// `GET /w/{sid}/basic` — the whole page, rendered here.
async fn page(
    State(sessions): State<Sessions>,
    State(photos): State<Photos>,
    State(deliveries): State<Deliveries>,
    State(options): State<LeptosOptions>,
    Extension(client): Extension<Client>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Response {
    let loaded = async {
        let session = authorise(&sessions, &sid, &headers).await?;
        let records = photos.store.list(&session.id).await.map_err(store_error)?;
        let list = records.iter().map(|r| photos.view(r, &sid)).collect();
        let held = match session.patient {
            Some(_) => deliveries.held(&session).await?,
            None => Vec::new(),
        };
        Ok::<_, AppError>((session.view(&sessions.settings), list, held))
    }
    .await;
    let (session, list, held) = match loaded {
        Ok(v) => v,
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let text = crate::infra::http::html_escape(&e.message);
            return html(
                status,
                format!(
                    "<!DOCTYPE html>\n<html lang=\"en-NZ\"><head><meta charset=\"utf-8\"><title>Clinical Images</title></head>\
                     <body><h1>This session is not available</h1><p role=\"alert\">{text}</p></body></html>"
                ),
            );
        }
    };
    let flash = read_flash(&headers);
    let body = render(BasicPage {
        sid: sid.clone(),
        session,
        photos: list,
        held,
        flash: flash.clone(),
        form_key: uuid::Uuid::new_v4().to_string(),
        stylesheet: format!("/{}/{}.css", options.site_pkg_dir, options.output_name),
    });
    let mut r = html(StatusCode::OK, body);
    if flash.is_some() {
        // Read once: the notice is cleared.
        let gone = embeddable(Cookie::build((FLASH, "")).path(format!("/w/{sid}/basic")), client.https)
            .max_age(cookie::time::Duration::ZERO)
            .build();
        if let Ok(v) = HeaderValue::from_str(&gone.to_string()) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    r
}

#[derive(serde::Deserialize)]
struct ConsentForm {
    kind: Option<String>,
    reason: Option<String>,
}

/// `POST /w/{sid}/basic/consent`.
async fn consent(
    State(sessions): State<Sessions>,
    Extension(client): Extension<Client>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<axum::Form<ConsentForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let outcome = async {
        let session = authorise(&sessions, &sid, &headers).await?;
        let axum::Form(f) = form.map_err(|_| AppError::invalid("Choose how the patient consented."))?;
        let kind = f.kind.unwrap_or_default();
        record_consent(&sessions, &session, &kind, f.reason.as_deref()).await?;
        Ok("Consent recorded. You can add photos now.".to_string())
    }
    .await;
    back(&sid, &client, outcome)
}

/// `POST /w/{sid}/basic/photos` — multipart: `form_key` (the page's key for this form), then
/// one or more `photo` files, each read with the byte cap and staged before the next is read.
async fn add(
    State(photos): State<Photos>,
    Extension(client): Extension<Client>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let outcome = stage_all(&photos, &sid, &headers, multipart).await;
    back(&sid, &client, outcome)
}

async fn stage_all(
    photos: &Photos,
    sid: &str,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<String, AppError> {
    let (session, patient_id) = photos.session_with_patient(sid, headers).await?;
    let mut multipart = multipart.map_err(|_| AppError::invalid("Choose one or more photos to add."))?;
    let cap = photos.settings.max_upload_bytes;
    let (mut form_key, mut staged, mut refused) = (None::<uuid::Uuid>, 0usize, Vec::<String>::new());
    let mut n = 0usize;
    let mut pace = BodyPace::new();
    while let Some(mut field) = pace
        .within(multipart.next_field())
        .await?
        .map_err(|_| AppError::invalid("The photos did not arrive whole. Try again."))?
    {
        match field.name().unwrap_or("") {
            "form_key" => {
                let text = pace.within(field.text()).await?.unwrap_or_default();
                form_key = uuid::Uuid::parse_str(text.trim()).ok();
            }
            "photo" => {
                n += 1;
                if n > MAX_FILES {
                    refused.push(format!("only {MAX_FILES} photos can be added at once"));
                    break;
                }
                let name = field
                    .file_name()
                    .unwrap_or("a photo")
                    .chars()
                    .take(80)
                    .collect::<String>();
                let _pass = photos.uploads.enter(&session.id, cap).await?;
                let Some(buf) = read_capped(&mut field, cap, &mut pace)
                    .await?
                    .map_err(|_| AppError::invalid("The photos did not arrive whole. Try again."))?
                else {
                    refused.push(format!("{name} is too large"));
                    continue;
                };
                if buf.is_empty() {
                    continue; // the file input sent nothing
                }
                let key = form_key
                    .ok_or_else(|| AppError::invalid("The form was incomplete. Reload the page and try again."))?;
                // The same form sent twice names the same photos: each is staged once.
                let upload_key = uuid::Uuid::new_v5(&key, n.to_string().as_bytes()).to_string();
                let upload = Upload {
                    upload_key,
                    taken_at: None,
                    photo: buf,
                    tags: TagPatch::default(),
                };
                let result = stage_upload(photos, &session, &patient_id, upload, "desktop").await;
                crate::staging::server::count_upload("desktop", &result);
                match result {
                    Ok(_) => staged += 1,
                    Err(e) => refused.push(format!("{name}: {}", e.message.trim_end_matches('.'))),
                }
            }
            _ => {}
        }
    }
    match (staged, refused.is_empty()) {
        (0, true) => Err(AppError::invalid("Choose one or more photos to add.")),
        (_, true) => Ok(format!(
            "{staged} photo{} added. Tag each one, then commit.",
            plural(staged)
        )),
        (_, false) => Err(AppError::invalid(format!(
            "{staged} photo{} added; not added: {}.",
            plural(staged),
            refused.join("; ")
        ))),
    }
}

/// `POST /w/{sid}/basic/photos/{id}/tags` — every tag field (an empty one clears it).
async fn tags(
    State(photos): State<Photos>,
    Extension(client): Extension<Client>,
    Path((sid, id)): Path<(String, String)>,
    headers: HeaderMap,
    form: Result<axum::Form<TagPatch>, axum::extract::rejection::FormRejection>,
) -> Response {
    let outcome = async {
        let axum::Form(patch) = form.map_err(|_| AppError::invalid("The tags could not be read. Try again."))?;
        let changed = photos.tag(&sid, &headers, vec![id], patch).await?;
        if changed.is_empty() {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "The tags were not changed: this photo is committed or on its way to Medtech.",
            ));
        }
        Ok("Tags saved.".to_string())
    }
    .await;
    back(&sid, &client, outcome)
}

/// `POST /w/{sid}/basic/commit` — `targets` (one or more) and every photo that may go.
async fn commit(
    State(photos): State<Photos>,
    State(deliveries): State<Deliveries>,
    Extension(client): Extension<Client>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    form: Result<axum::Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let outcome = async {
        let axum::Form(fields) = form.map_err(|_| AppError::invalid("Choose where to save the photos."))?;
        let chosen = fields
            .iter()
            .filter(|(k, _)| k == "targets")
            .filter_map(|(_, v)| Targets::ALL.into_iter().find(|t| t.as_str() == v))
            .fold(Targets::default(), Targets::with);
        if chosen.is_empty() {
            return Err(AppError::invalid("Choose at least one place to save the photos."));
        }
        let list = photos.list(&sid, &headers).await?;
        let ids: Vec<String> = list
            .iter()
            .filter(|v| v.missing.is_empty() && v.may_send(false))
            .map(|v| v.id.clone())
            .collect();
        if ids.is_empty() {
            return Err(AppError::invalid("No photo is ready: tag each photo first."));
        }
        send(&photos, &deliveries, &sid, &headers, &ids, chosen, false).await
    }
    .await;
    back(&sid, &client, outcome)
}

/// `POST /w/{sid}/basic/photos/{id}/resend` — after an unknown outcome, the GP checked Medtech.
async fn resend(
    State(photos): State<Photos>,
    State(deliveries): State<Deliveries>,
    Extension(client): Extension<Client>,
    Path((sid, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let outcome = send(
        &photos,
        &deliveries,
        &sid,
        &headers,
        &[id],
        Targets::one(CommitTarget::Media),
        true,
    )
    .await;
    back(&sid, &client, outcome)
}

/// `POST /w/{sid}/basic/photos/{id}/confirm` — "It is in Medtech — mark as saved".
async fn confirm(
    State(photos): State<Photos>,
    State(deliveries): State<Deliveries>,
    Extension(client): Extension<Client>,
    Path((sid, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let outcome = async {
        let session = authorise(&photos.sessions, &sid, &headers).await?;
        deliveries.confirm(&session, &id).await?;
        Ok("Marked as saved in Medtech, as you confirmed. It will not be sent again.".to_string())
    }
    .await;
    back(&sid, &client, outcome)
}

#[derive(serde::Deserialize)]
struct WithdrawForm {
    reason: Option<String>,
}

/// `POST /w/{sid}/basic/photos/{id}/withdraw` — `reason`: why a photo not yet sent will not be.
async fn withdraw(
    State(photos): State<Photos>,
    State(deliveries): State<Deliveries>,
    Extension(client): Extension<Client>,
    Path((sid, id)): Path<(String, String)>,
    headers: HeaderMap,
    form: Result<axum::Form<WithdrawForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let outcome = async {
        let session = authorise(&photos.sessions, &sid, &headers).await?;
        let reason = form.map(|f| f.0.reason.unwrap_or_default()).unwrap_or_default();
        deliveries.withdraw(&session, &id, &reason).await?;
        Ok("Withdrawn: it will not be sent.".to_string())
    }
    .await;
    back(&sid, &client, outcome)
}
