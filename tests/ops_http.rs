//! The operations endpoints over HTTP, on the whole app in simulator mode.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::simulator::Endpoint;
use serde_json::Value;
use support::app;

/// A GET of an operations endpoint with the operations token (apps here start with `OPS_TOKEN=ops`).
async fn ops_get(url: String) -> Result<reqwest::Response, reqwest::Error> {
    app::http().get(url).bearer_auth("ops").send().await
}

#[tokio::test]
async fn alex_test_checks_token_patient_and_location() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let res = ops_get(app::url(&srv, "/api/alex/test?nhi=ZZZ0016")).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(body["facility"], "F2N060-E");
    let steps: Vec<&str> = body["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["token", "patient", "location"]);
    assert!(body["steps"][1]["ms"].is_u64());
    let text = body.to_string();
    let sim = srv.state.simulator.clone().unwrap();
    let p = &sim.patients("F2N060-E")[0];
    assert!(
        !text.contains(&p.family) && !text.contains(&p.id),
        "no PHI beyond the NHI sent"
    );

    let res = ops_get(app::url(&srv, "/api/alex/test?nhi=ZZZ0016&facility=F00000-X"))
        .await
        .unwrap();
    assert_eq!(res.status(), 502);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["steps"][1]["error"], "facility_not_mapped");
    srv.stop().await;
}

#[tokio::test]
async fn alex_test_refuses_an_invalid_nhi_without_calling_alex() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let sim = srv.state.simulator.clone().unwrap();
    for bad in ["ZZZ0017", "ZZZ00AA", "", "nonsense"] {
        let res = ops_get(app::url(&srv, &format!("/api/alex/test?nhi={bad}")))
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_nhi");
        assert!(body["message"].as_str().unwrap().starts_with("That NHI is not valid"));
    }
    assert_eq!(sim.request_count(Endpoint::Any), 0);
    assert_eq!(sim.token_fetches(), 0);
    srv.stop().await;
}

#[tokio::test]
async fn token_info_never_shows_the_token_and_ops_token_guards() {
    let srv = app::start(&[("OPS_TOKEN", "ops-secret")]).await;
    let url = app::url(&srv, "/api/alex/token-info");
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 401);
    let http = reqwest::Client::new();
    let wrong = http.get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let info: Value = http
        .get(&url)
        .bearer_auth("ops-secret")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        info,
        serde_json::json!({"cached": false, "expires_in_secs": null, "fetch_count": 0})
    );
    let test = http
        .get(app::url(&srv, "/api/alex/test?nhi=ZZZ0016"))
        .bearer_auth("ops-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(test.status(), 200);
    let info: Value = http
        .get(&url)
        .bearer_auth("ops-secret")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["cached"], true);
    assert_eq!(info["fetch_count"], 1);
    assert!(info["expires_in_secs"].as_u64().unwrap() > 3000);
    assert_eq!(info.as_object().unwrap().len(), 3, "nothing but the three fields");
    srv.stop().await;
}

#[tokio::test]
async fn capabilities_lists_features_and_verified_codes() {
    let srv = app::start(&[]).await;
    let caps: Value = reqwest::get(app::url(&srv, "/api/capabilities"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(caps["simulator"], true);
    assert_eq!(caps["features"]["max_image_bytes"], 1_000_000);
    let forearm = caps["codes"]["body_sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == "Forearm")
        .unwrap();
    assert_eq!(forearm["code"], "14975008");
    assert_eq!(caps["codes"]["lateralities"].as_array().unwrap().len(), 5);
    srv.stop().await;
}

#[tokio::test]
async fn partial_alex_configuration_is_a_startup_error() {
    let err =
        clinical_images::server::state::AppState::build_with_env(app::settings(&[]), app::leptos_options(), |k| {
            (k == "ALEX_CLIENT_ID").then(|| "abc".to_string())
        })
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("ALEX_CLIENT_SECRET"), "{err}");
}
