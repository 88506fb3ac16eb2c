//! The embedded ALEX simulator: a real HTTP server on 127.0.0.1 that behaves like Medtech's
//! ALEX API as recorded in `shared/ALEX_FACTS.md` (token endpoint, FHIR reads and writes, the
//! launch-context decode, the gateway's faults).
//!
//! It is the demo, the development loop and the test bed, so it checks what it receives on its
//! own terms (plain `serde_json::Value`, no types shared with the client) and it can be told to
//! misbehave (`inject`) the way a real gateway or practice relay does.
//!
//! Layout: `data` (seeded practices, patients, practitioners), `auth` (token endpoint, bearer
//! check, roles), `fhir` (FHIR routes), `validate` (FHIR R4 checks of posted resources),
//! `launch` (mint / decode launch contexts), `faults` (fault queue and fault responses),
//! `respond` (response and query helpers), `admin` (JSON test-control router).

// Handlers return `Result<_, Response>` so that a failed check is the answer itself.
#![allow(clippy::result_large_err)]

mod admin;
mod auth;
mod data;
mod faults;
mod fhir;
mod launch;
mod respond;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

pub use admin::admin_router;
pub use data::{SECOND_FACILITY, SimFacility, SimPatient, SimPractitioner, UAT_FACILITY, UNMAPPED_FACILITY};
pub use launch::LaunchPair;

/// Largest request body the simulator reads (an 8 MB PDF is about 11.2 MB as base64 JSON).
pub(crate) const MAX_BODY_BYTES: usize = 12 * 1024 * 1024;

/// Every role ALEX_FACTS names; the default for [`SimConfig::roles`].
pub const ALL_ROLES: [&str; 6] = [
    "patient.media.write",
    "Patient.documentreference.scaninbox.write",
    "patient.nhisearch.read",
    "practitioner.read",
    "practice.location.read",
    "patient.launchformincontext.read",
];

/// How the simulator is set up. Credentials are fake and only meaningful to this simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub client_id: String,
    pub client_secret: String,
    pub scope: String,
    pub tenant: String,
    /// Lifetime of an issued access token (`expires_in`).
    pub token_ttl: Duration,
    /// How long a minted launch pair still decodes.
    pub launch_ttl: Duration,
    /// Roles put in every token.
    pub roles: Vec<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            client_id: "sim-client".into(),
            client_secret: "sim-secret".into(),
            scope: "api://sim-alex/.default".into(),
            tenant: "sim-tenant".into(),
            token_ttl: Duration::from_secs(3599),
            launch_ttl: Duration::from_secs(300),
            roles: ALL_ROLES.iter().map(|r| r.to_string()).collect(),
        }
    }
}

/// The endpoints the simulator counts and can inject faults into. `Any` matches every request
/// (and `request_count(Endpoint::Any)` is the total of all requests, unknown paths included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Endpoint {
    Token,
    Patient,
    Location,
    Practitioner,
    Media,
    DocumentReference,
    Launch,
    Any,
}

impl Endpoint {
    pub const ALL: [Endpoint; 8] = [
        Endpoint::Token,
        Endpoint::Patient,
        Endpoint::Location,
        Endpoint::Practitioner,
        Endpoint::Media,
        Endpoint::DocumentReference,
        Endpoint::Launch,
        Endpoint::Any,
    ];
}

/// A queued fault: the next `count` requests matching `endpoint` get `kind` instead of (or
/// around) normal handling.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fault {
    pub endpoint: Endpoint,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// 401 as the gateway answers: `{"statusCode":401,"message":"Unauthorized"}`.
    Unauthorized,
    /// 429 with a `Retry-After` header.
    Throttled { retry_after_secs: u64 },
    /// 503 OperationOutcome `exception` "Cannot establish connection to the facility. ...".
    Unavailable,
    /// 403 OperationOutcome `forbidden` "Authorization failed.".
    Forbidden,
    /// Wait, then handle normally (the request IS processed).
    Delay { ms: u64 },
    /// Close the TCP connection without any response; the request is NOT processed.
    Drop,
    /// Process the request, then close the connection without any response.
    DropAfterProcessing,
}

/// One resource POSTed to Media or DocumentReference that passed the bearer check, accepted
/// (201, `id` set) or rejected (403 / 4xx).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Received {
    pub resource_type: String,
    pub id: Option<String>,
    pub status: u16,
    pub facility: String,
    pub correlation_id: Option<String>,
    /// The body as received (`null` when it was not JSON).
    pub resource: serde_json::Value,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Handle to a running simulator. Cheap to clone; the server stops when the last handle drops.
#[derive(Clone)]
pub struct Simulator {
    state: Arc<SimState>,
    _server: Arc<ServerTask>,
}

/// Aborts the accept loop when the last [`Simulator`] handle is dropped.
struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Shared mutable state of one simulator.
pub(crate) struct SimState {
    pub(crate) config: SimConfig,
    pub(crate) base_url: String,
    pub(crate) seed: data::Seed,
    pub(crate) launch_keys: launch::Keys,
    pub(crate) tokens: Mutex<auth::TokenStore>,
    pub(crate) faults: Mutex<Vec<Fault>>,
    pub(crate) received: Mutex<ReceivedLog>,
    pub(crate) counters: Mutex<Counters>,
}

