//! Staging on an S3-compatible bucket (`blob_store = "s3"`), against a real S3 API server on
//! loopback (moto_server, installed by `./dev test` into target/pyenv): upload, read back,
//! commit, and retention all go through the bucket.

#![cfg(feature = "ssr")]

mod support;

use support::{
    app,
    moto::{bucket_env, moto_server, start_moto},
};

#[tokio::test]
async fn photos_are_staged_read_committed_and_purged_through_an_s3_bucket() {
    let Some(bin) = moto_server() else { return };
    let (_moto, endpoint) = start_moto(&bin).await;
    let env = bucket_env(&endpoint).await;
    let bucket = env.iter().find(|(k, _)| k == "S3_BUCKET").unwrap().1.clone();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let srv = app::start_with(&[("APP_BLOB_STORE", "s3")], &env).await;
    let d = app::launch(&srv, "ZZZ0016", "F2N060-E").await;
    let id = uuid::Uuid::new_v4().to_string();
    let fields = [
        ("id", id.as_str()),
        ("body_site", "85562004"),
        ("laterality", "7771000"),
        ("image_type", "wound"),
    ];
    let (status, view) = app::upload_desktop(&srv, &d, &fields, app::jpeg(800, 600)).await;
    assert_eq!(status, 201, "{view}");
    let id = view["id"].as_str().unwrap().to_string(); // minted by the server

    // The image is in the bucket, not on local disk.
    let listing = bucket_listing(&endpoint, &bucket).await;
    assert!(listing.contains(&format!("photos/{id}.jpg")), "{listing}");
    let image = app::http()
        .get(app::url(&srv, &format!("/api/w/{}/photos/{id}/image", d.sid)))
        .header("cookie", &d.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200);
    assert!(image.bytes().await.unwrap().starts_with(&[0xFF, 0xD8]));

    let (status, v) = app::commit(&srv, &d, &id).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(srv.state.simulator.as_ref().unwrap().received().len(), 1);

    assert_eq!(srv.state.photos.store.purge(-10, 30 * 86_400).await.unwrap(), 1);
    let listing = bucket_listing(&endpoint, &bucket).await;
    assert!(
        !listing.contains(&format!("photos/{id}.jpg")),
        "deleted from the bucket: {listing}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn s3_without_a_bucket_is_a_clear_startup_error() {
    let err = clinical_images::server::state::AppState::build_with_env(
        app::settings(&[("APP_BLOB_STORE", "s3")]),
        app::leptos_options(),
        |_| None,
    )
    .await
    .err()
    .expect("refused");
    assert!(err.to_string().contains("S3_BUCKET"), "{err}");
}

async fn bucket_listing(endpoint: &str, bucket: &str) -> String {
    app::http()
        .get(format!("{endpoint}/{bucket}?list-type=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}
