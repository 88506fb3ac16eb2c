//! Two instances on one PostgreSQL store (issue 16): each instance a child process of the real
//! server binary, sharing the store, an S3 bucket (moto) and ALEX (the simulator in this test
//! process); PostgreSQL is the server `./dev test` starts. Any request may land on either
//! instance; a phone's photo reaches a desktop on the other; an instance killed mid-commit is
//! recovered by the other with no duplicate; 100 sessions × 5 photos spread over both commit
//! exactly once each.

#![cfg(feature = "ssr")]

mod support;

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use clinical_images::simulator::{Endpoint, Fault, FaultKind, Simulator};
use futures::StreamExt;
use support::{
    app::{self, Desktop, Served},
    cluster::{Instance, Shared},
};

const UAT: &str = "F2N060-E";

/// A desktop launched (through `on`) for seeded patient `n`, with consent recorded.
async fn desktop(on: &impl Served, sim: &Simulator, n: usize) -> Desktop {
    let patients = sim.patients(UAT);
    let nhi = patients[n % patients.len()].nhi.clone();
    let d = app::launch_on(on, sim, &nhi, UAT, None).await;
    let (status, v) = app::call(on, &d, "consent", &[("sid", &d.sid), ("kind", "verbal")]).await;
    assert_eq!(status, 200, "consent: {v}");
    d
}

/// A phone's photo, uploaded through `on` with the link `token`.
async fn phone_upload(on: &Instance, token: &str) {
    let key = uuid::Uuid::new_v4().to_string();
    let path = format!("/api/m/{token}/photos");
    let (status, v) = app::upload(on, &path, None, &[("id", &key)], app::jpeg(320, 240)).await;
    assert_eq!(status, 201, "{v}");
}

