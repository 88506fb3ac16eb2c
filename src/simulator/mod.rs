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
//! `respond` (response and query helpers), `admin` (JSON test-control router), `task` (R4 checks
//! of a posted follow-up Task).

// Handlers return `Result<_, Response>` so that a failed check is the answer itself.
#![allow(clippy::result_large_err)]

mod admin;
mod auth;
mod data;
mod faults;
mod fhir;
mod launch;
mod readable;
mod respond;
mod serve;
mod state;
mod task;
mod types;
mod validate;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;

pub use admin::admin_router;
pub use data::{SECOND_FACILITY, SimFacility, SimPatient, SimPractitioner, UAT_FACILITY, UNMAPPED_FACILITY};
pub use launch::LaunchPair;
pub(crate) use state::*;
pub use types::*;

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

impl Simulator {
    /// Gateway settings that point at this simulator, with its credentials.
    pub fn alex_config(&self, facility_allowlist: Option<Vec<String>>) -> crate::alex::AlexConfig {
        let c = self.config();
        crate::alex::AlexConfig {
            fhir_base_url: self.fhir_base_url(),
            token_url: self.token_url(),
            client_id: c.client_id.clone(),
            client_secret: secrecy::SecretString::from(c.client_secret.clone()),
            scope: c.scope.clone(),
            launch_base_url: self.launch_base_url(),
            facility_allowlist,
            timeouts: Default::default(),
            retry: Default::default(),
        }
    }

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
            created_format: Mutex::new(CreatedTimeFormat::default()),
            tokens: Mutex::new(auth::TokenStore::new(token_ttl)),
            faults: Mutex::new(Vec::new()),
            received: Mutex::new(ReceivedLog::default()),
            counters: Mutex::new(Counters::default()),
        });
        let server = tokio::spawn(serve::accept_loop(listener, state.clone()));
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
        let format = *self.state.created_format.lock().unwrap_or_else(|e| e.into_inner());
        launch::mint(
            &self.state.launch_keys,
            format,
            facility,
            patient_id,
            provider_id,
            created,
        )
    }

    /// How launches minted from now on write their `createdTime`.
    pub fn set_created_time_format(&self, format: CreatedTimeFormat) {
        *self.state.created_format.lock().unwrap_or_else(|e| e.into_inner()) = format;
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

    /// Every Media / DocumentReference / Task POST that got past the bearer check, in order.
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
