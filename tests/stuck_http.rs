//! The operator's stuck-photo view and the audit trail's filters over HTTP: photos failed, of
//! unknown outcome, or not committed near retention, across sessions, behind OPS_TOKEN (a bearer
//! header only), with no image and no patient identity.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::simulator::{Endpoint, Fault, FaultKind};
use serde_json::Value;
use support::app;

const UAT: &str = "F2N060-E";

async fn ops_get(srv: &clinical_images::server::Running, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = app::http().get(app::url(srv, path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The next Media POST meets `kind`.
fn fail_next_media(sim: &clinical_images::simulator::Simulator, kind: FaultKind) {
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind,
        count: 1,
    });
}

#[tokio::test]
async fn stuck_photos_are_listed_with_practice_age_state_and_reason_and_no_identity() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let sim = srv.state.simulator.clone().unwrap();
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 4).await;
    let (_, v) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(v["state"], "committed", "{v}");
    fail_next_media(&sim, FaultKind::DropAfterProcessing);
    let (_, v) = app::commit(&srv, &d, &ids[1]).await;
    assert_eq!(v["failure_kind"], "outcome_unknown", "{v}");
    fail_next_media(&sim, FaultKind::Forbidden);
    let (_, v) = app::commit(&srv, &d, &ids[2]).await;
    assert_eq!(v["state"], "failed", "{v}");
    // ids[3] stays staged: listed only when retention is within the window asked for.

    let res = ops_get(&srv, "/api/ops/stuck?within_hours=0", Some("ops")).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let listed = |body: &Value| -> Vec<(String, String)> {
        body["photos"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| ids.iter().any(|id| p["photo_id"] == id.as_str()))
            .map(|p| {
                (
                    p["photo_id"].as_str().unwrap().to_string(),
                    p["stuck"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        listed(&body),
        [
            (ids[1].clone(), "outcome_unknown".to_string()),
            (ids[2].clone(), "failed".to_string())
        ],
        "{body}"
    );
    let unknown = body["photos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["photo_id"] == ids[1].as_str())
        .unwrap();
    assert_eq!(unknown["facility"], UAT);
    assert_eq!(unknown["state"], "failed");
    assert!(unknown["age_secs"].as_i64().unwrap() >= 0);
    assert!(unknown["expires_in_secs"].as_i64().unwrap() > 3600);
    assert!(unknown["reason"].as_str().unwrap().contains("Medtech"), "{unknown}");

    // The whole retention window: the staged photo is listed as near retention too.
    let body: Value = ops_get(&srv, "/api/ops/stuck?within_hours=24", Some("ops"))
        .await
        .json()
        .await
        .unwrap();
    let all = listed(&body);
    assert!(all.contains(&(ids[3].clone(), "near_retention".to_string())), "{body}");
    assert!(
        !all.iter().any(|(id, _)| *id == ids[0]),
        "committed photos are not stuck"
    );

    // No identity and no image, in the JSON or the page.
    let page = ops_get(&srv, "/ops/stuck?within_hours=24", Some("ops")).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&ids[1]) && html.contains("outcome_unknown") && html.contains(UAT),
        "{html}"
    );
    let mut secrets = vec![
        d.sid.clone(),
        d.patient_id.clone(),
        "/image".to_string(),
        "<img".to_string(),
    ];
    for p in sim.patients(UAT) {
        secrets.extend([p.nhi, p.family, p.given, p.id]);
    }
    for text in [body.to_string(), html] {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "carries {s}");
        }
    }
    srv.stop().await;
}

#[tokio::test]
async fn the_stuck_view_needs_the_token_as_a_bearer_header() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    for path in ["/api/ops/stuck", "/ops/stuck"] {
        assert_eq!(ops_get(&srv, path, None).await.status(), 401, "{path}");
        assert_eq!(ops_get(&srv, path, Some("wrong")).await.status(), 401, "{path}");
        // Never in the address.
        let in_url = format!("{path}?token=ops&access_token=ops&authorization=Bearer%20ops");
        assert_eq!(ops_get(&srv, &in_url, None).await.status(), 401, "{path}");
        assert_eq!(ops_get(&srv, path, Some("ops")).await.status(), 200, "{path}");
    }
    srv.stop().await;

    let closed = app::start(&[]).await;
    for path in ["/api/ops/stuck", "/ops/stuck"] {
        assert_eq!(
            ops_get(&closed, path, Some("ops")).await.status(),
            404,
            "{path}: closed without OPS_TOKEN"
        );
    }
    closed.stop().await;
}

#[tokio::test]
async fn the_audit_trail_filters_by_event_and_time() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 2).await;
    let (_, v) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(v["state"], "committed", "{v}");

    let sid = &d.sid;
    let added = app::audit_where(&srv, &format!("session={sid}&event=added")).await;
    assert_eq!(app::events(&added), ["added", "added"], "{added}");
    let committed = app::audit_where(&srv, &format!("session={sid}&event=committed")).await;
    assert_eq!(app::events(&committed), ["committed"], "{committed}");
    assert_eq!(committed[0]["photo_id"], ids[0].as_str());
    let both = app::audit_where(&srv, &format!("photo={}&event=committed", ids[1])).await;
    assert!(app::events(&both).is_empty(), "{both}");

    // `since`: seconds since the epoch or RFC 3339; the future holds nothing yet.
    let now = chrono::Utc::now().timestamp();
    let all = app::audit_where(&srv, &format!("session={sid}&since={}", now - 600)).await;
    assert!(app::events(&all).len() >= 3, "{all}");
    let later = app::audit_where(&srv, &format!("session={sid}&since={}", now + 3600)).await;
    assert!(app::events(&later).is_empty(), "{later}");
    let rfc = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let later = app::audit_where(&srv, &format!("session={sid}&since={}", urlencode(&rfc))).await;
    assert!(app::events(&later).is_empty(), "{later}");
    let res = ops_get(&srv, "/api/audit?since=yesterday", Some("ops")).await;
    assert_eq!(res.status(), 400);
    srv.stop().await;
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

/// A log sink for one test's subscriber.
#[derive(Clone, Default)]
struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn retention_warns_with_a_count_before_it_expires_uncommitted_photos() {
    let log = Log::default();
    let sink = log.clone();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish(),
    );
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 2).await;
    // Past their retention (0 s) once a second has gone by.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let purged = srv.state.photos.store.purge(0, 30 * 86_400).await.unwrap();
    assert_eq!(purged, 2);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let warning = text
        .lines()
        .find(|l| l.contains("WARN") && l.contains("about to expire"))
        .unwrap_or_else(|| panic!("no warning: {text}"));
    assert!(warning.contains("photos=2"), "{warning}");
    let rows = app::audit_where(&srv, &format!("session={}&event=expired", d.sid)).await;
    assert_eq!(app::events(&rows).len(), 2, "expired after the warning: {rows}");
    for s in [&d.sid, &d.patient_id, &ids[0], &ids[1]] {
        assert!(!warning.contains(s.as_str()), "a count, never who: {warning}");
    }
    srv.stop().await;
}
