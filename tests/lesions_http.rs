//! Skin-check lesions over HTTP on the whole app: numbered lesions marked on the body map, photos
//! linked to them (copying the site and side), kept across a restart, private to their session,
//! audited, purged by retention, and carried into the Media title ("L2 Left forearm — …").

#![cfg(feature = "ssr")]

mod support;

use serde_json::Value;
use support::app::{self, Desktop};

const UAT: &str = "F2N060-E";

async fn mark(srv: &clinical_images::server::Running, d: &Desktop, region: &str, note: &str) -> Value {
    let (status, v) = app::call(
        srv,
        d,
        "lesions/mark",
        &[("sid", &d.sid), ("region", region), ("note", note)],
    )
    .await;
    assert_eq!(status, 200, "marked: {v}");
    v
}

async fn assign(srv: &clinical_images::server::Running, d: &Desktop, lesion: &str, ids: &[String]) -> (u16, Value) {
    let mut args = vec![
        ("sid".to_string(), d.sid.clone()),
        ("lesion".to_string(), lesion.to_string()),
    ];
    args.extend(app::id_fields(ids));
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app::call(srv, d, "lesions/assign", &args).await
}

async fn lesions(srv: &clinical_images::server::Running, d: &Desktop) -> Value {
    let (status, v) = app::call(srv, d, "lesions/list", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{v}");
    v
}

#[tokio::test]
async fn three_lesions_with_photos_survive_a_restart_and_are_audited() {
    let dir = app::tempdir();
    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 4).await; // tagged left forearm, anterior, lesion

    let l1 = mark(&srv, &d, "back-right-lower-back", "").await;
    let l2 = mark(&srv, &d, "front-right-hand", "changing").await;
    let l3 = mark(&srv, &d, "front-head", "new").await;
    assert_eq!([&l1["number"], &l2["number"], &l3["number"]], [1, 2, 3]);
    assert_eq!(l2["site"], "85562004", "hand");
    assert_eq!(l2["laterality"], "24028007", "right");
    assert_eq!(l3["laterality"], "385432009", "not applicable in the middle");
    assert_eq!(l1["view"], "back");
    let (status, v) = app::call(
        &srv,
        &d,
        "lesions/mark",
        &[("sid", &d.sid), ("region", "front-left-tail"), ("note", "")],
    )
    .await;
    assert_eq!(status, 400, "only regions of the map: {v}");

    // Assigning copies the lesion's site and side into the photos' tags; the rest stay.
    let (status, v) = assign(&srv, &d, l2["id"].as_str().unwrap(), &ids[..2]).await;
    assert_eq!(status, 200, "{v}");
    for p in v.as_array().unwrap() {
        assert_eq!(p["lesion_id"], l2["id"]);
        assert_eq!(p["tags"]["body_site"], "85562004");
        assert_eq!(p["tags"]["laterality"], "24028007");
        assert_eq!(p["tags"]["view"], "255549009", "its other tags are kept");
    }
    let (status, _) = assign(&srv, &d, l1["id"].as_str().unwrap(), &ids[2..3]).await;
    assert_eq!(status, 200);
    let list = lesions(&srv, &d).await;
    let counts: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["photos"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [1, 2, 0]);

    // A note changes; a removed lesion's number is never given again.
    let (status, v) = app::call(
        &srv,
        &d,
        "lesions/change",
        &[
            ("sid", &d.sid),
            ("id", l3["id"].as_str().unwrap()),
            ("note", "biopsy planned"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["note"], "biopsy planned");
    srv.stop().await;

    // A restart on the same data keeps lesions, links and numbers.
    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[("OPS_TOKEN", "ops")]).await;
    let list = lesions(&srv, &d).await;
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[2]["note"], "biopsy planned");
    let (_, photos) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(photos[0]["lesion_id"], l2["id"]);
    assert_eq!(photos[2]["lesion_id"], l1["id"]);
    assert_eq!(photos[3]["lesion_id"], Value::Null);
    let (status, _) = app::call(
        &srv,
        &d,
        "lesions/change",
        &[("sid", &d.sid), ("id", l3["id"].as_str().unwrap())],
    )
    .await;
    assert_eq!(status, 200, "removed");
    let l4 = mark(&srv, &d, "front-left-thigh", "").await;
    assert_eq!(l4["number"], 4);

    // The Media title carries the lesion's number and note.
    let (status, v) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(status, 200, "{v}");
    let received = srv.state.simulator.as_ref().unwrap().received();
    let title = received.last().unwrap().resource["content"]["title"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        title.starts_with("L2 Right hand — anterior — lesion — changing — "),
        "{title}"
    );

    let audit = app::audit_where(&srv, &format!("session={}", d.sid)).await;
    let ev = app::events(&audit);
    for e in ["lesion_marked", "lesion_linked", "lesion_changed", "lesion_removed"] {
        assert!(ev.iter().any(|x| x == e), "{e} in {ev:?}");
    }
    assert_eq!(ev.iter().filter(|e| *e == "lesion_marked").count(), 4);
    srv.stop().await;
}