/// The Media ALEX stored, counted by their identifier (our photo id).
fn media_by_identifier(sim: &Simulator) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for r in sim.received() {
        if r.resource_type == "Media" && r.status == 201 {
            let id = r.resource["identifier"][0]["value"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            *seen.entry(id).or_default() += 1;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_phone_photo_through_b_reaches_the_desktop_on_a() {
    let Some(shared) = Shared::new(Duration::ZERO).await else {
        return;
    };
    let (a, b) = (shared.instance("A", &[]).await, shared.instance("B", &[]).await);
    let d = desktop(&a, &shared.sim, 0).await;
    let mut feed = app::http()
        .get(app::url(&a, &format!("/api/w/{}/events", d.sid)))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    // The phone link is made on A; the phone's requests land on B.
    let (status, h) = app::call(&a, &d, "handoff/start", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{h}");
    let token = h["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(300)).await; // the feed is listening
    let sent = Instant::now();
    phone_upload(&b, &token).await;
    let uploaded = sent.elapsed();
    let (_, photos) = app::call(&b, &d, "photos/list", &[("sid", &d.sid)]).await;
    let id = photos[0]["id"]
        .as_str()
        .expect("the desktop's list, read through B, has the photo")
        .to_string();
    let seen = app::read_until(&mut feed, &id).await;
    assert!(
        seen.contains("event: photo") && seen.contains(&id),
        "A's feed shows B's photo: {seen:?}"
    );
    println!(
        "phone upload through B → desktop feed on A: {} ms after the upload began (upload itself {} ms)",
        sent.elapsed().as_millis(),
        uploaded.as_millis()
    );

    // The store cuts every listener off (a failover, a restart of PostgreSQL): A reconnects and
    // asks its pages to reload, since notes may have been missed meanwhile.
    let cut = shared
        .query_i64(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE $1",
            "LISTEN%".into(),
        )
        .await;
    assert!(cut >= 2, "both instances were listening: {cut}");
    let seen = app::read_until(&mut feed, "event: resync").await;
    assert!(seen.contains("event: resync"), "A's page is asked to reload: {seen:?}");
    // And the feed goes on across instances.
    tokio::time::sleep(Duration::from_millis(300)).await;
    phone_upload(&b, &token).await;
    let seen = app::read_until(&mut feed, "event: photo").await;
    assert!(seen.contains("event: photo"), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guessing_limits_launch_replays_and_one_use_codes_hold_across_instances() {
    let Some(shared) = Shared::new(Duration::ZERO).await else {
        return;
    };
    let (a, b) = (shared.instance("A", &[]).await, shared.instance("B", &[]).await);
    // A launch link used on A is spent on B too.
    let patient = shared.sim.patients(UAT)[3].clone();
    let gp = shared.sim.practitioners(UAT)[0].id.clone();
    let pair = shared.sim.mint_launch(UAT, Some(&patient.id), &gp);
    let path = format!("/launch?context={}&signature={}", pair.context, pair.signature);
    let first = app::http().get(app::url(&a, &path)).send().await.unwrap();
    assert_eq!(first.status(), 303);
    assert!(first.headers()["location"].to_str().unwrap().starts_with("/w/"));
    let again = app::http().get(app::url(&b, &path)).send().await.unwrap();
    assert_ne!(
        again
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .get(..3),
        Some("/w/"),
        "a replayed launch opens nothing on the other instance"
    );

    // A phone code redeemed through A is used up for B.
    let d = desktop(&a, &shared.sim, 4).await;
    let (status, h) = app::call(&a, &d, "handoff/start", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{h}");
    let code = h["code"].as_str().unwrap().to_string();
    let (status, token) = app::call(&a, &d, "handoff/redeem", &[("code", &code)]).await;
    assert_eq!(status, 200, "{token}");
    let (status, _) = app::call(&b, &d, "handoff/redeem", &[("code", &code)]).await;
    assert_eq!(status, 400, "the code is spent on B too");

    // Wrong codes count on both: ten spread over A and B lock this address out of both
    // (the spent code above was the first).
    for i in 0..9 {
        let on: &Instance = if i % 2 == 0 { &a } else { &b };
        let (status, _) = app::call(on, &d, "handoff/redeem", &[("code", "ZZZZ-ZZZZ")]).await;
        assert_eq!(status, 400);
    }
    let (_, h) = app::call(&a, &d, "handoff/start", &[("sid", &d.sid)]).await;
    let fresh = h["code"].as_str().unwrap().to_string();
    for on in [&a, &b] {
        let (status, e) = app::call(on, &d, "handoff/redeem", &[("code", &fresh)]).await;
        assert_eq!(status, 400);
        assert!(
            e["message"].as_str().unwrap().starts_with("Too many wrong codes"),
            "{e}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_launched_on_a_commits_through_b() {
    let Some(shared) = Shared::new(Duration::ZERO).await else {
        return;
    };
    let (a, b) = (shared.instance("A", &[]).await, shared.instance("B", &[]).await);
    let d = desktop(&a, &shared.sim, 1).await;
    let ids = app::stage_ready(&a, &d, 2).await;
    for id in &ids {
        let (status, v) = app::commit(&b, &d, id).await;
        assert_eq!(status, 200, "committed through B: {v}");
    }
    let media = media_by_identifier(&shared.sim);
    for id in &ids {
        assert_eq!(media.get(id), Some(&1), "one Media for {id}: {media:?}");
    }
    // Through A again: nothing more is sent.
    let (status, _) = app::commit(&a, &d, &ids[0]).await;
    assert_ne!(status, 500);
    assert_eq!(media_by_identifier(&shared.sim).get(&ids[0]), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_mid_commit_is_recovered_by_the_other_with_no_duplicate() {
    let Some(shared) = Shared::new(Duration::ZERO).await else {
        return;
    };
    let (mut a, b) = (shared.instance("A", &[]).await, shared.instance("B", &[]).await);
    let d = desktop(&a, &shared.sim, 2).await;
    let ids = app::stage_ready(&a, &d, 1).await;
    let id = ids[0].clone();
    // ALEX takes its time over this Media: A dies while the POST is in flight.
    shared.sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Delay { ms: 2500 },
        count: 1,
    });
    let a_base = a.base.clone();
    let (sid, cookie) = (d.sid.clone(), d.cookie.clone());
    let in_flight = tokio::spawn({
        let id = id.clone();
        async move {
            app::http()
                .post(format!("{a_base}/api/photos/commit"))
                .header("cookie", cookie)
                .form(&[("sid", sid.as_str()), ("id", id.as_str()), ("resend_unknown", "false")])
                .send()
                .await
        }
    });
    let sending = "SELECT count(*) FROM photos WHERE id = $1 AND state = 'committing' AND media_state = 'sending'";
    for _ in 0..200 {
        if shared.query_i64(sending, id.clone()).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(shared.query_i64(sending, id.clone()).await, 1, "A is sending the Media");
    a.kill9();
    assert!(in_flight.await.unwrap().is_err(), "A's answer never came");

    // B sees A's heartbeat stop and makes the photo outcome-unknown.
    let unknown = "SELECT count(*) FROM photos WHERE id = $1 AND state = 'failed' AND failure_kind = 'outcome_unknown' AND media_state = 'unknown'";
    let started = Instant::now();
    while shared.query_i64(unknown, id.clone()).await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "B never recovered A's commit"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "A killed mid-commit: B recovered it in {} ms",
        started.elapsed().as_millis()
    );
    tokio::time::sleep(Duration::from_millis(2600)).await; // whatever ALEX was doing is done

    // Retrying through B without the GP's word sends nothing; at most the one Media A began.
    let (status, v) = app::commit(&b, &d, &id).await;
    assert_eq!(status, 409, "an unknown outcome is not resent unchecked: {v}");
    let media = media_by_identifier(&shared.sim);
    assert!(media.get(&id).copied().unwrap_or(0) <= 1, "never two Media: {media:?}");
    let audit = app::audit(&b, &id).await;
    assert!(app::events(&audit).contains(&"failed".to_string()), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_sessions_of_five_photos_over_both_instances_commit_exactly_once() {
    let Some(shared) = Shared::new(Duration::ZERO).await else {
        return;
    };
    let (a, b) = (shared.instance("A", &[]).await, shared.instance("B", &[]).await);
    let pick = |i: usize| -> &Instance { if i % 2 == 0 { &a } else { &b } };
    let started = Instant::now();
    let committed: Vec<Vec<String>> = futures::stream::iter(0..100usize)
        .map(|s| {
            let (shared, pick) = (&shared, &pick);
            async move {
                let d = desktop(pick(s), &shared.sim, s).await;
                // Staged and tagged on one instance, each photo committed through either.
                let ids = app::stage_ready(pick(s + 1), &d, 5).await;
                for (n, id) in ids.iter().enumerate() {
                    let (status, v) = app::commit(pick(s + n), &d, id).await;
                    assert_eq!(status, 200, "session {s} photo {n}: {v}");
                }
                ids
            }
        })
        .buffer_unordered(12)
        .collect()
        .await;
    let ids: Vec<String> = committed.into_iter().flatten().collect();
    assert_eq!(ids.len(), 500);
    let media = media_by_identifier(&shared.sim);
    let duplicates: Vec<_> = media.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicates.is_empty(), "duplicates at ALEX: {duplicates:?}");
    let lost: Vec<_> = ids.iter().filter(|id| !media.contains_key(*id)).collect();
    assert!(lost.is_empty(), "never reached ALEX: {lost:?}");
    assert_eq!(media.len(), 500);
    let in_store = shared
        .query_i64("SELECT count(*) FROM photos WHERE state = $1", "committed".into())
        .await;
    assert_eq!(in_store, 500, "the store says 500 committed");
    println!(
        "100 sessions × 5 photos over two instances: 500 committed, 0 lost, 0 duplicate, in {} ms",
        started.elapsed().as_millis()
    );
}
