//! Simulator tests over real sockets (reqwest), plus a few in-process robustness checks.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::data::{NHI_SYSTEM, SECOND_FACILITY, UAT_FACILITY, UNMAPPED_FACILITY, nhi_is_valid};
use super::*;

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0xFF, 0xD9,
];
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
];
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn client() -> Client {
    Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

struct Ctx {
    sim: Simulator,
    http: Client,
    token: String,
}

async fn start(config: SimConfig) -> Ctx {
    let sim = Simulator::start(config).await.expect("start");
    let http = client();
    let token = fetch_token(&sim, &http).await;
    Ctx { sim, http, token }
}

async fn ctx() -> Ctx {
    start(SimConfig::default()).await
}

async fn token_response(sim: &Simulator, http: &Client, form: &[(&str, &str)]) -> reqwest::Response {
    http.post(sim.token_url())
        .form(form)
        .send()
        .await
        .expect("token request")
}

fn good_form(sim: &Simulator) -> Vec<(&'static str, String)> {
    let c = sim.config();
    vec![
        ("client_id", c.client_id.clone()),
        ("client_secret", c.client_secret.clone()),
        ("grant_type", "client_credentials".into()),
        ("scope", c.scope.clone()),
    ]
}

async fn fetch_token(sim: &Simulator, http: &Client) -> String {
    let form = good_form(sim);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let resp = token_response(sim, http, &pairs).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    body["access_token"].as_str().expect("access_token").to_string()
}

impl Ctx {
    async fn get(&self, path: &str, facility: Option<&str>) -> reqwest::Response {
        let mut rb = self
            .http
            .get(format!("{}{path}", self.sim.fhir_base_url()))
            .bearer_auth(&self.token);
        if let Some(f) = facility {
            rb = rb.header("mt-facilityid", f);
        }
        rb.send().await.expect("get")
    }

    async fn try_post(&self, path: &str, facility: &str, body: &Value) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(format!("{}{path}", self.sim.fhir_base_url()))
            .bearer_auth(&self.token)
            .header("mt-facilityid", facility)
            .header("mt-correlationid", "corr-123")
            .header("content-type", "application/fhir+json")
            .header("accept", "application/fhir+json")
            .body(body.to_string())
            .send()
            .await
    }

    async fn post(&self, path: &str, facility: &str, body: &Value) -> reqwest::Response {
        self.try_post(path, facility, body).await.expect("post")
    }

    fn patient(&self, facility: &str, nhi: &str) -> SimPatient {
        self.sim
            .patients(facility)
            .into_iter()
            .find(|p| p.nhi == nhi)
            .expect("seeded patient")
    }

    fn practitioner(&self, facility: &str) -> SimPractitioner {
        self.sim.practitioners(facility).remove(0)
    }
}

async fn body(resp: reqwest::Response) -> Value {
    resp.json().await.expect("json body")
}

/// Asserts an OperationOutcome with `code` whose diagnostics contain `text`.
fn assert_outcome(v: &Value, code: &str, text: &str) {
    assert_eq!(v["resourceType"], "OperationOutcome", "{v}");
    assert_eq!(v["issue"][0]["code"], code, "{v}");
    let diag = v["issue"][0]["diagnostics"].as_str().unwrap_or("");
    assert!(diag.contains(text), "diagnostics {diag:?} should contain {text:?}");
}

fn media(ctx: &Ctx, facility: &str) -> Value {
    let patient = ctx.patient(facility, "ZZZ0016");
    let doctor = ctx.practitioner(facility);
    json!({
        "resourceType": "Media",
        "identifier": [{ "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", uuid::Uuid::new_v4()) }],
        "status": "completed",
        "type": { "coding": [{ "system": validate::MEDIA_TYPE_SYSTEM, "code": "image", "display": "Image" }] },
        "subject": { "reference": format!("Patient/{}", patient.id) },
        "createdDateTime": "2025-01-31T09:30:00+13:00",
        "operator": { "reference": format!("Practitioner/{}", doctor.id) },
        "bodySite": { "coding": [{ "system": "http://snomed.info/sct", "code": "14975008" }], "text": "Left forearm" },
        "content": { "contentType": "image/jpeg", "data": STANDARD.encode(JPEG), "title": "Left forearm - lesion" }
    })
}

fn document(ctx: &Ctx, facility: &str, content_type: &str, data: &[u8]) -> Value {
    let patient = ctx.patient(facility, "ZZZ0016");
    let doctor = ctx.practitioner(facility);
    json!({
        "resourceType": "DocumentReference",
        "identifier": [{ "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", uuid::Uuid::new_v4()) }],
        "status": "current",
        "type": { "coding": [{ "system": "http://loinc.org", "code": "72170-4", "display": "Photographic image" }] },
        "date": "2025-01-31T09:30:00+13:00",
        "subject": { "reference": format!("Patient/{}", patient.id) },
        "author": [{ "reference": format!("Practitioner/{}", doctor.id) }],
        "content": [{ "attachment": { "contentType": content_type, "data": STANDARD.encode(data), "title": "Clinical photo" } }]
    })
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

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

