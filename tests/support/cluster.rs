//! Several app instances, each a child process of the real server binary, sharing one
//! PostgreSQL store, one S3 bucket and one ALEX (the simulator, served from this test process):
//! what a deployment of N instances behind a load balancer is, without the balancer.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use clinical_images::simulator::{SimConfig, Simulator};
use secrecy::ExposeSecret;

use super::{
    app::{Served, tempdir},
    moto::{Moto, bucket_env, moto_server, start_moto},
    pg,
};

/// One instance: a child process serving on its own loopback port.
pub struct Instance {
    pub name: &'static str,
    pub base: String,
    child: Child,
}

impl Served for Instance {
    fn base(&self) -> String {
        self.base.clone()
    }
}

impl Instance {
    /// `kill -9`: no graceful stop, no goodbye to the store.
    pub fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// What every instance shares, and the environment that points an instance at it.
pub struct Shared {
    pub sim: Simulator,
    pub database_url: String,
    env: Vec<(String, String)>,
    _moto: Moto,
}

impl Shared {
    /// A fresh database, bucket and simulator (ALEX answering after `latency`); `None` (the test
    /// skips) when PostgreSQL or the S3 server is not available and not required.
    pub async fn new(latency: Duration) -> Option<Shared> {
        pg::admin_url()?;
        let moto_bin = moto_server()?;
        let database_url = pg::fresh_database().await;
        let (moto, endpoint) = start_moto(&moto_bin).await;
        let mut env = bucket_env(&endpoint).await;
        let sim = Simulator::start(SimConfig {
            latency,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let alex = sim.alex_config(None);
        for (k, v) in [
            ("DATABASE_URL", database_url.as_str()),
            // A real ALEX environment whose addresses are the simulator's: every instance talks
            // to the same ALEX, as in production.
            ("ALEX_ENVIRONMENT", "uat"),
            ("ALEX_CLIENT_ID", alex.client_id.as_str()),
            ("ALEX_CLIENT_SECRET", alex.client_secret.expose_secret()),
            ("ALEX_FHIR_BASE_URL", alex.fhir_base_url.as_str()),
            ("ALEX_TOKEN_URL", alex.token_url.as_str()),
            ("ALEX_SCOPE", alex.scope.as_str()),
            ("ALEX_LAUNCH_BASE_URL", alex.launch_base_url.as_str()),
            ("OPS_TOKEN", "ops"),
            // An instance silent for 4 s is gone (30 s in production): recovery within a test.
            ("DATABASE_INSTANCE_TIMEOUT_SECONDS", "4"),
            ("APP_LAUNCH_LIMIT_PER_ADDRESS", "100000"),
            ("RUST_LOG", "warn"),
        ] {
            env.push((k.to_string(), v.to_string()));
        }
        Some(Shared {
            sim,
            database_url,
            env,
            _moto: moto,
        })
    }

    /// Starts an instance (with `extra` environment; an empty value unsets a variable, e.g.
    /// `("DATABASE_URL", "")` for the embedded SQLite store) and waits until it is ready.
    pub async fn instance(&self, name: &'static str, extra: &[(&str, &str)]) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_clinical-images"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("APP_DATA_DIR", tempdir())
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            // The instance's log (warnings and errors) goes with the test's output.
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        let child = cmd.spawn().expect("the server binary starts");
        let instance = Instance {
            name,
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(res) = http.get(format!("{}/readyz", instance.base)).send().await
                && res.status() == 200
            {
                return instance;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("instance {name} did not become ready");
    }

    /// A PostgreSQL client on the shared store (for what only the store can tell).
    pub async fn query_i64(&self, sql: &'static str, param: String) -> i64 {
        let url = self.database_url.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            c.query_one(sql, &[&param]).unwrap().get::<_, i64>(0)
        })
        .await
        .unwrap()
    }
}
