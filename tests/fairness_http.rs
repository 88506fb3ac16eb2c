//! One caller must not starve the rest, over HTTP on the whole app in simulator mode: an edit
//! is capped at what a GP draws, and a live phone link works whatever others guessed.

#![cfg(feature = "ssr")]

mod support;

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

#[tokio::test]
async fn an_edit_beyond_what_a_gp_draws_is_refused_in_words() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let id = uuid::Uuid::new_v4().to_string();
    let (status, v) = app::upload_desktop(&srv, &d, &[("id", &id)], app::jpeg(400, 300)).await;
    assert_eq!(status, 201, "{v}");
    let arrow = json!({ "op": "arrow", "from": { "x": 0.2, "y": 0.5 }, "to": { "x": 0.8, "y": 0.5 }, "colour": "green" });
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

async fn session_via_proxy(srv: &clinical_images::server::Running, client: &str, token: &str) -> (u16, Value) {
    let res = app::http()
        .post(app::url(srv, "/api/handoff/session"))
        .header("x-forwarded-for", client)
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_live_phone_link_works_after_thirty_addresses_guessed_wrong() {
    let srv = app::start_with(&[("APP_TRUSTED_PROXIES", "127.0.0.1")], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let (status, h) = app::call(&srv, &d, "handoff/start", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{h}");
    let token = h["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    // 30 addresses each guess tokens until their own limit (10) refuses them.
    let wrong = "A".repeat(43);
    for a in 0..30 {
        let client = format!("203.0.113.{a}");
        for _ in 0..11 {
            let (status, _) = session_via_proxy(&srv, &client, &wrong).await;
            assert_ne!(status, 200);
        }
    }
    // The phone holding the live link is not refused, from a fresh address or a guessing one.
    for client in ["198.51.100.23", "203.0.113.7"] {
        let (status, v) = session_via_proxy(&srv, client, &token).await;
        assert_eq!(status, 200, "{client}: {v}");
        assert!(v["patient"].is_object(), "{v}");
    }
    // A guessing address is still told to stop guessing.
    let (_, e) = session_via_proxy(&srv, "203.0.113.7", &wrong).await;
    assert!(e["message"].as_str().unwrap().starts_with("Too many wrong codes"), "{e}");
    srv.stop().await;
}
