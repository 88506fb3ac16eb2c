//! Launch contexts, as Medtech Evolution mints them and ALEX decodes them.
//!
//! context   = base64url(nonce(12) ‖ AES-256-GCM(JSON {patientId, facilityCode, providerId, createdTime}))
//! signature = base64url(HMAC-SHA256(context text))
//! Both keys are random per simulator start. Decode verifies the HMAC first (constant time),
//! then decrypts, then checks `createdTime + launch_ttl`.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{CreatedTimeFormat, SimState, auth, respond};

const WITHOUT_OFFSET: &str = "%Y-%m-%dT%H:%M:%S%.3f";

fn write_created(t: chrono::DateTime<chrono::Utc>, format: CreatedTimeFormat) -> String {
    match format {
        CreatedTimeFormat::Rfc3339 => t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        CreatedTimeFormat::UtcWithoutOffset => t.format(WITHOUT_OFFSET).to_string(),
        CreatedTimeFormat::NzWithoutOffset => t
            .with_timezone(&chrono_tz::Pacific::Auckland)
            .format(WITHOUT_OFFSET)
            .to_string(),
    }
}

fn read_created(s: &str, format: CreatedTimeFormat) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    let naive = || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok();
    match format {
        CreatedTimeFormat::Rfc3339 => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc)),
        CreatedTimeFormat::UtcWithoutOffset => naive().map(|n| n.and_utc()),
        CreatedTimeFormat::NzWithoutOffset => chrono_tz::Pacific::Auckland
            .from_local_datetime(&naive()?)
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc)),
    }
}

/// Lower-case path prefix of the decode endpoint.
pub(crate) const DECODE_PREFIX: &str = "/vendorforms/api/getlaunchcontextstring/";
pub(crate) const LAUNCH_ROLE: &str = "patient.launchformincontext.read";

/// An encrypted launch context and its signature; both URL-safe (base64url, no padding).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchPair {
    pub context: String,
    pub signature: String,
}

pub(crate) struct Keys {
    aes: [u8; 32],
    hmac: [u8; 32],
}

impl Keys {
    pub(crate) fn random() -> Keys {
        Keys {
            aes: rand::random(),
            hmac: rand::random(),
        }
    }

    fn mac(&self) -> Option<Hmac<Sha256>> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.hmac).ok()
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    Invalid,
    Expired,
}

pub(crate) fn mint(
    keys: &Keys,
    format: CreatedTimeFormat,
    facility: &str,
    patient_id: Option<&str>,
    provider_id: &str,
    created: chrono::DateTime<chrono::Utc>,
) -> LaunchPair {
    let payload = json!({
        "patientId": patient_id,
        "facilityCode": facility,
        "providerId": provider_id,
        "createdTime": write_created(created, format),
    });
    let nonce: [u8; 12] = rand::random();
    let mut sealed = nonce.to_vec();
    // Encryption with a 32-byte key cannot fail; an empty context would simply never decode.
    if let Ok(cipher) = Aes256Gcm::new_from_slice(&keys.aes)
        && let Ok(ct) = cipher.encrypt(Nonce::from_slice(&nonce), payload.to_string().as_bytes())
    {
        sealed.extend_from_slice(&ct);
    }
    let context = URL_SAFE_NO_PAD.encode(&sealed);
    let signature = match keys.mac() {
        Some(mut mac) => {
            mac.update(context.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        None => String::new(),
    };
    LaunchPair { context, signature }
}

/// Verify, decrypt and check the age of a launch pair.
pub(crate) fn decode(
    keys: &Keys,
    format: CreatedTimeFormat,
    ttl: std::time::Duration,
    context: &str,
    signature: &str,
) -> Result<Value, DecodeError> {
    let sig = URL_SAFE_NO_PAD
        .decode(signature.trim_end_matches('='))
        .map_err(|_| DecodeError::Invalid)?;
    let mut mac = keys.mac().ok_or(DecodeError::Invalid)?;
    mac.update(context.as_bytes());
    mac.verify_slice(&sig).map_err(|_| DecodeError::Invalid)?;

    let sealed = URL_SAFE_NO_PAD.decode(context).map_err(|_| DecodeError::Invalid)?;
    if sealed.len() < 12 + 16 {
        return Err(DecodeError::Invalid);
    }
    let (nonce, ct) = sealed.split_at(12);
    let cipher = Aes256Gcm::new_from_slice(&keys.aes).map_err(|_| DecodeError::Invalid)?;
    let plain = cipher
        .decrypt(Nonce::from_slice(nonce), ct)
        .map_err(|_| DecodeError::Invalid)?;
    let value: Value = serde_json::from_slice(&plain).map_err(|_| DecodeError::Invalid)?;
    let created = value
        .get("createdTime")
        .and_then(Value::as_str)
        .and_then(|s| read_created(s, format))
        .ok_or(DecodeError::Invalid)?;
    let age = chrono::Utc::now().signed_duration_since(created);
    let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
    if age > ttl {
        return Err(DecodeError::Expired);
    }
    Ok(value)
}

/// `GET {base}/vendorforms/api/getlaunchcontextstring/{context}/{signature}` (bearer token with
/// the launch role; no facility header needed).
pub(crate) fn decode_handler(state: &SimState, req: Request<Body>) -> Response<Body> {
    let roles = match auth::check_bearer(state, req.headers()) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if req.method() != axum::http::Method::GET {
        return respond::authorization_failed();
    }
    if let Err(resp) = auth::require_role(&roles, LAUNCH_ROLE) {
        return resp;
    }
    let path = req.uri().path();
    let rest = path.get(DECODE_PREFIX.len()..).unwrap_or("");
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let [context, signature] = segments[..] else {
        return respond::outcome(StatusCode::BAD_REQUEST, "invalid", "Invalid launch context");
    };
    let context = respond::percent_decode(context, false);
    let signature = respond::percent_decode(signature, false);
    let format = *state.created_format.lock().unwrap_or_else(|e| e.into_inner());
    match decode(
        &state.launch_keys,
        format,
        state.config.launch_ttl,
        &context,
        &signature,
    ) {
        Ok(value) => respond::json(StatusCode::OK, value),
        Err(DecodeError::Invalid) => respond::outcome(StatusCode::BAD_REQUEST, "invalid", "Invalid launch context"),
        Err(DecodeError::Expired) => respond::outcome(StatusCode::BAD_REQUEST, "invalid", "Launch context expired"),
    }
}
