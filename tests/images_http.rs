//! Uploads of damaged and heavy images over HTTP, on the whole app in simulator mode: a
//! damaged photo is refused in words and nothing of it is kept; decodes run a few at a time
//! however many arrive together.

#![cfg(feature = "ssr")]

mod support;

use support::app;

const UAT: &str = "F2N060-E";

/// Every file under `dir`, at any depth.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() { files_under(&p) } else { vec![p] }
        })
        .collect()
}

#[tokio::test]
async fn a_truncated_jpeg_is_refused_in_words_and_nothing_is_staged() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let mut cut = app::jpeg(800, 600);
    cut.truncate(cut.len() / 3);
    let id = uuid::Uuid::new_v4().to_string();
    let (status, e) = app::upload_desktop(&srv, &d, &[("id", &id)], cut).await;
    assert!((400..500).contains(&status), "{status} {e}");
    assert_eq!(e["kind"], "not_an_image", "{e}");
    assert_eq!(
        e["message"], "That photo appears to be damaged (it is incomplete) and was not added.",
        "{e}"
    );
    let (status, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!((status, list), (200, serde_json::json!([])));
    let blobs = srv.state.settings.data_dir.join("blobs");
    assert!(files_under(&blobs).is_empty(), "{:?}", files_under(&blobs));
    // The whole photo is accepted.
    let (status, v) = app::upload_desktop(&srv, &d, &[("id", &id)], app::jpeg(800, 600)).await;
    assert_eq!(status, 201, "{v}");
    srv.stop().await;
}

#[tokio::test]
async fn concurrent_uploads_decode_at_most_one_per_core_at_a_time() {
    let srv = std::sync::Arc::new(app::start(&[]).await);
    let mut desktops = Vec::new();
    for _ in 0..3 {
        desktops.push(std::sync::Arc::new(app::launch(&srv, "ZZZ0016", UAT).await));
    }
    let photo = app::jpeg(2400, 1800);
    let uploads: Vec<_> = (0..12)
        .map(|i| {
            let (srv, d, photo) = (srv.clone(), desktops[i % 3].clone(), photo.clone());
            tokio::spawn(async move {
                let id = uuid::Uuid::new_v4().to_string();
                app::upload_desktop(&srv, &d, &[("id", &id)], photo).await
            })
        })
        .collect();
    for u in uploads {
        let (status, v) = u.await.unwrap();
        assert_eq!(status, 201, "{v}");
    }
    let budget = clinical_images::staging::recheck::budget::global();
    let (running, bytes) = budget.peaks();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    assert!(
        (1..=cores).contains(&running),
        "{running} decodes at once on {cores} cores"
    );
    assert!(bytes <= budget.total(), "{bytes}");
}
