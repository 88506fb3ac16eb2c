//! Issue 10 over real sockets: a photo cannot be replaced by another session, tampered bytes are
//! never sent, nothing stored outlives retention, cross-site requests are refused, nothing is open
//! by default, launches are checked, and patient data is never cached.

mod support;

use clinical_images::{infra::sql::Sql, params};

use std::io::{Read, Write};

use serde_json::Value;
use sha2::{Digest, Sha256};
use support::app::{self, Desktop};

const UAT: &str = "F2N060-E";
const TAGS: [(&str, &str); 3] = [
    ("body_site", "14975008"),
    ("laterality", "7771000"),
    ("image_type", "lesion"),
];

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn stage(srv: &clinical_images::server::Running, d: &Desktop, upload_key: &str, jpeg: Vec<u8>) -> Value {
    let mut fields = vec![("id", upload_key)];
    fields.extend_from_slice(&TAGS);
    let (status, v) = app::upload_desktop(srv, d, &fields, jpeg).await;
    assert_eq!(status, 201, "{v}");
    v
}

async fn image_bytes(srv: &clinical_images::server::Running, d: &Desktop, id: &str) -> (u16, Vec<u8>) {
    let res = app::http()
        .get(app::url(srv, &format!("/api/w/{}/photos/{id}/image", d.sid)))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

#[tokio::test]
async fn another_session_cannot_replace_a_photo_by_naming_its_id() {
    let srv = app::start(&[]).await;
    let a = app::launch(&srv, "ZZZ0016", UAT).await;
    let b = app::launch(&srv, "ZZZ0024", UAT).await;
    let a_key = key();
    let a_photo = app::jpeg(320, 240);
    let staged = stage(&srv, &a, &a_key, a_photo.clone()).await;
    let a_id = staged["id"].as_str().unwrap().to_string();
    assert_ne!(a_id, a_key, "the server mints the photo id");

    // B learnt A's photo id (and even A's upload key) and uploads under each of them.
    for name in [&a_id, &a_key] {
        let (status, v) = app::upload_desktop(&srv, &b, &[("id", name.as_str())], app::jpeg(640, 480)).await;
        assert_eq!(status, 201, "{v}");
        assert_ne!(v["id"], a_id.as_str(), "B gets a photo of its own, never A's");
    }
    let (status, bytes) = image_bytes(&srv, &a, &a_id).await;
    assert_eq!(status, 200);
    assert_eq!(sha(&bytes), staged_sha(&srv, &a_id).await, "A's image is untouched");

    let (status, v) = app::commit(&srv, &a, &a_id).await;
    assert_eq!((status, v["state"].as_str()), (200, Some("committed")), "{v}");
    let got = srv.state.simulator.as_ref().unwrap().received();
    let sent = got
        .iter()
        .find(|r| r.resource["identifier"][0]["value"] == a_id.as_str())
        .unwrap();
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD
        .decode(sent.resource["content"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        sha(&data),
        staged_sha(&srv, &a_id).await,
        "A's patient received A's photo"
    );
    assert_eq!(image_bytes(&srv, &a, &a_id).await.1, data);
    srv.stop().await;
}

async fn staged_sha(srv: &clinical_images::server::Running, id: &str) -> String {
    let id = id.to_string();
    srv.state
        .db
        .call(move |c| c.query_row("SELECT sha256 FROM photos WHERE id = ?1", params![id], |r| r.get(0)))
        .await
        .unwrap()
}

#[tokio::test]
async fn bytes_changed_after_staging_are_never_sent_and_are_audited() {
    let dir = app::tempdir();
    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[("OPS_TOKEN", "ops")]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let v = stage(&srv, &d, &key(), app::jpeg(320, 240)).await;
    let id = v["id"].as_str().unwrap().to_string();
    // Something rewrites the stored image behind the record's back.
    let path = std::path::Path::new(&dir).join(format!("blobs/photos/{id}.jpg"));
    assert!(path.exists(), "{path:?}");
    std::fs::write(&path, app::jpeg(200, 100)).unwrap();

    let (status, e) = app::commit(&srv, &d, &id).await;
    assert_eq!((status, e["kind"].as_str()), (409, Some("integrity")), "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("not the one that was added"),
        "{e}"
    );
    let (_, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(list[0]["state"], "failed", "shown on the photo: {list}");
    assert_eq!(list[0]["failure_kind"], "integrity");
    assert!(
        srv.state.simulator.as_ref().unwrap().received().is_empty(),
        "nothing reached ALEX"
    );
    let (status, _) = image_bytes(&srv, &d, &id).await;
    assert_eq!(status, 409, "the changed image is not shown either");
    let events = app::events(&app::audit(&srv, &id).await);
    assert!(events.contains(&"integrity_failed".to_string()), "{events:?}");

    // The Scan path checks too.
    let v = stage(&srv, &d, &key(), app::jpeg(320, 240)).await;
    let id2 = v["id"].as_str().unwrap().to_string();
    std::fs::write(
        std::path::Path::new(&dir).join(format!("blobs/photos/{id2}.jpg")),
        app::jpeg(100, 100),
    )
    .unwrap();
    let mut args = vec![
        ("sid".to_string(), d.sid.clone()),
        ("resend_unknown".into(), "false".into()),
    ];
    args.extend(app::id_fields(std::slice::from_ref(&id2)));
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, v) = app::call(&srv, &d, "photos/commit-scan", &args).await;
    assert_eq!(status, 409, "{v}");
    assert!(
        srv.state.simulator.as_ref().unwrap().received().is_empty(),
        "no PDF either"
    );
    srv.stop().await;
}

#[tokio::test]
async fn objects_no_record_refers_to_are_deleted_by_retention() {
    let dir = app::tempdir();
    let srv = app::start_with(&[("APP_DATA_DIR", &dir)], &[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let v = stage(&srv, &d, &key(), app::jpeg(320, 240)).await;
    let kept = std::path::Path::new(&dir).join(format!("blobs/photos/{}.jpg", v["id"].as_str().unwrap()));
    let stray = std::path::Path::new(&dir).join("blobs/photos/left-by-a-crash.jpg");
    std::fs::write(&stray, b"bytes").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(48 * 3600);
    for p in [&stray, &kept] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let swept = srv
        .state
        .photos
        .store
        .sweep_orphans(chrono::Utc::now().timestamp() - 24 * 3600)
        .await
        .unwrap();
    assert_eq!(swept, 1);
    assert!(!stray.exists(), "the orphan is gone");
    assert!(kept.exists(), "a staged photo's image stays");
    srv.stop().await;
}

/// A browser request from another site: what a page elsewhere can make a GP's browser send.
fn foreign(req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    req.header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
}

#[tokio::test]
async fn every_state_changing_route_refuses_other_sites() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let v = stage(&srv, &d, &key(), app::jpeg(320, 240)).await;
    let id = v["id"].as_str().unwrap().to_string();
    let (status, h) = app::call(&srv, &d, "handoff/start", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200, "{h}");
    let token = h["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();

    let server_fns = [
        "photos/tag",
        "photos/remove",
        "photos/restore",
        "photos/commit",
        "photos/commit-scan",
        "photos/edit/save",
        "handoff/start",
        "handoff/stop",
        "handoff/redeem",
        "consent",
        "session",
        "photos/list",
    ];
    for endpoint in server_fns {
        let res = foreign(app::http().post(app::url(&srv, &format!("/api/{endpoint}"))))
            .header("cookie", &d.cookie)
            .form(&[("sid", d.sid.as_str()), ("id", id.as_str()), ("ids[0]", id.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{endpoint}");
        let e: Value = res.json().await.unwrap();
        assert!(e["message"].as_str().unwrap().contains("another site"), "{e}");
    }
    // Uploads (desktop and phone) and the close beacon.
    for path in [format!("/api/w/{}/photos", d.sid), format!("/api/m/{token}/photos")] {
        let form = reqwest::multipart::Form::new().text("id", key()).part(
            "photo",
            reqwest::multipart::Part::bytes(app::jpeg(64, 64)).file_name("p.jpg"),
        );
        let res = foreign(app::http().post(app::url(&srv, &path)))
            .header("cookie", &d.cookie)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
    let res = foreign(app::http().post(app::url(&srv, &format!("/api/w/{}/close", d.sid))))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Nothing changed: the photo is still there, untagged changes none, the session lives.
    let (status, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["state"], "staged");
    assert!(srv.state.simulator.as_ref().unwrap().received().is_empty());

    // An engine without Sec-Fetch-Site: Origin decides; our own origin is fine.
    let own = format!("http://{}", srv.addr);
    let (status, _) = {
        let res = app::http_without_fetch_metadata()
            .post(app::url(&srv, "/api/photos/list"))
            .header("cookie", &d.cookie)
            .header("origin", own)
            .form(&[("sid", d.sid.as_str())])
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), ())
    };
    assert_eq!(status, 200);
    // The classic cross-site form type is not read at all.
    let res = app::http()
        .post(app::url(&srv, "/api/photos/remove"))
        .header("cookie", &d.cookie)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "text/plain")
        .body(format!("sid={}&id={id}", d.sid))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    srv.stop().await;
}

#[tokio::test]
async fn nothing_sent_to_the_phone_names_the_desktop_session() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let (_, h) = app::call(&srv, &d, "handoff/start", &[("sid", &d.sid)]).await;
    let token = h["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let k = key();
    let (status, v) = app::upload(
        &srv,
        &format!("/api/m/{token}/photos"),
        None,
        &[("id", k.as_str())],
        app::jpeg(320, 240),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    assert!(
        !v.to_string().contains(&d.sid),
        "the phone's answer carries no session id: {v}"
    );
    let res = app::http()
        .get(app::url(&srv, &format!("/m/{token}")))
        .send()
        .await
        .unwrap();
    assert!(!res.text().await.unwrap().contains(&d.sid), "nor does its page");
    srv.stop().await;
}

#[tokio::test]
async fn a_multipart_upload_without_a_boundary_gets_our_json_error() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let res = app::http()
        .post(app::url(&srv, &format!("/api/w/{}/photos", d.sid)))
        .header("cookie", &d.cookie)
        .header("content-type", "multipart/form-data")
        .body("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let e: Value = res.json().await.expect("a JSON error");
    assert_eq!(e["kind"], "invalid_input");
    assert!(e["message"].as_str().unwrap().contains("photo form"), "{e}");
    srv.stop().await;
}

#[tokio::test]
async fn operations_endpoints_are_closed_without_the_ops_token_and_rate_limited_with_it() {
    let srv = app::start(&[]).await;
    for path in ["/api/alex/test?nhi=ZZZ0016", "/api/alex/token-info", "/api/audit"] {
        let res = app::http().get(app::url(&srv, path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path} is closed without OPS_TOKEN");
    }
    srv.stop().await;

    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let mut statuses = Vec::new();
    for _ in 0..31 {
        let res = app::http()
            .get(app::url(&srv, "/api/alex/token-info"))
            .bearer_auth("ops")
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[30], 429, "one address cannot call ALEX without bound");
    srv.stop().await;
}

#[tokio::test]
async fn a_real_environment_without_credentials_refuses_to_start() {
    let err = clinical_images::server::state::AppState::build_with_env(
        app::settings(&[("APP_ALEX_ENVIRONMENT", "production")]),
        app::leptos_options(),
        |_| None,
    )
    .await
    .err()
    .expect("refused");
    let text = err.to_string();
    assert!(text.contains("ALEX_CLIENT_ID and ALEX_CLIENT_SECRET"), "{text}");
}

fn set_cookie(res: &reqwest::Response) -> String {
    res.headers()["set-cookie"].to_str().unwrap().to_string()
}

async fn launch_with(
    srv: &clinical_images::server::Running,
    headers: &[(&str, &str)],
    created: chrono::DateTime<chrono::Utc>,
) -> reqwest::Response {
    let sim = srv.state.simulator.clone().unwrap();
    let patient = sim.patients(UAT).into_iter().find(|p| p.nhi == "ZZZ0016").unwrap();
    let gp = sim.practitioners(UAT)[0].id.clone();
    let pair = sim.mint_launch_created(UAT, Some(&patient.id), &gp, created);
    let mut req = app::http().get(app::url(
        srv,
        &format!("/launch?context={}&signature={}", pair.context, pair.signature),
    ));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn cookie_flags_believe_forwarded_proto_only_from_a_trusted_proxy() {
    let now = chrono::Utc::now();
    let srv = app::start(&[]).await;
    let res = launch_with(&srv, &[("x-forwarded-proto", "https")], now).await;
    assert_eq!(res.status(), 303);
    let c = set_cookie(&res);
    assert!(
        c.contains("SameSite=Lax") && !c.contains("Secure"),
        "a stranger's header is ignored: {c}"
    );
    assert!(res.headers().get("strict-transport-security").is_none());
    srv.stop().await;

    let srv = app::start_with(&[("APP_TRUSTED_PROXIES", "127.0.0.1")], &[]).await;
    let res = launch_with(&srv, &[("x-forwarded-proto", "https")], now).await;
    let c = set_cookie(&res);
    assert!(
        c.contains("Secure") && c.contains("SameSite=None") && c.contains("Partitioned"),
        "{c}"
    );
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    srv.stop().await;
}

#[tokio::test]
async fn stale_malformed_and_repeated_launches_are_refused() {
    let srv = app::start_with(
        &[
            ("APP_LAUNCH_MAX_AGE_SECONDS", "30"),
            ("APP_LAUNCH_LIMIT_PER_ADDRESS", "4"),
        ],
        &[],
    )
    .await;
    let sim = srv.state.simulator.clone().unwrap();
    // Made two minutes ago (ALEX would still decode it): refused by its age.
    let res = launch_with(&srv, &[], chrono::Utc::now() - chrono::Duration::seconds(120)).await;
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/problem/launch-expired?seen=12"), "{location}");
    // `..` would steer the decode call to another ALEX path: refused before any call.
    let before = sim.request_count(clinical_images::simulator::Endpoint::Any);
    for (c, s) in [("..", "x"), ("a", ".."), ("a%2F..%2F..", "b"), ("a.b", "c")] {
        let res = app::http()
            .get(app::url(&srv, &format!("/launch?context={c}&signature={s}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["location"], "/problem/launch-invalid", "{c} {s}");
    }
    assert_eq!(
        sim.request_count(clinical_images::simulator::Endpoint::Any),
        before,
        "no ALEX call for junk"
    );
    // Junk is refused before it is counted; the stale launch counted: 3 more pass, the 4th not.
    let mut last = String::new();
    for _ in 0..4 {
        let res = launch_with(&srv, &[], chrono::Utc::now()).await;
        last = res.headers()["location"].to_str().unwrap().to_string();
    }
    assert_eq!(last, "/problem/too-many-launches");
    srv.stop().await;
}

#[tokio::test]
async fn a_launch_never_adopts_a_browser_secret_it_did_not_mint() {
    let srv = app::start(&[]).await;
    let planted = "ci_browser=PLANTEDplantedPLANTEDplantedPLANTEDplanted1";
    let res = launch_with(&srv, &[("cookie", planted)], chrono::Utc::now()).await;
    assert_eq!(res.status(), 303);
    let sid = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/w/")
        .to_string();
    let fresh = set_cookie(&res).split(';').next().unwrap().to_string();
    assert_ne!(fresh, planted, "a fresh secret is minted");
    let with = |cookie: &str| Desktop {
        sid: sid.clone(),
        cookie: cookie.to_string(),
        patient_id: String::new(),
    };
    let (status, _) = app::call(&srv, &with(planted), "session", &[("sid", &sid)]).await;
    assert_eq!(status, 403, "whoever planted the old secret holds nothing");
    let (status, _) = app::call(&srv, &with(&fresh), "session", &[("sid", &sid)]).await;
    assert_eq!(status, 200);

    // A second launch in the same browser rotates the secret again; the first tab keeps working.
    let res = launch_with(&srv, &[("cookie", &fresh)], chrono::Utc::now()).await;
    let newer = set_cookie(&res).split(';').next().unwrap().to_string();
    assert_ne!(newer, fresh);
    let (status, _) = app::call(&srv, &with(&newer), "session", &[("sid", &sid)]).await;
    assert_eq!(status, 200, "the browser's earlier session moved to its new secret");
    srv.stop().await;
}

#[tokio::test]
async fn closing_the_widget_ends_the_session_and_stops_its_phone_links() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let (_, h) = app::call(&srv, &d, "handoff/start", &[("sid", &d.sid)]).await;
    let token = h["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let close = || {
        app::http()
            .post(app::url(&srv, &format!("/api/w/{}/close", d.sid)))
            .header("cookie", &d.cookie)
            .header("sec-fetch-site", "same-origin")
            .send()
    };
    assert_eq!(close().await.unwrap().status(), 204);
    let (status, _) = app::upload(
        &srv,
        &format!("/api/m/{token}/photos"),
        None,
        &[("id", key().as_str())],
        app::jpeg(64, 64),
    )
    .await;
    assert_eq!(status, 410, "the phone link stopped at once");
    // A reload comes straight back: the session goes on.
    let (status, _) = app::call(&srv, &d, "session", &[("sid", &d.sid)]).await;
    assert_eq!(status, 200);
    // Closed and not back within the grace period: ended.
    assert_eq!(close().await.unwrap().status(), 204);
    let sid = d.sid.clone();
    srv.state
        .db
        .call(move |c| {
            c.execute(
                "UPDATE sessions SET closing_at = closing_at - 3600 WHERE id = ?1",
                params![sid],
            )
        })
        .await
        .unwrap();
    let (status, _) = app::call(&srv, &d, "session", &[("sid", &d.sid)]).await;
    assert_eq!(status, 410);
    srv.stop().await;
}

#[tokio::test]
async fn committing_every_photo_stops_the_phone_link() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let (_, h) = app::call(&srv, &d, "handoff/start", &[("sid", &d.sid)]).await;
    let token = h["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let phone = format!("/api/m/{token}/photos");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let k = key();
        let mut fields = vec![("id", k.as_str())];
        fields.extend_from_slice(&TAGS);
        let (status, v) = app::upload(&srv, &phone, None, &fields, app::jpeg(64, 64)).await;
        assert_eq!(status, 201, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    app::commit(&srv, &d, &ids[0]).await;
    let k = key();
    let (status, _) = app::upload(&srv, &phone, None, &[("id", k.as_str())], app::jpeg(64, 64)).await;
    assert_eq!(status, 201, "one photo still waits: the link still works");
    let (_, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    let all: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let (status, _) = app::call(
        &srv,
        &d,
        "photos/tag",
        &[
            ("sid", &d.sid),
            ("ids[0]", &all[2]),
            ("patch[body_site]", "14975008"),
            ("patch[laterality]", "7771000"),
            ("patch[image_type]", "lesion"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    for id in &all[1..] {
        let (status, v) = app::commit(&srv, &d, id).await;
        assert_eq!(v["state"], "committed", "{status} {v}");
    }
    let (status, _) = app::upload(&srv, &phone, None, &[("id", key().as_str())], app::jpeg(64, 64)).await;
    assert_eq!(status, 410, "everything is in Medtech: the phone link is stopped");
    srv.stop().await;
}

#[tokio::test]
async fn patient_pages_answers_and_images_are_never_cached() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let v = stage(&srv, &d, &key(), app::jpeg(320, 240)).await;
    let id = v["id"].as_str().unwrap();
    let get = |path: String| {
        app::http()
            .get(app::url(&srv, &path))
            .header("cookie", &d.cookie)
            .send()
    };
    let page = get(format!("/w/{}", d.sid)).await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert_eq!(page.headers()["x-frame-options"], "SAMEORIGIN");
    let html = page.text().await.unwrap();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "Leptos' scripts carry this response's nonce"
    );
    assert!(
        !csp.contains("'unsafe-inline'")
            || !csp
                .split(';')
                .find(|d| d.contains("script-src"))
                .unwrap()
                .contains("unsafe-inline")
    );
    let image = get(format!("/api/w/{}/photos/{id}/image", d.sid)).await.unwrap();
    assert_eq!(image.headers()["cache-control"], "no-store");
    let res = app::http()
        .post(app::url(&srv, "/api/photos/list"))
        .header("cookie", &d.cookie)
        .form(&[("sid", d.sid.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let phone = get("/m".into()).await.unwrap();
    assert_eq!(phone.headers()["cache-control"], "no-store");
    srv.stop().await;
}

#[tokio::test]
async fn a_client_sending_headers_slowly_is_dropped_and_request_ids_are_checked() {
    let srv = app::start_with(&[("APP_HEADER_READ_TIMEOUT_SECONDS", "1")], &[]).await;
    let addr = srv.addr;
    let closed = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
        let mut buf = Vec::new();
        // The server gives up on us: the read ends (EOF or an error answer) instead of hanging.
        let _ = s.read_to_end(&mut buf);
        buf
    })
    .await
    .unwrap();
    assert!(closed.is_empty() || String::from_utf8_lossy(&closed).starts_with("HTTP/1.1 408"));

    let res = app::http()
        .get(app::url(&srv, "/healthz"))
        .header("x-request-id", "not a plain id; ZZZ0016")
        .send()
        .await
        .unwrap();
    let echoed = res.headers()["x-request-id"].to_str().unwrap();
    assert!(
        !echoed.contains("ZZZ0016") && uuid::Uuid::parse_str(echoed).is_ok(),
        "{echoed}"
    );
    let res = app::http()
        .get(app::url(&srv, "/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    srv.stop().await;
}

/// An engine that sends neither `Sec-Fetch-Site` nor `Origin` (issue 24, item 3): a form from
/// another site, named by its `Referer`, changes nothing — a photo removal, the basic page's tags.
#[tokio::test]
async fn a_foreign_referer_is_refused_from_an_engine_without_fetch_metadata() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let v = stage(&srv, &d, &key(), app::jpeg(320, 240)).await;
    let id = v["id"].as_str().unwrap().to_string();
    let old = app::http_without_fetch_metadata();
    let evil = "https://evil.example/innocent.html";
    let res = old
        .post(app::url(&srv, "/api/photos/remove"))
        .header("cookie", &d.cookie)
        .header("referer", evil)
        .form(&[("sid", d.sid.as_str()), ("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = old
        .post(app::url(&srv, &format!("/w/{}/basic/photos/{id}/tags", d.sid)))
        .header("cookie", &d.cookie)
        .header("referer", evil)
        .form(&[("view", "255549009")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (_, list) = app::call(&srv, &d, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(list[0]["state"], "staged", "not removed");
    assert!(list[0]["tags"]["view"].is_null(), "not tagged: {list}");
    // Our own page's Referer (were one sent) is fine.
    let res = old
        .post(app::url(&srv, "/api/photos/list"))
        .header("cookie", &d.cookie)
        .header("referer", format!("http://{}/w/{}", srv.addr, d.sid))
        .form(&[("sid", d.sid.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    srv.stop().await;
}
