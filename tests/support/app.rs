//! Starts the whole app (router, server functions, simulator) on a free loopback port.

use clinical_images::{
    config::Settings,
    server::{self, Running, state::AppState},
};
use leptos::prelude::LeptosOptions;

pub fn settings(overrides: &[(&str, &str)]) -> Settings {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let dir = tempdir();
    Settings::from_toml_with_env(&text, path.as_ref(), |k| {
        let given = overrides.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        given.or_else(|| (k == "APP_DATA_DIR").then(|| dir.clone()))
    })
    .unwrap()
}

/// A fresh directory under target/ for one test's data.
pub fn tempdir() -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    dir.to_string_lossy().into_owned()
}

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("clinical_images")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build()
}

/// The app in simulator mode, with environment variables given by `env` only.
pub async fn start(env: &[(&str, &str)]) -> Running {
    start_with(&[], env).await
}

/// As `start`, with `[app]` settings overridden (e.g. `APP_DATA_DIR` to restart on the same data).
/// With TEST_STORE=postgres the records go to a PostgreSQL database named after the data
/// directory (so a restart on the same data finds them), unless `env` names a DATABASE_URL.
pub async fn start_with(overrides: &[(&str, &str)], env: &[(&str, &str)]) -> Running {
    // The app's warnings and errors, shown with a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn")
        .try_init();
    let mut env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let settings = settings(overrides);
    if super::pg::store_is_postgres() && !env.iter().any(|(k, _)| k == "DATABASE_URL") {
        use sha2::Digest;
        let dir = settings.data_dir.to_string_lossy().into_owned();
        let name = hex::encode(&sha2::Sha256::digest(dir.as_bytes())[..12]);
        env.push(("DATABASE_URL".into(), super::pg::database(&name).await));
    }
    let state = AppState::build_with_env(settings, leptos_options(), move |k| {
        env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    })
    .await
    .expect("app builds");
    server::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("app starts")
}

/// Something serving the app: an in-process `Running`, or an instance in a child process.
pub trait Served {
    fn base(&self) -> String;
}

