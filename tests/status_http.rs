//! Every refusal of a server function reaches a browser with its kind's HTTP status, whatever
//! `Accept-Encoding` the browser sends (issue 24, item 1): the suite's client sends
//! `gzip, br` and same-origin fetch metadata, as a browser does, and one check reads the raw,
//! still-compressed answer to prove the compression is there.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::simulator::{Endpoint, Fault, FaultKind};
use support::app::{self, Desktop, Served};

const UAT: &str = "F2N060-E";

/// The refusal's status and kind, as a browser reads it (decoded).
async fn refused(app: &impl Served, cookie: &str, endpoint: &str, args: &[(&str, &str)]) -> (u16, String) {
    let res = app::http()
        .post(app::url(app, &format!("/api/{endpoint}")))
        .header("cookie", cookie)
        .form(args)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    (status, body["kind"].as_str().unwrap_or("?").to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_refusal_keeps_its_status_under_compression() {
    let srv = app::start(&[]).await;
    let sim = srv.state.simulator.clone().unwrap();
    let d: Desktop = app::launch(&srv, "ZZZ0016", UAT).await;
    let other = app::launch(&srv, "ZZZ0024", UAT).await;
    let ids = app::stage_ready(&srv, &d, 1).await;
    let theirs = app::stage_ready(&srv, &other, 1).await;

    // An unknown tag code.
    let got = refused(
        &srv,
        &d.cookie,
        "photos/tag",
        &[("sid", &d.sid), ("ids[0]", &ids[0]), ("patch[body_site]", "999999")],
    )
    .await;
    assert_eq!(got, (400, "invalid_input".into()));
    // This session, from another browser.
    let got = refused(&srv, &other.cookie, "photos/list", &[("sid", &d.sid)]).await;
    assert_eq!(got, (403, "not_this_browser".into()));
    // No such session.
    let got = refused(&srv, &d.cookie, "photos/list", &[("sid", "no-such-session")]).await;
    assert_eq!(got.0, 404, "{got:?}");
    // Another session's photo, named in this one.
    let got = refused(
        &srv,
        &d.cookie,
        "photos/withdraw",
        &[("sid", &d.sid), ("id", &theirs[0]), ("reason", "x")],
    )
    .await;
    assert_eq!(got, (404, "not_found".into()));
    // A wrong phone code.
    let got = refused(&srv, "", "handoff/redeem", &[("code", "ZZZZ-ZZZZ")]).await;
    assert_eq!(got.0, 400, "{got:?}");
    // The same refusal read raw: it was compressed, and its status is still 400.
    let raw = app::http_undecoded();
    for encoding in ["gzip", "br", "gzip, deflate, br, zstd"] {
        let res = raw
            .post(app::url(&srv, "/api/photos/tag"))
            .header("cookie", &d.cookie)
            .header("accept-encoding", encoding)
            .form(&[
                ("sid", d.sid.as_str()),
                ("ids[0]", ids[0].as_str()),
                ("patch[body_site]", "999999"),
            ])
            .send()
            .await
            .unwrap();
        let compressed = res
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        assert!(compressed.is_some(), "{encoding}: the refusal was compressed");
        assert_eq!(res.status(), 400, "{encoding}: compressed as {compressed:?}");
    }
    // A photo the queue holds, sent around it.
    sim.inject(Fault {
        endpoint: Endpoint::Media,
        kind: FaultKind::Unavailable,
        count: 10_000,
    });
    let (status, v) = app::queue(&srv, &d, &ids, "media", false).await;
    assert_eq!(status, 200, "{v}");
    let got = refused(
        &srv,
        &d.cookie,
        "photos/commit",
        &[("sid", &d.sid), ("id", &ids[0]), ("resend_unknown", "false")],
    )
    .await;
    assert_eq!(got, (409, "conflict".into()));

    srv.stop().await;
}
