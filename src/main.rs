//! The server binary: read settings, start the service graph, serve until Ctrl-C / SIGTERM.
//! `clinical-images check …` runs the operator's preflight instead (see `preflight`).

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clinical_images::{
        config::Settings,
        server::{self, state::AppState, telemetry},
    };

    let mut args = std::env::args().skip(1);
    if let Some(command) = args.next() {
        if command == "check" {
            return clinical_images::preflight::main(args).await;
        }
        eprintln!("clinical-images: unknown command {command:?} (the only one is: check)");
        return std::process::ExitCode::from(2);
    }
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("clinical-images: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init_tracing(settings.log_format);
    let path = Settings::path();
    let conf = match leptos::prelude::get_configuration(path.to_str()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot read Leptos settings");
            return std::process::ExitCode::from(2);
        }
    };
    let options = conf.leptos_options;
    let addr = options.site_addr;
    let state = match AppState::build(settings, options).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("clinical-images: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let running = match server::start(state, addr).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, %addr, "cannot listen");
            return std::process::ExitCode::from(1);
        }
    };
    shutdown_signal().await;
    tracing::info!("shutting down: draining");
    running.shutdown(std::time::Duration::from_secs(25)).await;
    std::process::ExitCode::SUCCESS
}

#[cfg(feature = "ssr")]
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser entry point is `hydrate()` in lib.rs; the binary only exists with `ssr`.
}
