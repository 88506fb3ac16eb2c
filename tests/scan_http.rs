//! The Inbox-Scan write path over HTTP, on the whole app in simulator mode: tagged photos become
//! PDFs that open and show the tags in words, large batches split under 8 MB without losing a
//! photo, and retries never create a second document.

#![cfg(feature = "ssr")]

mod support;

use base64::Engine;
use clinical_images::simulator::{Endpoint, Fault, FaultKind};
use lopdf::{Document, Object};
use serde_json::Value;
use support::app::{self, Desktop};

const UAT: &str = "F2N060-E";

/// Stages `n` photos tagged left forearm, anterior, lesion; answers their ids.
async fn staged(srv: &clinical_images::server::Running, d: &Desktop, photos: Vec<Vec<u8>>) -> Vec<String> {
    let mut ids = Vec::new();
    for jpeg in photos {
        let id = uuid::Uuid::new_v4().to_string();
        let (status, v) = app::upload_desktop(srv, d, &[("id", id.as_str())], jpeg).await;
        assert_eq!(status, 201, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string()); // minted by the server
    }
    let mut args = vec![("sid".to_string(), d.sid.clone())];
    args.extend(app::id_fields(&ids));
    for (k, v) in [
        ("patch[body_site]", "14975008"),
        ("patch[laterality]", "7771000"),
        ("patch[view]", "255549009"),
        ("patch[image_type]", "lesion"),
        ("patch[description]", "Pigmented lesion 6 mm"),
    ] {
        args.push((k.into(), v.into()));
    }
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, v) = app::call(srv, d, "photos/tag", &args).await;
    assert_eq!(status, 200, "{v}");
    ids
}

async fn commit_scan(
    srv: &clinical_images::server::Running,
    d: &Desktop,
    ids: &[String],
    resend: bool,
) -> (u16, Value) {
    app::commit_scan(srv, d, ids, resend, None).await
}

/// As `commit_scan`, for photos going both as Media and in an Inbox-Scan PDF.
async fn commit_scan_with(
    srv: &clinical_images::server::Running,
    d: &Desktop,
    ids: &[String],
    resend: bool,
    with_media: bool,
) -> (u16, Value) {
    app::commit_scan(srv, d, ids, resend, with_media.then_some("media,scan_pdf")).await
}

/// Noisy photos that stay large after the server's re-check (close to 1 MB each).
fn heavy_jpeg(seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2654435761).max(1);
    let img = image::RgbImage::from_fn(1920, 1440, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 60) as u8;
        image::Rgb([(x / 8) as u8 ^ n, (y / 6) as u8 ^ n, n.wrapping_mul(3)])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .encode_image(&img)
        .unwrap();
    out
}

struct Pdf {
    images: usize,
    text: String,
}

fn parse_pdf(bytes: &[u8]) -> Pdf {
    let doc = Document::load_mem(bytes).expect("the PDF opens");
    let mut text = String::new();
    for (_, page) in doc.get_pages() {
        let content = doc.get_page_content(page);
        for op in lopdf::content::Content::decode(&content).unwrap().operations {
            let strings: Vec<&Object> = match op.operator.as_str() {
                "Tj" => op.operands.iter().collect(),
                "TJ" => op.operands[0].as_array().unwrap().iter().collect(),
                _ => continue,
            };
            for s in strings {
                if let Ok(b) = s.as_str() {
                    text.extend(b.iter().map(|&c| c as char));
                }
            }
            text.push(' ');
        }
    }
    let images = doc
        .objects
        .values()
        .filter(|o| {
            matches!(o, Object::Stream(s)
                if s.dict.get(b"Subtype").and_then(|v| v.as_name()).ok() == Some(b"Image".as_slice()))
        })
        .count();
    Pdf { images, text }
}

fn attachment(resource: &Value) -> Vec<u8> {
    let data = resource["content"][0]["attachment"]["data"].as_str().unwrap();
    base64::engine::general_purpose::STANDARD.decode(data).unwrap()
}

