//! The Inbox-Scan TIFF target over HTTP, on the whole app in simulator mode: one TIFF per photo,
//! the photo as a JPEG stream inside (read back by independent readers: the `tiff` crate and
//! libtiff's `tiffinfo`), a caption band below it, each ≤ 1 MB; retries never create a second
//! document.

#![cfg(feature = "ssr")]

mod support;

use std::io::Cursor;

use base64::Engine;
use clinical_images::simulator::{Endpoint, Fault, FaultKind};
use serde_json::Value;
use support::app::{self, Desktop};
use tiff::{decoder::Decoder, tags::Tag};

const UAT: &str = "F2N060-E";
const TARGETS: (&str, &str) = ("APP_COMMIT_TARGETS", "media,scan_pdf,scan_tiff");

async fn commit_tiff(
    srv: &clinical_images::server::Running,
    d: &Desktop,
    ids: &[String],
    resend: bool,
) -> (u16, Value) {
    app::commit_part(srv, d, "photos/commit-tiff", ids, resend, None).await
}

fn attachment(resource: &Value) -> Vec<u8> {
    let data = resource["content"][0]["attachment"]["data"].as_str().unwrap();
    base64::engine::general_purpose::STANDARD.decode(data).unwrap()
}

/// What an independent reader finds in a TIFF.
struct Read {
    width: u32,
    height: u32,
    compression: u32,
    description: String,
}

fn read(bytes: &[u8]) -> Read {
    let mut d = Decoder::new(Cursor::new(bytes)).expect("the TIFF opens");
    let (width, height) = d.dimensions().unwrap();
    let out = Read {
        width,
        height,
        compression: d.get_tag_u32(Tag::Compression).unwrap(),
        description: d.get_tag_ascii_string(Tag::ImageDescription).unwrap(),
    };
    d.read_image().expect("the image decodes");
    out
}

