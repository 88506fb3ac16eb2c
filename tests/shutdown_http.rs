//! A graceful stop over real sockets: on SIGTERM the server stops being ready, refuses new
//! commits, lets the write to ALEX in flight finish, then exits; restarted on the same data,
//! nothing is lost and nothing is sent twice.

mod support;

use std::time::Duration;

use clinical_images::simulator::{Endpoint, Fault, FaultKind};
use support::app;

const UAT: &str = "F2N060-E";
const TAGS: [(&str, &str); 3] = [
    ("body_site", "14975008"),
    ("laterality", "7771000"),
    ("image_type", "lesion"),
];

#[tokio::test]
async fn a_restart_during_a_deploy_loses_nothing_and_sends_nothing_twice() {
    let dir = app::tempdir();
    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let key = uuid::Uuid::new_v4().to_string();
        let mut fields = vec![("id", key.as_str())];
        fields.extend_from_slice(&TAGS);
        let (status, v) = app::upload_desktop(&srv, &d, &fields, app::jpeg(320, 240)).await;
        assert_eq!(status, 201, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    // ALEX is slow: the first commit is still in flight when the stop begins.
    let state = srv.state.clone();
    let sim = state.simulator.clone().unwrap();
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Delay { ms: 1500 },
        count: 1,
    });
    let base = app::url(&srv, "");
    let in_flight = tokio::spawn({
        let (base, cookie, sid, id) = (base.clone(), d.cookie.clone(), d.sid.clone(), ids[0].clone());
        async move {
            app::http()
                .post(format!("{base}/api/photos/commit"))
                .header("cookie", cookie)
                .form(&[("sid", sid.as_str()), ("id", id.as_str()), ("resend_unknown", "false")])
                .send()
                .await
                .unwrap()
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = tokio::spawn(srv.shutdown(Duration::from_secs(20)));
    tokio::time::sleep(Duration::from_millis(200)).await;

    // While it drains: not ready, and a new commit is refused before anything is sent.
    let ready = app::http().get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let refused = app::http()
        .post(format!("{base}/api/photos/commit"))
        .header("cookie", &d.cookie)
        .form(&[
            ("sid", d.sid.as_str()),
            ("id", ids[1].as_str()),
            ("resend_unknown", "false"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    let e: serde_json::Value = refused.json().await.unwrap();
    assert!(e["message"].as_str().unwrap().contains("restarting"), "{e}");

    // The write in flight finishes, and only then does the server stop.
    let done = in_flight.await.unwrap();
    assert_eq!(done.status(), 200);
    let v: serde_json::Value = done.json().await.unwrap();
    assert_eq!(v["state"], "committed", "{v}");
    assert!(stopping.await.unwrap(), "every write finished before the stop");
    assert_eq!(sim.received().len(), 1, "one Media: the photo in flight");

    // The next version starts on the same data: the first photo stays committed, the second
    // was never sent, and sending it now sends only it.
    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[]).await;
    let (status, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{list}");
    let states: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["committed", "staged"]);
    for id in &ids {
        let (status, v) = app::commit(&srv, &d, id).await;
        assert_eq!((status, v["state"].as_str()), (200, Some("committed")), "{v}");
    }
    let after = srv.state.simulator.as_ref().unwrap().received();
    assert_eq!(after.len(), 1, "only the photo never sent was sent");
    assert_eq!(after[0].resource["identifier"][0]["value"], ids[1].as_str());
    srv.stop().await;
}
