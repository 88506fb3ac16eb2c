//! The follow-up task over HTTP (issue #13): off by default; when on, one FHIR R4 Task per
//! request at the simulator — for the patient, owned by the chosen practitioner of the facility,
//! requested by the GP, due in N days, about what the commit wrote — sent once however often
//! it is asked for, retried after a refusal with the same identifier, and after no answer resent
//! only on the GP's word.

#![cfg(feature = "ssr")]

mod support;

use chrono::{Days, Utc};
use clinical_images::{
    server::Running,
    simulator::{Endpoint, Fault, FaultKind, Received, Simulator},
};
use serde_json::Value;
use support::app::{self, Desktop};

const UAT: &str = "F2N060-E";

async fn on() -> Running {
    app::start_with(&[("APP_FOLLOW_UP_TASKS", "true")], &[("OPS_TOKEN", "ops")]).await
}

fn sim(srv: &Running) -> Simulator {
    srv.state.simulator.clone().unwrap()
}

/// Asks for a follow-up task as the desktop browser.
async fn task(
    srv: &Running,
    d: &Desktop,
    key: &str,
    [owner, days, text]: [&str; 3],
    photos: &[String],
    resend_unknown: bool,
) -> (u16, Value) {
    let mut args: Vec<(String, String)> = vec![
        ("sid".into(), d.sid.clone()),
        ("key".into(), key.into()),
        ("owner_id".into(), owner.into()),
        ("days".into(), days.into()),
        ("text".into(), text.into()),
    ];
    args.extend(
        photos
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("photo_ids[{i}]"), p.clone())),
    );
    args.push(("resend_unknown".into(), resend_unknown.to_string()));
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app::call(srv, d, "tasks/follow-up", &args).await
}