impl Served for Running {
    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl<T: Served> Served for std::sync::Arc<T> {
    fn base(&self) -> String {
        (**self).base()
    }
}

pub fn url(app: &impl Served, path: &str) -> String {
    format!("{}{}", app.base(), path)
}

/// A desktop browser: a launch session id and the cookie that proves this browser opened it.
pub struct Desktop {
    pub sid: String,
    pub cookie: String,
    pub patient_id: String,
}

/// The suite's HTTP client, sending what a browser's `fetch` from our own page sends:
/// `Accept-Encoding: gzip, br` (answers decoded as a browser does), the fetch metadata of a
/// same-origin request, and keep-alive. A test sets its own to act as another site.
pub fn http() -> reqwest::Client {
    browser().build().unwrap()
}

/// The same browser, reading answers as they were sent (still compressed): for tests of the
/// encoding itself, which set their own `Accept-Encoding`.
pub fn http_undecoded() -> reqwest::Client {
    browser().no_gzip().no_brotli().build().unwrap()
}

fn browser() -> reqwest::ClientBuilder {
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in [
        ("sec-fetch-site", "same-origin"),
        ("sec-fetch-mode", "cors"),
        ("sec-fetch-dest", "empty"),
    ] {
        headers.insert(k, reqwest::header::HeaderValue::from_static(v));
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
}

/// A client of an engine that sends no fetch metadata (an old or unnamed embedded browser).
pub fn http_without_fetch_metadata() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Launches the widget for a seeded patient and records verbal consent.
pub async fn launch(app: &Running, nhi: &str, facility: &str) -> Desktop {
    let d = launch_without_consent(app, nhi, facility).await;
    let (status, v) = call(app, &d, "consent", &[("sid", &d.sid), ("kind", "verbal")]).await;
    assert_eq!(status, 200, "consent recorded: {v}");
    d
}

/// Launches the widget for a seeded patient through the real `/launch` path.
pub async fn launch_without_consent(app: &Running, nhi: &str, facility: &str) -> Desktop {
    launch_with_agent(app, nhi, facility, None).await
}

/// As `launch_without_consent`, by a browser sending `user_agent` (when given).
pub async fn launch_with_agent(app: &Running, nhi: &str, facility: &str, user_agent: Option<&str>) -> Desktop {
    let sim = app.state.simulator.clone().expect("simulator mode");
    launch_on(app, &sim, nhi, facility, user_agent).await
}

/// Launches the widget served by `app` through the real `/launch` path, with a launch link
/// minted by `sim` (the ALEX that `app` talks to).
pub async fn launch_on(
    app: &impl Served,
    sim: &clinical_images::simulator::Simulator,
    nhi: &str,
    facility: &str,
    user_agent: Option<&str>,
) -> Desktop {
    let patient = sim
        .patients(facility)
        .into_iter()
        .find(|p| p.nhi == nhi)
        .expect("seeded patient");
    let gp = sim.practitioners(facility)[0].id.clone();
    let pair = sim.mint_launch(facility, Some(&patient.id), &gp);
    let mut req = http().get(url(
        app,
        &format!("/launch?context={}&signature={}", pair.context, pair.signature),
    ));
    if let Some(ua) = user_agent {
        req = req.header("user-agent", ua);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 303, "launch redirects");
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    Desktop {
        sid: location.trim_start_matches("/w/").to_string(),
        cookie,
        patient_id: patient.id,
    }
}

/// Calls a server function (URL-encoded arguments, JSON answer) as the desktop browser.
pub async fn call(
    app: &impl Served,
    desktop: &Desktop,
    endpoint: &str,
    args: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let res = http()
        .post(url(app, &format!("/api/{endpoint}")))
        .header("cookie", &desktop.cookie)
        .form(args)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// A small real JPEG.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 5) as u8, ((x ^ y) * 3) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

/// Uploads a photo as multipart to `path` (desktop: `/api/w/{sid}/photos`, phone: `/api/m/{token}/photos`).
pub async fn upload(
    app: &impl Served,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
    photo: Vec<u8>,
) -> (u16, serde_json::Value) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = form.part(
        "photo",
        reqwest::multipart::Part::bytes(photo)
            .file_name("p.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let mut req = http().post(url(app, path)).multipart(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// Uploads a photo through the desktop session's endpoint.
pub async fn upload_desktop(
    app: &impl Served,
    d: &Desktop,
    fields: &[(&str, &str)],
    photo: Vec<u8>,
) -> (u16, serde_json::Value) {
    upload(app, &format!("/api/w/{}/photos", d.sid), Some(&d.cookie), fields, photo).await
}

/// Commits one photo as the desktop browser.
pub async fn commit(app: &impl Served, d: &Desktop, id: &str) -> (u16, serde_json::Value) {
    call(
        app,
        d,
        "photos/commit",
        &[("sid", &d.sid), ("id", id), ("resend_unknown", "false")],
    )
    .await
}

/// The audit entries of one photo, oldest first (the app must run with `OPS_TOKEN=ops`).
pub async fn audit(app: &impl Served, photo: &str) -> serde_json::Value {
    audit_where(app, &format!("photo={photo}")).await
}

/// The audit entries matching `query` (e.g. `session=…`), oldest first (needs `OPS_TOKEN=ops`).
pub async fn audit_where(app: &impl Served, query: &str) -> serde_json::Value {
    http()
        .get(url(app, &format!("/api/audit?{query}")))
        .bearer_auth("ops")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The `/metrics` page's text (the app must run with `OPS_TOKEN=ops`).
pub async fn metrics_text(app: &impl Served) -> String {
    http()
        .get(url(app, "/metrics"))
        .bearer_auth("ops")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The `event` of each audit entry.
pub fn events(rows: &serde_json::Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["event"].as_str().unwrap().to_string())
        .collect()
}

/// Form fields `ids[0]`, `ids[1]`, … for a server function taking a list of photo ids.
pub fn id_fields(ids: &[String]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("ids[{i}]"), id.clone()))
        .collect()
}

/// Stages `n` small photos through the desktop session and tags them all (left forearm,
/// anterior, lesion), so they are ready to commit; answers their ids.
pub async fn stage_ready(app: &impl Served, d: &Desktop, n: u32) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = uuid::Uuid::new_v4().to_string();
        let (status, v) = upload_desktop(app, d, &[("id", id.as_str())], jpeg(320, 240 + i)).await;
        assert_eq!(status, 201, "staged: {v}");
        ids.push(v["id"].as_str().unwrap().to_string()); // minted by the server
    }
    let mut args = vec![("sid".to_string(), d.sid.clone())];
    args.extend(id_fields(&ids));
    for (k, v) in [
        ("patch[body_site]", "14975008"),
        ("patch[laterality]", "7771000"),
        ("patch[view]", "255549009"),
        ("patch[image_type]", "lesion"),
    ] {
        args.push((k.into(), v.into()));
    }
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, v) = call(app, d, "photos/tag", &args).await;
    assert_eq!(status, 200, "tagged: {v}");
    ids
}

/// Commits photos as Inbox-Scan PDFs as the desktop browser.
pub async fn commit_scan(
    app: &impl Served,
    d: &Desktop,
    ids: &[String],
    resend_unknown: bool,
    targets: Option<&str>,
) -> (u16, serde_json::Value) {
    commit_part(app, d, "photos/commit-scan", ids, resend_unknown, targets).await
}

/// Sends one part of photos' commits as the desktop browser: `endpoint` is `photos/commit-scan`
/// (their PDF) or `photos/commit-tiff` (their TIFFs); `targets` is where photos never sent before
/// go (e.g. "media,scan_pdf,scan_tiff"; the endpoint's own target when `None`).
pub async fn commit_part(
    app: &impl Served,
    d: &Desktop,
    endpoint: &str,
    ids: &[String],
    resend_unknown: bool,
    targets: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut args = vec![("sid".to_string(), d.sid.clone())];
    args.extend(id_fields(ids));
    args.push(("resend_unknown".into(), resend_unknown.to_string()));
    if let Some(t) = targets {
        args.push(("targets".into(), t.to_string()));
    }
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    call(app, d, endpoint, &args).await
}

/// Sends the Media part of one photo's commit as the desktop browser (see `commit_part`).
pub async fn commit_media(
    app: &impl Served,
    d: &Desktop,
    id: &str,
    resend_unknown: bool,
    targets: &str,
) -> (u16, serde_json::Value) {
    let resend = resend_unknown.to_string();
    call(
        app,
        d,
        "photos/commit",
        &[
            ("sid", &d.sid),
            ("id", id),
            ("resend_unknown", &resend),
            ("targets", targets),
        ],
    )
    .await
}

/// Reads a streamed answer (server-sent events) until `needle` appears or five seconds pass;
/// answers what was read.
pub async fn read_until(res: &mut reqwest::Response, needle: &str) -> String {
    let mut seen = String::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Ok(Some(chunk)) = res.chunk().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(needle) {
                break;
            }
        }
    })
    .await;
    seen
}