/// What the simulator received, newest last, within a memory budget (oldest forgotten first).
#[derive(Default)]
pub(crate) struct ReceivedLog {
    items: std::collections::VecDeque<(usize, Received)>,
    bytes: usize,
}

impl ReceivedLog {
    /// At most this many bytes of received bodies are kept…
    pub(crate) const MAX_BYTES: usize = 256 << 20;
    /// …and at most this many of them.
    pub(crate) const MAX_ITEMS: usize = 10_000;

    fn push(&mut self, r: Received) {
        let size = r.resource.to_string().len() + 256;
        self.bytes += size;
        self.items.push_back((size, r));
        while self.bytes > Self::MAX_BYTES || self.items.len() > Self::MAX_ITEMS {
            let Some((size, _)) = self.items.pop_front() else { break };
            self.bytes -= size;
        }
    }

    fn all(&self) -> Vec<Received> {
        self.items.iter().map(|(_, r)| r.clone()).collect()
    }

    fn clear(&mut self) {
        self.items.clear();
        self.bytes = 0;
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) token_fetches: u64,
    pub(crate) requests: HashMap<Endpoint, u64>,
}

/// Lock a mutex, recovering the data if a previous holder panicked (never panic here).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SimState {
    pub(crate) fn fhir_base(&self) -> String {
        format!("{}/FHIR", self.base_url)
    }

    fn count(&self, endpoint: Option<Endpoint>) {
        let mut c = lock(&self.counters);
        if let Some(ep) = endpoint
            && ep != Endpoint::Any
        {
            *c.requests.entry(ep).or_insert(0) += 1;
        }
        *c.requests.entry(Endpoint::Any).or_insert(0) += 1;
    }

    pub(crate) fn record(&self, r: Received) {
        lock(&self.received).push(r);
    }
}

/// Marker put in a response's extensions: the connection must be closed without answering.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DropConnection;

/// The error the hyper service returns to make hyper close the connection unanswered.
#[derive(Debug)]
struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by injected simulator fault")
    }
}

impl std::error::Error for DroppedByFault {}

impl Simulator {
    /// Bind 127.0.0.1 on a free port and spawn the server task on the current tokio runtime.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let token_ttl = config.token_ttl;
        let state = Arc::new(SimState {
            config,
            base_url,
            seed: data::Seed::new(),
            launch_keys: launch::Keys::random(),
            tokens: Mutex::new(auth::TokenStore::new(token_ttl)),
            faults: Mutex::new(Vec::new()),
            received: Mutex::new(ReceivedLog::default()),
            counters: Mutex::new(Counters::default()),
        });
        let server = tokio::spawn(accept_loop(listener, state.clone()));
        tracing::info!(target: "simulator", %addr, "ALEX simulator listening");
        Ok(Simulator {
            state,
            _server: Arc::new(ServerTask(server)),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// `base_url + "/FHIR"`
    pub fn fhir_base_url(&self) -> String {
        self.state.fhir_base()
    }

    /// `base_url + "/{tenant}/oauth2/v2.0/token"`
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.state.base_url, self.state.config.tenant)
    }

    /// Base of the launch decode: `{launch_base}/vendorforms/api/getlaunchcontextstring/{c}/{s}`.
    pub fn launch_base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The configuration the simulator was started with (`set_token_ttl` does not change it).
    pub fn config(&self) -> &SimConfig {
        &self.state.config
    }

    /// Mint an encrypted launch context and its HMAC signature, as Medtech Evolution would.
    pub fn mint_launch(&self, facility: &str, patient_id: Option<&str>, provider_id: &str) -> LaunchPair {
        self.mint_launch_created(facility, patient_id, provider_id, chrono::Utc::now())
    }

    /// A launch pair as Medtech would have made it at `created` (for tests of stale launches).
    pub fn mint_launch_created(
        &self,
        facility: &str,
        patient_id: Option<&str>,
        provider_id: &str,
        created: chrono::DateTime<chrono::Utc>,
    ) -> LaunchPair {
        launch::mint(&self.state.launch_keys, facility, patient_id, provider_id, created)
    }

    pub fn facilities(&self) -> Vec<SimFacility> {
        self.state.seed.facilities.clone()
    }

    pub fn patients(&self, facility: &str) -> Vec<SimPatient> {
        self.state.seed.patients(facility).cloned().collect()
    }

    pub fn practitioners(&self, facility: &str) -> Vec<SimPractitioner> {
        self.state.seed.practitioners(facility).cloned().collect()
    }

    /// Queue a fault (faults fire in the order they were queued).
    pub fn inject(&self, fault: Fault) {
        if fault.count > 0 {
            lock(&self.state.faults).push(fault);
        }
    }

    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// Faults still queued (with their remaining counts).
    pub fn pending_faults(&self) -> Vec<Fault> {
        lock(&self.state.faults).clone()
    }

