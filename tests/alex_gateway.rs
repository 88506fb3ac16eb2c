//! The ALEX gateway against the embedded simulator, over real sockets: every fault row of
//! ALEX_FACTS.md, token single flight and renewal, NHI checks, and FHIR R4 validity of writes.

#![cfg(feature = "ssr")]

mod support;

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use clinical_images::{
    alex::{
        AlexClient, AlexError, TokenError,
        config::{RetryPolicy, Timeouts},
        fhir::{CodeableConcept, Coding},
        write::{self, MediaInput, ScanDocumentInput},
    },
    nhi::Nhi,
    simulator::{Endpoint, Fault, FaultKind, SimConfig, Simulator},
};
use secrecy::SecretString;
use support::fhir_r4;

const UAT: &str = "F2N060-E";
const OTHER: &str = "F99669-C";

async fn sim_with(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

fn client_for(sim: &Simulator) -> AlexClient {
    let mut c = sim.alex_config(None);
    c.retry = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(2),
    };
    c.timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_millis(800),
        token: Duration::from_secs(2),
    };
    AlexClient::new(&c).unwrap()
}

async fn setup() -> (Simulator, AlexClient) {
    let sim = sim_with(SimConfig::default()).await;
    let client = client_for(&sim);
    (sim, client)
}

fn zzz0016() -> Nhi {
    Nhi::parse("ZZZ0016").unwrap()
}

async fn patient_id(client: &AlexClient, facility: &str) -> String {
    client
        .patient_by_nhi(facility, &zzz0016())
        .await
        .unwrap()
        .expect("ZZZ0016 is seeded")
        .id
}

