//! The /sim/api test-control router, and robustness against odd input.

use super::*;

// ---------- admin router ----------

#[tokio::test]
async fn admin_router_controls_the_simulator() {
    let ctx = ctx().await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let admin = format!("http://{}", listener.local_addr().unwrap());
    let router = admin_router(ctx.sim.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let http = &ctx.http;

    // Faults, nested (as serde derives it) and flat.
    let nested = json!({"endpoint": "Location", "kind": {"kind": "throttled", "retry_after_secs": 3}, "count": 1});
    assert_eq!(post_fault(http, &admin, &nested).await, StatusCode::OK);
    let flat = json!({"endpoint": "Location", "kind": "unavailable"});
    assert_eq!(post_fault(http, &admin, &flat).await, StatusCode::OK);
    let bad = json!({"endpoint": "Nowhere", "kind": "drop"});
    assert_eq!(post_fault(http, &admin, &bad).await, StatusCode::BAD_REQUEST);
    let listed: Value = get_json(http, &format!("{admin}/faults")).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let resp = ctx.get("/Location", Some(UAT_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "3");
    assert_eq!(
        ctx.get("/Location", Some(UAT_FACILITY)).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    http.post(format!("{admin}/faults")).json(&flat).send().await.unwrap();
    assert_eq!(
        http.delete(format!("{admin}/faults")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(ctx.get("/Location", Some(UAT_FACILITY)).await.status(), StatusCode::OK);

    // Received, with base64 data.
    ctx.post("/Media", UAT_FACILITY, &media(&ctx, UAT_FACILITY)).await;
    ctx.post(
        "/DocumentReference",
        UAT_FACILITY,
        &document(&ctx, UAT_FACILITY, "application/pdf", PDF),
    )
    .await;
    let all: Value = get_json(http, &format!("{admin}/received")).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let only: Value = get_json(http, &format!("{admin}/received?type=Media")).await;
    assert_eq!(only.as_array().unwrap().len(), 1);
    assert_eq!(only[0]["resource"]["content"]["data"], STANDARD.encode(JPEG));
    assert_eq!(only[0]["status"], 201);

    // Stats.
    let stats: Value = get_json(http, &format!("{admin}/stats")).await;
    assert_eq!(stats["token_fetches"], 1);
    assert_eq!(stats["requests"]["Location"], 3);
    assert_eq!(stats["requests"]["Media"], 1);
    assert_eq!(stats["requests"]["Any"], 6);

    // Launch minting.
    let pair: LaunchPair = http
        .post(format!("{admin}/launch"))
        .json(&json!({"facility": UAT_FACILITY, "patient_id": null, "provider_id": "d1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body(decode(&ctx, &pair).await).await["providerId"], "d1");

    // Seed listing.
    let seed: Value = get_json(http, &format!("{admin}/seed")).await;
    assert_eq!(seed[0]["id"], UAT_FACILITY);
    assert!(seed[0]["patients"].as_array().unwrap().len() >= 5);

    // Revoke, reset.
    assert_eq!(
        http.post(format!("{admin}/revoke-tokens"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ctx.get("/Location", Some(UAT_FACILITY)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        http.post(format!("{admin}/reset")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert!(ctx.sim.received().is_empty());
    assert_eq!(ctx.sim.token_fetches(), 0);
    assert_eq!(ctx.sim.request_count(Endpoint::Any), 0);
}

// ---------- robustness (in process) ----------

async fn raw(sim: &Simulator, req: axum::http::Request<axum::body::Body>) -> (u16, Value) {
    let resp = crate::simulator::serve::handle(sim.state.clone(), req).await;
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn odd_input_never_panics() {
    let ctx = ctx().await;
    let auth = format!("Bearer {}", ctx.token);
    let get = |uri: &str| {
        axum::http::Request::get(uri)
            .header("authorization", auth.as_str())
            .header("mt-facilityid", UAT_FACILITY)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    for uri in [
        "/FHIR",
        "/FHIR/",
        "/FHIR/Patient/%FF%FE",
        "/FHIR/Patient?identifier=%E2%82",
        "/FHIR/Patient?identifier=",
        "/FHIR/Patient?identifier=%7C",
        "/FHIR/Patient/x/_history/1",
        "/FHIRx/Patient",
        "/vendorforms/api/getlaunchcontextstring/",
        "/vendorforms/api/getlaunchcontextstring/a/b/c",
        "/nowhere",
        "/%00",
    ] {
        let (status, _) = raw(&ctx.sim, get(uri)).await;
        assert!((200..500).contains(&status), "{uri}: {status}");
    }

    // Over the body cap: 413, recorded, no panic.
    let huge = vec![b'x'; MAX_BODY_BYTES + 10];
    let req = axum::http::Request::post("/FHIR/Media")
        .header("authorization", auth.as_str())
        .header("mt-facilityid", UAT_FACILITY)
        .header("content-type", "application/fhir+json")
        .body(axum::body::Body::from(huge))
        .unwrap();
    let (status, v) = raw(&ctx.sim, req).await;
    assert_eq!(status, 413);
    assert_eq!(v["resourceType"], "OperationOutcome");

    // Non-UTF-8 body and wrong content type.
    for (ct, bytes) in [
        ("application/fhir+json", vec![0xFF, 0xFE, 0x00]),
        ("text/plain", b"{}".to_vec()),
    ] {
        let req = axum::http::Request::post("/FHIR/Media")
            .header("authorization", auth.as_str())
            .header("mt-facilityid", UAT_FACILITY)
            .header("content-type", ct)
            .body(axum::body::Body::from(bytes))
            .unwrap();
        let (status, v) = raw(&ctx.sim, req).await;
        assert!(status == 400 || status == 415, "{ct}: {status}");
        assert_eq!(v["resourceType"], "OperationOutcome");
    }

    // JSON of the wrong shapes.
    for body in [
        json!(null),
        json!([]),
        json!("Media"),
        json!({"resourceType": "Media", "identifier": "x"}),
        json!({"resourceType": "Media", "identifier": [{"value": "a"}], "status": "completed", "subject": {"reference": 5}, "content": {}}),
    ] {
        let resp = ctx.post("/Media", UAT_FACILITY, &body).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
    }
}

async fn post_fault(http: &Client, admin: &str, body: &Value) -> StatusCode {
    http.post(format!("{admin}/faults"))
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
}

async fn get_json(http: &Client, url: &str) -> Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}
