//! Starts the whole app (router, server functions, simulator) on a free loopback port.

use clinical_images::{
    config::Settings,
    server::{self, Running, state::AppState},
};
use leptos::prelude::LeptosOptions;

pub fn settings(overrides: &[(&str, &str)]) -> Settings {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let dir = tempdir();
    Settings::from_toml_with_env(&text, path.as_ref(), |k| {
        if k == "APP_DATA_DIR" {
            return Some(dir.clone());
        }
        overrides.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    })
    .unwrap()
}

/// A fresh directory under target/ for one test's data.
pub fn tempdir() -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    dir.to_string_lossy().into_owned()
}

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("clinical_images")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build()
}

/// The app in simulator mode, with environment variables given by `env` only.
pub async fn start(env: &[(&str, &str)]) -> Running {
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let state = AppState::build_with_env(settings(&[]), leptos_options(), move |k| {
        env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    })
    .await
    .expect("app builds");
    server::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("app starts")
}

pub fn url(app: &Running, path: &str) -> String {
    format!("http://{}{}", app.addr, path)
}
