//! The desktop's live feed (server-sent events) over HTTP: a page that fell behind is told to
//! reload its photo list instead of silently missing photos.

#![cfg(feature = "ssr")]

mod support;

use clinical_images::{launch::server::load_live, staging::service::PhotoEvent};
use support::app;

const UAT: &str = "F2N060-E";

#[tokio::test]
async fn a_lagged_subscriber_is_told_to_resync_and_keeps_receiving() {
    let srv = app::start(&[]).await;
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    let id = uuid::Uuid::new_v4().to_string();
    let (status, v) = app::upload_desktop(&srv, &d, &[("id", id.as_str())], app::jpeg(320, 240)).await;
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string(); // minted by the server
    let (_, session) = load_live(&srv.state.sessions, &d.sid).await.unwrap();
    let record = srv.state.photos.store.get(&session.id, &id).await.unwrap().unwrap();

    let mut res = app::http()
        .get(app::url(&srv, &format!("/api/w/{}/events", d.sid)))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // More events than the channel holds, all at once (this test's runtime has one thread, so the
    // stream cannot read any of them until the loop is done): the subscriber lags.
    let event = PhotoEvent::Staged {
        session_id: session.id.clone(),
        record: record.clone(),
    };
    for _ in 0..1000 {
        let _ = srv.state.photos.events.send(event.clone());
    }
    let seen = app::read_until(&mut res, "event: resync").await;
    assert!(seen.contains("event: resync"), "a lagged stream says so: {seen:?}");

    // And the feed goes on.
    let _ = srv.state.photos.events.send(event.clone());
    let after = app::read_until(&mut res, "event: photo").await;
    assert!(after.contains("event: photo"), "{after:?}");
    drop(res);
    srv.stop().await;
}