// ---------- Media ----------

#[tokio::test]
async fn media_without_identifier_is_business_rule() {
    let ctx = ctx().await;
    let mut m = media(&ctx, UAT_FACILITY);
    m.as_object_mut().unwrap().remove("identifier");
    let resp = ctx.post("/Media", UAT_FACILITY, &m).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_outcome(&body(resp).await, "business-rule", "mandatory Identifier.value");
    m["identifier"] = json!([{ "system": "urn:ietf:rfc:3986" }]);
    let resp = ctx.post("/Media", UAT_FACILITY, &m).await;
    assert_outcome(&body(resp).await, "business-rule", "missing");
    let received = ctx.sim.received();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|r| r.status == 400 && r.id.is_none()));
}

#[tokio::test]
async fn valid_media_is_created_and_stored() {
    let ctx = ctx().await;
    let m = media(&ctx, UAT_FACILITY);
    let resp = ctx.post("/Media", UAT_FACILITY, &m).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/fhir+json")
    );
    assert_eq!(resp.headers()["etag"], "W/\"1\"");
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let v = body(resp).await;
    let id = v["id"].as_str().unwrap().to_string();
    assert!(is_hex32(&id));
    assert_eq!(location, format!("{}/fhir/Media/{id}/_history/1", ctx.sim.base_url()));
    assert_eq!(v["meta"]["versionId"], "1");
    assert_eq!(v["content"]["data"], m["content"]["data"]);
    assert_eq!(v["identifier"], m["identifier"]);

    // No dedupe: the same body again is stored again.
    assert_eq!(ctx.post("/Media", UAT_FACILITY, &m).await.status(), StatusCode::CREATED);
    let received = ctx.sim.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(received[0].status, 201);
    assert_eq!(received[0].resource_type, "Media");
    assert_eq!(received[0].facility, UAT_FACILITY);
    assert_eq!(received[0].correlation_id.as_deref(), Some("corr-123"));
    assert_eq!(received[0].resource, m);
    assert_ne!(received[1].id, received[0].id);
    assert_eq!(ctx.sim.request_count(Endpoint::Media), 2);

    // PNG works too.
    let mut png = media(&ctx, SECOND_FACILITY);
    png["content"]["contentType"] = json!("image/png");
    png["content"]["data"] = json!(STANDARD.encode(PNG));
    assert_eq!(
        ctx.post("/Media", SECOND_FACILITY, &png).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn invalid_media_is_rejected_with_a_reason() {
    let ctx = ctx().await;
    let other_patient = ctx.patient(SECOND_FACILITY, "ZZZ0016").id;
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "png bytes as jpeg",
            Box::new(|m| m["content"]["data"] = json!(STANDARD.encode(PNG))),
            "image/jpeg",
        ),
        (
            "bad base64",
            Box::new(|m| m["content"]["data"] = json!("%%%not base64")),
            "base64",
        ),
        (
            "no contentType",
            Box::new(|m| {
                m["content"].as_object_mut().unwrap().remove("contentType");
            }),
            "att-1",
        ),
        (
            "gif",
            Box::new(|m| m["content"]["contentType"] = json!("image/gif")),
            "image/gif",
        ),
        (
            "no offset",
            Box::new(|m| m["createdDateTime"] = json!("2025-01-31T09:30:00")),
            "offset",
        ),
        (
            "date only",
            Box::new(|m| m["createdDateTime"] = json!("2025-01-31")),
            "offset",
        ),
        ("bad status", Box::new(|m| m["status"] = json!("done")), "status"),
        (
            "no status",
            Box::new(|m| {
                m.as_object_mut().unwrap().remove("status");
            }),
            "status",
        ),
        (
            "no content",
            Box::new(|m| {
                m.as_object_mut().unwrap().remove("content");
            }),
            "content",
        ),
        (
            "content array",
            Box::new(|m| m["content"] = json!([m["content"].clone()])),
            "content",
        ),
        (
            "type system",
            Box::new(|m| m["type"]["coding"][0]["system"] = json!("http://example.org")),
            "media-type",
        ),
        (
            "other facility patient",
            Box::new(move |m| m["subject"]["reference"] = json!(format!("Patient/{other_patient}"))),
            "not found",
        ),
        (
            "bad subject",
            Box::new(|m| m["subject"]["reference"] = json!("Group/1")),
            "Patient/<id>",
        ),
        (
            "no subject",
            Box::new(|m| {
                m.as_object_mut().unwrap().remove("subject");
            }),
            "subject",
        ),
        (
            "unknown operator",
            Box::new(|m| m["operator"]["reference"] = json!("Practitioner/0000")),
            "Practitioner/0000",
        ),
        (
            "laterality (not R4)",
            Box::new(|m| m["laterality"] = json!({"text": "Left"})),
            "laterality",
        ),
        (
            "wrong resourceType",
            Box::new(|m| m["resourceType"] = json!("Observation")),
            "resourceType",
        ),
        ("size mismatch", Box::new(|m| m["content"]["size"] = json!(1)), "size"),
    ];
    for (name, edit, text) in cases {
        let mut m = media(&ctx, UAT_FACILITY);
        edit(&mut m);
        let resp = ctx.post("/Media", UAT_FACILITY, &m).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{name}");
        let v = body(resp).await;
        assert_eq!(v["resourceType"], "OperationOutcome", "{name}");
        let code = v["issue"][0]["code"].as_str().unwrap();
        assert!(code == "invalid" || code == "business-rule", "{name}: {code}");
        let diag = v["issue"][0]["diagnostics"].as_str().unwrap();
        assert!(diag.contains(text), "{name}: {diag}");
    }

    // Not JSON at all.
    let resp = ctx
        .http
        .post(format!("{}/Media", ctx.sim.fhir_base_url()))
        .bearer_auth(&ctx.token)
        .header("mt-facilityid", UAT_FACILITY)
        .header("content-type", "application/fhir+json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_outcome(&body(resp).await, "invalid", "JSON");
    assert!(ctx.sim.received().iter().all(|r| r.status == 400 && r.id.is_none()));
    assert_eq!(ctx.sim.received().last().unwrap().resource, Value::Null);
}

