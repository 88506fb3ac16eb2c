//! A keep-alive client after an early refusal (issue 24, item 5): an upload refused before its
//! photo is read (no consent yet) says `Connection: close`, so the browser's next request goes
//! on a fresh connection instead of into one the server is closing.

#![cfg(feature = "ssr")]

mod support;

use support::app;

const UAT: &str = "F2N060-E";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_request_after_an_early_refusal_never_fails() {
    let srv = app::start(&[]).await;
    let d = app::launch_without_consent(&srv, "ZZZ0016", UAT).await;
    // One client, as a browser tab: its connections are kept alive and reused.
    let http = app::http();
    let photo = app::jpeg(900, 700);
    let mut failed = Vec::new();
    for i in 0..20 {
        let form = reqwest::multipart::Form::new()
            .text("id", uuid::Uuid::new_v4().to_string())
            .part(
                "photo",
                reqwest::multipart::Part::bytes(photo.clone()).file_name("p.jpg"),
            );
        let res = http
            .post(app::url(&srv, &format!("/api/w/{}/photos", d.sid)))
            .header("cookie", &d.cookie)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 409, "no consent yet");
        assert_eq!(
            res.headers()["connection"],
            "close",
            "the refusal says it ends the connection"
        );
        let _ = res.bytes().await;
        let next = http
            .post(app::url(&srv, "/api/photos/list"))
            .header("cookie", &d.cookie)
            .form(&[("sid", d.sid.as_str())])
            .send()
            .await;
        match next {
            Ok(r) if r.status() == 200 => {}
            other => failed.push((i, format!("{other:?}"))),
        }
    }
    assert!(failed.is_empty(), "requests after a refusal failed: {failed:?}");
    // A refusal of a request without a body keeps the connection.
    let res = http
        .get(app::url(&srv, &format!("/api/w/{}/photos/no-such-photo/image", d.sid)))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    assert!(res.headers().get("connection").is_none(), "{:?}", res.headers());
    srv.stop().await;
}
