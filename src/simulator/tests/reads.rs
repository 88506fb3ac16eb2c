//! Facilities, searches, reads and roles.

use super::*;

// ---------- facility, reads ----------

#[tokio::test]
async fn facility_missing_or_unmapped_is_forbidden() {
    let ctx = ctx().await;
    for facility in [None, Some(UNMAPPED_FACILITY), Some("F12345-Z")] {
        let resp = ctx.get("/Location", facility).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{facility:?}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/fhir+json")
        );
        assert_outcome(&body(resp).await, "forbidden", "Practice Facility not found");
    }
}

#[tokio::test]
async fn nhi_search_hit_and_miss() {
    let ctx = ctx().await;
    // `|` URL-encoded as %7C, as a real client sends it.
    let path = format!("/Patient?identifier={}%7CZZZ0016", NHI_SYSTEM);
    let resp = ctx.get(&path, Some(UAT_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/fhir+json")
    );
    let v = body(resp).await;
    assert_eq!(v["resourceType"], "Bundle");
    assert_eq!(v["type"], "searchset");
    assert_eq!(v["total"], 1);
    let entry = &v["entry"][0];
    assert_eq!(entry["search"]["mode"], "match");
    let patient = &entry["resource"];
    assert_eq!(patient["resourceType"], "Patient");
    assert_eq!(patient["identifier"][0]["system"], NHI_SYSTEM);
    assert_eq!(patient["identifier"][0]["value"], "ZZZ0016");
    assert_eq!(patient["name"][0]["use"], "official");
    assert!(patient["name"][0]["given"].is_array());
    assert!(patient["birthDate"].is_string() && patient["gender"].is_string());
    let id = patient["id"].as_str().unwrap();
    assert_eq!(id, ctx.patient(UAT_FACILITY, "ZZZ0016").id);
    assert_eq!(entry["fullUrl"], format!("{}/Patient/{id}", ctx.sim.fhir_base_url()));

    // ZZZ0032 is seeded in F2N060-E only: a miss elsewhere is a Bundle with an OperationOutcome.
    let resp = ctx
        .get(
            &format!("/Patient?identifier={NHI_SYSTEM}%7CZZZ0032"),
            Some(SECOND_FACILITY),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = body(resp).await;
    assert_eq!(v["resourceType"], "Bundle");
    assert_eq!(v["total"], 0);
    let entries = v["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["resource"]["resourceType"], "OperationOutcome");
}

#[tokio::test]
async fn patient_ids_differ_per_facility() {
    let ctx = ctx().await;
    let a = ctx.patient(UAT_FACILITY, "ZZZ0016");
    let b = ctx.patient(SECOND_FACILITY, "ZZZ0016");
    assert_ne!(a.id, b.id);
    assert!(is_hex32(&a.id) && is_hex32(&b.id));
    let path = format!("/Patient?identifier={NHI_SYSTEM}%7CZZZ0016");
    let found = body(ctx.get(&path, Some(SECOND_FACILITY)).await).await;
    assert_eq!(found["entry"][0]["resource"]["id"], b.id.as_str());

    let resp = ctx.get(&format!("/Patient/{}", a.id), Some(UAT_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(body(resp).await["identifier"][0]["value"], "ZZZ0016");
    // The other facility's id is not known here.
    let resp = ctx.get(&format!("/Patient/{}", a.id), Some(SECOND_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_outcome(&body(resp).await, "not-found", "Patient");
}

#[tokio::test]
async fn unsupported_shapes_and_endpoints() {
    let ctx = ctx().await;
    for path in [
        "/Patient",
        "/Media?patient=abc",
        "/Media",
        "/Patient?name=Testpatient",
        "/DocumentReference",
    ] {
        let resp = ctx.get(path, Some(UAT_FACILITY)).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
        assert_outcome(&body(resp).await, "forbidden", "Authorization failed.");
    }
    let resp = ctx.get("/Encounter", Some(UAT_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        body(resp).await,
        json!({"statusCode": 404, "message": "Resource not found"})
    );
}

#[tokio::test]
async fn location_and_practitioners() {
    let ctx = ctx().await;
    let v = body(ctx.get("/Location", Some(UAT_FACILITY)).await).await;
    assert_eq!(v["resourceType"], "Bundle");
    assert_eq!(v["total"], 1);
    let loc = &v["entry"][0]["resource"];
    assert_eq!(loc["resourceType"], "Location");
    assert_eq!(loc["identifier"][0]["value"], UAT_FACILITY);
    assert!(
        loc["managingOrganization"]["reference"]
            .as_str()
            .unwrap()
            .starts_with("Organization/")
    );
    assert!(loc["extension"][0]["valueString"].as_str().unwrap().contains("Medtech"));

    let v = body(ctx.get("/Practitioner", Some(SECOND_FACILITY)).await).await;
    let expected = ctx.sim.practitioners(SECOND_FACILITY);
    assert_eq!(v["total"], expected.len());
    assert_eq!(v["entry"][0]["resource"]["resourceType"], "Practitioner");
    let resp = ctx
        .get(&format!("/Practitioner/{}", expected[0].id), Some(SECOND_FACILITY))
        .await;
    assert_eq!(body(resp).await["name"][0]["family"], expected[0].family.as_str());

    // The `/FHIR` prefix matches case-insensitively.
    let url = format!("{}/fhir/Location", ctx.sim.base_url());
    let resp = ctx
        .http
        .get(url)
        .bearer_auth(&ctx.token)
        .header("mt-facilityid", UAT_FACILITY)
        .send()
        .await;
    assert_eq!(resp.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_role_is_authorization_failed() {
    let roles = ALL_ROLES
        .iter()
        .filter(|r| **r != "patient.media.write" && **r != "patient.nhisearch.read")
        .map(|r| r.to_string())
        .collect();
    let ctx = start(SimConfig {
        roles,
        ..SimConfig::default()
    })
    .await;
    let resp = ctx.post("/Media", UAT_FACILITY, &media(&ctx, UAT_FACILITY)).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_outcome(&body(resp).await, "forbidden", "Authorization failed.");
    let resp = ctx
        .get(
            &format!("/Patient?identifier={NHI_SYSTEM}%7CZZZ0016"),
            Some(UAT_FACILITY),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_outcome(&body(resp).await, "forbidden", "Authorization failed.");
    // Roles it has still work.
    assert_eq!(ctx.get("/Location", Some(UAT_FACILITY)).await.status(), StatusCode::OK);
    let received = ctx.sim.received();
    assert_eq!(received.len(), 1);
    assert_eq!((received[0].status, received[0].id.clone()), (403, None));
}
