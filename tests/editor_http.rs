//! The editor over HTTP on the whole app in simulator mode: an edit is validated and saved as
//! operations (never touching the original), `/rendered` is this browser's only and never
//! cached, and a commit sends byte for byte what `/rendered` showed.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::{infra::sql::Sql, params};

use serde_json::{Value, json};
use support::app::{self, Desktop};

const UAT: &str = "F2N060-E";

async fn save(srv: &clinical_images::server::Running, d: &Desktop, id: &str, edit: Value) -> (u16, Value) {
    let res = app::http()
        .post(app::url(srv, "/api/photos/edit/save"))
        .header("cookie", &d.cookie)
        .json(&json!({ "sid": d.sid, "id": id, "edit": edit }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn sha(bytes: &[u8]) -> String {
    clinical_images::infra::crypto::sha256_hex(bytes)
}

#[tokio::test]
async fn an_edit_is_saved_rendered_and_committed_exactly_as_shown() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let id = uuid::Uuid::new_v4().to_string();
    let fields = [
        ("id", id.as_str()),
        ("body_site", "72696002"),
        ("laterality", "24028007"),
        ("image_type", "wound"),
    ];
    let (status, v) = app::upload_desktop(&srv, &d, &fields, app::jpeg(400, 300)).await;
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string(); // minted by the server
    let original = srv.state.photos.store.get(&d.sid, &id).await.unwrap().unwrap().sha256;

    // A crop too small to keep is refused in words, and nothing is saved.
    let tiny = json!({ "ops": [{ "op": "crop", "x": 0.0, "y": 0.0, "w": 0.01, "h": 1.0 }] });
    let (status, e) = save(&srv, &d, &id, tiny).await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["message"], "That crop is too small to keep.");

    let edit = json!({ "ops": [
        { "op": "crop", "x": 0.15, "y": 0.15, "w": 0.7, "h": 0.7 },
        { "op": "rotate", "quarter_turns": 1 },
        { "op": "arrow", "from": { "x": 0.2, "y": 0.5 }, "to": { "x": 0.8, "y": 0.5 }, "colour": "green" },
    ] });
    let (status, view) = save(&srv, &d, &id, edit.clone()).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(
        (view["width"].as_u64(), view["height"].as_u64()),
        (Some(210), Some(280))
    );
    assert_eq!(view["edited"], true);
    let image_url = view["image_url"].as_str().unwrap().to_string();
    assert!(image_url.contains("/rendered?e="), "{image_url}");
    let (status, got) = app::call(&srv, &d, "photos/edit/get", &[("sid", &d.sid), ("id", &id)]).await;
    assert_eq!((status, &got), (200, &edit));

    // Only this browser may see it, and never from a cache.
    let res = app::http().get(app::url(&srv, &image_url)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = app::http()
        .get(app::url(&srv, &image_url))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let shown = res.bytes().await.unwrap().to_vec();
    let img = image::load_from_memory(&shown).unwrap();
    assert_eq!((img.width(), img.height()), (210, 280));

    // The audit names the kinds of change; the original is untouched.
    let details: Vec<String> = srv
        .state
        .db
        .call(|c| {
            c.query_map(
                "SELECT detail FROM audit WHERE event = 'edited' ORDER BY seq",
                params![],
                |r| r.get(0),
            )
        })
        .await
        .unwrap();
    assert_eq!(details, ["3 operations: crop, rotate, arrow"]);
    assert_eq!(
        srv.state.photos.store.get(&d.sid, &id).await.unwrap().unwrap().sha256,
        original
    );

    let (status, done) = app::commit(&srv, &d, &id).await;
    assert_eq!(status, 200, "{done}");
    let media = srv.state.simulator.as_ref().unwrap().received();
    assert_eq!(media.len(), 1);
    let content = &media[0].resource["content"];
    use base64::Engine;
    let sent = base64::engine::general_purpose::STANDARD
        .decode(content["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        sha(&sent),
        sha(&shown),
        "the commit sends exactly what the editor showed"
    );
    assert_eq!(
        (
            media[0].resource["width"].as_u64(),
            media[0].resource["height"].as_u64()
        ),
        (Some(210), Some(280))
    );

    // A committed photo's edit can no longer change.
    let (status, e) = save(&srv, &d, &id, Value::Null).await;
    assert_eq!(status, 409, "{e}");
    srv.stop().await;
}

#[tokio::test]
async fn reset_to_original_serves_the_staged_image_again() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZAA0067", UAT).await;
    let id = uuid::Uuid::new_v4().to_string();
    let (status, v) = app::upload_desktop(&srv, &d, &[("id", id.as_str())], app::jpeg(320, 240)).await;
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string(); // minted by the server
    let (status, _) = save(
        &srv,
        &d,
        &id,
        json!({ "ops": [{ "op": "rotate", "quarter_turns": -1 }] }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, view) = save(&srv, &d, &id, Value::Null).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["edited"], false);
    assert_eq!(
        (view["width"].as_u64(), view["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert!(view["image_url"].as_str().unwrap().ends_with("/image"));
    let (status, got) = app::call(&srv, &d, "photos/edit/get", &[("sid", &d.sid), ("id", &id)]).await;
    assert_eq!((status, got), (200, Value::Null));
    // With no edit, /rendered is the staged JPEG itself.
    let staged = srv.state.photos.store.get(&d.sid, &id).await.unwrap().unwrap();
    let res = app::http()
        .get(app::url(&srv, &format!("/api/w/{}/photos/{id}/rendered", d.sid)))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(sha(&res.bytes().await.unwrap()), staged.sha256);
    srv.stop().await;
}

#[tokio::test]
async fn an_edit_beyond_what_a_gp_draws_is_refused_in_words() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let id = uuid::Uuid::new_v4().to_string();
    let (status, v) = app::upload_desktop(&srv, &d, &[("id", &id)], app::jpeg(400, 300)).await;
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string(); // minted by the server
    let arrow =
        json!({ "op": "arrow", "from": { "x": 0.2, "y": 0.5 }, "to": { "x": 0.8, "y": 0.5 }, "colour": "green" });
    let (status, e) = save(&srv, &d, &id, json!({ "ops": vec![arrow.clone(); 51] })).await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(
        e["message"],
        "This photo has too many edits (at most 50). Undo some, or reset to the original."
    );
    let stroke = |n: usize| {
        let points: Vec<Value> = (0..n)
            .map(|i| json!({ "x": (i % 100) as f64 / 100.0, "y": (i / 100) as f64 / 100.0 }))
            .collect();
        json!({ "op": "freehand", "points": points, "colour": "cyan" })
    };
    let (status, e) = save(&srv, &d, &id, json!({ "ops": [stroke(501)] })).await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["message"], "That drawing is too long. Draw it in shorter strokes.");
    let (status, e) = save(&srv, &d, &id, json!({ "ops": vec![stroke(500); 11] })).await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(
        e["message"],
        "This photo has too much freehand drawing. Undo some strokes, or reset to the original."
    );
    // What a GP draws is kept.
    let (status, v) = save(&srv, &d, &id, json!({ "ops": [stroke(400), arrow] })).await;
    assert_eq!(status, 200, "{v}");
    srv.stop().await;
}
