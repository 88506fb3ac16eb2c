//! The service graph, built once at start-up and handed to handlers and server functions.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::extract::FromRef;
use leptos::prelude::*;
use secrecy::SecretString;

use crate::{
    alex::{AlexClient, AlexConfig, AlexMode, config::AlexConfigError},
    config::Settings,
    infra::db::{Db, DbError},
    simulator::{SimConfig, Simulator},
    staging::store::{PhotoStore, StoreError},
};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub settings: Settings,
    pub leptos_options: LeptosOptions,
    pub alex: AlexClient,
    pub db: Db,
    pub photos: PhotoStore,
    /// Photo changes, for the pages of the session they belong to (server-sent events).
    pub events: tokio::sync::broadcast::Sender<crate::staging::server::PhotoEvent>,
    /// Failed phone-code guesses per address.
    pub guesses: crate::handoff::server::GuessLimiter,
    /// The embedded ALEX simulator, when no ALEX credentials are configured.
    pub simulator: Option<Simulator>,
    /// Bearer token for the operations endpoints (env OPS_TOKEN); unset, they are closed.
    pub ops_token: Option<SecretString>,
    /// Upload bodies held at once, and uploads per session at once.
    pub uploads: crate::staging::gate::UploadGate,
    /// Launches per client address (each costs an ALEX call).
    pub launch_limiter: super::limits::AddressLimiter,
    /// Calls of the operations endpoints that reach ALEX, per client address.
    pub ops_limiter: super::limits::AddressLimiter,
    ready: AtomicBool,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("ALEX configuration: {0}")]
    Alex(#[from] AlexConfigError),
    #[error("cannot start the ALEX simulator: {0}")]
    Simulator(std::io::Error),
    #[error("cannot open the data directory {0}: {1}")]
    DataDir(std::path::PathBuf, std::io::Error),
    #[error("cannot open the database: {0}")]
    Db(#[from] DbError),
    #[error("cannot open the photo store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// Builds every service from settings and the process environment.
    pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> Result<Self, StartupError> {
        Self::build_with_env(settings, leptos_options, |k| std::env::var(k).ok()).await
    }

    /// As `build`, reading variables through `env` (tests pass their own).
    pub async fn build_with_env(
        settings: Settings,
        leptos_options: LeptosOptions,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, StartupError> {
        let data_dir = settings.data_dir.clone();
        std::fs::create_dir_all(&data_dir).map_err(|e| StartupError::DataDir(data_dir.clone(), e))?;
        let db = Db::open(&data_dir.join("clinical-images.sqlite3"))?;
        let photos = PhotoStore::from_settings(db.clone(), &settings, &env)?;
        let interrupted = photos.recover_interrupted().await?;
        if interrupted > 0 {
            tracing::warn!(
                photos = interrupted,
                "commits interrupted by a restart marked outcome-unknown"
            );
        }
        let guesses = crate::handoff::server::GuessLimiter::new(settings.handoff_guess_limit);
        let mode = AlexMode::from_env(&settings, &env)?;
        let (config, simulator) = match mode {
            AlexMode::Live(config) => (*config, None),
            AlexMode::Simulator { facility_allowlist } => {
                let sim = Simulator::start(SimConfig::default())
                    .await
                    .map_err(StartupError::Simulator)?;
                tracing::warn!(url = %sim.base_url(), "no ALEX credentials: using the embedded ALEX simulator");
                (simulator_config(&sim, facility_allowlist), Some(sim))
            }
        };
        let alex = AlexClient::new(&config)?;
        let launch_limit = settings.launch_limit_per_address;
        let upload_budget_mib = settings.upload_budget_mib;
        crate::staging::recheck::budget::configure(settings.decode_budget_mib << 20);
        let ops_token = env("OPS_TOKEN").filter(|t| !t.is_empty()).map(SecretString::from);
        Ok(AppState(Arc::new(Inner {
            settings,
            leptos_options,
            alex,
            db,
            photos,
            events: tokio::sync::broadcast::channel(256).0,
            guesses,
            simulator,
            ops_token,
            uploads: crate::staging::gate::UploadGate::new(
                upload_budget_mib << 20,
                std::time::Duration::from_secs(60),
            ),
            launch_limiter: super::limits::AddressLimiter::new(launch_limit, std::time::Duration::from_secs(600)),
            ops_limiter: super::limits::AddressLimiter::new(30, std::time::Duration::from_secs(60)),
            ready: AtomicBool::new(false),
        })))
    }

    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}

/// Gateway settings that point at a running simulator, with its credentials.
pub fn simulator_config(sim: &Simulator, facility_allowlist: Option<Vec<String>>) -> AlexConfig {
    let c = sim.config();
    AlexConfig {
        fhir_base_url: sim.fhir_base_url(),
        token_url: sim.token_url(),
        client_id: c.client_id.clone(),
        client_secret: SecretString::from(c.client_secret.clone()),
        scope: c.scope.clone(),
        launch_base_url: sim.launch_base_url(),
        facility_allowlist,
        timeouts: Default::default(),
        retry: Default::default(),
    }
}

/// The service graph inside a server function.
pub fn app_state() -> Result<AppState, ServerFnError> {
    use_context::<AppState>().ok_or_else(|| ServerFnError::new("server state missing from context"))
}
