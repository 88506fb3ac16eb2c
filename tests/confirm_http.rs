//! "It is in Medtech — mark as saved" over HTTP: after an unknown outcome the GP may confirm the
//! photo arrived; it becomes committed with no ALEX id, the audit names who confirmed, and no
//! later commit sends it again.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::simulator::{Endpoint, Fault, FaultKind};
use serde_json::Value;
use support::app::{self, Desktop};

const UAT: &str = "F2N060-E";

async fn confirm(srv: &clinical_images::server::Running, d: &Desktop, id: &str) -> (u16, Value) {
    app::call(srv, d, "photos/confirm-in-medtech", &[("sid", &d.sid), ("id", id)]).await
}

fn drop_after_processing(srv: &clinical_images::server::Running, endpoint: Endpoint) {
    srv.state.simulator.as_ref().unwrap().inject(Fault {
        endpoint,
        kind: FaultKind::DropAfterProcessing,
        count: 1,
    });
}

#[tokio::test]
async fn a_media_of_unknown_outcome_can_be_confirmed_by_the_gp_and_is_never_sent_again() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();
    let ids = app::stage_ready(&srv, &d, 2).await;

    // Nothing to confirm on a photo that has not had an unknown outcome.
    let (status, v) = confirm(&srv, &d, &ids[1]).await;
    assert_eq!(status, 409, "{v}");
    assert!(v["message"].as_str().unwrap().contains("did not confirm"), "{v}");

    drop_after_processing(&srv, Endpoint::Media);
    let (status, v) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "failed");
    assert_eq!(v["failure_kind"], "outcome_unknown");
    let sent = sim.request_count(Endpoint::Media);

    let (status, v) = confirm(&srv, &d, &ids[0]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["state"], "committed");
    assert_eq!(v[0]["failure_kind"], "confirmed_by_gp");
    assert_eq!(v[0]["alex_id"], Value::Null, "no ALEX id: Medtech never told us one");
    assert_eq!(v[0]["failure"], Value::Null);

    let rows = app::audit(&srv, &ids[0]).await;
    let last = rows.as_array().unwrap().last().unwrap();
    assert_eq!(last["event"], "confirmed_in_medtech", "{rows}");
    let gp = sim.practitioners(UAT)[0].id.clone();
    assert_eq!(last["practitioner_id"], gp.as_str(), "who confirmed");

    // A later commit (or a resend) answers it as saved and sends nothing; confirming again is refused.
    for resend in ["false", "true"] {
        let (status, v) = app::call(
            &srv,
            &d,
            "photos/commit",
            &[("sid", &d.sid), ("id", &ids[0]), ("resend_unknown", resend)],
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["state"], "committed");
    }
    assert_eq!(sim.request_count(Endpoint::Media), sent, "nothing sent again");
    let (status, _) = confirm(&srv, &d, &ids[0]).await;
    assert_eq!(status, 409);
    let (_, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(list[0]["state"], "committed");
    srv.stop().await;
}

#[tokio::test]
async fn a_scan_document_of_unknown_outcome_is_confirmed_whole() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();
    let ids = app::stage_ready(&srv, &d, 2).await;

    drop_after_processing(&srv, Endpoint::DocumentReference);
    let (status, v) = app::commit_scan(&srv, &d, &ids, false, None).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|p| p["failure_kind"] == "outcome_unknown"),
        "{v}"
    );
    let sent = sim.request_count(Endpoint::DocumentReference);

    // Confirming one photo confirms the document, so both of its photos are saved.
    let (status, v) = confirm(&srv, &d, &ids[1]).await;
    assert_eq!(status, 200, "{v}");
    let v = v.as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert!(
        v.iter()
            .all(|p| p["state"] == "committed" && p["failure_kind"] == "confirmed_by_gp"),
        "{v:?}"
    );
    for id in &ids {
        assert!(app::events(&app::audit(&srv, id).await).contains(&"confirmed_in_medtech".to_string()));
    }

    let (status, v) = app::commit_scan(&srv, &d, &ids, true, None).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        sim.request_count(Endpoint::DocumentReference),
        sent,
        "nothing sent again"
    );
    srv.stop().await;
}