/// A real (tiny) JPEG: SOI, APP0, EOI is enough for magic-byte checks; the simulator may decode.
fn jpeg() -> Vec<u8> {
    let mut v = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

fn media_for(patient: &str, identifier: &str) -> clinical_images::alex::fhir::Media {
    write::media(MediaInput {
        identifier,
        patient_id: patient,
        practitioner_id: None,
        taken: Utc::now(),
        jpeg: &jpeg(),
        width: 1,
        height: 1,
        title: "Left forearm — anterior — lesion".into(),
        body_site: Some(CodeableConcept {
            coding: vec![Coding::new("http://snomed.info/sct", "14975008", "Forearm structure")],
            text: Some("Left forearm".into()),
        }),
        view: None,
        reason: vec![],
        notes: vec![],
        dermoscopy: false,
    })
}

#[tokio::test]
async fn reads_patient_by_nhi_per_facility_with_distinct_ids() {
    let (_sim, client) = setup().await;
    let a = client.patient_by_nhi(UAT, &zzz0016()).await.unwrap().unwrap();
    let b = client.patient_by_nhi(OTHER, &zzz0016()).await.unwrap().unwrap();
    assert_ne!(a.id, b.id, "patient ids differ per facility");
    assert_eq!(a.id.len(), 32);
    assert_eq!(a.nhi(), Some("ZZZ0016"));
    assert!(a.display_name().is_some() && a.birth_date.is_some());
    let by_id = client.patient(UAT, &a.id).await.unwrap();
    assert_eq!(by_id.id, a.id);
    // A valid NHI that is not in the practice: ALEX answers a Bundle holding an OperationOutcome.
    assert!(
        client
            .patient_by_nhi(UAT, &Nhi::parse("ZHW58CV").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let loc = client.location(UAT).await.unwrap();
    assert!(loc.identifier.iter().any(|i| i.value.as_deref() == Some(UAT)));
}

#[tokio::test]
async fn unmapped_and_disallowed_facilities_are_typed() {
    let (sim, client) = setup().await;
    let e = client.location("F00000-X").await.unwrap_err();
    assert_eq!(
        e,
        AlexError::FacilityNotMapped {
            facility: "F00000-X".into()
        }
    );
    assert!(e.gp_message().contains("F00000-X"));

    let mut c = sim.alex_config(Some(vec![UAT.into()]));
    c.retry.max_retries = 0;
    let allow = AlexClient::new(&c).unwrap();
    let before = sim.request_count(Endpoint::Location);
    let e = allow.location(OTHER).await.unwrap_err();
    assert_eq!(e, AlexError::FacilityNotAllowed { facility: OTHER.into() });
    assert_eq!(sim.request_count(Endpoint::Location), before, "ALEX not called");
    assert!(allow.location(UAT).await.is_ok());
}

#[tokio::test]
async fn unsupported_searches_and_endpoints() {
    let (_sim, client) = setup().await;
    let pid = patient_id(&client, UAT).await;
    let e = client.search(UAT, "Media", &[("patient", &pid)]).await.unwrap_err();
    assert!(matches!(e, AlexError::Forbidden { .. }), "{e:?}");
    let e = client.search(UAT, "Patient", &[]).await.unwrap_err();
    assert!(matches!(e, AlexError::Forbidden { .. }), "{e:?}");
    let e = client.search(UAT, "Encounter", &[]).await.unwrap_err();
    assert_eq!(e, AlexError::EndpointNotExposed);
    let e = client
        .patient(UAT, "0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert!(matches!(e, AlexError::NotFound { .. }), "{e:?}");
}

#[tokio::test]
async fn media_without_identifier_is_a_business_rule_fault() {
    let (sim, client) = setup().await;
    let pid = patient_id(&client, UAT).await;
    let mut m = media_for(&pid, "x");
    m.identifier.clear();
    let e = client.create_media(UAT, &m).await.unwrap_err();
    assert!(matches!(e, AlexError::BusinessRule { .. }), "{e:?}");
    assert!(!e.is_transient());
    assert_eq!(sim.request_count(Endpoint::Media), 1, "never retried");
}

#[tokio::test]
async fn media_we_send_is_valid_r4_and_is_accepted() {
    let (sim, client) = setup().await;
    let pid = patient_id(&client, UAT).await;
    let m = media_for(&pid, "photo-1");
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(fhir_r4::validate_media(&json), Vec::<String>::new());
    let created = client.create_media(UAT, &m).await.unwrap();
    assert_eq!(created.id.len(), 32);
    assert!(created.location.as_deref().unwrap().contains("/fhir/Media/"));
    assert!(created.etag.is_some());
    let got = sim.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].resource_type, "Media");
    assert_eq!(got[0].facility, UAT);
    assert!(got[0].correlation_id.as_deref().is_some_and(|c| c.len() == 36));
    assert_eq!(got[0].resource["identifier"][0]["value"], "photo-1");
}

#[tokio::test]
async fn scan_document_we_send_is_valid_r4_and_is_accepted() {
    let (sim, client) = setup().await;
    let pid = patient_id(&client, UAT).await;
    let practitioner = sim.practitioners(UAT)[0].id.clone();
    let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let doc = write::scan_document(ScanDocumentInput {
        identifier: "doc-1",
        patient_id: &pid,
        practitioner_id: &practitioner,
        created: Utc::now(),
        pdf,
        title: "Clinical photos 23 Nov 2026".into(),
        description: Some("3 photos".into()),
    });
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(fhir_r4::validate_document_reference(&json), Vec::<String>::new());
    let created = client.create_document_reference(UAT, &doc).await.unwrap();
    assert_eq!(sim.received().last().unwrap().id.as_deref(), Some(created.id.as_str()));
}

#[tokio::test]
async fn validator_catches_what_r4_forbids() {
    let mut bad = serde_json::to_value(media_for("p", "i")).unwrap();
    bad["status"] = "done".into();
    bad["content"].as_object_mut().unwrap().remove("contentType");
    bad["laterality"] = "left".into();
    let errors = fhir_r4::validate_media(&bad);
    assert_eq!(errors.len(), 3, "{errors:?}");
}

#[tokio::test]
async fn unauthorized_mid_session_renews_once_and_succeeds() {
    let (sim, client) = setup().await;
    client.location(UAT).await.unwrap();
    assert_eq!(sim.token_fetches(), 1);
    sim.revoke_tokens();
    client.location(UAT).await.unwrap();
    assert_eq!(sim.token_fetches(), 2, "one renewal");
    // An injected gateway 401 also renews once.
    sim.inject(Fault {
        endpoint: Endpoint::Location,
        kind: FaultKind::Unauthorized,
        count: 1,
    });
    client.location(UAT).await.unwrap();
    assert_eq!(sim.token_fetches(), 3);
    // A 401 that persists after renewal is an error, not a loop.
    sim.inject(Fault {
        endpoint: Endpoint::Location,
        kind: FaultKind::Unauthorized,
        count: 5,
    });
    assert_eq!(client.location(UAT).await.unwrap_err(), AlexError::Unauthorized);
    assert_eq!(sim.token_fetches(), 4);
}

#[tokio::test]
async fn two_hundred_concurrent_callers_with_an_expired_token_fetch_one() {
    let sim = sim_with(SimConfig {
        token_ttl: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await;
    let client = Arc::new(client_for(&sim));
    client.location(UAT).await.unwrap();
    assert_eq!(sim.token_fetches(), 1);
    tokio::time::sleep(Duration::from_millis(2100)).await; // the cached token has expired
    let calls = (0..200).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.location(UAT).await.map(|_| ()) })
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap().unwrap();
    }
    assert_eq!(sim.token_fetches(), 2, "exactly one fetch for 200 waiting callers");
    assert_eq!(client.token_fetch_count(), 2);
}

#[tokio::test]
async fn throttling_honours_retry_after_then_succeeds() {
    let (sim, client) = setup().await;
    sim.inject(Fault {
        endpoint: Endpoint::Location,
        kind: FaultKind::Throttled { retry_after_secs: 1 },
        count: 1,
    });
    let t = std::time::Instant::now();
    client.location(UAT).await.unwrap();
    assert!(t.elapsed() >= Duration::from_secs(1), "waited for Retry-After");
    assert_eq!(sim.request_count(Endpoint::Location), 2);
    // A Retry-After beyond what we wait for fails at once as throttled.
    sim.inject(Fault {
        endpoint: Endpoint::Location,
        kind: FaultKind::Throttled { retry_after_secs: 60 },
        count: 1,
    });
    let e = client.location(UAT).await.unwrap_err();
    assert_eq!(
        e,
        AlexError::Throttled {
            retry_after: Some(Duration::from_secs(60))
        }
    );
    assert!(e.is_transient());
}

#[tokio::test]
async fn unavailable_practice_is_retried_with_backoff_then_reported() {
    let (sim, client) = setup().await;
    sim.inject(Fault {
        endpoint: Endpoint::Location,
        kind: FaultKind::Unavailable,
        count: 1,
    });
    client.location(UAT).await.unwrap();
    assert_eq!(sim.request_count(Endpoint::Location), 2);

    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Unavailable,
        count: 10,
    });
    let pid = patient_id(&client, UAT).await;
    let e = client.create_media(UAT, &media_for(&pid, "p")).await.unwrap_err();
    assert!(
        matches!(e, AlexError::Unavailable { ref detail } if detail.contains("Cannot establish connection")),
        "{e:?}"
    );
    assert!(e.is_transient());
    assert_eq!(sim.request_count(Endpoint::Media), 4, "first try + 3 retries");
    assert!(sim.received().iter().all(|r| r.id.is_none()), "nothing stored");
}

