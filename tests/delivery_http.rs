//! Delivery the server owns (issue 23), over real sockets with the simulator faulting: Commit is
//! answered at once whatever state ALEX is in, and from then on the server sends — through an
//! outage, with no browser left, once each.

#![cfg(feature = "ssr")]

mod support;

use std::time::{Duration, Instant};

use clinical_images::simulator::{Endpoint, Fault, FaultKind, Simulator};
use support::app::{self, eventually, stored_by_identifier};

const UAT: &str = "F2N060-E";
const NHI: &str = "ZZZ0016";

fn states(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["delivery"]
                .as_str()
                .unwrap_or(p["state"].as_str().unwrap_or("?"))
                .to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_is_answered_at_once_and_arrives_once() {
    let srv = app::start(&[]).await;
    let sim = srv.state.simulator.clone().unwrap();
    let d = app::launch(&srv, NHI, UAT).await;
    let ids = app::stage_ready(&srv, &d, 3).await;
    let (status, v) = app::queue(&srv, &d, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert!(
        states(&v).iter().all(|s| s != "staged"),
        "every photo is held by the queue: {v}"
    );
    // A second Commit of the same photos (a double click) queues nothing more.
    let (status, _) = app::queue(&srv, &d, &ids, "media", false).await;
    assert_eq!(status, 200);
    assert!(eventually(30, || stored_by_identifier(&sim, "Media").len() == 3).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stored = stored_by_identifier(&sim, "Media");
    assert_eq!(stored.len(), 3, "{stored:?}");
    assert!(stored.values().all(|n| *n == 1), "each Media once: {stored:?}");
    for id in &ids {
        assert_eq!(stored.get(id), Some(&1), "photo {id} stored under its own identifier");
    }
    // What the GP sees is what the server holds: in Medtech, out of the queue.
    let (_, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    for p in list.as_array().unwrap() {
        assert_eq!(p["state"], "committed", "{p}");
        assert!(p["delivery"].is_null(), "{p}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_queued_photo_is_frozen_and_may_be_withdrawn_with_a_reason() {
    let srv = app::start(&[]).await;
    let sim = srv.state.simulator.clone().unwrap();
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Unavailable,
        count: 10_000,
    });
    let d = app::launch(&srv, NHI, UAT).await;
    let ids = app::stage_ready(&srv, &d, 1).await;
    let (status, v) = app::queue(&srv, &d, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    // Its tags are frozen while the server holds it.
    let (status, v) = app::call(
        &srv,
        &d,
        "photos/tag",
        &[("sid", &d.sid), ("ids[0]", &ids[0]), ("patch[view]", "255549009")],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v.as_array().unwrap().is_empty(),
        "its tags are frozen: nothing changed: {v}"
    );
    // Nor may it be sent around the queue, through the direct sends.
    let (status, v) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(status, 409, "the queue's photo is the queue's alone: {v}");
    let (status, v) = app::commit_scan(&srv, &d, &ids, false, None).await;
    assert_eq!(status, 409, "{v}");
    // Wait until the first attempt has ended (it is waiting now, not sending).
    let waiting = eventually(20, || sim.request_count(Endpoint::Media) > 0).await;
    assert!(waiting, "the server tried by itself");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, v) = app::call(
        &srv,
        &d,
        "photos/withdraw",
        &[("sid", &d.sid), ("id", &ids[0]), ("reason", "")],
    )
    .await;
    assert_eq!(status, 400, "a reason is required: {v}");
    let (status, v) = app::call(
        &srv,
        &d,
        "photos/withdraw",
        &[
            ("sid", &d.sid),
            ("id", &ids[0]),
            ("reason", "wrong patient photographed"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    sim.clear_faults();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        stored_by_identifier(&sim, "Media").is_empty(),
        "a withdrawn photo is never sent"
    );
}

/// ALEX answers 503 for two minutes; the GP commits and closes the widget; ALEX returns → every
/// part arrives exactly once, with no request from any browser, and the outage cost few calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_outage_is_ridden_out_without_the_browser() {
    let srv = app::start(&[]).await;
    let sim = srv.state.simulator.clone().unwrap();
    let d = app::launch(&srv, NHI, UAT).await;
    let ids = app::stage_ready(&srv, &d, 3).await;
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Unavailable,
        count: 100_000,
    });
    sim.inject(Fault {
        endpoint: Endpoint::DocumentReference,
        kind: FaultKind::Unavailable,
        count: 100_000,
    });
    let asked = Instant::now();
    let (status, v) = app::queue(&srv, &d, &ids, "media,scan_pdf", false).await;
    let answered_ms = asked.elapsed().as_millis();
    assert_eq!(status, 200, "{v}");
    println!("commit answered in {answered_ms} ms with ALEX down");
    // The GP closes the widget: no browser asks anything from here on.
    drop(d);
    tokio::time::sleep(Duration::from_secs(120)).await;
    let calls = sim.request_count(Endpoint::Media) + sim.request_count(Endpoint::DocumentReference);
    println!("calls to the practice while it was down for 2 minutes: {calls}");
    assert!(calls >= 2, "the server kept trying by itself ({calls})");
    assert!(calls < 40, "a practice that is down is not hammered ({calls} calls)");
    assert!(stored_by_identifier(&sim, "Media").is_empty());
    sim.clear_faults();
    let back = Instant::now();
    let all = eventually(150, || {
        stored_by_identifier(&sim, "Media").len() == 3 && stored_by_identifier(&sim, "DocumentReference").len() == 1
    })
    .await;
    assert!(all, "everything arrives once ALEX is back");
    println!(
        "from ALEX's return to the last part in Medtech: {} ms",
        back.elapsed().as_millis()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let media = stored_by_identifier(&sim, "Media");
    assert!(media.values().all(|n| *n == 1), "each Media once: {media:?}");
    let docs = stored_by_identifier(&sim, "DocumentReference");
    assert_eq!(docs.len(), 1, "one PDF: {docs:?}");
    assert!(docs.values().all(|n| *n == 1), "the PDF once: {docs:?}");
}

/// A photo committed whose Media ALEX saved but whose answer was lost on the way back.
async fn lost_answer(srv: &clinical_images::server::Running, sim: &Simulator) -> (app::Desktop, Vec<String>) {
    let d = app::launch(srv, NHI, UAT).await;
    let ids = app::stage_ready(srv, &d, 1).await;
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::DropAfterProcessing,
        count: 1,
    });
    let (status, v) = app::queue(srv, &d, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        eventually(30, || stored_by_identifier(sim, "Media").len() == 1).await,
        "ALEX saved it"
    );
    (d, ids)
}

/// An answer lost after ALEX saved the Media: the part waits for a person, never resent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_answer_waits_for_a_person() {
    let srv = app::start(&[]).await;
    let sim = srv.state.simulator.clone().unwrap();
    let (d, ids) = lost_answer(&srv, &sim).await;
    let mut photo = serde_json::Value::Null;
    for _ in 0..50 {
        let (_, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
        photo = list[0].clone();
        if photo["delivery"] == "needs_you" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(photo["delivery"], "needs_you", "{photo}");
    assert_eq!(photo["failure_kind"], "outcome_unknown", "{photo}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        stored_by_identifier(&sim, "Media")[&ids[0]],
        1,
        "never resent without a person"
    );
    // Queued again without saying the GP checked: refused.
    let (status, _) = app::queue(&srv, &d, &ids, "media", false).await;
    assert_eq!(status, 409);
    // The GP checked Medtech and found it there.
    let (status, v) = app::call(&srv, &d, "photos/in-medtech", &[("sid", &d.sid), ("id", &ids[0])]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["state"], "committed", "{v}");
    assert!(v[0]["delivery"].is_null(), "{v}");
}

/// The per-practice rate holds: with 4 writes a minute allowed, 8 photos take two minutes'
/// windows — counted in the simulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_practice_rate_holds() {
    let srv = app::start_with(&[("APP_DELIVERY_PER_MINUTE", "4")], &[]).await;
    let sim = srv.state.simulator.clone().unwrap();
    let d = app::launch(&srv, NHI, UAT).await;
    let ids = app::stage_ready(&srv, &d, 8).await;
    let (status, v) = app::queue(&srv, &d, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    tokio::time::sleep(Duration::from_secs(20)).await;
    let first_minute = stored_by_identifier(&sim, "Media").len();
    println!("Media in the first 20 s at 4 a minute: {first_minute}");
    assert_eq!(first_minute, 4, "the minute's allowance, no more");
    assert!(eventually(75, || stored_by_identifier(&sim, "Media").len() == 8).await);
    let stored = stored_by_identifier(&sim, "Media");
    assert!(stored.values().all(|n| *n == 1), "{stored:?}");
    // The sends, as ALEX saw them: never more than 4 in any 60 s.
    let mut at: Vec<_> = sim
        .received()
        .into_iter()
        .filter(|r| r.resource_type == "Media")
        .map(|r| r.at)
        .collect();
    at.sort();
    for w in at.windows(5) {
        assert!(
            w[4] - w[0] >= chrono::Duration::seconds(59),
            "5 sends within a minute: {w:?}"
        );
    }
}

/// Retention never takes a photo the queue still holds before its hold ends: past
/// `retention_hours` a queued photo keeps its image; past the hold it expires, audited as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retention_keeps_a_queued_photo_until_its_hold_ends() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let sim = srv.state.simulator.clone().unwrap();
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Unavailable,
        count: 100_000,
    });
    let d = app::launch(&srv, NHI, UAT).await;
    let ids = app::stage_ready(&srv, &d, 2).await;
    let (status, v) = app::queue(&srv, &d, &ids[..1], "media", false).await;
    assert_eq!(status, 200, "{v}");
    assert!(eventually(20, || sim.request_count(Endpoint::Media) > 0).await);
    // Both are past retention; only the one never committed goes.
    let purged = srv.state.photos.store.purge(-10, 30 * 86_400).await.unwrap();
    assert_eq!(purged, 1, "only the photo never committed expires");
    let (_, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    let held = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == ids[0].as_str())
        .unwrap();
    assert!(held["delivery"].is_string(), "still queued: {held}");
    let image = app::http()
        .get(app::url(&srv, &format!("/api/w/{}/photos/{}/image", d.sid, ids[0])))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200, "its image is kept for delivery");
    // Past the hold it expires, and the audit says why.
    assert_eq!(srv.state.photos.store.purge(-10, -10).await.unwrap(), 1);
    let audit = app::audit(&srv, &ids[0]).await;
    let last = audit.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"], "expired", "{audit}");
    assert!(audit.to_string().contains("delivery_hold"), "{audit}");
}