/// libtiff reads it too (`./dev tools` installs `libtiff-tools`).
fn tiffinfo(bytes: &[u8]) -> String {
    let dir = app::tempdir();
    let path = std::path::Path::new(&dir).join("doc.tif");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("tiffinfo")
        .arg(&path)
        .output()
        .expect("tiffinfo is installed (./dev tools)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

fn created(srv: &clinical_images::server::Running) -> Vec<clinical_images::simulator::Received> {
    let sim = srv.state.simulator.as_ref().unwrap();
    sim.received().into_iter().filter(|r| r.status == 201).collect()
}

#[tokio::test]
async fn three_photos_become_three_jpeg_tiffs_with_a_caption_band_in_the_inbox_scan_folder() {
    let srv = app::start_with(&[TARGETS], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 3).await;
    let (status, v) = commit_tiff(&srv, &d, &ids, false).await;
    assert_eq!(status, 200, "{v}");
    let views = v.as_array().unwrap();
    assert_eq!(views.len(), 3);
    assert!(
        views
            .iter()
            .all(|p| p["state"] == "committed" && p["target"] == "scan_tiff"),
        "{v}"
    );
    let sim = srv.state.simulator.as_ref().unwrap();
    let patient = sim.patients(UAT).into_iter().find(|p| p.nhi == "ZZZ0016").unwrap();
    let docs = created(&srv);
    assert_eq!(docs.len(), 3, "one document per photo, no Media");
    let mut identifiers = Vec::new();
    for doc in &docs {
        let r = &doc.resource;
        assert_eq!(doc.resource_type, "DocumentReference");
        assert!(support::fhir_r4::validate_document_reference(r).is_empty());
        assert_eq!(r["status"], "current");
        assert_eq!(r["type"]["coding"][0]["code"], "72170-4");
        assert_eq!(r["subject"]["reference"], format!("Patient/{}", d.patient_id));
        assert!(
            r["author"][0]["reference"]
                .as_str()
                .unwrap()
                .starts_with("Practitioner/")
        );
        assert_eq!(r["content"][0]["attachment"]["contentType"], "image/tiff");
        identifiers.push(r["identifier"][0]["value"].as_str().unwrap().to_string());

        let tiff = attachment(r);
        assert!(tiff.len() <= 1_000_000, "{} bytes", tiff.len());
        let t = read(&tiff);
        assert_eq!(t.compression, 7, "JPEG-compressed, not raw pixels");
        // stage_ready's photos are 320 × 240, 241, 242: the photo keeps its size, the band is below.
        assert_eq!(t.width, 320);
        assert!(t.height > 242 + 30, "a band below the photo: {}", t.height);
        for words in [
            "ZZZ0016",
            patient.family.as_str(),
            "Left forearm",
            "anterior",
            "lesion",
            "Taken",
        ] {
            assert!(t.description.contains(words), "{words:?} in {}", t.description);
        }
        assert!(t.description.is_ascii(), "TIFF ASCII is 7-bit: {}", t.description);
        let info = tiffinfo(&tiff);
        assert!(info.contains("Compression Scheme: JPEG"), "{info}");
        assert!(info.contains("Image Width: 320"), "{info}");
        eprintln!("TIFF: {} bytes, {} × {}", tiff.len(), t.width, t.height);
    }
    identifiers.sort();
    identifiers.dedup();
    assert_eq!(identifiers.len(), 3, "each photo its own document identifier");
    // Each photo points at its own document's id in Medtech.
    for p in views {
        assert!(docs.iter().any(|doc| doc.id.as_deref() == p["alex_id"].as_str()), "{p}");
    }

    // Committing again sends nothing.
    let (status, _) = commit_tiff(&srv, &d, &ids, false).await;
    assert_eq!(status, 200);
    assert_eq!(created(&srv).len(), 3);
    srv.stop().await;
}

#[tokio::test]
async fn a_503_then_a_retry_still_makes_exactly_three_and_an_unknown_one_is_resent_as_itself() {
    let srv = app::start_with(&[TARGETS], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();
    let ids = app::stage_ready(&srv, &d, 3).await;
    // 503 on the first TIFF's POST and on each of the gateway's 3 retries of it.
    sim.inject(Fault {
        endpoint: Endpoint::DocumentReference,
        kind: FaultKind::Unavailable,
        count: 4,
    });
    let (status, v) = commit_tiff(&srv, &d, &ids, false).await;
    assert_eq!(status, 200, "{v}");
    let failed: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "failed")
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failed.len(), 1, "the 503 failed one photo's TIFF: {v}");
    assert_eq!(created(&srv).len(), 2);
    // "Retry failed" sends the whole set again: only the missing one goes.
    let (status, v) = commit_tiff(&srv, &d, &ids, false).await;
    assert_eq!(status, 200, "{v}");
    assert!(v.as_array().unwrap().iter().all(|p| p["state"] == "committed"), "{v}");
    assert_eq!(created(&srv).len(), 3, "still exactly three documents");

    // The answer is lost after Medtech saved it: never resent without the GP, then as itself.
    let more = app::stage_ready(&srv, &d, 1).await;
    sim.inject(Fault {
        endpoint: Endpoint::DocumentReference,
        kind: FaultKind::DropAfterProcessing,
        count: 1,
    });
    let (status, v) = commit_tiff(&srv, &d, &more, false).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["failure_kind"], "outcome_unknown", "{v}");
    let (status, _) = commit_tiff(&srv, &d, &more, false).await;
    assert_eq!(status, 409);
    let (status, _) = app::commit(&srv, &d, &more[0]).await;
    assert_eq!(status, 409, "not as a Media either");
    let first = sim.received().last().unwrap().resource.clone();
    let (status, v) = commit_tiff(&srv, &d, &more, true).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["state"], "committed");
    let again = sim.received().last().unwrap().resource.clone();
    assert_eq!(again["identifier"], first["identifier"], "the same document");
    assert_eq!(attachment(&again), attachment(&first), "byte for byte");
    srv.stop().await;
}

#[tokio::test]
async fn without_the_caption_band_the_committed_jpeg_goes_in_as_it_is() {
    let srv = app::start_with(&[TARGETS, ("APP_SCAN_TIFF_CAPTION", "false")], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 1).await;
    let (status, v) = commit_tiff(&srv, &d, &ids, false).await;
    assert_eq!(status, 200, "{v}");
    let tiff = attachment(&created(&srv)[0].resource);
    let t = read(&tiff);
    assert_eq!((t.width, t.height), (320, 240), "no band");
    assert!(
        t.description.contains("ZZZ0016"),
        "the facts are still in ImageDescription"
    );
    let staged = app::http()
        .get(app::url(&srv, &format!("/api/w/{}/photos/{}/image", d.sid, ids[0])))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        tiff.windows(staged.len()).any(|w| w == staged.as_ref()),
        "the staged JPEG is inside, byte for byte"
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_deployment_without_the_tiff_target_refuses_it() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 1).await;
    let (status, v) = commit_tiff(&srv, &d, &ids, false).await;
    assert_eq!(status, 400, "{v}");
    assert!(created(&srv).is_empty());
    srv.stop().await;
}