#[tokio::test]
async fn forbidden_is_not_retried() {
    let (sim, client) = setup().await;
    sim.inject(Fault {
        endpoint: Endpoint::Location,
        kind: FaultKind::Forbidden,
        count: 1,
    });
    let e = client.location(UAT).await.unwrap_err();
    assert!(matches!(e, AlexError::Forbidden { .. }));
    assert_eq!(sim.request_count(Endpoint::Location), 1);
}

#[tokio::test]
async fn missing_role_is_forbidden() {
    let sim = sim_with(SimConfig {
        roles: vec!["patient.nhisearch.read".into(), "practice.location.read".into()],
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim);
    let pid = patient_id(&client, UAT).await;
    let e = client.create_media(UAT, &media_for(&pid, "p")).await.unwrap_err();
    assert!(
        matches!(e, AlexError::Forbidden { ref detail } if detail.contains("Authorization failed")),
        "{e:?}"
    );
}

#[tokio::test]
async fn dropped_connections_retry_reads_but_never_blindly_repeat_writes() {
    let (sim, client) = setup().await;
    sim.inject(Fault {
        endpoint: Endpoint::Location,
        kind: FaultKind::Drop,
        count: 1,
    });
    client.location(UAT).await.unwrap();
    assert_eq!(sim.request_count(Endpoint::Location), 2);

    let pid = patient_id(&client, UAT).await;
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::DropAfterProcessing,
        count: 1,
    });
    let e = client.create_media(UAT, &media_for(&pid, "p1")).await.unwrap_err();
    assert!(matches!(e, AlexError::OutcomeUnknown { .. }), "{e:?}");
    let stored: Vec<_> = sim.received().into_iter().filter(|r| r.id.is_some()).collect();
    assert_eq!(stored.len(), 1, "saved once, and not posted again");
    assert_eq!(sim.request_count(Endpoint::Media), 1);
}