#[tokio::test]
async fn another_session_cannot_see_or_touch_a_lesion_and_retention_purges_them() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let a = app::launch(&srv, "ZZZ0016", UAT).await;
    let b = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids_a = app::stage_ready(&srv, &a, 1).await;
    let ids_b = app::stage_ready(&srv, &b, 1).await;
    let la = mark(&srv, &a, "front-left-forearm", "new").await;
    let id = la["id"].as_str().unwrap();

    assert_eq!(lesions(&srv, &b).await, serde_json::json!([]), "b sees none of a's");
    let (status, _) = app::call(
        &srv,
        &b,
        "lesions/change",
        &[("sid", &b.sid), ("id", id), ("note", "mine")],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = app::call(&srv, &b, "lesions/change", &[("sid", &b.sid), ("id", id)]).await;
    assert_eq!(status, 404);
    let (status, _) = assign(&srv, &b, id, &ids_b).await;
    assert_eq!(status, 404, "b cannot link its photo to a's lesion");
    // a's cookie on b's session is refused; a's photo cannot be linked through b.
    let (status, _) = app::call(&srv, &a, "lesions/list", &[("sid", &b.sid)]).await;
    assert!(status == 401 || status == 403, "{status}");
    let lb = mark(&srv, &b, "front-left-forearm", "").await;
    let (status, v) = assign(&srv, &b, lb["id"].as_str().unwrap(), &ids_a).await;
    assert_eq!(
        status, 404,
        "a's photo is not b's to link: refused, not an empty answer: {v}"
    );
    // Nor is a change that names b's photo and a's: nothing of it is written.
    let both = [ids_b[0].clone(), ids_a[0].clone()];
    let (status, _) = assign(&srv, &b, lb["id"].as_str().unwrap(), &both).await;
    assert_eq!(status, 404);
    let (_, list) = app::call(&srv, &b, "photos/list", &[("sid", &b.sid)]).await;
    assert!(
        list[0]["lesion_id"].is_null(),
        "b's own photo was not linked either: {list}"
    );
    // Tags for another session's photo are refused the same way.
    let (status, _) = app::call(
        &srv,
        &b,
        "photos/tag",
        &[("sid", &b.sid), ("ids[0]", &ids_a[0]), ("patch[view]", "255549009")],
    )
    .await;
    assert_eq!(status, 404, "a's photo is not b's to tag");
    assert_eq!(lesions(&srv, &a).await[0]["note"], "new", "untouched");

    let (status, _) = assign(&srv, &a, id, &ids_a).await;
    assert_eq!(status, 200);
    srv.state.photos.store.purge(-10, 30 * 86_400).await.unwrap();
    assert_eq!(lesions(&srv, &a).await, serde_json::json!([]));
    assert_eq!(lesions(&srv, &b).await, serde_json::json!([]));
    let audit = app::audit_where(&srv, &format!("session={}", a.sid)).await;
    assert!(app::events(&audit).iter().any(|e| e == "lesion_expired"));
    srv.stop().await;
}

/// Lesion photos committed as an Inbox-Scan PDF make one report: the cover (body map, markers,
/// lesion table) and each lesion's photos in turn; committing again sends nothing new.
#[tokio::test]
async fn a_scan_pdf_of_lesion_photos_is_a_report_sent_once() {
    use base64::Engine;
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let ids = app::stage_ready(&srv, &d, 3).await;
    let l1 = mark(&srv, &d, "front-left-forearm", "changing").await;
    let l2 = mark(&srv, &d, "back-right-calf", "").await;
    assert_eq!(assign(&srv, &d, l2["id"].as_str().unwrap(), &ids[..1]).await.0, 200);
    assert_eq!(assign(&srv, &d, l1["id"].as_str().unwrap(), &ids[1..]).await.0, 200);
    let (status, v) = app::commit_scan(&srv, &d, &ids, false, None).await;
    assert_eq!(status, 200, "{v}");
    let docs = srv.state.simulator.as_ref().unwrap().received();
    let docs: Vec<_> = docs.iter().filter(|r| r.resource_type == "DocumentReference").collect();
    assert_eq!(docs.len(), 1);
    let data = docs[0].resource["content"][0]["attachment"]["data"].as_str().unwrap();
    let pdf = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<_> = doc.get_pages().into_values().collect();
    assert_eq!(pages.len(), 4, "the cover and three photos");
    // The strings each page shows (Tj), as Latin-1.
    let text = |n: usize| -> Vec<String> {
        let content = lopdf::content::Content::decode(&doc.get_page_content(pages[n])).unwrap();
        content
            .operations
            .iter()
            .filter(|op| op.operator == "Tj")
            .filter_map(|op| op.operands[0].as_str().ok())
            .map(|b| b.iter().map(|&c| c as char).collect())
            .collect()
    };
    let cover = text(0);
    assert!(
        cover.iter().any(|s| s.starts_with("Skin check")),
        "the cover first: {cover:?}"
    );
    for l in ["L1", "L2"] {
        assert_eq!(
            cover.iter().filter(|s| *s == l).count(),
            2,
            "{l}: a marker and a table row"
        );
    }
    let starts = |n: usize, with: &str| text(n).iter().any(|s| s.starts_with(with));
    assert!(
        starts(1, "L1 Left forearm") && starts(2, "L1 Left forearm"),
        "L1's photos first: {:?}",
        text(1)
    );
    assert!(starts(3, "L2 Right calf"), "then L2's: {:?}", text(3));

    let (status, _) = app::commit_scan(&srv, &d, &ids, false, None).await;
    assert!(status == 200 || status == 409, "{status}");
    let again = srv.state.simulator.as_ref().unwrap().received();
    assert_eq!(
        again.iter().filter(|r| r.resource_type == "DocumentReference").count(),
        1,
        "idempotent"
    );
    srv.stop().await;
}
