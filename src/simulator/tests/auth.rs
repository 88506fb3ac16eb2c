//! Tokens and the bearer check.

use super::*;

// ---------- seed data ----------

#[test]
fn seeded_data_is_valid_and_fake() {
    for nhi in [
        "ZZZ0016", "ZZZ0024", "ZZZ0032", "ZAA0067", "ZAC5361", "ZZZ00AC", "ZBN77VL", "ZHW58CV",
    ] {
        assert!(nhi_is_valid(nhi), "{nhi} should be valid");
    }
    for nhi in ["ZZZ0044", "ZZZ0017", "DAB8233", "ZZZ00AA", "ZZZ00AX", "ZHW58CZ"] {
        assert!(!nhi_is_valid(nhi), "{nhi} should be invalid");
    }
    let seed = data::Seed::new();
    assert_eq!(seed.facilities.len(), 3);
    assert!(seed.facilities.iter().any(|f| f.id == UNMAPPED_FACILITY && !f.mapped));
    for f in [UAT_FACILITY, SECOND_FACILITY] {
        let patients: Vec<_> = seed.patients(f).collect();
        assert!(patients.len() >= 5, "{f}");
        for p in &patients {
            assert!(nhi_is_valid(&p.nhi) && p.nhi.starts_with('Z'), "{}", p.nhi);
            assert!(is_hex32(&p.id));
            assert!(chrono::NaiveDate::parse_from_str(&p.birth_date, "%Y-%m-%d").is_ok());
        }
        let doctors: Vec<_> = seed.practitioners(f).collect();
        assert!((2..=3).contains(&doctors.len()));
        assert!(doctors.iter().all(|d| is_hex32(&d.id)));
    }
    assert!(seed.patients(UAT_FACILITY).any(|p| p.nhi == "ZZZ0016"));
    assert_eq!(seed.patients(UNMAPPED_FACILITY).count(), 0);
}

// ---------- token ----------

#[tokio::test]
async fn token_success() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = client();
    let form = good_form(&sim);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let resp = token_response(&sim, &http, &pairs).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = body(resp).await;
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3599);
    assert_eq!(v["ext_expires_in"], 3599);
    let token = v["access_token"].as_str().unwrap();
    assert!(token.len() >= 43 && !token.contains(['+', '/', '=']));
    assert_eq!(sim.token_fetches(), 1);
    assert_eq!(sim.request_count(Endpoint::Token), 1);
    assert!(sim.token_url().ends_with("/sim-tenant/oauth2/v2.0/token"));
}

#[tokio::test]
async fn token_failures() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = client();
    let cases: [(&str, &str, StatusCode, &str, &str); 4] = [
        (
            "client_secret",
            "wrong",
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "AADSTS7000215",
        ),
        (
            "client_id",
            "someone-else",
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "AADSTS700016",
        ),
        (
            "grant_type",
            "password",
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "AADSTS70003",
        ),
        (
            "scope",
            "api://other/.default",
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "AADSTS70011",
        ),
    ];
    for (field, value, status, error, code) in cases {
        let mut form = good_form(&sim);
        for (k, v) in form.iter_mut() {
            if *k == field {
                *v = value.to_string();
            }
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resp = token_response(&sim, &http, &pairs).await;
        assert_eq!(resp.status(), status, "{field}");
        let v = body(resp).await;
        assert_eq!(v["error"], error, "{field}");
        assert!(v["error_description"].as_str().unwrap().starts_with(code), "{v}");
    }
    // Wrong tenant, and a JSON body instead of a form.
    let url = sim.token_url().replace("sim-tenant", "other-tenant");
    let resp = http
        .post(url)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = http
        .post(sim.token_url())
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sim.token_fetches(), 0);
}

#[tokio::test]
async fn tokens_expire_and_can_be_revoked() {
    let ctx = start(SimConfig {
        token_ttl: Duration::from_millis(1500),
        ..SimConfig::default()
    })
    .await;
    assert_eq!(ctx.get("/Location", Some(UAT_FACILITY)).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let resp = ctx.get("/Location", Some(UAT_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body(resp).await, json!({"statusCode": 401, "message": "Unauthorized"}));

    // set_token_ttl changes what new tokens say and how long they live.
    ctx.sim.set_token_ttl(Duration::from_secs(120));
    let form = good_form(&ctx.sim);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let v = body(token_response(&ctx.sim, &ctx.http, &pairs).await).await;
    assert_eq!(v["expires_in"], 120);

    // Revocation invalidates every token issued so far.
    let fresh = Ctx {
        sim: ctx.sim.clone(),
        http: client(),
        token: v["access_token"].as_str().unwrap().into(),
    };
    assert_eq!(
        fresh.get("/Location", Some(UAT_FACILITY)).await.status(),
        StatusCode::OK
    );
    fresh.sim.revoke_tokens();
    assert_eq!(
        fresh.get("/Location", Some(UAT_FACILITY)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn fhir_needs_a_valid_bearer_token() {
    let ctx = ctx().await;
    let url = format!("{}/Location", ctx.sim.fhir_base_url());
    let resp = ctx
        .http
        .get(&url)
        .header("mt-facilityid", UAT_FACILITY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(body(resp).await["statusCode"], 401);
    let resp = ctx
        .http
        .get(&url)
        .bearer_auth("not-a-token")
        .header("mt-facilityid", UAT_FACILITY)
        .send()
        .await;
    assert_eq!(resp.unwrap().status(), StatusCode::UNAUTHORIZED);
    let resp = ctx
        .http
        .get(&url)
        .basic_auth("a", Some("b"))
        .header("mt-facilityid", UAT_FACILITY)
        .send()
        .await;
    assert_eq!(resp.unwrap().status(), StatusCode::UNAUTHORIZED);
}
