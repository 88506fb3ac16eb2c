//! Launch contexts: mint, decode, tamper, expire.

use super::*;

// ---------- launch ----------

#[tokio::test]
async fn launch_round_trip() {
    let ctx = ctx().await;
    let patient = ctx.patient(UAT_FACILITY, "ZZZ0016");
    let doctor = ctx.practitioner(UAT_FACILITY);
    let pair = ctx.sim.mint_launch(UAT_FACILITY, Some(&patient.id), &doctor.id);
    let url_safe = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    assert!(url_safe(&pair.context) && url_safe(&pair.signature));
    let resp = decode(&ctx, &pair).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = body(resp).await;
    assert_eq!(v["patientId"], patient.id.as_str());
    assert_eq!(v["facilityCode"], UAT_FACILITY);
    assert_eq!(v["providerId"], doctor.id.as_str());
    assert!(chrono::DateTime::parse_from_rfc3339(v["createdTime"].as_str().unwrap()).is_ok());

    // No patient open.
    let pair = ctx.sim.mint_launch(SECOND_FACILITY, None, "abc");
    let v = body(decode(&ctx, &pair).await).await;
    assert!(v["patientId"].is_null());
    assert_eq!(v["facilityCode"], SECOND_FACILITY);

    // Without a token: 401. Count includes it.
    let url = format!(
        "{}/vendorforms/api/getlaunchcontextstring/{}/{}",
        ctx.sim.base_url(),
        pair.context,
        pair.signature
    );
    assert_eq!(
        ctx.http.get(url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(ctx.sim.request_count(Endpoint::Launch), 3);
}

#[tokio::test]
async fn launch_tampering_is_refused() {
    let ctx = ctx().await;
    let pair = ctx.sim.mint_launch(UAT_FACILITY, Some("p1"), "d1");
    let other = ctx.sim.mint_launch(UAT_FACILITY, Some("p2"), "d1");
    let mut chars: Vec<char> = pair.context.chars().collect();
    let mid = chars.len() / 2;
    chars[mid] = if chars[mid] == 'A' { 'B' } else { 'A' };
    let tampered_context = LaunchPair {
        context: chars.into_iter().collect(),
        signature: pair.signature.clone(),
    };
    let tampered_signature = LaunchPair {
        context: pair.context.clone(),
        signature: other.signature.clone(),
    };
    let garbage = LaunchPair {
        context: "!!".into(),
        signature: "??".into(),
    };
    for bad in [tampered_context, tampered_signature, garbage] {
        let resp = decode(&ctx, &bad).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        assert_outcome(&body(resp).await, "invalid", "Invalid launch context");
    }
    // A pair from another simulator (other keys) does not decode either.
    let elsewhere = Simulator::start(SimConfig::default()).await.unwrap();
    let foreign = elsewhere.mint_launch(UAT_FACILITY, None, "d1");
    assert_eq!(decode(&ctx, &foreign).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn launch_expires() {
    let ctx = start(SimConfig {
        launch_ttl: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let pair = ctx.sim.mint_launch(UAT_FACILITY, None, "d1");
    assert_eq!(decode(&ctx, &pair).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(450)).await;
    let resp = decode(&ctx, &pair).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_outcome(&body(resp).await, "invalid", "Launch context expired");
}

#[tokio::test]
async fn launch_needs_its_role() {
    let roles = vec!["patient.nhisearch.read".to_string()];
    let ctx = start(SimConfig {
        roles,
        ..SimConfig::default()
    })
    .await;
    let pair = ctx.sim.mint_launch(UAT_FACILITY, None, "d1");
    let resp = decode(&ctx, &pair).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_outcome(&body(resp).await, "forbidden", "Authorization failed.");
}