/// The Tasks the simulator accepted.
fn tasks(sim: &Simulator) -> Vec<Received> {
    sim.received()
        .into_iter()
        .filter(|r| r.resource_type == "Task" && r.status == 201)
        .collect()
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The New Zealand calendar day `days` from today.
fn nz_day_in(days: u64) -> String {
    let today = Utc::now().with_timezone(&chrono_tz::Pacific::Auckland).date_naive();
    (today + Days::new(days)).format("%Y-%m-%d").to_string()
}

/// The follow-up switch as the session tells the browser, and as `/api/capabilities` says it.
async fn switch(srv: &Running, d: &Desktop) -> (bool, bool) {
    let (status, session) = app::call(srv, d, "session", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{session}");
    let caps: Value = reqwest::get(app::url(srv, "/api/capabilities"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        session["limits"]["follow_up_tasks"].as_bool().unwrap(),
        caps["features"]["follow_up_tasks"].as_bool().unwrap(),
    )
}

/// Launches for ZZZ0016 and commits two photos as Media.
async fn two_committed(srv: &Running) -> (Desktop, Vec<String>) {
    let d = app::launch(srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(srv, &d, 2).await;
    for id in &ids {
        let (status, v) = app::commit(srv, &d, id).await;
        assert_eq!((status, v["state"].as_str()), (200, Some("committed")), "{v}");
    }
    (d, ids)
}

#[tokio::test]
async fn off_by_default_the_task_is_refused_and_nothing_is_sent() {
    let srv = app::start(&[]).await;
    let (d, ids) = two_committed(&srv).await;
    let other = sim(&srv).practitioners(UAT)[1].id.clone();
    let (status, v) = task(&srv, &d, &key(), [&other, "7", "Review"], &ids, false).await;
    assert_eq!(status, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("not turned on"), "{v}");
    let (status, v) = app::call(&srv, &d, "tasks/practitioners", &[("sid", &d.sid)]).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(sim(&srv).request_count(Endpoint::Task), 0);
    assert_eq!(
        switch(&srv, &d).await,
        (false, false),
        "the browser is told: no task box"
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_task_for_another_practitioner_reaches_medtech_once_about_what_was_committed() {
    let srv = on().await;
    let sim = sim(&srv);
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 2).await;
    // One photo as a Media, the other as an Inbox-Scan PDF.
    let (status, media) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(status, 200, "{media}");
    let (status, v) = app::commit_scan(&srv, &d, &ids[1..], false, None).await;
    assert_eq!(status, 200, "{v}");
    let media_id = media["alex_id"].as_str().unwrap().to_string();
    let doc_id = sim
        .received()
        .into_iter()
        .find(|r| r.resource_type == "DocumentReference" && r.status == 201)
        .and_then(|r| r.id)
        .unwrap();

    assert_eq!(switch(&srv, &d).await, (true, true));
    let (gp, other) = {
        let p = sim.practitioners(UAT);
        (p[0].id.clone(), p[1].id.clone())
    };
    let (status, list) = app::call(&srv, &d, "tasks/practitioners", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["id"], gp.as_str(), "the GP first: {list}");
    assert_eq!(list[0]["you"], true);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == other.as_str() && p["you"] == false)
    );

    let k = key();
    let (status, v) = task(&srv, &d, &k, [&other, "7", "Review the lesion's healing"], &ids, false).await;
    let last = sim.received().pop().unwrap();
    assert_eq!(last.status, 201, "{:?}", last);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "sent", "{v}");
    assert_eq!(v["due"], nz_day_in(7).as_str());
    let sent = tasks(&sim);
    assert_eq!(sent.len(), 1);
    let t = &sent[0].resource;
    assert_eq!(v["alex_id"], sent[0].id.as_deref().unwrap());
    assert_eq!(t["status"], "requested");
    assert_eq!(t["intent"], "order");
    assert_eq!(t["for"]["reference"], format!("Patient/{}", d.patient_id));
    assert_eq!(t["owner"]["reference"], format!("Practitioner/{other}"));
    assert_eq!(t["requester"]["reference"], format!("Practitioner/{gp}"));
    assert_eq!(t["description"], "Review the lesion's healing");
    let end = t["restriction"]["period"]["end"].as_str().unwrap();
    assert!(end.starts_with(&format!("{}T23:59:59+1", nz_day_in(7))), "{end}");
    assert_eq!(t["focus"]["reference"], format!("Media/{media_id}"));
    let inputs: Vec<&str> = t["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["valueReference"]["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        inputs,
        [format!("Media/{media_id}"), format!("DocumentReference/{doc_id}")]
    );
    let identifier = t["identifier"][0]["value"].as_str().unwrap().to_string();

    // The same key again — a double click, a reload — answers the sent task and sends nothing.
    let (status, again) = task(&srv, &d, &k, [&gp, "3", "Something else"], &ids, true).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, v);
    // Two at once with a new key: one task.
    let k2 = key();
    let (a, b) = tokio::join!(
        task(&srv, &d, &k2, [&gp, "1", "Check"], &ids, false),
        task(&srv, &d, &k2, [&gp, "1", "Check"], &ids, false)
    );
    assert!([a.0, b.0].contains(&200), "{a:?} {b:?}");
    assert_eq!(tasks(&sim).len(), 2, "one task per key");
    assert_ne!(tasks(&sim)[1].resource["identifier"][0]["value"], identifier.as_str());

    // Audited by ids: no name, no NHI, no text.
    let rows = app::audit_where(&srv, &format!("session={}", d.sid)).await;
    let events = app::events(&rows);
    assert!(events.contains(&"follow_up_task_requested".to_string()), "{events:?}");
    assert!(events.contains(&"follow_up_task_sent".to_string()), "{events:?}");
    let text = rows.to_string();
    for secret in ["ZZZ0016", "Testpatient", "lesion's healing"] {
        assert!(!text.contains(secret), "{secret} in the audit");
    }
    srv.stop().await;
}

/// Two committed photos, the GP's id, and `count` of `kind` queued for the next Task POSTs.
async fn faulted(srv: &Running, kind: FaultKind, count: u32) -> (Simulator, Desktop, Vec<String>, String) {
    let sim = sim(srv);
    let (d, ids) = two_committed(srv).await;
    let gp = sim.practitioners(UAT)[0].id.clone();
    sim.inject(Fault {
        endpoint: Endpoint::Task,
        kind,
        count,
    });
    (sim, d, ids, gp)
}

#[tokio::test]
async fn a_refused_task_is_retried_with_the_same_identifier_and_arrives_once() {
    let srv = on().await;
    let (sim, d, ids, gp) = faulted(&srv, FaultKind::Unavailable, 10).await;
    let k = key();
    let (status, v) = task(&srv, &d, &k, [&gp, "14", "Review"], &ids, false).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "failed", "{v}");
    assert!(v["failure"].as_str().unwrap().contains("cannot reach"), "{v}");
    assert!(tasks(&sim).is_empty());
    sim.clear_faults();

    let (status, v) = task(&srv, &d, &k, [&gp, "14", "Review"], &ids, false).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "sent", "{v}");
    assert_eq!(v["due"], nz_day_in(14).as_str());
    assert_eq!(tasks(&sim).len(), 1);
    let (status, v) = task(&srv, &d, &k, [&gp, "14", "Review"], &ids, false).await;
    assert_eq!((status, v["state"].as_str()), (200, Some("sent")));
    assert_eq!(tasks(&sim).len(), 1, "a sent task is never sent again");
    srv.stop().await;
}

