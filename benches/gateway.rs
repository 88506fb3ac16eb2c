//! Gateway overhead against the embedded simulator (a benchmark, not a test: it reports numbers).
//!
//! 200 concurrent commits of a ~200 KB photo as FHIR Media, twice: straight to the simulator
//! with plain reqwest and a ready token (the floor), then through our gateway (token cache,
//! headers, correlation ids, fault mapping, retries). Reports p50/p99 per call for both, the
//! difference, and how many tokens the gateway fetched. Run: `cargo bench --bench gateway
//! --features ssr` (or `./dev bench`).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use clinical_images::{
    alex::{
        AlexClient,
        write::{MediaInput, media},
    },
    nhi::Nhi,
    simulator::{SimConfig, Simulator},
};

const CONCURRENT: usize = 200;
const ROUNDS: usize = 5;
const FACILITY: &str = "F2N060-E";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn photo() -> Vec<u8> {
    // A JPEG-shaped payload: SOI + APP0 + filler + EOI (the simulator checks magic bytes).
    let mut v = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    v.extend((0..200_000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let sim = Simulator::start(SimConfig::default()).await.expect("simulator");
    let client = Arc::new(AlexClient::new(&sim.alex_config(None)).expect("client"));
    let patient = client
        .patient_by_nhi(FACILITY, &Nhi::parse("ZZZ0016").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let jpeg = Arc::new(photo());
    let body = |i: usize| {
        let id = format!("bench-{i}-{}", uuid::Uuid::new_v4());
        media(MediaInput {
            identifier: &id,
            patient_id: &patient,
            practitioner_id: None,
            taken: Utc::now(),
            jpeg: &jpeg,
            width: 1920,
            height: 1440,
            title: "Left forearm — lesion".into(),
            body_site: None,
            view: None,
            reason: vec![],
            notes: vec![],
            dermoscopy: false,
        })
    };

    // The floor: plain reqwest with one token fetched up front.
    let http = reqwest::Client::new();
    let c = sim.config();
    let form = [
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.client_secret.as_str()),
        ("grant_type", "client_credentials"),
        ("scope", c.scope.as_str()),
    ];
    let token: serde_json::Value = http
        .post(sim.token_url())
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let url = format!("{}/Media", sim.fhir_base_url());

    let mut raw = Vec::new();
    let mut gw = Vec::new();
    for round in 0..ROUNDS {
        // Alternate which path goes first, so warm-up and load order favour neither.
        if round % 2 == 1 {
            gw.extend(through_gateway(&client, (0..CONCURRENT).map(|i| body(round * CONCURRENT + i)).collect()).await);
        }
        let bodies: Vec<Vec<u8>> = (0..CONCURRENT)
            .map(|i| serde_json::to_vec(&body(round * CONCURRENT + i)).unwrap())
            .collect();
        let tasks = bodies.into_iter().map(|b| {
            let (http, url, bearer) = (http.clone(), url.clone(), bearer.clone());
            tokio::spawn(async move {
                let t = Instant::now();
                let r = http
                    .post(&url)
                    .header("authorization", bearer)
                    .header("mt-facilityid", FACILITY)
                    .header("content-type", "application/fhir+json")
                    .body(b)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                let _ = r.bytes().await;
                t.elapsed()
            })
        });
        for d in futures::future::join_all(tasks).await {
            raw.push(d.unwrap());
        }
        if round % 2 == 0 {
            gw.extend(through_gateway(&client, (0..CONCURRENT).map(|i| body(round * CONCURRENT + i)).collect()).await);
        }
    }
    raw.sort();
    gw.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (r50, r99, g50, g99) = (
        percentile(&raw, 0.5),
        percentile(&raw, 0.99),
        percentile(&gw, 0.5),
        percentile(&gw, 0.99),
    );
    println!(
        "gateway benchmark: {ROUNDS} rounds × {CONCURRENT} concurrent Media commits of {} KB",
        jpeg.len() / 1024
    );
    println!(
        "  direct to simulator   p50 {:8.2} ms   p99 {:8.2} ms",
        ms(r50),
        ms(r99)
    );
    println!(
        "  through the gateway   p50 {:8.2} ms   p99 {:8.2} ms",
        ms(g50),
        ms(g99)
    );
    println!(
        "  added by the gateway  p50 {:8.2} ms   p99 {:8.2} ms",
        ms(g50) - ms(r50),
        ms(g99) - ms(r99)
    );
    println!(
        "  token fetches by the gateway in all ({} commits + 1 lookup): {}",
        ROUNDS * CONCURRENT,
        client.token_fetch_count()
    );
}

async fn through_gateway(
    client: &Arc<AlexClient>,
    resources: Vec<clinical_images::alex::fhir::Media>,
) -> Vec<Duration> {
    let tasks = resources.into_iter().map(|m| {
        let client = client.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            client.create_media(FACILITY, &m).await.expect("commit");
            t.elapsed()
        })
    });
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|d| d.unwrap())
        .collect()
}
