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

mod admin;
async fn decode(ctx: &Ctx, pair: &LaunchPair) -> reqwest::Response {
    let url = format!(
        "{}/vendorforms/api/getlaunchcontextstring/{}/{}",
        ctx.sim.launch_base_url(),
        pair.context,
        pair.signature
    );
    ctx.http.get(url).bearer_auth(&ctx.token).send().await.unwrap()
}

mod auth;
mod faults;
mod launch;
mod reads;
mod tasks;
mod writes;
