//! The launch clock over real sockets (issue 24, item 2): ALEX publishes no format for a
//! launch's `createdTime`, and the simulator writes each one a field report may show. A fresh
//! launch opens in every format; the reading that fitted is counted; a launch fresh under no
//! reading is refused with a page that says by how much the clocks differ.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::simulator::CreatedTimeFormat;
use support::app;

const UAT: &str = "F2N060-E";

/// Opens `/launch` with a pair minted `age_secs` ago; answers the status and `Location`.
async fn launch(srv: &clinical_images::server::Running, age_secs: i64) -> (u16, String) {
    let sim = srv.state.simulator.clone().unwrap();
    let patient = sim.patients(UAT)[0].id.clone();
    let gp = sim.practitioners(UAT)[0].id.clone();
    let created = chrono::Utc::now() - chrono::Duration::seconds(age_secs);
    let pair = sim.mint_launch_created(UAT, Some(&patient), &gp, created);
    let res = app::http()
        .get(app::url(
            srv,
            &format!("/launch?context={}&signature={}", pair.context, pair.signature),
        ))
        .header("sec-fetch-site", "cross-site")
        .header("sec-fetch-mode", "navigate")
        .header("sec-fetch-dest", "iframe")
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (res.status().as_u16(), location)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fresh_launch_opens_whatever_format_alex_writes_its_time_in() {
    let srv = app::start(&[("OPS_TOKEN", "ops")]).await;
    let sim = srv.state.simulator.clone().unwrap();
    for (format, reading) in [
        (CreatedTimeFormat::Rfc3339, "offset"),
        (CreatedTimeFormat::UtcWithoutOffset, "utc"),
        (CreatedTimeFormat::NzWithoutOffset, "new_zealand"),
    ] {
        sim.set_created_time_format(format);
        let (status, location) = launch(&srv, 5).await;
        assert_eq!(status, 303, "{format:?}");
        assert!(location.starts_with("/w/"), "{format:?} opens the widget: {location}");
        let metrics = app::metrics_text(&srv).await;
        let line = format!("clinical_images_launch_clock_total{{reading=\"{reading}\"}}");
        assert!(metrics.contains(&line), "{line} counted: {metrics}");
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_launch_fresh_under_no_reading_is_refused_saying_by_how_much() {
    // Our limit (60 s) is shorter than the simulator's own (300 s), so ALEX still decodes it.
    let srv = app::start_with(&[("APP_LAUNCH_MAX_AGE_SECONDS", "60")], &[]).await;
    let sim = srv.state.simulator.clone().unwrap();
    for format in [CreatedTimeFormat::UtcWithoutOffset, CreatedTimeFormat::NzWithoutOffset] {
        sim.set_created_time_format(format);
        let (status, location) = launch(&srv, 180).await;
        assert_eq!(status, 303, "{format:?}");
        assert!(
            location.starts_with("/problem/launch-expired?seen=1"),
            "{format:?}: refused, with the difference seen: {location}"
        );
        let page = app::http().get(app::url(&srv, &location)).send().await.unwrap();
        assert_eq!(page.status(), 400);
        let html = page.text().await.unwrap();
        assert!(html.contains("This launch link has expired"), "{html}");
        assert!(html.contains("3 minutes behind this server"), "{html}");
    }
    // What the page is told is only ever a number.
    let page = app::http()
        .get(app::url(&srv, "/problem/launch-expired?seen=%3Cscript%3E"))
        .send()
        .await
        .unwrap();
    assert!(!page.text().await.unwrap().contains("behind this server"));
    srv.stop().await;
}