    /// Every Media / DocumentReference POST that got past the bearer check, in order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state.received).all()
    }

    /// Successful token issues.
    pub fn token_fetches(&self) -> u64 {
        lock(&self.state.counters).token_fetches
    }

    /// Requests that reached `endpoint`, faulted ones included; `Any` = all requests.
    pub fn request_count(&self, endpoint: Endpoint) -> u64 {
        lock(&self.state.counters).requests.get(&endpoint).copied().unwrap_or(0)
    }

    /// Invalidate every token issued so far.
    pub fn revoke_tokens(&self) {
        lock(&self.state.tokens).revoke_all();
    }

    /// Lifetime of tokens issued from now on.
    pub fn set_token_ttl(&self, ttl: Duration) {
        lock(&self.state.tokens).ttl = ttl;
    }

    /// Forget received resources, counters and faults, and restore the configured token TTL.
    /// Seeded data, launch keys and issued tokens are kept.
    pub fn reset(&self) {
        lock(&self.state.received).clear();
        *lock(&self.state.counters) = Counters::default();
        lock(&self.state.faults).clear();
        lock(&self.state.tokens).ttl = self.state.config.token_ttl;
    }
}

/// Accept connections and serve each with hyper directly, so that a service error can close
/// the connection without any HTTP response (the `Drop` faults).
async fn accept_loop(listener: TcpListener, state: Arc<SimState>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(target: "simulator", error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let state = state.clone();
                async move {
                    // Handle on its own task so that a client hanging up (e.g. after its own
                    // timeout) does not cancel the work: like ALEX, the outcome is then unknown
                    // to the client but the request is processed.
                    let resp = match tokio::spawn(handle(state, req.map(Body::new))).await {
                        Ok(resp) => resp,
                        Err(_) => respond::outcome(
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                            "exception",
                            "Internal simulator error",
                        ),
                    };
                    if resp.extensions().get::<DropConnection>().is_some() {
                        Err(DroppedByFault)
                    } else {
                        Ok(resp)
                    }
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!(target: "simulator", error = %e, "connection closed");
            }
        });
    }
}

/// Which counted endpoint a request is for (`None` for paths the simulator does not serve).
fn classify(path: &str) -> Option<Endpoint> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with("/oauth2/v2.0/token") {
        return Some(Endpoint::Token);
    }
    if lower.starts_with(launch::DECODE_PREFIX) {
        return Some(Endpoint::Launch);
    }
    let rest = fhir::strip_fhir_prefix(path)?;
    let ty = rest.trim_start_matches('/').split(['/', '?']).next().unwrap_or("");
    match ty {
        "Patient" => Some(Endpoint::Patient),
        "Location" => Some(Endpoint::Location),
        "Practitioner" => Some(Endpoint::Practitioner),
        "Media" => Some(Endpoint::Media),
        "DocumentReference" => Some(Endpoint::DocumentReference),
        _ => None,
    }
}

/// One request: count it, fire a queued fault if any, else route it; log without PHI.
pub(crate) async fn handle(state: Arc<SimState>, req: Request<Body>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let correlation_id = respond::header(req.headers(), "mt-correlationid");
    let endpoint = classify(&path);
    state.count(endpoint);

    let resp = match faults::take(&state, endpoint) {
        None => route(&state, req).await,
        Some(FaultKind::Delay { ms }) => {
            // Take the whole request in first (as the gateway would), then wait.
            let (parts, body) = req.into_parts();
            match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
                Ok(bytes) => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    route(&state, Request::from_parts(parts, Body::from(bytes))).await
                }
                Err(_) => respond::outcome(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "too-costly",
                    "Request body too large or unreadable",
                ),
            }
        }
        Some(FaultKind::Drop) => faults::dropped(),
        Some(FaultKind::DropAfterProcessing) => {
            let mut resp = route(&state, req).await;
            resp.extensions_mut().insert(DropConnection);
            resp
        }
        Some(kind) => faults::immediate(&kind),
    };

    let log_path = if endpoint == Some(Endpoint::Launch) {
        launch::DECODE_PREFIX
    } else {
        path.as_str()
    };
    let dropped = resp.extensions().get::<DropConnection>().is_some();
    tracing::info!(
        target: "simulator",
        method = %method,
        path = %log_path,
        status = resp.status().as_u16(),
        dropped,
        correlation_id = correlation_id.as_deref().unwrap_or("-"),
        "ALEX simulator request"
    );
    resp
}

/// Normal handling, no faults.
pub(crate) async fn route(state: &Arc<SimState>, req: Request<Body>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let lower = path.to_ascii_lowercase();
    if lower.ends_with("/oauth2/v2.0/token") {
        return auth::token(state, req).await;
    }
    if lower.starts_with(launch::DECODE_PREFIX) {
        return launch::decode_handler(state, req);
    }
    if fhir::strip_fhir_prefix(&path).is_some() {
        return fhir::handle(state, req).await;
    }
    if req.method() == Method::GET && (path == "/" || path.is_empty()) {
        return respond::json(
            axum::http::StatusCode::OK,
            serde_json::json!({ "service": "ALEX simulator", "fhir": state.fhir_base() }),
        );
    }
    respond::not_found_gateway()
}
