//! Delivery across a `kill -9` (issue 23), each instance a child process of the real server
//! binary: the queue outlives the process that took the commit. On the embedded store the
//! restarted instance sends what was queued; on PostgreSQL the other instance does; a part cut
//! off mid-send waits for a person and is never sent twice.

#![cfg(feature = "ssr")]

mod support;

use std::time::{Duration, Instant};

use clinical_images::simulator::{Endpoint, Fault, FaultKind, Simulator};
use support::{
    app::{self, Desktop, Served, eventually, stored_by_identifier, tempdir},
    cluster::{Instance, Shared},
};

const UAT: &str = "F2N060-E";

/// Faster backoff than production's (60 s at most), so a test rides out an outage in seconds.
const QUICK: [(&str, &str); 2] = [
    ("APP_DELIVERY_BACKOFF_FIRST_MS", "1500"),
    ("APP_DELIVERY_BACKOFF_MAX_SECONDS", "4"),
];

/// An instance on the embedded SQLite store in `dir` (so a restart finds the same data).
fn embedded(dir: &str) -> [(&str, &str); 4] {
    [("DATABASE_URL", ""), ("APP_DATA_DIR", dir), QUICK[0], QUICK[1]]
}

/// A fresh embedded store (its directory is answered, for the restart), an instance on it, a
/// desktop for seeded patient `patient` and `n` photos ready to commit.
async fn on_embedded(shared: &Shared, patient: usize, n: u32) -> (String, Instance, Desktop, Vec<String>) {
    let dir = tempdir();
    let a = shared.instance("A", &embedded(&dir)).await;
    let d = desktop(&a, &shared.sim, patient).await;
    let ids = app::stage_ready(&a, &d, n).await;
    (dir, a, d, ids)
}

async fn desktop(on: &impl Served, sim: &Simulator, n: usize) -> Desktop {
    let patients = sim.patients(UAT);
    let d = app::launch_on(on, sim, &patients[n % patients.len()].nhi, UAT, None).await;
    let (status, v) = app::call(on, &d, "consent", &[("sid", &d.sid), ("kind", "verbal")]).await;
    assert_eq!(status, 200, "consent: {v}");
    d
}

/// The photos of `d` as `on` serves them.
async fn photos(on: &impl Served, d: &Desktop) -> Vec<serde_json::Value> {
    let (status, v) = app::call(on, d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{v}");
    v.as_array().unwrap().clone()
}

/// Waits until every photo of `d` is in delivery state `want` (at most `secs`).
async fn until_all(on: &impl Served, d: &Desktop, want: &str, secs: u64) -> Vec<serde_json::Value> {
    let started = Instant::now();
    loop {
        let list = photos(on, d).await;
        if !list.is_empty() && list.iter().all(|p| p["delivery"] == want) {
            return list;
        }
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "not all {want}: {list:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn down(sim: &Simulator) {
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Unavailable,
        count: 100_000,
    });
}

/// Embedded store: ALEX is down, the GP commits 3 photos and leaves; the server is killed
/// between two tries and started again on the same data. Once ALEX is back, all 3 arrive, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_while_alex_is_down_sends_everything_once_after_its_restart() {
    let Some(shared) = Shared::new(Duration::ZERO).await else {
        return;
    };
    let (dir, mut a, d, ids) = on_embedded(&shared, 0, 3).await;
    let env = embedded(&dir);
    down(&shared.sim);
    let (status, v) = app::queue(&a, &d, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    // Killed between tries: the first 503 is recorded, nothing is in flight.
    until_all(&a, &d, "waiting", 30).await;
    a.kill9();
    let tried_before = shared.sim.request_count(Endpoint::Media);

    let a2: Instance = shared.instance("A again", &env).await;
    // The restarted server tries again by itself, with no browser asking.
    let retried = eventually(30, || shared.sim.request_count(Endpoint::Media) > tried_before).await;
    assert!(retried, "the restarted server went on trying");
    assert!(stored_by_identifier(&shared.sim, "Media").is_empty());
    shared.sim.clear_faults();
    let all = eventually(60, || stored_by_identifier(&shared.sim, "Media").len() == 3).await;
    assert!(all, "every queued photo arrives after the restart");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let media = stored_by_identifier(&shared.sim, "Media");
    for id in &ids {
        assert_eq!(media.get(id), Some(&1), "photo {id} once: {media:?}");
    }
    for p in photos(&a2, &d).await {
        assert_eq!(p["state"], "committed", "{p}");
        assert!(p["delivery"].is_null(), "{p}");
    }
}

/// Embedded store: the server is killed while a worker's Media POST is in flight. After the
/// restart that photo waits for a person (ALEX may have saved it) and is never sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_send_leaves_the_part_for_a_person_after_its_restart() {
    let Some(shared) = Shared::new(Duration::ZERO).await else {
        return;
    };
    let (dir, mut a, d, ids) = on_embedded(&shared, 1, 1).await;
    let env = embedded(&dir);
    // ALEX takes its time over this Media (and does save it): the server dies meanwhile.
    shared.sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Delay { ms: 3000 },
        count: 1,
    });
    let (status, v) = app::queue(&a, &d, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    until_all(&a, &d, "sending", 20).await;
    let in_flight = eventually(20, || shared.sim.request_count(Endpoint::Media) == 1).await;
    assert!(in_flight, "the worker's POST reached ALEX");
    a.kill9();

    let a2 = shared.instance("A again", &env).await;
    let list = until_all(&a2, &d, "needs_you", 30).await;
    assert_eq!(list[0]["failure_kind"], "outcome_unknown", "{:?}", list[0]);
    tokio::time::sleep(Duration::from_secs(8)).await; // the delay has passed; a few ticks too
    assert_eq!(
        shared.sim.request_count(Endpoint::Media),
        1,
        "a part whose outcome is unknown is never sent again by itself"
    );
    let media = stored_by_identifier(&shared.sim, "Media");
    assert!(
        media.get(&ids[0]).copied().unwrap_or(0) <= 1,
        "never two Media: {media:?}"
    );
}

/// PostgreSQL, two instances: A takes the commit while ALEX is down and is killed between
/// tries; B, sharing the queue, sends every photo once when ALEX is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_other_instance_sends_what_a_killed_instance_queued() {
    let Some(shared) = Shared::new(Duration::ZERO).await else {
        return;
    };
    let mut a = shared.instance("A", &QUICK).await;
    let b = shared.instance("B", &QUICK).await;
    let d = desktop(&a, &shared.sim, 2).await;
    let ids = app::stage_ready(&a, &d, 3).await;
    down(&shared.sim);
    let (status, v) = app::queue(&a, &d, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    until_all(&a, &d, "waiting", 30).await;
    a.kill9();
    shared.sim.clear_faults();
    let started = Instant::now();
    let all = eventually(90, || stored_by_identifier(&shared.sim, "Media").len() == 3).await;
    assert!(all, "B sends what A queued");
    println!(
        "A killed with 3 photos queued: B had them in Medtech {} ms after ALEX was back",
        started.elapsed().as_millis()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let media = stored_by_identifier(&shared.sim, "Media");
    for id in &ids {
        assert_eq!(media.get(id), Some(&1), "photo {id} once: {media:?}");
    }
    let list = photos(&b, &d).await;
    assert!(
        list.iter()
            .all(|p| p["state"] == "committed" && p["delivery"].is_null()),
        "{list:?}"
    );
    let queued = "SELECT count(*) FROM deliveries WHERE state <> $1";
    assert_eq!(shared.query_i64(queued, "done".into()).await, 0, "the queue is empty");
}
