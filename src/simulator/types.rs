//! What the simulator is told and what it tells (its configuration, endpoints, faults and what
//! it received).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Largest request body the simulator reads (an 8 MB PDF is about 11.2 MB as base64 JSON).
pub(crate) const MAX_BODY_BYTES: usize = 12 * 1024 * 1024;

/// Every role ALEX_FACTS names; the default for [`SimConfig::roles`].
pub const ALL_ROLES: [&str; 7] = [
    "patient.media.write",
    "Patient.documentreference.scaninbox.write",
    "patient.nhisearch.read",
    "practitioner.read",
    "practice.location.read",
    "patient.launchformincontext.read",
    // Assumed (no source names the Task role): see `alex::task`.
    crate::alex::task::ROLE_TASK_WRITE,
];

/// How the simulator writes a launch's `createdTime`. ALEX publishes no format: RFC 3339 is what
/// the simulator wrote first; the two without an offset are what a field report may show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreatedTimeFormat {
    #[default]
    Rfc3339,
    /// `2026-12-07T00:59:30.123`, in UTC.
    UtcWithoutOffset,
    /// `2026-12-07T13:59:30.123`, in New Zealand time.
    NzWithoutOffset,
}

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
    /// Added to every answer, as a real ALEX's round trip through the practice (benchmarks).
    pub latency: Duration,
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
            latency: Duration::ZERO,
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
    /// `POST /Task` (the follow-up task).
    Task,
    Launch,
    Any,
}

impl Endpoint {
    pub const ALL: [Endpoint; 9] = [
        Endpoint::Token,
        Endpoint::Patient,
        Endpoint::Location,
        Endpoint::Practitioner,
        Endpoint::Media,
        Endpoint::DocumentReference,
        Endpoint::Task,
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

pub(crate) fn one() -> u32 {
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

/// One resource POSTed to Media, DocumentReference or Task that passed the bearer check, accepted
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
