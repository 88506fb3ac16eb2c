//! Server assembly (ssr only): the service graph, the Axum router and its middleware.
//! Each domain's server-only code lives in its own folder; this module only wires them.

pub mod assets;
mod bodies;
pub mod errors;
pub mod health;
pub mod listen;
pub mod metrics;
pub mod ops;
pub mod security;
pub mod state;
pub mod stuck;
pub mod telemetry;
mod upkeep;

use std::{net::SocketAddr, time::Duration};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::catch_panic::CatchPanicLayer;

use crate::app::{App, shell};
use state::AppState;

/// Registers every server function with the server-fn registry. Needed because integration
/// tests link the library without the binary's automatic registration.
pub fn register_server_fns() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<crate::ui::frame::GetAppInfo>();
    register_explicit::<crate::launch::api::GetSession>();
    register_explicit::<crate::launch::api::RecordConsent>();
    register_explicit::<crate::launch::api::WasmRan>();
    register_explicit::<crate::launch::sim::SimLaunches>();
    register_explicit::<crate::staging::api::ListPhotos>();
    register_explicit::<crate::staging::api::TagPhotos>();
    register_explicit::<crate::staging::api::RemovePhoto>();
    register_explicit::<crate::staging::api::RestorePhoto>();
    register_explicit::<crate::staging::api::ListLesions>();
    register_explicit::<crate::staging::api::MarkLesion>();
    register_explicit::<crate::staging::api::ChangeLesion>();
    register_explicit::<crate::staging::api::AssignLesion>();
    register_explicit::<crate::commit::api::CommitPhoto>();
    register_explicit::<crate::commit::api::CommitScan>();
    register_explicit::<crate::commit::api::CommitTiff>();
    register_explicit::<crate::commit::api::ConfirmInMedtech>();
    register_explicit::<crate::commit::api::TaskPractitioners>();
    register_explicit::<crate::delivery::api::QueuePhotos>();
    register_explicit::<crate::delivery::api::WithdrawPhoto>();
    register_explicit::<crate::delivery::api::MarkInMedtech>();
    register_explicit::<crate::delivery::api::HeldPhotos>();
    register_explicit::<crate::commit::api::FollowUpTask>();
    register_explicit::<crate::handoff::api::StartHandoff>();
    register_explicit::<crate::handoff::api::StopHandoff>();
    register_explicit::<crate::handoff::api::RedeemCode>();
    register_explicit::<crate::handoff::api::MobileSession>();
    register_explicit::<crate::editor::api::GetEdit>();
    register_explicit::<crate::editor::api::SaveEdit>();
}

