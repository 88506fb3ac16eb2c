//! The ALEX FHIR client: headers, timeouts, token renewal on 401, bounded retries of transient
//! faults, and the operations the product uses. All of ALEX's quirks live in this folder.

use super::segments::{launch_segment, segment};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{
    config::{AlexConfig, RetryPolicy},
    error::AlexError,
    fhir::{Bundle, Created, DocumentReference, LaunchContext, Location, Media, Patient, Practitioner},
    token::{TokenInfo, TokenService, transport_detail},
    wire::{backoff, header_str, id_from_location, loggable, retry_after},
};
use crate::nhi::{NHI_SYSTEM, Nhi};

const FHIR_JSON: &str = "application/fhir+json";
const FACILITY_HEADER: &str = "mt-facilityid";
const CORRELATION_HEADER: &str = "mt-correlationid";

pub struct AlexClient {
    http: reqwest::Client,
    fhir_base: String,
    launch_base: String,
    tokens: Arc<TokenService>,
    retry: RetryPolicy,
    /// The last `Retry-After` each facility's refusal carried, until `take_retry_after`.
    throttled: Mutex<HashMap<String, Duration>>,
    request_timeout: Duration,
    allowlist: Option<Vec<String>>,
}

/// One successful answer, with the correlation id it was sent under.
pub struct Answer {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: axum::body::Bytes,
    pub correlation_id: Uuid,
}

/// Whether a request may be sent again after no answer came back. Reads may; writes may not,
/// because ALEX may have saved what it never confirmed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replay {
    Safe,
    OnlyIfUnsent,
}

