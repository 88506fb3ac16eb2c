//! An S3 API server on loopback for the tests (moto_server, installed by `./dev test` into
//! target/pyenv), and a bucket of one's own in it.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn moto_server() -> Option<String> {
    let path = std::env::var("MOTO_SERVER")
        .ok()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/target/pyenv/bin/moto_server").into());
    if std::path::Path::new(&path).exists() {
        return Some(path);
    }
    assert!(
        std::env::var("REQUIRE_S3_TEST").is_err(),
        "moto_server not found at {path}: ./dev test installs it"
    );
    eprintln!("SKIPPED: no moto_server at {path} (run ./dev test, which installs it)");
    None
}

pub async fn start_moto(bin: &str) -> (Moto, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let moto = Moto(child);
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(&url).await.is_ok() {
            return (moto, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not answer on {url}");
}

/// A fresh bucket on `endpoint`, and the environment an app needs to stage its images there.
pub async fn bucket_env(endpoint: &str) -> Vec<(String, String)> {
    let bucket = format!("ci-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "bucket created: {}", created.status());
    [
        ("APP_BLOB_STORE", "s3"),
        ("S3_BUCKET", bucket.as_str()),
        ("S3_ENDPOINT", endpoint),
        ("S3_REGION", "us-east-1"),
        ("S3_ACCESS_KEY_ID", "test"),
        ("S3_SECRET_ACCESS_KEY", "test"),
        ("S3_ALLOW_HTTP", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}
