//! Issue 12.4 over real sockets: each opened launch is counted by browser engine family and major
//! version, and by whether the page's WebAssembly ran (the hydrated page's beacon); operators read
//! the counts at `/api/ops/engines`; the User-Agent itself is never stored.

mod support;

use clinical_images::{infra::sql::Sql, params};

use clinical_images::server::Running;
use serde_json::{Value, json};
use support::app;

const UAT: &str = "F2N060-E";
const CHROME: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const IE11: &str = "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; rv:11.0) like Gecko";
const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// A launch through `/launch` by a browser sending `user_agent`: the session id and its cookie.
async fn launch_as(srv: &Running, user_agent: Option<&str>) -> (String, String) {
    let nhi = srv.state.simulator.clone().unwrap().patients(UAT)[0].nhi.clone();
    let d = app::launch_with_agent(srv, &nhi, UAT, user_agent).await;
    (d.sid, d.cookie)
}

/// The hydrated page's beacon, as the browser's server-function call sends it.
async fn beacon(srv: &Running, sid: &str, cookie: &str, fetch_site: &str) -> u16 {
    app::http()
        .post(app::url(srv, "/api/launch/wasm"))
        .header("cookie", cookie)
        .header("sec-fetch-site", fetch_site)
        .form(&[("sid", sid)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn engines(srv: &Running, token: Option<&str>) -> (u16, Value) {
    let mut req = app::http().get(app::url(srv, "/api/ops/engines"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn launches_are_counted_by_engine_and_by_whether_webassembly_ran() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;

    // Chrome 131 runs the page; so does Firefox 128, whose page is reloaded (one launch, counted
    // once); Internet Explorer 11 opens the page but never runs it; one client names no engine.
    let (chrome, chrome_cookie) = launch_as(&srv, Some(CHROME)).await;
    let (firefox, firefox_cookie) = launch_as(&srv, Some(FIREFOX)).await;
    let (ie, ie_cookie) = launch_as(&srv, Some(IE11)).await;
    let (_bare, _) = launch_as(&srv, None).await;
    assert_eq!(beacon(&srv, &chrome, &chrome_cookie, "same-origin").await, 200);
    assert_eq!(beacon(&srv, &firefox, &firefox_cookie, "same-origin").await, 200);
    assert_eq!(beacon(&srv, &firefox, &firefox_cookie, "same-origin").await, 200);

    // The IE launch's beacon cannot be sent for it by another site; a made-up session is refused.
    assert_eq!(beacon(&srv, &ie, &ie_cookie, "cross-site").await, 403);
    let made_up = "A".repeat(43);
    assert_ne!(beacon(&srv, &made_up, &chrome_cookie, "same-origin").await, 200);

    // Operators only.
    assert_eq!(engines(&srv, None).await.0, 401);
    assert_eq!(engines(&srv, Some("wrong")).await.0, 401);
    let (status, body) = engines(&srv, Some("ops")).await;
    assert_eq!(status, 200, "{body}");
    let mut rows = body["engines"].as_array().unwrap().clone();
    rows.sort_by_key(|r| r["engine"].as_str().unwrap().to_string());
    assert_eq!(
        Value::Array(rows),
        json!([
            {"engine": "chromium", "major": 131, "wasm": true, "launches": 1},
            {"engine": "firefox", "major": 128, "wasm": true, "launches": 1},
            {"engine": "other", "major": null, "wasm": false, "launches": 1},
            {"engine": "trident", "major": 11, "wasm": false, "launches": 1},
        ])
    );
    assert_eq!(body["days"], 90);

    // A second Chrome 131 launch without its beacon counts on the `wasm: false` side.
    launch_as(&srv, Some(CHROME)).await;
    let (_, body) = engines(&srv, Some("ops")).await;
    let chrome_rows: Vec<&Value> = body["engines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["engine"] == "chromium")
        .collect();
    assert_eq!(chrome_rows.len(), 2, "{body}");
    assert!(chrome_rows.iter().all(|r| r["launches"] == 1 && r["major"] == 131));

    // The metrics say the same without versions.
    let metrics = app::metrics_text(&srv).await;
    assert!(
        metrics.contains("clinical_images_wasm_started_total{engine=\"firefox\"} 1"),
        "{metrics}"
    );

    // No User-Agent string is stored anywhere in the database (SQLite: its main file or its log;
    // PostgreSQL: every row of every table, as text).
    let data_dir = srv.state.settings.data_dir.clone();
    let mut stored = Vec::new();
    if support::pg::store_is_postgres() {
        let rows: Vec<String> = srv
            .state
            .db
            .call(|c| {
                let tables: Vec<String> = c.query_map(
                    "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = 'public'",
                    params![],
                    |r| r.get(0),
                )?;
                let mut rows = Vec::new();
                for t in tables {
                    rows.extend(
                        c.query_map(&format!("SELECT CAST(t AS TEXT) FROM {t} t"), params![], |r| {
                            r.get::<_, String>(0)
                        })?,
                    );
                }
                Ok(rows)
            })
            .await
            .unwrap();
        stored.extend(rows.join("\n").into_bytes());
    }
    srv.stop().await;
    for entry in std::fs::read_dir(&data_dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("clinical-images.sqlite3")
        {
            stored.extend(std::fs::read(&path).unwrap());
        }
    }
    let least = if support::pg::store_is_postgres() { 200 } else { 4096 };
    assert!(stored.len() > least, "the database was read");
    let stored = String::from_utf8_lossy(&stored);
    for fragment in ["Mozilla", "Trident/7.0", "Gecko/20100101", "AppleWebKit", "Win64"] {
        assert!(!stored.contains(fragment), "{fragment} stored");
    }
    assert!(stored.contains("trident"), "the engine family is stored");
}
