//! Phone handoff and durable staging over HTTP, on the whole app in simulator mode: links
//! expire, are revoked, stay bound to their session's patient, resist guessing, and staged
//! photos survive a restart without a commit ever being duplicated.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::{infra::sql::Sql, params};

use serde_json::Value;
use support::app::{self, Desktop};

const UAT: &str = "F2N060-E";

async fn start_handoff(srv: &clinical_images::server::Running, d: &Desktop) -> (String, String) {
    let (status, h) = app::call(srv, d, "handoff/start", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{h}");
    let url = h["url"].as_str().unwrap().to_string();
    let token = url.rsplit('/').next().unwrap().to_string();
    assert_eq!(token.len(), 43, "256-bit token");
    assert!(h["qr_svg"].as_str().unwrap().starts_with("<?xml") || h["qr_svg"].as_str().unwrap().contains("<svg"));
    (token, h["code"].as_str().unwrap().to_string())
}

async fn phone_upload(srv: &clinical_images::server::Running, token: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let id = uuid::Uuid::new_v4().to_string();
    let mut all = vec![("id", id.as_str())];
    all.extend_from_slice(fields);
    app::upload(srv, &format!("/api/m/{token}/photos"), None, &all, app::jpeg(320, 240)).await
}

#[tokio::test]
async fn phone_photos_land_in_the_right_session_with_their_tags() {
    let srv = app::start(&[]).await;
    let a = app::launch(&srv, "ZZZ0016", UAT).await;
    let b = app::launch(&srv, "ZZZ0024", UAT).await;
    let (token, _) = start_handoff(&srv, &a).await;
    let (status, view) = phone_upload(
        &srv,
        &token,
        &[
            ("body_site", "14975008"),
            ("laterality", "7771000"),
            ("image_type", "lesion"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(view["source"], "phone");
    assert_eq!(
        view["missing"],
        serde_json::json!([]),
        "tags from the phone make it ready"
    );
    let (_, list_a) = app::call(&srv, &a, "photos/list", &[("sid", &a.sid)]).await;
    let (_, list_b) = app::call(&srv, &b, "photos/list", &[("sid", &b.sid)]).await;
    assert_eq!(list_a.as_array().unwrap().len(), 1);
    assert_eq!(list_b.as_array().unwrap().len(), 0, "another session never sees it");
    // Session B's browser cannot read A's photos, even with A's session id.
    let stranger = Desktop {
        sid: a.sid.clone(),
        cookie: b.cookie.clone(),
        patient_id: b.patient_id.clone(),
    };
    let (status, _) = app::call(&srv, &stranger, "photos/list", &[("sid", &a.sid)]).await;
    assert!(
        status == 403 || status == 200 && b.cookie == a.cookie,
        "status {status}"
    );
    // Committed to A's patient.
    let id = list_a[0]["id"].as_str().unwrap();
    let (status, done) = app::commit(&srv, &a, id).await;
    assert_eq!(status, 200, "{done}");
    let media = srv.state.simulator.as_ref().unwrap().received();
    assert_eq!(media.len(), 1);
    assert_eq!(
        media[0].resource["subject"]["reference"],
        format!("Patient/{}", a.patient_id)
    );
    srv.stop().await;
}

#[tokio::test]
async fn expired_and_revoked_links_say_so() {
    let srv = app::start_with(&[("APP_HANDOFF_TTL_MINUTES", "0")], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let (token, _) = start_handoff(&srv, &d).await;
    let (status, e) = phone_upload(&srv, &token, &[]).await;
    assert_eq!(status, 410, "expired at once with a 0-minute life: {e}");
    assert!(e["message"].as_str().unwrap().contains("expired or was stopped"));
    srv.stop().await;

    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let (token, code) = start_handoff(&srv, &d).await;
    assert_eq!(phone_upload(&srv, &token, &[]).await.0, 201);
    let (status, _) = app::call(&srv, &d, "handoff/stop", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200);
    assert_eq!(phone_upload(&srv, &token, &[]).await.0, 410, "revoked");
    let (status, _) = app::call(&srv, &d, "handoff/redeem", &[("code", &code)]).await;
    assert_eq!(status, 400, "the code died with the link");
    // A new link revokes the previous one.
    let (t1, _) = start_handoff(&srv, &d).await;
    let (t2, _) = start_handoff(&srv, &d).await;
    assert_eq!(phone_upload(&srv, &t1, &[]).await.0, 410);
    assert_eq!(phone_upload(&srv, &t2, &[]).await.0, 201);
    srv.stop().await;
}

/// Redeems a code as a phone behind the reverse proxy, which forwards for `client`.
/// Calls a phone server function through the trusted proxy, as `client`.
async fn via_proxy(
    srv: &clinical_images::server::Running,
    client: &str,
    endpoint: &str,
    args: &[(&str, &str)],
) -> (u16, Value) {
    let res = app::http()
        .post(app::url(srv, &format!("/api/{endpoint}")))
        .header("x-forwarded-for", client)
        .form(args)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn redeem_via_proxy(srv: &clinical_images::server::Running, client: &str, code: &str) -> (u16, Value) {
    via_proxy(srv, client, "handoff/redeem", &[("code", code)]).await
}

#[tokio::test]
async fn behind_a_trusted_proxy_guesses_are_counted_per_forwarded_client() {
    let srv = app::start_with(&[("APP_TRUSTED_PROXIES", "127.0.0.1")], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let (_, code) = start_handoff(&srv, &d).await;
    for _ in 0..10 {
        assert_eq!(redeem_via_proxy(&srv, "203.0.113.7", "ZZZZ-ZZZZ").await.0, 400);
    }
    let (status, e) = redeem_via_proxy(&srv, "203.0.113.7", &code).await;
    assert_eq!(status, 400);
    assert!(
        e["message"].as_str().unwrap().starts_with("Too many wrong codes"),
        "{e}"
    );
    // Another phone behind the same proxy is not locked out by the first one's guesses…
    let (status, token) = redeem_via_proxy(&srv, "198.51.100.23", &code).await;
    assert_eq!(status, 200, "{token}");
    // …and a client cannot pick a fresh address by writing the header itself.
    let (status, _) = redeem_via_proxy(&srv, "192.0.2.1, 203.0.113.7", "ZZZZ-ZZZZ").await;
    assert_eq!(status, 400);
    let (_, e) = redeem_via_proxy(&srv, "192.0.2.1, 203.0.113.7", "ZZZZ-ZZZZ").await;
    assert!(
        e["message"].as_str().unwrap().starts_with("Too many wrong codes"),
        "{e}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn codes_redeem_once_and_guessing_is_limited() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let (_, code) = start_handoff(&srv, &d).await;
    let (status, token) = app::call(&srv, &d, "handoff/redeem", &[("code", &code.to_lowercase())]).await;
    assert_eq!(status, 200, "{token}");
    let token = token.as_str().unwrap().to_string();
    assert_eq!(phone_upload(&srv, &token, &[]).await.0, 201, "the redeemed token works");
    let (status, _) = app::call(&srv, &d, "handoff/redeem", &[("code", &code)]).await;
    assert_eq!(status, 400, "a code works once");
    // Guessing: the limit (10 per address per 10 minutes) then refuses even a right code.
    let (_, fresh) = start_handoff(&srv, &d).await;
    for _ in 0..10 {
        let (status, _) = app::call(&srv, &d, "handoff/redeem", &[("code", "ZZZZ-ZZZZ")]).await;
        assert_eq!(status, 400);
    }
    let (status, e) = app::call(&srv, &d, "handoff/redeem", &[("code", &fresh)]).await;
    assert_eq!(status, 400);
    assert!(
        e["message"].as_str().unwrap().starts_with("Too many wrong codes"),
        "{e}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn staged_photos_survive_a_restart_and_commit_exactly_once() {
    let dir = app::tempdir();
    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[]).await;
    let d = app::launch(&srv, "ZZZ0032", UAT).await;
    let tags = [
        ("body_site", "72696002"),
        ("laterality", "24028007"),
        ("image_type", "wound"),
    ];
    let (mut ids, mut keys) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let id = uuid::Uuid::new_v4().to_string();
        let mut fields = vec![("id", id.as_str())];
        fields.extend_from_slice(&tags);
        let (status, v) = app::upload_desktop(&srv, &d, &fields, app::jpeg(640, 480)).await;
        assert_eq!(status, 201, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string()); // minted by the server
        keys.push(id);
    }
    // A retried upload with the same id stages nothing new.
    let fields = [("id", keys[0].as_str())];
    let (status, _) = app::upload_desktop(&srv, &d, &fields, app::jpeg(640, 480)).await;
    assert_eq!(status, 201);
    let (status, _) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(status, 200);
    assert_eq!(srv.state.simulator.as_ref().unwrap().received().len(), 1);
    srv.stop().await;

    // Same data directory, new process state (and a new simulator).
    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[]).await;
    let (status, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "both photos still staged or committed");
    assert_eq!(list.iter().filter(|p| p["state"] == "committed").count(), 1);
    for id in &ids {
        let (status, v) = app::commit(&srv, &d, id).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["state"], "committed");
    }
    let after = srv.state.simulator.as_ref().unwrap().received();
    assert_eq!(after.len(), 1, "only the photo not yet committed was sent");
    assert_eq!(after[0].resource["identifier"][0]["value"], ids[1].as_str());
    srv.stop().await;
}

#[tokio::test]
async fn retention_expires_uncommitted_photos_and_keeps_the_record_of_committed_ones() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = uuid::Uuid::new_v4().to_string();
        let fields = [
            ("id", id.as_str()),
            ("body_site", "89545001"),
            ("laterality", "399488007"),
            ("image_type", "rash"),
        ];
        let (status, v) = app::upload_desktop(&srv, &d, &fields, app::jpeg(320, 240)).await;
        assert_eq!(status, 201);
        ids.push(v["id"].as_str().unwrap().to_string()); // minted by the server
    }
    let (status, _) = app::commit(&srv, &d, &ids[0]).await;
    assert_eq!(status, 200);
    // Everything is "older" than a negative retention.
    assert_eq!(srv.state.photos.store.purge(-10, 30 * 86_400).await.unwrap(), 2);
    let (_, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "the expired photo is gone from the strip");
    assert_eq!(list[0]["state"], "committed");
    for id in &ids {
        let res = app::http()
            .get(app::url(&srv, &format!("/api/w/{}/photos/{id}/image", d.sid)))
            .header("cookie", &d.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "images deleted");
    }
    let events: Vec<String> = srv
        .state
        .db
        .call(|c| c.query_map("SELECT event FROM audit ORDER BY seq", params![], |r| r.get(0)))
        .await
        .unwrap();
    assert!(
        events.contains(&"expired".to_string()) && events.contains(&"image_deleted".to_string()),
        "{events:?}"
    );
    assert_eq!(
        srv.state.photos.store.purge(-10, 30 * 86_400).await.unwrap(),
        0,
        "nothing left to purge"
    );
    srv.stop().await;
}

#[tokio::test]
async fn the_audit_trail_records_every_transition_in_order_and_needs_the_ops_token() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let id = uuid::Uuid::new_v4().to_string();
    let (status, v) = app::upload_desktop(&srv, &d, &[("id", id.as_str())], app::jpeg(320, 240)).await;
    assert_eq!(status, 201);
    let id = v["id"].as_str().unwrap().to_string(); // minted by the server
    let (status, _) = app::call(
        &srv,
        &d,
        "photos/tag",
        &[
            ("sid", &d.sid),
            ("ids[0]", &id),
            ("patch[body_site]", "52795006"),
            ("patch[laterality]", "399488007"),
            ("patch[image_type]", "lesion"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = app::commit(&srv, &d, &id).await;
    assert_eq!(status, 200);
    let url = app::url(&srv, &format!("/api/audit?photo={id}"));
    assert_eq!(app::http().get(&url).send().await.unwrap().status(), 401);
    let rows = app::audit(&srv, &id).await;
    assert_eq!(app::events(&rows), ["added", "tagged", "committing", "committed"]);
    let last = &rows[3];
    assert_eq!(last["patient_id"], d.patient_id.as_str());
    assert_eq!(last["sha256"].as_str().unwrap().len(), 64);
    assert!(last["alex_id"].as_str().is_some_and(|a| a.len() == 32));
    assert!(last["correlation_id"].as_str().is_some_and(|c| c.len() == 36));
    assert!(last["practitioner_id"].is_string());
    srv.stop().await;

    let srv = app::start(&[]).await;
    assert_eq!(
        app::http()
            .get(app::url(&srv, "/api/audit"))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "off without OPS_TOKEN"
    );
    srv.stop().await;
}

#[tokio::test]
async fn malformed_uploads_get_clear_errors_and_never_take_the_server_down() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let path = app::url(&srv, &format!("/api/w/{}/photos", d.sid));
    let post = |content_type: &'static str, body: Vec<u8>| {
        app::http()
            .post(&path)
            .header("cookie", &d.cookie)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    // Multipart without a boundary, garbage multipart, JSON instead of multipart.
    for (ct, body) in [
        ("multipart/form-data", b"--x\r\n".to_vec()),
        ("multipart/form-data; boundary=zzz", b"not multipart at all".to_vec()),
        ("application/json", b"{}".to_vec()),
    ] {
        let res = post(ct, body).await.unwrap();
        assert!(res.status().is_client_error(), "{ct}: {}", res.status());
    }
    // A valid upload whose "photo" is not an image: a typed error with words for the GP.
    let id = uuid::Uuid::new_v4().to_string();
    let (status, e) = app::upload_desktop(&srv, &d, &[("id", id.as_str())], b"%PDF-1.7".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(e["kind"], "not_an_image");
    assert!(e["message"].as_str().unwrap().contains("not a photo we can use"));
    // No id, a bad id, no photo.
    let (status, _) = app::upload_desktop(&srv, &d, &[], app::jpeg(10, 10)).await;
    assert_eq!(status, 400);
    let (status, _) = app::upload_desktop(&srv, &d, &[("id", "../../etc")], app::jpeg(10, 10)).await;
    assert_eq!(status, 400);
    // Over the byte cap: 413, read no further than the cap.
    let big = vec![0u8; 16_000_000];
    let (status, _) = app::upload_desktop(&srv, &d, &[("id", id.as_str())], big).await;
    assert!(status == 413, "{status}");
    // Without this browser's cookie: refused.
    let (status, _) = app::upload(
        &srv,
        &format!("/api/w/{}/photos", d.sid),
        None,
        &[("id", id.as_str())],
        app::jpeg(10, 10),
    )
    .await;
    assert_eq!(status, 403);
    // Still serving.
    assert_eq!(reqwest::get(app::url(&srv, "/healthz")).await.unwrap().status(), 200);
    srv.stop().await;
}

#[tokio::test]
async fn consent_comes_before_photos_and_travels_with_them() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let d = app::launch_without_consent(&srv, "ZZZ0016", UAT).await;
    let id = uuid::Uuid::new_v4().to_string();
    let path = format!("/api/w/{}/photos", d.sid);
    let fields = [
        ("id", id.as_str()),
        ("body_site", "41695006"),
        ("laterality", "385432009"),
        ("image_type", "rash"),
    ];
    let (status, e) = app::upload(&srv, &path, Some(&d.cookie), &fields, app::jpeg(100, 100)).await;
    assert_eq!(status, 409, "{e}");
    assert!(e["message"].as_str().unwrap().contains("consent"));
    let (status, _) = app::call(&srv, &d, "handoff/start", &[("sid", &d.sid)]).await;
    assert_eq!(status, 409, "no phone before consent either");
    let (status, e) = app::call(&srv, &d, "consent", &[("sid", &d.sid), ("kind", "not_obtainable")]).await;
    assert_eq!(status, 400, "a reason is needed: {e}");
    let (status, e) = app::call(&srv, &d, "consent", &[("sid", &d.sid), ("kind", "maybe")]).await;
    assert_eq!(status, 400, "{e}");
    let (status, v) = app::call(
        &srv,
        &d,
        "consent",
        &[
            ("sid", &d.sid),
            ("kind", "not_obtainable"),
            ("reason", "Patient sedated; next of kin agreed"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["consent"],
        "Consent not obtainable: Patient sedated; next of kin agreed"
    );
    let (status, v) = app::upload(&srv, &path, Some(&d.cookie), &fields, app::jpeg(100, 100)).await;
    assert_eq!(status, 201);
    let id = v["id"].as_str().unwrap().to_string(); // minted by the server
    let (status, _) = app::commit(&srv, &d, &id).await;
    assert_eq!(status, 200);
    let media = srv.state.simulator.as_ref().unwrap().received();
    let notes: Vec<&str> = media[0].resource["note"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(
        notes.contains(&"Consent not obtainable: Patient sedated; next of kin agreed"),
        "{notes:?}"
    );
    let rows = app::audit_where(&srv, &format!("session={}", d.sid)).await;
    assert_eq!(rows[0]["event"], "consent");
    assert_eq!(rows[0]["detail"], "not_obtainable");
    srv.stop().await;
}

#[tokio::test]
async fn a_live_phone_link_works_after_thirty_addresses_guessed_wrong() {
    let srv = app::start_with(&[("APP_TRUSTED_PROXIES", "127.0.0.1")], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let (token, _) = start_handoff(&srv, &d).await;
    // 30 addresses each guess tokens until their own limit (10) refuses them.
    let wrong = "A".repeat(43);
    for a in 0..30 {
        let client = format!("203.0.113.{a}");
        for _ in 0..11 {
            let (status, _) = via_proxy(&srv, &client, "handoff/session", &[("token", &wrong)]).await;
            assert_ne!(status, 200);
        }
    }
    // The phone holding the live link is not refused, from a fresh address or a guessing one.
    for client in ["198.51.100.23", "203.0.113.7"] {
        let (status, v) = via_proxy(&srv, client, "handoff/session", &[("token", &token)]).await;
        assert_eq!(status, 200, "{client}: {v}");
        assert!(v["patient"].is_object(), "{v}");
    }
    // A guessing address is still told to stop guessing.
    let (_, e) = via_proxy(&srv, "203.0.113.7", "handoff/session", &[("token", &wrong)]).await;
    assert!(
        e["message"].as_str().unwrap().starts_with("Too many wrong codes"),
        "{e}"
    );
    srv.stop().await;
}
