//! Commit throughput and latency by record store (`./dev bench`; a benchmark, not a test): the
//! release server binary as child processes — SQLite × 1 (the embedded default), PostgreSQL × 1
//! and PostgreSQL × 2 (images on the S3 test server, so either instance can send any photo) —
//! against one simulated ALEX answering after 150 ms, as a practice's ALEX does. Sessions are
//! spread over the instances; each sends its photos 3 at a time, as the browser does.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use support::{
    app::{self, Desktop},
    cluster::{Instance, Shared},
};

const UAT: &str = "F2N060-E";
const SESSIONS: usize = 40;
const PHOTOS: u32 = 5;

struct Run {
    label: &'static str,
    images: &'static str,
    commits: usize,
    wall: Duration,
    latencies: Vec<Duration>,
}

fn pct(v: &[Duration], p: f64) -> Duration {
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(label: &'static str, images: &'static str, shared: &Shared, instances: &[Instance]) -> Run {
    let on = |i: usize| &instances[i % instances.len()];
    // Launch and stage first: only the commits are timed.
    let mut staged: Vec<(usize, Desktop, Vec<String>)> = Vec::new();
    for s in 0..SESSIONS {
        let patients = shared.sim.patients(UAT);
        let d = app::launch_on(on(s), &shared.sim, &patients[s % patients.len()].nhi, UAT, None).await;
        let (status, v) = app::call(on(s), &d, "consent", &[("sid", &d.sid), ("kind", "verbal")]).await;
        assert_eq!(status, 200, "{v}");
        let ids = app::stage_ready(on(s), &d, PHOTOS).await;
        staged.push((s, d, ids));
    }
    let started = Instant::now();
    let per_session = futures::stream::iter(staged)
        .map(|(s, d, ids)| async move {
            futures::stream::iter(ids)
                .map(|id| {
                    let d = &d;
                    async move {
                        let t = Instant::now();
                        let (status, v) = app::commit(on(s), d, &id).await;
                        assert_eq!(status, 200, "{v}");
                        t.elapsed()
                    }
                })
                .buffer_unordered(3)
                .collect::<Vec<_>>()
                .await
        })
        .buffer_unordered(SESSIONS)
        .collect::<Vec<_>>()
        .await;
    let wall = started.elapsed();
    let mut latencies: Vec<Duration> = per_session.into_iter().flatten().collect();
    latencies.sort();
    Run {
        label,
        images,
        commits: latencies.len(),
        wall,
        latencies,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let latency = Duration::from_millis(150);
    let mut runs = Vec::new();
    // Images: local disk with one instance (as shipped), the S3 test server (moto, a Python
    // server on the same cores) when two instances must share them — and PostgreSQL × 1 both
    // ways, to tell the store's cost from the image store's.
    for (label, instances, store, images) in [
        ("SQLite × 1", 1, "sqlite", "local"),
        ("PostgreSQL × 1", 1, "postgres", "local"),
        ("PostgreSQL × 1", 1, "postgres", "s3"),
        ("PostgreSQL × 2", 2, "postgres", "s3"),
    ] {
        let Some(shared) = Shared::new(latency).await else {
            eprintln!("cluster bench needs PostgreSQL (TEST_PG_URL) and moto: run ./dev bench");
            return;
        };
        let extra: &[(&str, &str)] = match (store, images) {
            ("sqlite", _) => &[("DATABASE_URL", ""), ("APP_BLOB_STORE", "local")],
            (_, "local") => &[("APP_BLOB_STORE", "local")],
            _ => &[],
        };
        let mut started = Vec::new();
        for name in ["A", "B"].into_iter().take(instances) {
            started.push(shared.instance(name, extra).await);
        }
        runs.push(run(label, images, &shared, &started).await);
    }
    println!("\ncommits ({SESSIONS} sessions × {PHOTOS} photos, 3 at a time per session; ALEX answers after 150 ms)");
    println!(
        "{:<16} {:<7} {:>8} {:>10} {:>10} {:>10} {:>10}",
        "store", "images", "commits", "per s", "p50", "p99", "max"
    );
    for r in &runs {
        println!(
            "{:<16} {:<7} {:>8} {:>10.1} {:>8} ms {:>7} ms {:>7} ms",
            r.label,
            r.images,
            r.commits,
            r.commits as f64 / r.wall.as_secs_f64(),
            pct(&r.latencies, 0.5).as_millis(),
            pct(&r.latencies, 0.99).as_millis(),
            r.latencies.last().map_or(0, |d| d.as_millis()),
        );
    }
}