#[tokio::test]
async fn slow_reads_time_out_and_are_retried() {
    let (sim, client) = setup().await;
    sim.inject(Fault {
        endpoint: Endpoint::Location,
        kind: FaultKind::Delay { ms: 1500 },
        count: 1,
    });
    client.location(UAT).await.unwrap();
    assert_eq!(sim.request_count(Endpoint::Location), 2);
}

#[tokio::test]
async fn token_failures_are_typed() {
    let sim = sim_with(SimConfig::default()).await;
    let mut c = sim.alex_config(None);
    c.client_secret = SecretString::from("wrong");
    let e = AlexClient::new(&c).unwrap().location(UAT).await.unwrap_err();
    assert!(
        matches!(e, AlexError::Token(TokenError::Rejected { status: 401, .. })),
        "{e:?}"
    );
    assert!(!e.is_transient());

    let mut c = sim.alex_config(None);
    c.token_url = "http://127.0.0.1:9/token".into(); // nothing listens on the discard port
    c.retry.max_retries = 0;
    let e = AlexClient::new(&c).unwrap().location(UAT).await.unwrap_err();
    assert!(matches!(e, AlexError::Token(TokenError::Unreachable(_))), "{e:?}");
    assert!(e.is_transient());
}

#[tokio::test]
async fn launch_pairs_decode_only_when_untampered() {
    let (sim, client) = setup().await;
    let pid = patient_id(&client, UAT).await;
    let provider = sim.practitioners(UAT)[0].id.clone();
    let pair = sim.mint_launch(UAT, Some(&pid), &provider);
    let ctx = client.decode_launch(&pair.context, &pair.signature).await.unwrap();
    assert_eq!(ctx.patient_id.as_deref(), Some(pid.as_str()));
    assert_eq!(ctx.facility_code, UAT);
    let none = sim.mint_launch(UAT, None, &provider);
    assert_eq!(
        client
            .decode_launch(&none.context, &none.signature)
            .await
            .unwrap()
            .patient_id,
        None
    );
    let mut tampered = pair.context.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert!(client.decode_launch(&tampered, &pair.signature).await.is_err());
    assert!(client.decode_launch(&pair.context, &none.signature).await.is_err());
}

#[tokio::test]
async fn one_503_from_the_token_endpoint_is_retried_with_the_same_backoff() {
    let (sim, client) = setup().await;
    sim.inject(Fault {
        endpoint: Endpoint::Token,
        kind: FaultKind::Unavailable,
        count: 1,
    });
    client.location(UAT).await.expect("the call still succeeds");
    assert_eq!(sim.request_count(Endpoint::Token), 2, "one failed, one retried");

    // A write after a token renewal too (the 401 path fetches a new token).
    let pid = patient_id(&client, UAT).await;
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Unauthorized,
        count: 1,
    });
    sim.inject(Fault {
        endpoint: Endpoint::Token,
        kind: FaultKind::Unavailable,
        count: 1,
    });
    client
        .create_media(UAT, &media_for(&pid, "t1"))
        .await
        .expect("committed");
    assert_eq!(sim.request_count(Endpoint::Token), 4);

    // Bounded: an identity provider that stays down fails after the policy's retries.
    let fresh = client_for(&sim);
    sim.inject(Fault {
        endpoint: Endpoint::Token,
        kind: FaultKind::Unavailable,
        count: 10,
    });
    let e = fresh.location(UAT).await.unwrap_err();
    assert!(matches!(e, AlexError::Token(TokenError::Unreachable(_))), "{e:?}");
    assert_eq!(sim.request_count(Endpoint::Token), 4 + 4, "1 try + 3 retries");
}