/// Commit as the desktop browser does: the photos `ids` enter the server's delivery queue,
/// going to `targets` (e.g. "media" or "media,scan_pdf").
pub async fn queue(
    app: &impl Served,
    d: &Desktop,
    ids: &[String],
    targets: &str,
    resend: bool,
) -> (u16, serde_json::Value) {
    let mut args = vec![("sid".to_string(), d.sid.clone())];
    args.extend(id_fields(ids));
    args.push(("targets".into(), targets.to_string()));
    args.push(("resend_unknown".into(), resend.to_string()));
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    call(app, d, "photos/queue", &args).await
}

/// The resources of `resource_type` ALEX stored, counted by their identifier (our photo or
/// document id).
pub fn stored_by_identifier(
    sim: &clinical_images::simulator::Simulator,
    resource_type: &str,
) -> std::collections::HashMap<String, usize> {
    let mut seen = std::collections::HashMap::new();
    for r in sim.received() {
        if r.resource_type == resource_type && r.status == 201 {
            let id = r.resource["identifier"][0]["value"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            *seen.entry(id).or_default() += 1;
        }
    }
    seen
}

/// Waits (at most `secs`) until `done` holds, checking every 200 ms; answers whether it did.
pub async fn eventually(secs: u64, mut done: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < until {
        if done() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    done()
}