#[tokio::test]
async fn three_tagged_photos_become_one_pdf_in_the_inbox_scan_folder() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = staged(&srv, &d, (0..3).map(|i| app::jpeg(640 + i * 10, 480)).collect()).await;
    let (status, v) = commit_scan(&srv, &d, &ids, false).await;
    assert_eq!(status, 200, "{v}");
    let views = v.as_array().unwrap();
    assert_eq!(views.len(), 3);
    assert!(
        views
            .iter()
            .all(|p| p["state"] == "committed" && p["target"] == "scan_pdf"),
        "{v}"
    );

    let sim = srv.state.simulator.as_ref().unwrap();
    let received = sim.received();
    assert_eq!(received.len(), 1, "one document, no Media");
    let doc = &received[0];
    assert_eq!((doc.resource_type.as_str(), doc.status), ("DocumentReference", 201));
    let r = &doc.resource;
    assert_eq!(r["status"], "current");
    assert_eq!(r["type"]["coding"][0]["code"], "72170-4");
    assert_eq!(r["subject"]["reference"], format!("Patient/{}", d.patient_id));
    assert!(
        r["author"][0]["reference"]
            .as_str()
            .unwrap()
            .starts_with("Practitioner/")
    );
    assert_eq!(r["content"][0]["attachment"]["contentType"], "application/pdf");
    // Every photo points at the document's id in Medtech.
    assert!(views.iter().all(|p| p["alex_id"] == doc.id.clone().unwrap().as_str()));

    let pdf = parse_pdf(&attachment(r));
    assert_eq!(pdf.images, 3);
    for words in [
        "Left forearm",
        "anterior",
        "lesion",
        "SNOMED CT 14975008",
        "Pigmented lesion 6 mm",
        "Verbal consent",
    ] {
        assert!(pdf.text.contains(words), "{words:?} printed in {}", pdf.text);
    }
    let patient = sim.patients(UAT).into_iter().find(|p| p.nhi == "ZZZ0016").unwrap();
    assert!(
        pdf.text.contains("ZZZ0016") && pdf.text.contains(&patient.family),
        "identity printed"
    );

    // Too many at once, or none, is refused before anything is read.
    let (status, e) = commit_scan(&srv, &d, &vec![ids[0].clone(); 51], false).await;
    assert_eq!(status, 400, "{e}");
    assert!(e["message"].as_str().unwrap().contains("between 1 and 50"), "{e}");

    // Committing again sends nothing.
    let (status, _) = commit_scan(&srv, &d, &ids, false).await;
    assert_eq!(status, 200);
    assert_eq!(sim.received().len(), 1);
    srv.stop().await;
}

#[tokio::test]
async fn more_than_8_mb_of_photos_splits_into_documents_without_losing_one() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = staged(&srv, &d, (1..=11).map(heavy_jpeg).collect()).await;
    let listed = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await.1;
    let total: u64 = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["bytes"].as_u64().unwrap())
        .sum();
    assert!(total > 8_000_000, "the photos weigh {total} bytes");

    let (status, v) = commit_scan(&srv, &d, &ids, false).await;
    assert_eq!(status, 200, "{v}");
    let received = srv.state.simulator.as_ref().unwrap().received();
    assert!(received.len() >= 2, "split into {} documents", received.len());
    let mut images = 0;
    for doc in &received {
        assert_eq!(doc.status, 201);
        let pdf = attachment(&doc.resource);
        assert!(pdf.len() <= 8_000_000, "document of {} bytes", pdf.len());
        let n = parse_pdf(&pdf).images;
        eprintln!("document: {} photos, {} bytes", n, pdf.len());
        images += n;
        assert!(
            doc.resource["content"][0]["attachment"]["title"]
                .as_str()
                .unwrap()
                .contains("part")
        );
    }
    assert_eq!(images, 11, "every photo in exactly one document");
    srv.stop().await;
}

#[tokio::test]
async fn a_failed_document_is_retried_once_and_an_unknown_one_is_resent_as_itself() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();
    let ids = staged(&srv, &d, (0..2).map(|i| app::jpeg(400, 300 + i)).collect()).await;

    // Medtech refuses (403): nothing is created, the photos can be sent again.
    sim.inject(Fault {
        endpoint: Endpoint::DocumentReference,
        kind: FaultKind::Forbidden,
        count: 1,
    });
    let (status, v) = commit_scan(&srv, &d, &ids, false).await;
    assert_eq!(status, 200, "{v}");
    assert!(v.as_array().unwrap().iter().all(|p| p["state"] == "failed"), "{v}");
    let (status, v) = commit_scan(&srv, &d, &ids, false).await;
    assert_eq!(status, 200, "{v}");
    assert!(v.as_array().unwrap().iter().all(|p| p["state"] == "committed"), "{v}");
    let created: Vec<_> = sim.received().into_iter().filter(|r| r.status == 201).collect();
    assert_eq!(created.len(), 1, "exactly one document created");

    // The answer is lost after Medtech saved it: the outcome is unknown.
    let more = staged(&srv, &d, vec![app::jpeg(300, 300)]).await;
    sim.inject(Fault {
        endpoint: Endpoint::DocumentReference,
        kind: FaultKind::DropAfterProcessing,
        count: 1,
    });
    let (status, v) = commit_scan(&srv, &d, &more, false).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["failure_kind"], "outcome_unknown", "{v}");
    // Not resent without the GP checking, and not as a Media either.
    let (status, _) = commit_scan(&srv, &d, &more, false).await;
    assert_eq!(status, 409);
    let (status, _) = app::commit(&srv, &d, &more[0]).await;
    assert_eq!(status, 409);
    let before = sim.received();
    let first = before.last().unwrap().resource.clone();
    let (status, v) = commit_scan(&srv, &d, &more, true).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["state"], "committed");
    let after = sim.received();
    assert_eq!(after.len(), before.len() + 1);
    let again = &after.last().unwrap().resource;
    assert_eq!(
        again["identifier"], first["identifier"],
        "the same document, same identifier"
    );
    assert_eq!(attachment(again), attachment(&first), "byte for byte");
    srv.stop().await;
}

