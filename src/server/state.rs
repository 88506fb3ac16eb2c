//! The composition root: every domain's service built once at start-up, in dependency order,
//! and handed to handlers (`FromRef`) and server functions (context, see `server::router`).

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::extract::FromRef;
use leptos::prelude::*;
use secrecy::SecretString;

use crate::{
    alex::{AlexClient, AlexMode, config::AlexConfigError},
    commit::service::Committer,
    config::Settings,
    delivery::service::Deliveries,
    editor::server::Renderer,
    handoff::service::Handoffs,
    infra::{
        db::{Db, DbError},
        limits::AddressLimiter,
    },
    launch::server::Sessions,
    simulator::{SimConfig, Simulator},
    staging::{
        service::Photos,
        store::{PhotoStore, StoreError},
    },
};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The composition root's parts: each domain's service handle, built once, plus what only the
/// root itself uses (the simulator, the operations token and limit, readiness).
pub struct Inner {
    pub settings: Arc<Settings>,
    pub leptos_options: LeptosOptions,
    pub alex: Arc<AlexClient>,
    pub db: Db,
    pub sessions: Sessions,
    pub photos: Photos,
    pub handoffs: Handoffs,
    pub renderer: Renderer,
    pub committer: Committer,
    /// The delivery queue and its workers.
    pub deliveries: Deliveries,
    /// The embedded ALEX simulator, when it was chosen (`alex_environment = "simulator"`).
    pub simulator: Option<Simulator>,
    /// Bearer token for the operations endpoints (env OPS_TOKEN); unset, they are closed.
    pub ops_token: Option<SecretString>,
    /// Calls of the operations endpoints that reach ALEX, per client address.
    pub ops_limiter: AddressLimiter,
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

/// Handlers take the one service they need as their state.
macro_rules! service_from_ref {
    ($($field:ident: $ty:ty),* $(,)?) => {$(
        impl FromRef<AppState> for $ty {
            fn from_ref(state: &AppState) -> Self {
                state.$field.clone()
            }
        }
    )*};
}
service_from_ref!(sessions: Sessions, photos: Photos, handoffs: Handoffs, renderer: Renderer, committer: Committer, deliveries: Deliveries);

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
        // The process's one metrics recorder (a second build in the same process shares it).
        super::metrics::install();
        let data_dir = settings.data_dir.clone();
        std::fs::create_dir_all(&data_dir).map_err(|e| StartupError::DataDir(data_dir.clone(), e))?;
        let db = Db::from_env(&data_dir, &env).await?;
        let store = PhotoStore::from_settings(db.clone(), &settings, &env)?;
        let interrupted = store.recover_interrupted().await?;
        if interrupted > 0 {
            tracing::warn!(
                photos = interrupted,
                "commits interrupted by a restart marked outcome-unknown"
            );
        }
        let mode = AlexMode::from_env(&settings, &env)?;
        let (config, simulator) = match mode {
            AlexMode::Live(config) => (*config, None),
            AlexMode::Simulator { facility_allowlist } => {
                // SIMULATOR_LATENCY_MS: an ALEX round trip to add to every answer (benchmarks).
                let latency = env("SIMULATOR_LATENCY_MS").and_then(|v| v.parse().ok()).unwrap_or(0);
                let sim = Simulator::start(SimConfig {
                    latency: std::time::Duration::from_millis(latency),
                    ..SimConfig::default()
                })
                .await
                .map_err(StartupError::Simulator)?;
                tracing::warn!(url = %sim.base_url(), "no ALEX credentials: using the embedded ALEX simulator");
                (sim.alex_config(facility_allowlist), Some(sim))
            }
        };
        let alex = Arc::new(AlexClient::new(&config)?);
        crate::staging::recheck::budget::configure(settings.decode_budget_mib << 20);
        let ops_token = env("OPS_TOKEN").filter(|t| !t.is_empty()).map(SecretString::from);
        let settings = Arc::new(settings);
        let sessions = Sessions::new(db.clone(), alex.clone(), settings.clone());
        let photos = Photos::new(store, settings.clone(), sessions.clone());
        let handoffs = Handoffs::new(db.clone(), settings.clone(), sessions.clone(), photos.clone());
        let renderer = Renderer::new(photos.clone());
        let committer = Committer::new(alex.clone(), renderer.clone(), handoffs.clone());
        let deliveries = Deliveries::new(db.clone(), &committer);
        let released = deliveries.store().release_own_claims().await?;
        if released > 0 {
            tracing::warn!(
                jobs = released,
                "delivery: parts this instance was sending when it stopped are due again"
            );
        }
        Ok(AppState(Arc::new(Inner {
            settings,
            leptos_options,
            alex,
            db,
            sessions,
            photos,
            handoffs,
            renderer,
            committer,
            deliveries,
            simulator,
            ops_token,
            ops_limiter: AddressLimiter::new(30, std::time::Duration::from_secs(60)),
            ready: AtomicBool::new(false),
        })))
    }

    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Stopping: load balancers stop sending here (`/readyz` answers 503).
    pub fn mark_not_ready(&self) {
        self.ready.store(false, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}