/// The tab closes once the first Media POST has reached ALEX (ALEX slow over it): the browser
/// asks nothing more, and all six photos arrive, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn closing_the_tab_mid_send_loses_nothing() {
    let srv = app::start(&[]).await;
    let sim = srv.state.simulator.clone().unwrap();
    let d = app::launch(&srv, NHI, UAT).await;
    let ids = app::stage_ready(&srv, &d, 6).await;
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Delay { ms: 1500 },
        count: 1,
    });
    let (status, v) = app::queue(&srv, &d, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    assert!(eventually(20, || sim.request_count(Endpoint::Media) >= 1).await);
    drop(d); // the tab is closed: its cookie and session are never used again
    assert!(eventually(60, || stored_by_identifier(&sim, "Media").len() == 6).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let media = stored_by_identifier(&sim, "Media");
    for id in &ids {
        assert_eq!(media.get(id), Some(&1), "photo {id} once: {media:?}");
    }
}

/// The operator's command lists what waits for a person — the photo and its practice, never
/// the patient — and its exit status says whether anything does.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_waiting_command_lists_what_needs_a_person() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let sim = srv.state.simulator.clone().unwrap();
    let run = |base: String| {
        tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new("python3")
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/waiting"))
                .arg(base)
                .env("OPS_TOKEN", "ops")
                .output()
                .unwrap();
            (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
        })
    };
    let (code, out) = run(app::url(&srv, "")).await.unwrap();
    assert_eq!(code, Some(0), "nothing waits yet: {out}");
    let (_, ids) = lost_answer(&srv, &sim).await;
    let mut seen = (None, String::new());
    for _ in 0..50 {
        seen = run(app::url(&srv, "")).await.unwrap();
        if seen.1.contains("1 need a person") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (code, out) = seen;
    println!("{out}");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("1 need a person") && out.contains(&ids[0]) && out.contains(UAT),
        "{out}"
    );
    assert!(
        !out.contains(NHI) && !out.contains("Testpatient"),
        "never the patient: {out}"
    );
}
