//! Fault injection, including true connection drops.

use super::*;

// ---------- faults ----------

/// The client got no HTTP response at all: the connection was closed under it.
fn assert_connection_error(err: &reqwest::Error) {
    assert!(err.status().is_none(), "no HTTP status expected: {err:?}");
    assert!(!err.is_timeout(), "not a timeout: {err:?}");
    assert!(
        err.is_request() || err.is_connect(),
        "a connection-level error: {err:?}"
    );
    let mut chain = format!("{err}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        chain.push_str(&format!(" / {s}"));
        source = s.source();
    }
    assert!(
        chain.contains("connection closed") || chain.contains("reset") || chain.contains("closed"),
        "{chain}"
    );
    eprintln!("connection error as seen by reqwest: {chain}");
}

fn fault(endpoint: Endpoint, kind: FaultKind, count: u32) -> Fault {
    Fault { endpoint, kind, count }
}

#[tokio::test]
async fn answering_faults() {
    let ctx = ctx().await;
    ctx.sim.inject(fault(Endpoint::Location, FaultKind::Unauthorized, 1));
    ctx.sim.inject(fault(
        Endpoint::Location,
        FaultKind::Throttled { retry_after_secs: 7 },
        1,
    ));
    ctx.sim.inject(fault(Endpoint::Location, FaultKind::Unavailable, 2));
    ctx.sim.inject(fault(Endpoint::Location, FaultKind::Forbidden, 1));

    let resp = ctx.get("/Location", Some(UAT_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body(resp).await["statusCode"], 401);

    let resp = ctx.get("/Location", Some(UAT_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "7");

    for _ in 0..2 {
        let resp = ctx.get("/Location", Some(UAT_FACILITY)).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_outcome(
            &body(resp).await,
            "exception",
            "Cannot establish connection to the facility. Please try again later.",
        );
    }
    let resp = ctx.get("/Location", Some(UAT_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_outcome(&body(resp).await, "forbidden", "Authorization failed.");

    // Queue exhausted: normal again. Faulted requests were counted.
    assert_eq!(ctx.get("/Location", Some(UAT_FACILITY)).await.status(), StatusCode::OK);
    assert_eq!(ctx.sim.request_count(Endpoint::Location), 6);
    assert!(ctx.sim.pending_faults().is_empty());

    // A fault for another endpoint does not fire here; `Any` fires everywhere (token too).
    ctx.sim.inject(fault(Endpoint::Media, FaultKind::Unavailable, 1));
    assert_eq!(ctx.get("/Location", Some(UAT_FACILITY)).await.status(), StatusCode::OK);
    ctx.sim.clear_faults();
    ctx.sim
        .inject(fault(Endpoint::Any, FaultKind::Throttled { retry_after_secs: 1 }, 1));
    let form = good_form(&ctx.sim);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        token_response(&ctx.sim, &ctx.http, &pairs).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        token_response(&ctx.sim, &ctx.http, &pairs).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn delay_fault_still_processes() {
    let ctx = ctx().await;
    ctx.sim.inject(fault(Endpoint::Media, FaultKind::Delay { ms: 400 }, 1));
    let started = Instant::now();
    let resp = ctx.post("/Media", UAT_FACILITY, &media(&ctx, UAT_FACILITY)).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(resp.status(), StatusCode::CREATED);

    // A client that gives up early has an unknown outcome: the Media is stored anyway.
    ctx.sim.inject(fault(Endpoint::Media, FaultKind::Delay { ms: 600 }, 1));
    let impatient = Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let err = impatient
        .post(format!("{}/Media", ctx.sim.fhir_base_url()))
        .bearer_auth(&ctx.token)
        .header("mt-facilityid", UAT_FACILITY)
        .header("content-type", "application/fhir+json")
        .body(media(&ctx, UAT_FACILITY).to_string())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    tokio::time::sleep(Duration::from_millis(700)).await;
    let received = ctx.sim.received();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|r| r.status == 201));
}

#[tokio::test]
async fn drop_closes_the_connection_without_processing() {
    let ctx = ctx().await;
    ctx.sim.inject(fault(Endpoint::Media, FaultKind::Drop, 1));
    let err = ctx
        .try_post("/Media", UAT_FACILITY, &media(&ctx, UAT_FACILITY))
        .await
        .unwrap_err();
    assert_connection_error(&err);
    assert!(!err.is_timeout());
    assert!(ctx.sim.received().is_empty(), "a dropped request is not processed");
    assert_eq!(ctx.sim.request_count(Endpoint::Media), 1);

    // GETs too, and the server keeps serving afterwards.
    ctx.sim.inject(fault(Endpoint::Patient, FaultKind::Drop, 1));
    let url = format!("{}/Patient?identifier={NHI_SYSTEM}%7CZZZ0016", ctx.sim.fhir_base_url());
    let err = ctx
        .http
        .get(&url)
        .bearer_auth(&ctx.token)
        .header("mt-facilityid", UAT_FACILITY)
        .send()
        .await;
    assert!(err.unwrap_err().status().is_none());
    assert_eq!(ctx.get("/Location", Some(UAT_FACILITY)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn drop_after_processing_stores_the_media() {
    let ctx = ctx().await;
    ctx.sim
        .inject(fault(Endpoint::Media, FaultKind::DropAfterProcessing, 1));
    let m = media(&ctx, UAT_FACILITY);
    let err = ctx.try_post("/Media", UAT_FACILITY, &m).await.unwrap_err();
    assert_connection_error(&err);
    let received = ctx.sim.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].status, 201);
    assert!(received[0].id.is_some());
    assert_eq!(received[0].resource["identifier"], m["identifier"]);
}