// ---------- DocumentReference ----------

#[tokio::test]
async fn document_reference_rules() {
    let ctx = ctx().await;
    // JPEG is refused by the Scan folder.
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "image/jpeg", JPEG),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let v = body(resp).await;
    assert!(
        v["issue"][0]["diagnostics"].as_str().unwrap().contains("PDF or TIFF"),
        "{v}"
    );

    // A valid PDF is created.
    let doc = document(&ctx, UAT_FACILITY, "application/pdf", PDF);
    let resp = ctx.post("/DocumentReference", UAT_FACILITY, &doc).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let id = body(resp).await["id"].as_str().unwrap().to_string();
    assert_eq!(
        location,
        format!("{}/fhir/DocumentReference/{id}/_history/1", ctx.sim.base_url())
    );

    // TIFF is fine too; non-PDF bytes labelled PDF are not.
    let tiff = [b"II*\0".as_slice(), &[8, 0, 0, 0]].concat();
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "image/tiff", &tiff),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "application/pdf", JPEG),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // status must be current; LOINC 72170-4 required; identifier mandatory.
    let mut d = doc.clone();
    d["status"] = json!("superseded");
    assert_outcome(
        &body(ctx.post("/DocumentReference", UAT_FACILITY, &d).await).await,
        "business-rule",
        "current",
    );
    let mut d = doc.clone();
    d["type"]["coding"][0]["code"] = json!("11111-1");
    assert_outcome(
        &body(ctx.post("/DocumentReference", UAT_FACILITY, &d).await).await,
        "business-rule",
        "72170-4",
    );
    let mut d = doc.clone();
    d["identifier"] = json!([]);
    assert_outcome(
        &body(ctx.post("/DocumentReference", UAT_FACILITY, &d).await).await,
        "business-rule",
        "mandatory Identifier.value",
    );
    let statuses: Vec<u16> = ctx.sim.received().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![400, 201, 201, 400, 400, 400, 400]);
}

#[tokio::test]
async fn pdf_over_8_mb_is_rejected() {
    let ctx = ctx().await;
    let mut big = PDF.to_vec();
    big.resize(validate::SCAN_MAX_BYTES + 1, b' ');
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "application/pdf", &big),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_outcome(&body(resp).await, "invalid", "exceeds 8 MB");
    // Exactly 8 MB is fine.
    big.truncate(validate::SCAN_MAX_BYTES);
    let resp = ctx
        .post(
            "/DocumentReference",
            UAT_FACILITY,
            &document(&ctx, UAT_FACILITY, "application/pdf", &big),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

// ---------- launch ----------

async fn decode(ctx: &Ctx, pair: &LaunchPair) -> reqwest::Response {
    let url = format!(
        "{}/vendorforms/api/getlaunchcontextstring/{}/{}",
        ctx.sim.launch_base_url(),
        pair.context,
        pair.signature
    );
    ctx.http.get(url).bearer_auth(&ctx.token).send().await.unwrap()
}

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
    assert_eq!(
        http.post(format!("{admin}/faults"))
            .json(&nested)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let flat = json!({"endpoint": "Location", "kind": "unavailable"});
    assert_eq!(
        http.post(format!("{admin}/faults"))
            .json(&flat)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let bad = json!({"endpoint": "Nowhere", "kind": "drop"});
    assert_eq!(
        http.post(format!("{admin}/faults"))
            .json(&bad)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    let listed: Value = http
        .get(format!("{admin}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let all: Value = http
        .get(format!("{admin}/received"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let only: Value = http
        .get(format!("{admin}/received?type=Media"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(only.as_array().unwrap().len(), 1);
    assert_eq!(only[0]["resource"]["content"]["data"], STANDARD.encode(JPEG));
    assert_eq!(only[0]["status"], 201);

    // Stats.
    let stats: Value = http
        .get(format!("{admin}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let seed: Value = http
        .get(format!("{admin}/seed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let resp = handle(sim.state.clone(), req).await;
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