#[tokio::test]
async fn a_task_of_unknown_outcome_is_resent_only_when_the_gp_says_so() {
    let srv = on().await;
    let (sim, d, ids, gp) = faulted(&srv, FaultKind::DropAfterProcessing, 1).await;
    let k = key();
    let (status, v) = task(&srv, &d, &k, [&gp, "7", "Review"], &ids, false).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "unknown", "{v}");
    assert!(v["failure"].as_str().unwrap().contains("did not confirm"), "{v}");
    assert_eq!(tasks(&sim).len(), 1, "ALEX saved it without answering");
    let posts = sim.request_count(Endpoint::Task);

    let (status, v) = task(&srv, &d, &k, [&gp, "7", "Review"], &ids, false).await;
    assert_eq!(status, 409, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("Check the patient's tasks"),
        "{v}"
    );
    assert_eq!(
        sim.request_count(Endpoint::Task),
        posts,
        "not resent without the GP's word"
    );

    let (status, v) = task(&srv, &d, &k, [&gp, "7", "Review"], &ids, true).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "sent", "{v}");
    let sent = tasks(&sim);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].resource, sent[1].resource,
        "the very same Task, identifier included"
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_bad_request_is_refused_before_anything_is_posted() {
    let srv = on().await;
    let sim = sim(&srv);
    let (d, ids) = two_committed(&srv).await;
    let gp = sim.practitioners(UAT)[0].id.clone();
    let elsewhere = sim.practitioners("F99669-C")[0].id.clone();
    let long = "x".repeat(501);
    let staged = app::stage_ready(&srv, &d, 1).await;
    let cases: Vec<(&str, &str, &str, Vec<String>, &str)> = vec![
        (
            elsewhere.as_str(),
            "7",
            "Review",
            ids.clone(),
            "not a practitioner of this practice",
        ),
        (
            "nobody",
            "7",
            "Review",
            ids.clone(),
            "not a practitioner of this practice",
        ),
        (gp.as_str(), "0", "Review", ids.clone(), "1 to 365 days"),
        (gp.as_str(), "366", "Review", ids.clone(), "1 to 365 days"),
        (gp.as_str(), "7", "   ", ids.clone(), "Write what the task is for"),
        (gp.as_str(), "7", long.as_str(), ids.clone(), "too long"),
        (gp.as_str(), "7", "Review", staged, "is in Medtech yet"),
        (gp.as_str(), "7", "Review", vec![], "1 to 200"),
    ];
    for (owner, days, text, photos, message) in cases {
        let (status, v) = task(&srv, &d, &key(), [owner, days, text], &photos, false).await;
        assert_eq!(status, 400, "{message}: {v}");
        assert!(v["message"].as_str().unwrap().contains(message), "{message}: {v}");
    }
    // Another patient's photo is not this session's to point at.
    let other = app::launch(&srv, "ZZZ0024", UAT).await;
    let theirs = app::stage_ready(&srv, &other, 1).await;
    let (status, _) = task(&srv, &d, &key(), [&gp, "7", "Review"], &theirs, false).await;
    assert_eq!(status, 404);
    assert_eq!(sim.request_count(Endpoint::Task), 0, "nothing was posted");
    srv.stop().await;
}
