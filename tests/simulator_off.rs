//! Connected to a real ALEX environment (here: the simulator's addresses behind `uat`, as an
//! instance sees production), nothing of the simulator answers: `/sim` and `/sim/api/…` are 404.

#![cfg(feature = "ssr")]

mod support;

use std::time::Duration;

use support::{app, cluster::Shared};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_simulator_pages_are_not_found_when_connected_to_medtech() {
    let Some(shared) = Shared::new(Duration::ZERO).await else {
        return;
    };
    let a = shared.instance("A", &[]).await;
    for path in ["/sim", "/sim/api/seed", "/sim/api/received"] {
        let res = app::http().get(app::url(&a, path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("/launch?context="), "{path}: no launch link is minted");
    }
    let page = app::http().get(app::url(&a, "/sim")).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("The simulator is not running"));
}
