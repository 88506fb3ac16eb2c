//! Commit targets as a set, over HTTP on the whole app in simulator mode: photos going to all
//! three targets at once get one Media and one TIFF each and one PDF for the batch; each part
//! keeps its own state, so a retry sends only the missing parts, and an unknown outcome on one
//! part holds the photo until the GP has checked — whatever the other parts do meanwhile.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::simulator::{Endpoint, Fault, FaultKind, Received};
use serde_json::Value;
use support::app::{self, Desktop};

const UAT: &str = "F2N060-E";
const TARGETS: (&str, &str) = ("APP_COMMIT_TARGETS", "media,scan_pdf,scan_tiff");
const ALL: &str = "media,scan_pdf,scan_tiff";

/// Everything Medtech stored (201), by kind: Media, PDF documents, TIFF documents.
fn stored(srv: &clinical_images::server::Running) -> (Vec<Received>, Vec<Received>, Vec<Received>) {
    let sim = srv.state.simulator.as_ref().unwrap();
    let created: Vec<Received> = sim.received().into_iter().filter(|r| r.status == 201).collect();
    let of = |kind: &str| -> Vec<Received> {
        created
            .iter()
            .filter(|r| r.resource_type == "DocumentReference")
            .filter(|r| r.resource["content"][0]["attachment"]["contentType"] == kind)
            .cloned()
            .collect()
    };
    let media = created.iter().filter(|r| r.resource_type == "Media").cloned().collect();
    (media, of("application/pdf"), of("image/tiff"))
}

fn identifier(r: &Received) -> String {
    r.resource["identifier"][0]["value"].as_str().unwrap().to_string()
}

/// Sends every part of `ids`' commits as the commit bar does: the PDF, the TIFFs, then each Media.
async fn commit_all(srv: &clinical_images::server::Running, d: &Desktop, ids: &[String], resend: bool) -> Vec<Value> {
    let (status, v) = app::commit_part(srv, d, "photos/commit-scan", ids, resend, Some(ALL)).await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = app::commit_part(srv, d, "photos/commit-tiff", ids, resend, Some(ALL)).await;
    assert_eq!(status, 200, "{v}");
    let mut out = Vec::new();
    for id in ids {
        let (status, v) = app::commit_media(srv, d, id, resend, ALL).await;
        assert_eq!(status, 200, "{v}");
        out.push(v);
    }
    out
}

