//! Live-event streams are bounded per session (issue 24, item 4): one session may hold a few
//! open at once; the fifth closes the first, and the newest still hears its photos.

#![cfg(feature = "ssr")]

mod support;

use std::time::Duration;

use support::app;

const UAT: &str = "F2N060-E";

async fn open(srv: &clinical_images::server::Running, d: &app::Desktop) -> reqwest::Response {
    let res = app::http()
        .get(app::url(srv, &format!("/api/w/{}/events", d.sid)))
        .header("cookie", &d.cookie)
        .header("accept", "text/event-stream")
        .header("sec-fetch-dest", "empty")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res
}

/// Whether the stream ends within `secs` (keep-alive comments do not count as an end).
async fn ends_within(res: &mut reqwest::Response, secs: u64) -> bool {
    tokio::time::timeout(Duration::from_secs(secs), async {
        loop {
            match res.chunk().await {
                Ok(Some(_)) => continue,
                _ => return,
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_fifth_stream_of_a_session_closes_the_first() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let mut streams = Vec::new();
    for _ in 0..5 {
        streams.push(open(&srv, &d).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ends_within(&mut streams[0], 5).await, "the oldest stream was closed");
    for (i, s) in streams.iter_mut().enumerate().skip(1) {
        assert!(!ends_within(s, 1).await, "stream {i} stays open");
    }
    // Another session's streams are not affected by this one's.
    let other = app::launch(&srv, "ZZZ0024", UAT).await;
    let mut theirs = open(&srv, &other).await;
    assert!(!ends_within(&mut theirs, 1).await);
    // The newest still hears a photo staged for its session.
    let ids = app::stage_ready(&srv, &d, 1).await;
    let seen = app::read_until(&mut streams[4], &ids[0]).await;
    assert!(seen.contains(&ids[0]), "{seen}");
    srv.stop().await;
}