#[tokio::test]
async fn a_document_interrupted_by_a_restart_waits_for_the_gp_then_is_resent_as_itself() {
    use clinical_images::{commit::documents::NewDoc, launch::server::load_live, model::PhotoState};
    let dir = app::tempdir();
    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = staged(&srv, &d, vec![app::jpeg(320, 240)]).await;
    // The state a crash mid-POST leaves: the photo locked, its document recorded as `sending`.
    let (_, session) = load_live(&srv.state.sessions, &d.sid).await.unwrap();
    let photos = &srv.state.photos.store;
    let locked = photos
        .transition(
            &session,
            &ids[0],
            &[PhotoState::Staged],
            PhotoState::Committing,
            "committing",
            None,
        )
        .await
        .unwrap();
    photos
        .fix_target(
            &locked,
            clinical_images::model::Targets::one(clinical_images::model::CommitTarget::ScanPdf),
        )
        .await
        .unwrap();
    let doc_id = uuid::Uuid::new_v4().to_string();
    let pdf = b"%PDF-1.7\n%stand-in for the rendered document\n%%EOF\n".to_vec();
    photos
        .record_scan_docs(
            &session,
            &d.patient_id,
            vec![NewDoc {
                id: doc_id.clone(),
                photo_ids: ids.clone(),
                pdf: pdf.clone(),
                pages: 1,
            }],
            clinical_images::commit::documents::DocKind::Pdf,
        )
        .await
        .unwrap();
    srv.stop().await;

    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[("OPS_TOKEN", "ops")]).await;
    let (_, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(list[0]["state"], "failed");
    assert_eq!(list[0]["failure_kind"], "outcome_unknown");
    assert_eq!(list[0]["target"], "scan_pdf");
    let (status, _) = commit_scan(&srv, &d, &ids, false).await;
    assert_eq!(status, 409, "not resent until the GP has checked Medtech");
    let (status, v) = commit_scan(&srv, &d, &ids, true).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["state"], "committed");
    let received = srv.state.simulator.as_ref().unwrap().received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].resource["identifier"][0]["value"], doc_id.as_str());
    assert_eq!(
        attachment(&received[0].resource),
        pdf,
        "the recorded bytes, not a new rendering"
    );

    // The audit tells the whole story, in order.
    let rows = app::audit(&srv, &ids[0]).await;
    assert_eq!(
        app::events(&rows),
        [
            "added",
            "tagged",
            "committing",
            "scan_document",
            "failed",
            "committing",
            "committed"
        ],
        "{rows}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn both_targets_give_one_pdf_and_one_media_per_photo_and_a_retry_only_what_is_missing() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();
    let ids = staged(&srv, &d, (0..2).map(|i| app::jpeg(400 + i, 300)).collect()).await;

    // The PDF half first: the photos wait for their Media.
    let (status, v) = commit_scan_with(&srv, &d, &ids, false, true).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "staged" && p["target"] == "media,scan_pdf"),
        "{v}"
    );
    // Then the Media half; the first Media is refused by Medtech once.
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Forbidden,
        count: 1,
    });
    let (_, first) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(first["state"], "failed", "{first}");
    let (_, second) = app::commit(&srv, &d, &ids[1]).await;
    assert_eq!(second["state"], "committed", "{second}");

    // Retrying "both" for the failed photo sends its Media only: its PDF is in Medtech.
    let (status, v) = commit_scan_with(&srv, &d, &ids[..1], false, true).await;
    assert_eq!(status, 200, "{v}");
    let (_, first) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(first["state"], "committed", "{first}");

    let created: Vec<_> = sim.received().into_iter().filter(|r| r.status == 201).collect();
    let docs = created
        .iter()
        .filter(|r| r.resource_type == "DocumentReference")
        .count();
    let media: Vec<_> = created.iter().filter(|r| r.resource_type == "Media").collect();
    assert_eq!(docs, 1, "one PDF for both photos, never a second");
    assert_eq!(media.len(), 2, "one Media per photo");
    assert_eq!(parse_pdf(&attachment(&created[0].resource)).images, 2);
    // Everything again: nothing more is sent.
    commit_scan_with(&srv, &d, &ids, false, true).await;
    for id in &ids {
        app::commit(&srv, &d, id).await;
    }
    assert_eq!(sim.received().iter().filter(|r| r.status == 201).count(), 3);
    // The photo keeps its Media id; the audit has both halves.
    assert_eq!(
        first["alex_id"],
        media
            .iter()
            .find(|m| m.resource["identifier"][0]["value"] == ids[0].as_str())
            .unwrap()
            .id
            .clone()
            .unwrap()
            .as_str()
    );
    let events = app::events(&app::audit(&srv, &ids[0]).await);
    assert_eq!(
        events,
        [
            "added",
            "tagged",
            "committing",
            "scan_document",
            "committed",
            "committing",
            "failed",
            "committing",
            "committed"
        ],
    );
    srv.stop().await;
}