/// The whole HTTP application for one service graph.
pub fn router(state: AppState) -> Router {
    register_server_fns();
    let routes = generate_route_list(App);
    let ctx = {
        let state = state.clone();
        let info = crate::ui::frame::AppInfo {
            simulator: state.simulator.is_some(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        };
        move || {
            // Each domain's service on its own: a server function asks for the one it uses.
            provide_context(state.sessions.clone());
            provide_context(state.photos.clone());
            provide_context(state.handoffs.clone());
            provide_context(state.renderer.clone());
            provide_context(state.committer.clone());
            provide_context(state.deliveries.clone());
            if let Some(sim) = &state.simulator {
                provide_context(sim.clone());
            }
            provide_context(info.clone());
            // The guard's nonce for this request, so Leptos' own scripts carry it.
            let nonce = use_context::<axum::http::request::Parts>()
                .and_then(|p| p.extensions.get::<security::CspNonce>().cloned());
            if let Some(n) = nonce {
                provide_context(leptos::nonce::Nonce::from_value(n.0));
            }
        }
    };
    let app_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/launch", get(crate::launch::entry::launch))
        .route(
            "/api/w/{sid}/photos",
            post(crate::staging::server::upload).layer(DefaultBodyLimit::max(
                state.settings.max_upload_bytes as usize + 64 * 1024,
            )),
        )
        .route("/api/w/{sid}/photos/{id}/image", get(crate::staging::server::image))
        .route(
            "/api/w/{sid}/photos/{id}/rendered",
            get(crate::editor::server::rendered),
        )
        .route("/api/w/{sid}/events", get(crate::handoff::server::events))
        .route("/api/w/{sid}/close", post(crate::launch::server::close))
        .route(
            "/api/m/{token}/photos",
            post(crate::handoff::server::upload).layer(DefaultBodyLimit::max(
                state.settings.max_upload_bytes as usize + 64 * 1024,
            )),
        )
        .route("/api/alex/test", get(ops::alex_test))
        .route("/api/alex/token-info", get(ops::token_info))
        .route("/api/capabilities", get(ops::capabilities))
        .route("/api/audit", get(ops::audit))
        .route("/metrics", get(metrics::metrics))
        .route("/api/ops/stuck", get(stuck::stuck_json))
        .route("/api/ops/engines", get(ops::engines))
        .route("/ops/stuck", get(stuck::stuck_page))
        .merge(crate::basic::router(state.settings.max_upload_bytes))
        .leptos_routes_with_context(&state, routes, ctx.clone(), app_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            ctx, shell,
        ));
    // Test control of the simulator, mounted only when the simulator stands in for ALEX.
    let app = match &state.simulator {
        Some(sim) => app.nest_service("/sim/api", crate::simulator::admin_router(sim.clone())),
        None => app,
    };
    // A server function's refusal gets its kind's status from its JSON body, read before
    // compression (outside it the body is gzip or brotli and cannot be read).
    let app = app.layer(axum::middleware::from_fn(errors::server_fn_status));
    // Pages and JSON compressed on the fly; the bundle under /pkg is compressed at build time.
    let app = app.layer(assets::compression()).nest_service(
        &assets::pkg_path(&state.leptos_options),
        assets::pkg_router(&state.leptos_options),
    );
    let guard = std::sync::Arc::new(security::Guard::new(&state.settings, state.leptos_options.reload_port));
    let app = app
        .layer(CatchPanicLayer::custom(telemetry::panic_response))
        .layer(axum::middleware::from_fn(bodies::small_body_deadline))
        .layer(axum::middleware::from_fn_with_state(guard, security::guard))
        .layer(axum::middleware::from_fn(errors::close_after_refusal));
    telemetry::with_request_tracing(app).with_state(state)
}

/// A running server: its address and a handle to stop it. Used by `main` and by tests.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    purge: tokio::task::JoinHandle<()>,
}

impl Running {
    /// A graceful stop (SIGTERM): not ready any more, no new commit starts, the writes to ALEX in
    /// flight finish (at most `limit`), then `stop`. Answers whether every write finished.
    pub async fn shutdown(self, limit: Duration) -> bool {
        self.state.mark_not_ready();
        let drain = self.state.committer.drain.clone();
        drain.start();
        let settled = drain.settled(limit).await;
        if settled {
            tracing::info!("shutdown: no write to ALEX in flight");
        } else {
            tracing::warn!(
                in_flight = drain.in_flight(),
                "shutdown: writes still in flight when the wait ended"
            );
        }
        self.stop().await;
        settled
    }

    /// This instance leaves the shared store's list of live instances (a graceful stop).
    async fn leave(&self) {
        if let Err(e) = crate::infra::instances::leave(&self.state.db).await {
            tracing::warn!(error = %e, "this instance could not take itself off the list of live instances");
        }
    }

    /// Stops accepting, lets in-flight requests finish (bounded), and waits.
    pub async fn stop(self) {
        self.purge.abort();
        self.leave().await;
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }

    pub async fn wait(self) -> std::io::Result<()> {
        let Running { task, stop, purge, .. } = self;
        let result = task.await.unwrap_or_else(|e| Err(std::io::Error::other(e)));
        purge.abort();
        drop(stop);
        result
    }
}

/// Binds `addr` (port 0 picks a free one), starts serving and marks the server ready.
pub async fn start(state: AppState, addr: SocketAddr) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(state.clone());
    let limits = listen::ConnLimits {
        header_read_timeout: Duration::from_secs(state.settings.header_read_timeout_seconds.max(1)),
        max_connections: state.settings.max_connections,
        drain: Duration::from_secs(10),
    };
    let task = tokio::spawn(listen::serve(listener, app, limits, async move {
        let _ = stopped.await;
    }));
    let purge = tokio::spawn(upkeep::run(state.clone()));
    state.mark_ready();
    tracing::info!(%addr, simulator = state.simulator.is_some(), "serving");
    Ok(Running {
        addr,
        state,
        stop,
        task,
        purge,
    })
}
