//! The phone-handoff service (ssr only): link tokens (≥ 256 bits, only their hash stored; the
//! `handoffs` table is this domain's), one-use typable codes with a limit on guessing, and what a
//! phone may see. Built once by the composition root.

use std::{net::IpAddr, ops::Deref, sync::Arc};

use crate::infra::sql::{OptionalExtension, Sql, params};
use axum::http::{HeaderMap, header};
use rand::Rng;

use super::{CODE_ALPHABET, HandoffView, MobileView, guesses::GuessLimiter, normalise_code};
use crate::{
    config::Settings,
    error::{AppError, ErrorKind},
    infra::{
        crypto::{is_token, random_token, sha256_hex},
        db::Db,
        time::{clock, now_secs},
    },
    launch::{
        server::{Sessions, load_live},
        session::{LaunchSession, short},
    },
    staging::service::{Photos, store_error},
};

#[derive(Clone)]
pub struct Handoffs(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub guesses: GuessLimiter,
    pub settings: Arc<Settings>,
    pub sessions: Sessions,
    /// Where the phone's photos go.
    pub staging: Photos,
}

impl Deref for Handoffs {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Handoffs {
    /// "Use my phone" for the desktop session `sid` (this browser's).
    pub async fn start_for(&self, sid: &str, headers: &HeaderMap, https: bool) -> Result<HandoffView, AppError> {
        let session = crate::launch::server::authorise(&self.sessions, sid, headers).await?;
        start(self, &session, headers, https).await
    }

    /// "Stop phone capture" for the desktop session `sid` (this browser's).
    pub async fn stop_for(&self, sid: &str, headers: &HeaderMap) -> Result<(), AppError> {
        let session = crate::launch::server::authorise(&self.sessions, sid, headers).await?;
        revoke_session(self, &session.id).await
    }

    pub fn new(db: Db, settings: Arc<Settings>, sessions: Sessions, staging: Photos) -> Handoffs {
        Handoffs(Arc::new(Inner {
            guesses: GuessLimiter::new(db.clone(), settings.handoff_guess_limit),
            db,
            settings,
            sessions,
            staging,
        }))
    }
}

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
fn origin(state: &Handoffs, headers: &HeaderMap, https: bool) -> String {
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
    state: &Handoffs,
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
    crate::launch::server::require_consent(&state.settings, session)?;
    let token = random_token();
    let code = random_code();
    let minutes = state.settings.handoff_ttl_minutes;
    // Never outlive the desktop session.
    let expires = (now_secs() + minutes as i64 * 60).min(session.expires_at);
    let (sid, hash, c) = (session.id.clone(), sha256_hex(token.as_bytes()), code.clone());
    state
        .db
        .call(move |db| {
            let mut tx = db.transaction()?;
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

pub async fn revoke_session(state: &Handoffs, session_id: &str) -> Result<(), AppError> {
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
pub async fn stop_when_all_committed(state: &Handoffs, session: &LaunchSession) -> Result<bool, AppError> {
    let photos = state.staging.store.list(&session.id).await.map_err(store_error)?;
    let done = !photos.is_empty() && photos.iter().all(|p| p.state == crate::model::PhotoState::Committed);
    if done {
        revoke_session(state, &session.id).await?;
    }
    Ok(done)
}

/// Retention: spent phone links are forgotten an hour after they expire.
pub async fn purge(state: &Handoffs) -> Result<usize, AppError> {
    state
        .db
        .call(move |db| db.execute("DELETE FROM handoffs WHERE expires_at < ?1", params![now_secs() - 3600]))
        .await
        .map_err(|_| AppError::internal())
}

/// The desktop session behind a phone link, if the link is live.
pub async fn resolve(state: &Handoffs, token: &str) -> Result<(LaunchSession, i64), AppError> {
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
            let (_, session) = load_live(&state.sessions, &sid).await.map_err(|_| expired_link())?;
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

/// A typed code → a fresh link token for the same session (the code is used up).
pub async fn redeem(state: &Handoffs, ip: IpAddr, input: &str) -> Result<String, AppError> {
    state.guesses.check(ip).await?;
    let wrong = || {
        AppError::invalid("That code is not valid. Check it on the computer screen; codes expire after a few minutes.")
    };
    let Some(code) = normalise_code(input) else {
        state.guesses.failed(ip).await;
        return Err(wrong());
    };
    let token = random_token();
    let hash = sha256_hex(token.as_bytes());
    let redeemed = state
        .db
        .call(move |db| {
            let mut tx = db.transaction()?;
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
        state.guesses.failed(ip).await;
        Err(wrong())
    }
}

pub async fn mobile_view(state: &Handoffs, ip: IpAddr, token: &str) -> Result<MobileView, AppError> {
    // A live token is accepted whatever others (or this address) guessed: only a wrong one
    // counts, and is refused in the limiter's words once the address has guessed too often.
    let (session, expires) = match resolve(state, token).await {
        Ok(live) => live,
        Err(e) => {
            state.guesses.check(ip).await?;
            state.guesses.failed(ip).await;
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

#[cfg(test)]
mod tests {
    use super::*;

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