#[tokio::test]
async fn all_three_targets_give_one_of_each_per_photo_and_a_retry_sends_only_what_is_missing() {
    let srv = app::start_with(&[TARGETS], &[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();
    let ids = app::stage_ready(&srv, &d, 3).await;

    // The PDF first: the photos then wait for their other parts.
    let (status, v) = app::commit_part(&srv, &d, "photos/commit-scan", &ids, false, Some(ALL)).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "staged" && p["target"] == ALL),
        "{v}"
    );
    // The TIFFs: the first one's POST fails (503, and each of the gateway's 3 retries).
    sim.inject(Fault {
        endpoint: Endpoint::DocumentReference,
        kind: FaultKind::Unavailable,
        count: 4,
    });
    let (status, v) = app::commit_part(&srv, &d, "photos/commit-tiff", &ids, false, Some(ALL)).await;
    assert_eq!(status, 200, "{v}");
    let failed: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{v}");
    let tiff_failed = failed[0]["id"].as_str().unwrap().to_string();
    assert!(failed[0]["failure"].as_str().unwrap().contains("TIFF"), "{v}");
    // Each Media: two photos are then complete; the third still lacks its TIFF.
    for id in &ids {
        let (status, v) = app::commit_media(&srv, &d, id, false, ALL).await;
        assert_eq!(status, 200, "{v}");
        if *id == tiff_failed {
            assert_eq!(v["state"], "failed", "its TIFF is still missing: {v}");
            assert!(v["failure"].as_str().unwrap().contains("TIFF"), "{v}");
        } else {
            assert_eq!(v["state"], "committed", "{v}");
        }
    }
    let (media, pdfs, tiffs) = stored(&srv);
    assert_eq!((media.len(), pdfs.len(), tiffs.len()), (3, 1, 2));

    // "Retry failed": every part is asked again; only the missing TIFF goes.
    let views = commit_all(&srv, &d, std::slice::from_ref(&tiff_failed), false).await;
    assert_eq!(views[0]["state"], "committed", "{}", views[0]);
    let (media, pdfs, tiffs) = stored(&srv);
    assert_eq!(
        (media.len(), pdfs.len(), tiffs.len()),
        (3, 1, 3),
        "one of each per photo, one PDF"
    );
    for id in &ids {
        assert_eq!(
            media.iter().filter(|m| identifier(m) == *id).count(),
            1,
            "one Media for {id}"
        );
    }
    let tiff_ids: std::collections::BTreeSet<String> = tiffs.iter().map(identifier).collect();
    assert_eq!(tiff_ids.len(), 3, "three distinct TIFF documents");

    // Everything again: nothing more is sent.
    let views = commit_all(&srv, &d, &ids, false).await;
    assert!(views.iter().all(|v| v["state"] == "committed"), "{views:?}");
    let (media, pdfs, tiffs) = stored(&srv);
    assert_eq!((media.len(), pdfs.len(), tiffs.len()), (3, 1, 3));

    // The audit says which part each entry was and what was still to go.
    let rows = app::audit(&srv, &tiff_failed).await;
    let details: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event"] == "committed" || r["event"] == "failed")
        .map(|r| r["detail"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        details,
        [
            "scan_pdf; scan_tiff, media to follow",
            "unavailable: scan_tiff; media to follow",
            "media; scan_tiff to follow",
            "scan_tiff; scan_pdf, media done"
        ],
        "{rows}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn an_unknown_part_holds_the_photo_until_the_gp_checks_and_is_resent_as_itself() {
    let srv = app::start_with(&[TARGETS], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();
    let ids = app::stage_ready(&srv, &d, 1).await;
    let id = &ids[0];

    let (status, _) = app::commit_part(&srv, &d, "photos/commit-scan", &ids, false, Some(ALL)).await;
    assert_eq!(status, 200);
    // Medtech saves the TIFF but its answer is lost.
    sim.inject(Fault {
        endpoint: Endpoint::DocumentReference,
        kind: FaultKind::DropAfterProcessing,
        count: 1,
    });
    let (status, v) = app::commit_part(&srv, &d, "photos/commit-tiff", &ids, false, Some(ALL)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["failure_kind"], "outcome_unknown", "{v}");
    let first = stored(&srv).2.last().cloned().unwrap();

    // Nothing goes without the GP: not the Media, not the TIFF again.
    let (status, _) = app::commit_media(&srv, &d, id, false, ALL).await;
    assert_eq!(status, 409);
    let (status, _) = app::commit_part(&srv, &d, "photos/commit-tiff", &ids, false, Some(ALL)).await;
    assert_eq!(status, 409);
    // Even told to resend, the Media waits for the TIFF that may be in Medtech to be resent first.
    let (status, v) = app::commit_media(&srv, &d, id, true, ALL).await;
    assert_eq!(status, 409, "{v}");

    // The GP checked: the TIFF goes again as itself, then the Media.
    let views = commit_all(&srv, &d, &ids, true).await;
    assert_eq!(views[0]["state"], "committed", "{}", views[0]);
    let (media, pdfs, tiffs) = stored(&srv);
    assert_eq!((media.len(), pdfs.len()), (1, 1));
    assert_eq!(tiffs.len(), 2, "the one TIFF, posted twice");
    assert_eq!(identifier(&tiffs[0]), identifier(&tiffs[1]), "the same document");
    assert_eq!(tiffs[1].resource["content"], first.resource["content"], "byte for byte");
    srv.stop().await;
}

#[tokio::test]
async fn a_confirmed_media_leaves_only_the_missing_document_to_go() {
    let srv = app::start_with(&[TARGETS], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();
    let ids = app::stage_ready(&srv, &d, 1).await;
    let id = &ids[0];
    let media_and_tiff = "media,scan_tiff";

    // The TIFF fails outright; the Media is saved but its answer is lost.
    sim.inject(Fault {
        endpoint: Endpoint::DocumentReference,
        kind: FaultKind::Forbidden,
        count: 1,
    });
    let (status, v) = app::commit_part(&srv, &d, "photos/commit-tiff", &ids, false, Some(media_and_tiff)).await;
    assert_eq!((status, v[0]["state"].as_str()), (200, Some("failed")), "{v}");
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::DropAfterProcessing,
        count: 1,
    });
    let (_, v) = app::commit_media(&srv, &d, id, false, media_and_tiff).await;
    assert_eq!(
        v["failure_kind"], "outcome_unknown",
        "the unknown Media is what the GP must see: {v}"
    );

    // The GP finds it in Medtech: the Media is settled, the TIFF is still to go.
    let (status, v) = app::call(&srv, &d, "photos/confirm-in-medtech", &[("sid", &d.sid), ("id", id)]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v[0]["state"], "failed", "{v}");
    assert_ne!(v[0]["failure_kind"], "outcome_unknown", "{v}");

    // "Retry failed" sends the TIFF only; the photo is then complete.
    let (status, v) = app::commit_part(&srv, &d, "photos/commit-tiff", &ids, false, Some(media_and_tiff)).await;
    assert_eq!((status, v[0]["state"].as_str()), (200, Some("committed")), "{v}");
    // Its id in Medtech is its Media's (unknown to us: confirmed by the GP), never the TIFF's.
    assert!(v[0]["alex_id"].is_null(), "{v}");
    let (status, v) = app::commit_media(&srv, &d, id, false, media_and_tiff).await;
    assert_eq!((status, v["state"].as_str()), (200, Some("committed")), "{v}");
    let (media, _, tiffs) = stored(&srv);
    assert_eq!((media.len(), tiffs.len()), (1, 1), "never a second Media");
    srv.stop().await;
}

#[tokio::test]
async fn a_photo_goes_only_where_its_first_attempt_went() {
    let srv = app::start_with(&[TARGETS], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let sim = srv.state.simulator.clone().unwrap();
    let ids = app::stage_ready(&srv, &d, 1).await;
    // Its PDF is refused: nothing is in Medtech, and the photo stays a PDF photo.
    sim.inject(Fault {
        endpoint: Endpoint::DocumentReference,
        kind: FaultKind::Forbidden,
        count: 1,
    });
    let (_, v) = app::commit_scan(&srv, &d, &ids, false, None).await;
    assert_eq!(
        (v[0]["state"].as_str(), v[0]["target"].as_str()),
        (Some("failed"), Some("scan_pdf")),
        "{v}"
    );
    // Asked for a Media or a TIFF now, it refuses in words and sends nothing.
    let (status, v) = app::commit_media(&srv, &d, &ids[0], false, "media").await;
    assert_eq!(status, 409, "{v}");
    assert!(v["message"].as_str().unwrap().contains("cannot go elsewhere"), "{v}");
    let (status, _) = app::commit_part(&srv, &d, "photos/commit-tiff", &ids, false, Some("scan_tiff")).await;
    assert_eq!(status, 409);
    assert_eq!(stored(&srv).0.len() + stored(&srv).2.len(), 0);
    // Its retry goes where it went first.
    let (_, v) = app::commit_scan(&srv, &d, &ids, false, Some(ALL)).await;
    assert_eq!(v[0]["state"], "committed", "{v}");
    assert_eq!(stored(&srv).1.len(), 1);
    srv.stop().await;
}