impl AlexClient {
    pub fn new(config: &AlexConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("clinical-images/", env!("CARGO_PKG_VERSION")))
            // ALEX's answers are read as sent, with our own byte caps: never decompressed here
            // (the tests' client turns these features on for the whole crate).
            .no_gzip()
            .no_brotli()
            .build()?;
        Ok(AlexClient {
            tokens: Arc::new(TokenService::new(http.clone(), config)),
            http,
            fhir_base: config.fhir_base_url.trim_end_matches('/').to_string(),
            launch_base: config.launch_base_url.trim_end_matches('/').to_string(),
            retry: config.retry,
            request_timeout: config.timeouts.request,
            allowlist: config.facility_allowlist.clone(),
            throttled: Mutex::default(),
        })
    }

    /// The same ALEX, token and connections, for the delivery queue: no retry of its own, since
    /// the queue backs off per practice and a quick retry would only add calls to one that is down.
    pub fn for_background(&self) -> AlexClient {
        AlexClient {
            http: self.http.clone(),
            fhir_base: self.fhir_base.clone(),
            launch_base: self.launch_base.clone(),
            tokens: self.tokens.clone(),
            retry: RetryPolicy {
                max_retries: 0,
                ..self.retry
            },
            request_timeout: self.request_timeout,
            allowlist: self.allowlist.clone(),
            throttled: Mutex::default(),
        }
    }

    /// The `Retry-After` of the facility's last 429, once.
    pub fn take_retry_after(&self, facility: &str) -> Option<Duration> {
        self.throttled.lock().ok()?.remove(facility)
    }

    pub async fn token_info(&self) -> TokenInfo {
        self.tokens.info().await
    }

    pub fn token_fetch_count(&self) -> u64 {
        self.tokens.fetch_count()
    }

    /// Fetches a token now (connectivity checks).
    pub async fn check_token(&self) -> Result<(), AlexError> {
        self.tokens.token().await.map(|_| ()).map_err(AlexError::from)
    }

    pub fn facility_allowlist(&self) -> Option<&[String]> {
        self.allowlist.as_deref()
    }

    /// Refuses a malformed facility id, or one outside the allow-list, before any call.
    pub fn check_facility(&self, facility: &str) -> Result<(), AlexError> {
        let well_formed =
            (3..=16).contains(&facility.len()) && facility.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !well_formed {
            return Err(AlexError::InvalidFacility);
        }
        match &self.allowlist {
            Some(list) if !list.iter().any(|f| f.eq_ignore_ascii_case(facility)) => {
                Err(AlexError::FacilityNotAllowed {
                    facility: facility.to_string(),
                })
            }
            _ => Ok(()),
        }
    }

    // ---- operations -------------------------------------------------------------------

    pub async fn patient(&self, facility: &str, id: &str) -> Result<Patient, AlexError> {
        let path = format!("Patient/{}", segment(id)?);
        self.read_json(facility, &path, &[]).await
    }

    /// The patient with this NHI in this facility (ids differ per facility), or None.
    pub async fn patient_by_nhi(&self, facility: &str, nhi: &Nhi) -> Result<Option<Patient>, AlexError> {
        let identifier = format!("{NHI_SYSTEM}|{nhi}");
        let bundle: Bundle = self
            .read_json(facility, "Patient", &[("identifier", &identifier)])
            .await?;
        match bundle.resources::<Patient>("Patient").into_iter().next() {
            Some(Ok(p)) => Ok(Some(p)),
            Some(Err(e)) => Err(AlexError::Unexpected {
                status: 200,
                detail: format!("Patient: {}", super::error::json_error(&e)),
            }),
            None => Ok(None), // ALEX's "no match": a Bundle holding an OperationOutcome
        }
    }

    /// Any search. ALEX supports few shapes: others answer 403 "Authorization failed.", and
    /// some endpoints (e.g. Encounter) answer a non-FHIR 404.
    pub async fn search(
        &self,
        facility: &str,
        resource_type: &str,
        query: &[(&str, &str)],
    ) -> Result<Bundle, AlexError> {
        self.read_json(facility, segment(resource_type)?, query).await
    }

    pub async fn location(&self, facility: &str) -> Result<Location, AlexError> {
        let bundle: Bundle = self.read_json(facility, "Location", &[]).await?;
        bundle
            .resources::<Location>("Location")
            .into_iter()
            .find_map(Result::ok)
            .ok_or_else(|| AlexError::NotFound {
                detail: "no Location in the Bundle".into(),
            })
    }

    pub async fn practitioner(&self, facility: &str, id: &str) -> Result<Practitioner, AlexError> {
        let path = format!("Practitioner/{}", segment(id)?);
        self.read_json(facility, &path, &[]).await
    }

    /// Decodes a launch `context` + `signature` pair from Medtech Evolution.
    pub async fn decode_launch(&self, context: &str, signature: &str) -> Result<LaunchContext, AlexError> {
        let url = format!(
            "{}/vendorforms/api/getlaunchcontextstring/{}/{}",
            self.launch_base,
            launch_segment(context)?,
            launch_segment(signature)?
        );
        let answer = self.send(Method::GET, url, None, None, Replay::Safe).await?;
        decode(&answer)
    }

    pub async fn create_media(&self, facility: &str, media: &Media) -> Result<Created, AlexError> {
        self.create(facility, "Media", serde_json::to_vec(media)).await
    }

    pub async fn create_document_reference(
        &self,
        facility: &str,
        doc: &DocumentReference,
    ) -> Result<Created, AlexError> {
        self.create(facility, "DocumentReference", serde_json::to_vec(doc))
            .await
    }

    // ---- plumbing ---------------------------------------------------------------------

    async fn read_json<T: DeserializeOwned>(
        &self,
        facility: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, AlexError> {
        self.check_facility(facility)?;
        let mut url =
            reqwest::Url::parse(&format!("{}/{path}", self.fhir_base)).map_err(|_| AlexError::Unexpected {
                status: 0,
                detail: "bad ALEX base URL".into(),
            })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let answer = self
            .send(Method::GET, url.to_string(), Some(facility), None, Replay::Safe)
            .await?;
        decode(&answer)
    }

    pub(super) async fn create(
        &self,
        facility: &str,
        resource_type: &str,
        body: serde_json::Result<Vec<u8>>,
    ) -> Result<Created, AlexError> {
        self.check_facility(facility)?;
        let body = body.map_err(|e| AlexError::Unexpected {
            status: 0,
            detail: super::error::json_error(&e),
        })?;
        let url = format!("{}/{resource_type}", self.fhir_base);
        let answer = self
            .send(Method::POST, url, Some(facility), Some(body), Replay::OnlyIfUnsent)
            .await?;
        let location = header_str(&answer.headers, header::LOCATION);
        let etag = header_str(&answer.headers, header::ETAG);
        let echoed: Option<String> = serde_json::from_slice::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(String::from));
        let id = echoed.or_else(|| location.as_deref().and_then(|l| id_from_location(l, resource_type)));
        match id {
            Some(id) => Ok(Created {
                id,
                location,
                etag,
                correlation_id: answer.correlation_id.to_string(),
            }),
            None => Err(AlexError::Unexpected {
                status: answer.status.as_u16(),
                detail: format!("{resource_type} created without an id"),
            }),
        }
    }

    /// Sends one call with a token and a fresh correlation id. A 401 renews the token once and
    /// retries once; 429, 503 and unsent requests are retried with backoff up to the policy.
    async fn send(
        &self,
        method: Method,
        url: String,
        facility: Option<&str>,
        body: Option<Vec<u8>>,
        replay: Replay,
    ) -> Result<Answer, AlexError> {
        let mut renewed = false;
        let mut retries = 0u32;
        loop {
            let token = self.tokens.token().await?;
            let correlation_id = Uuid::new_v4();
            let mut req = self
                .http
                .request(method.clone(), &url)
                .timeout(self.request_timeout)
                .header(header::AUTHORIZATION, token.bearer())
                .header(header::ACCEPT, FHIR_JSON)
                .header(CORRELATION_HEADER, correlation_id.to_string());
            if let Some(f) = facility {
                req = req.header(FACILITY_HEADER, f);
            }
            if let Some(b) = &body {
                req = req.header(header::CONTENT_TYPE, FHIR_JSON).body(b.clone());
            }
            let started = Instant::now();
            let outcome = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(body) => Ok((status, headers, body)),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            let took_ms = started.elapsed().as_millis() as u64;
            let answered = outcome.as_ref().ok().map(|(status, _, _)| status.as_u16());
            super::metrics::call(
                super::metrics::endpoint(&url, &self.fhir_base),
                &method,
                answered,
                started.elapsed(),
            );
            let path = loggable(&url);
            let error = match outcome {
                Ok((status, headers, body)) => {
                    tracing::info!(%correlation_id, %method, path, status = status.as_u16(), took_ms, bytes = body.len(), facility, "ALEX call");
                    if status.is_success() {
                        return Ok(Answer {
                            status,
                            headers,
                            body,
                            correlation_id,
                        });
                    }
                    let retry_after = retry_after(&headers);
                    let err = AlexError::from_response(status.as_u16(), &body, facility, retry_after);
                    if let (Some(f), Some(d)) = (facility, retry_after) {
                        self.throttled.lock().map(|mut t| t.insert(f.to_string(), d)).ok();
                    }
                    if matches!(err, AlexError::Unauthorized) && !renewed {
                        renewed = true;
                        self.tokens.invalidate(&token).await;
                        continue;
                    }
                    err
                }
                Err(e) => {
                    let detail = transport_detail(&e);
                    tracing::warn!(%correlation_id, %method, path, took_ms, error = %detail, facility, "ALEX call failed");
                    // A connection that was never made carried nothing; anything later may
                    // have reached ALEX.
                    if replay == Replay::Safe || e.is_connect() {
                        AlexError::Unreachable { detail }
                    } else {
                        return Err(AlexError::OutcomeUnknown { detail });
                    }
                }
            };
            if !error.is_transient() || retries >= self.retry.max_retries {
                return Err(error);
            }
            let wait = match &error {
                AlexError::Throttled { retry_after: Some(d) } if *d > self.retry.max_retry_after => {
                    return Err(error);
                }
                AlexError::Throttled { retry_after: Some(d) } => *d,
                _ => backoff(&self.retry, retries),
            };
            retries += 1;
            tracing::info!(
                kind = error.kind(),
                retry = retries,
                wait_ms = wait.as_millis() as u64,
                "retrying ALEX call"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

fn decode<T: DeserializeOwned>(answer: &Answer) -> Result<T, AlexError> {
    serde_json::from_slice(&answer.body).map_err(|e| AlexError::Unexpected {
        status: answer.status.as_u16(),
        detail: format!("cannot read the response: {}", super::error::json_error(&e)),
    })
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
