//! Phone handoff, server side (ssr only): link tokens (≥ 256 bits, only their hash stored),
//! one-use typable codes, a per-address limit on guesses, the phone's upload, and the event
//! stream that shows new photos on the desktop without a reload.

use std::{
    collections::{HashMap, VecDeque},
    convert::Infallible,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::{
    Json,
    extract::{Multipart, Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::Stream;
use rand::Rng;
use rusqlite::{OptionalExtension, params};
use tokio_stream::{StreamExt, wrappers::BroadcastStream};

use super::{CODE_ALPHABET, HandoffView, MobileView, normalise_code};
use crate::{
    error::{AppError, ErrorKind},
    infra::{
        crypto::{is_token, random_token, sha256_hex},
        time::{clock, now_secs},
    },
    launch::server::{LaunchSession, authorise_headers, load_live, short},
    server::state::AppState,
    staging::server::{error_response, read_upload, stage_upload},
};

fn expired_link() -> AppError {
    AppError::new(
        ErrorKind::SessionExpired,
        "This phone link has expired or was stopped. On the computer, click \"Use my phone\" for a new one.",
    )
}

fn random_code() -> String {
    let mut rng = rand::rng();
    (0..8)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}


/// Where a phone reaches this server: `public_url`, else the request's own origin (https as the
/// guard decided it, believing `X-Forwarded-Proto` only from a trusted proxy).
fn origin(state: &AppState, headers: &HeaderMap, https: bool) -> String {
    let configured = state.settings.public_url.trim().trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("{}://{host}", if https { "https" } else { "http" })
}

pub fn qr_svg(url: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| AppError::internal())?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// A new link and code for this session; earlier ones stop working.
pub async fn start(
    state: &AppState,
    session: &LaunchSession,
    headers: &HeaderMap,
    https: bool,
) -> Result<HandoffView, AppError> {
    if !state.settings.phone_handoff {
        return Err(AppError::new(
            ErrorKind::NotFound,
            "Phone capture is turned off for this practice.",
        ));
    }
    if session.patient.is_none() {
        return Err(AppError::no_patient());
    }
    crate::launch::server::require_consent(state, session)?;
    let token = random_token();
    let code = random_code();
    let minutes = state.settings.handoff_ttl_minutes;
    // Never outlive the desktop session.
    let expires = (now_secs() + minutes as i64 * 60).min(session.expires_at);
    let (sid, hash, c) = (session.id.clone(), sha256_hex(token.as_bytes()), code.clone());
    state
        .db
        .call(move |db| {
            let tx = db.transaction()?;
            tx.execute("UPDATE handoffs SET revoked_at = ?1, code = NULL WHERE session_id = ?2 AND revoked_at IS NULL", params![now_secs(), sid])?;
            tx.execute(
                "INSERT INTO handoffs (token_hash, code, session_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![hash, c, sid, now_secs(), expires],
            )?;
            tx.commit()
        })
        .await
        .map_err(|_| AppError::internal())?;
    tracing::info!(session = %short(&session.id), "phone handoff started");
    let url = format!("{}/m/{token}", origin(state, headers, https));
    Ok(HandoffView {
        qr_svg: qr_svg(&url)?,
        url,
        code: format!("{}-{}", &code[..4], &code[4..]),
        valid_minutes: ((expires - now_secs()).max(0) as u64).div_ceil(60),
        expires_at: clock(expires),
    })
}

pub async fn revoke_session(state: &AppState, session_id: &str) -> Result<(), AppError> {
    let sid = session_id.to_string();
    state
        .db
        .call(move |db| {
            db.execute(
                "UPDATE handoffs SET revoked_at = ?1, code = NULL WHERE session_id = ?2 AND revoked_at IS NULL",
                params![now_secs(), sid],
            )
        })
        .await
        .map_err(|_| AppError::internal())?;
    tracing::info!(session = %short(session_id), "phone handoff stopped");
    Ok(())
}

/// Once every photo of the session is in Medtech, the work is done: its phone links stop (a
/// GP who wants more photos starts the phone again). Answers whether links were stopped.
pub async fn stop_when_all_committed(state: &AppState, session: &LaunchSession) -> Result<bool, AppError> {
    let photos = state
        .photos
        .list(&session.id)
        .await
        .map_err(crate::staging::server::store_error)?;
    let done = !photos.is_empty() && photos.iter().all(|p| p.state == crate::model::PhotoState::Committed);
    if done {
        revoke_session(state, &session.id).await?;
    }
    Ok(done)
}

/// The desktop session behind a phone link, if the link is live.
pub async fn resolve(state: &AppState, token: &str) -> Result<(LaunchSession, i64), AppError> {
    if !is_token(token) {
        return Err(expired_link());
    }
    let hash = sha256_hex(token.as_bytes());
    let row = state
        .db
        .call(move |db| {
            db.query_row(
                "SELECT session_id, expires_at, revoked_at FROM handoffs WHERE token_hash = ?1",
                params![hash],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<i64>>(2)?)),
            )
            .optional()
        })
        .await
        .map_err(|_| AppError::internal())?;
    match row {
        Some((sid, expires, None)) if expires > now_secs() => {
            let (_, session) = load_live(state, &sid).await.map_err(|_| expired_link())?;
            if session.closing {
                // The widget was closed: its phone links stop at once (and for good, unless the
                // page comes straight back, as on a reload).
                return Err(expired_link());
            }
            Ok((session, expires))
        }
        _ => Err(expired_link()),
    }
}

/// Counts failed guesses per client address over a sliding window (ten minutes), and in all
/// over a short one (a minute: a flood of guesses from many addresses slows code guessing
/// while it lasts, and stops mattering a minute after it ends). Only guesses are limited: a
/// live link token is always accepted (see `mobile_view`).
pub struct GuessLimiter {
    window: Duration,
    global_window: Duration,
    per_address: u32,
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl GuessLimiter {
    pub fn new(per_address: u32) -> Self {
        GuessLimiter {
            window: Duration::from_secs(600),
            global_window: Duration::from_secs(60),
            per_address,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn prune(&self, q: &mut VecDeque<Instant>, now: Instant) {
        while q.front().is_some_and(|t| now.duration_since(*t) > self.window) {
            q.pop_front();
        }
    }

    /// Refuses when this address has failed too often lately, or everyone together has in
    /// the last minute (at twice the per-address limit: the same rate as 20× over ten minutes).
    pub fn check(&self, ip: IpAddr) -> Result<(), AppError> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut recent = 0usize;
        for q in seen.values_mut() {
            self.prune(q, now);
            recent += q
                .iter()
                .filter(|t| now.duration_since(**t) <= self.global_window)
                .count();
        }
        seen.retain(|_, q| !q.is_empty());
        let mine = seen.get(&ip).map_or(0, |q| q.len());
        if mine >= self.per_address as usize || recent >= self.per_address as usize * 2 {
            tracing::warn!("phone code guessing limit reached");
            return Err(AppError::new(
                ErrorKind::InvalidInput,
                "Too many wrong codes. Wait ten minutes, or scan the QR code instead.",
            ));
        }
        Ok(())
    }

    pub fn failed(&self, ip: IpAddr) {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(ip)
            .or_default()
            .push_back(Instant::now());
    }
}

/// The caller's address: the socket's, or — when the socket is a trusted reverse proxy — the
/// client that proxy (and any trusted proxy before it) forwarded for.
pub async fn client_ip(trusted: &[IpAddr]) -> IpAddr {
    let peer = leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>()
        .await
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if !trusted.contains(&peer) {
        return peer;
    }
    let headers = leptos_axum::extract::<axum::http::HeaderMap>()
        .await
        .unwrap_or_default();
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    forwarded_client(peer, &forwarded.join(","), trusted)
}

/// Walks `X-Forwarded-For` from the nearest hop back: the first address that is not a trusted
/// proxy is the client (anything further left could have been written by the client itself).
pub fn forwarded_client(peer: IpAddr, forwarded_for: &str, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    for hop in forwarded_for.rsplit(',').map(str::trim).filter(|h| !h.is_empty()) {
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = ip;
        if !trusted.contains(&ip) {
            break;
        }
    }
    client
}

/// A typed code → a fresh link token for the same session (the code is used up).
pub async fn redeem(state: &AppState, ip: IpAddr, input: &str) -> Result<String, AppError> {
    state.guesses.check(ip)?;
    let wrong = || {
        AppError::invalid("That code is not valid. Check it on the computer screen; codes expire after a few minutes.")
    };
    let Some(code) = normalise_code(input) else {
        state.guesses.failed(ip);
        return Err(wrong());
    };
    let token = random_token();
    let hash = sha256_hex(token.as_bytes());
    let redeemed = state
        .db
        .call(move |db| {
            let tx = db.transaction()?;
            let row = tx
                .query_row(
                    "SELECT session_id, expires_at FROM handoffs WHERE code = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                    params![code, now_secs()],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?;
            if let Some((sid, expires)) = &row {
                tx.execute("UPDATE handoffs SET code = NULL WHERE code = ?1", params![code])?;
                tx.execute(
                    "INSERT INTO handoffs (token_hash, code, session_id, created_at, expires_at) VALUES (?1, NULL, ?2, ?3, ?4)",
                    params![hash, sid, now_secs(), expires],
                )?;
            }
            tx.commit()?;
            Ok(row.is_some())
        })
        .await
        .map_err(|_| AppError::internal())?;
    if redeemed {
        Ok(token)
    } else {
        state.guesses.failed(ip);
        Err(wrong())
    }
}

pub async fn mobile_view(state: &AppState, ip: IpAddr, token: &str) -> Result<MobileView, AppError> {
    // A live token is accepted whatever others (or this address) guessed: only a wrong one
    // counts, and is refused in the limiter's words once the address has guessed too often.
    let (session, expires) = match resolve(state, token).await {
        Ok(live) => live,
        Err(e) => {
            state.guesses.check(ip)?;
            state.guesses.failed(ip);
            return Err(e);
        }
    };
    let view = session.view(&state.settings);
    let patient = view.patient.ok_or_else(AppError::no_patient)?;
    Ok(MobileView {
        patient,
        limits: view.limits,
        expires_at: clock(expires),
    })
}

/// `POST /api/m/{token}/photos` — the phone's upload: same fields and checks as the desktop's.
pub async fn upload(
    State(state): State<AppState>,
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
        let _pass = state
            .uploads
            .enter(&session.id, crate::staging::server::body_length(&state, &headers))
            .await?;
        let upload = read_upload(&state, multipart).await?;
        let record = stage_upload(&state, &session, &patient_id, upload, "phone").await?;
        Ok::<_, AppError>(record)
    }
    .await;
    match result {
        // Nothing sent to the phone names the desktop session: no image address in the answer.
        Ok(record) => (
            StatusCode::CREATED,
            Json(record.phone_view(&state.settings.required_fields)),
        )
            .into_response(),
        Err(e) => error_response(e),
    }
}

/// `GET /api/w/{sid}/events` — server-sent events: `photo` with a photo's JSON whenever one
/// of this session's photos is staged (from the phone or another tab), and `resync` when this
/// stream fell behind and events were lost: the page then reloads its photo list.
pub async fn events(State(state): State<AppState>, Path(sid): Path<String>, headers: HeaderMap) -> Response {
    let session = match authorise_headers(&state, &sid, &headers).await {
        Ok(s) => s,
        Err(e) => return error_response(e),
    };
    let required = state.settings.required_fields.clone();
    let rx = BroadcastStream::new(state.events.subscribe());
    let sid_for_views = sid.clone();
    let stream = rx.filter_map(move |ev| match ev {
        Ok(ev) => (ev.session_id == session.id).then(|| {
            let view = ev.record.view(&required, &sid_for_views);
            Ok::<_, Infallible>(Event::default().event("photo").json_data(view).unwrap_or_default())
        }),
        Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(missed)) => {
            tracing::warn!(missed, "live feed fell behind; the page is asked to reload its photos");
            Some(Ok(Event::default().event("resync").data("lagged")))
        }
    });
    sse(stream).into_response()
}

fn sse(stream: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> impl IntoResponse {
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_as_far_as_the_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxies = [ip("10.0.0.5"), ip("10.0.0.6")];
        let peer = ip("10.0.0.5");
        assert_eq!(forwarded_client(peer, "203.0.113.7", &proxies), ip("203.0.113.7"));
        // A client that writes its own header cannot choose its address: the nearest untrusted hop counts.
        assert_eq!(
            forwarded_client(peer, "1.2.3.4, 203.0.113.7", &proxies),
            ip("203.0.113.7")
        );
        assert_eq!(
            forwarded_client(peer, "203.0.113.7, 10.0.0.6", &proxies),
            ip("203.0.113.7")
        );
        // Nothing usable: the proxy itself.
        assert_eq!(forwarded_client(peer, "", &proxies), peer);
        assert_eq!(forwarded_client(peer, "garbage", &proxies), peer);
    }

    #[test]
    fn limiter_counts_per_address_and_in_all() {
        let l = GuessLimiter::new(3);
        let a = IpAddr::from([10, 0, 0, 1]);
        let b = IpAddr::from([10, 0, 0, 2]);
        for _ in 0..3 {
            assert!(l.check(a).is_ok());
            l.failed(a);
        }
        assert!(l.check(a).is_err(), "a is blocked");
        assert!(l.check(b).is_ok(), "b is not");
        for i in 0..60u8 {
            l.failed(IpAddr::from([10, 1, 0, i]));
        }
        assert!(l.check(IpAddr::from([10, 9, 9, 9])).is_err(), "the global cap holds");
    }

    #[test]
    fn tokens_and_codes_are_long_and_random() {
        let t = random_token();
        assert_eq!(t.len(), 43, "256 bits, base64url");
        assert_ne!(t, random_token());
        let c = random_code();
        assert!(normalise_code(&c).is_some());
    }

    #[test]
    fn qr_renders_svg() {
        let svg = qr_svg("http://127.0.0.1:3000/m/abc").unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
