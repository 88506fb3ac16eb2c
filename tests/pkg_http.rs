//! Issue 12 over real sockets: the browser bundle is sent precompressed (the `.br` / `.gz` the
//! release build stores beside each file) with a year's `immutable` caching on hashed names; pages
//! and JSON answers are compressed on the fly when asked and stay `no-store`; photos and the live
//! feed are never compressed.

mod support;

use std::io::{Read, Write};

use clinical_images::server::{self, Running, state::AppState};
use leptos::prelude::LeptosOptions;
use support::app;

const HASH: &str = "0123456789abcdef";
const UAT: &str = "F2N060-E";

/// A release-style site: `clinical_images.<HASH>.{js,wasm,css}` with real brotli and gzip
/// siblings, and one unhashed file (as a debug build leaves).
fn release_site() -> String {
    let root = app::tempdir();
    let pkg = std::path::Path::new(&root).join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let body = |ext: &str| -> Vec<u8> {
        let mut b = format!("/* {ext} of the bundle */\n").into_bytes();
        for i in 0..2000 {
            b.extend_from_slice(format!("export const v{i} = {i};\n").as_bytes());
        }
        b
    };
    for ext in ["js", "wasm", "css"] {
        let name = format!("clinical_images.{HASH}.{ext}");
        let raw = body(ext);
        std::fs::write(pkg.join(&name), &raw).unwrap();
        std::fs::write(pkg.join(format!("{name}.br")), brotli_bytes(&raw)).unwrap();
        std::fs::write(pkg.join(format!("{name}.gz")), gzip_bytes(&raw)).unwrap();
    }
    std::fs::write(pkg.join("clinical_images.js"), body("debug js")).unwrap();
    root
}

fn brotli_bytes(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
    w.write_all(raw).unwrap();
    drop(w);
    out
}

fn gzip_bytes(raw: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(raw).unwrap();
    w.finish().unwrap()
}

fn unbrotli(b: &[u8]) -> String {
    let mut s = String::new();
    brotli::Decompressor::new(b, 4096).read_to_string(&mut s).unwrap();
    s
}

fn gunzip(b: &[u8]) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(b).read_to_string(&mut s).unwrap();
    s
}

/// The app on the simulator, serving `site` under the hashed bundle name.
async fn start(site: &str) -> Running {
    let options = LeptosOptions::builder()
        .output_name(format!("clinical_images.{HASH}"))
        .site_root(site)
        .site_pkg_dir("pkg")
        .build();
    let state = AppState::build_with_env(app::settings(&[]), options, |_| None)
        .await
        .expect("app builds");
    server::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("app starts")
}

async fn get(srv: &Running, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = app::http_undecoded().get(app::url(srv, path));
    if let Some(a) = accept {
        req = req.header("accept-encoding", a);
    }
    req.send().await.unwrap()
}

/// A GET by the session's browser, which accepts brotli and gzip.
async fn get_as(srv: &Running, d: &app::Desktop, path: &str) -> reqwest::Response {
    app::http_undecoded()
        .get(app::url(srv, path))
        .header("cookie", &d.cookie)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[tokio::test]
async fn the_bundle_is_sent_precompressed_and_cached_for_good() {
    let site = release_site();
    let srv = start(&site).await;
    let pkg = std::path::Path::new(&site).join("pkg");
    let wasm = format!("clinical_images.{HASH}.wasm");

    for (accept, encoding, sibling) in [
        ("br", "br", format!("{wasm}.br")),
        ("gzip, deflate, br", "br", format!("{wasm}.br")),
        ("gzip", "gzip", format!("{wasm}.gz")),
    ] {
        let res = get(&srv, &format!("/pkg/{wasm}"), Some(accept)).await;
        assert_eq!(res.status(), 200, "{accept}");
        assert_eq!(header(&res, "content-encoding"), encoding, "{accept}");
        assert_eq!(header(&res, "content-type"), "application/wasm", "{accept}");
        assert_eq!(header(&res, "cache-control"), IMMUTABLE, "{accept}");
        assert!(header(&res, "vary").contains("accept-encoding"), "{accept}");
        let served = res.bytes().await.unwrap();
        assert_eq!(served.as_ref(), std::fs::read(pkg.join(&sibling)).unwrap(), "{accept}");
    }

    // A browser that accepts no compression gets the file itself, still cacheable for good.
    for accept in [None, Some("identity")] {
        let res = get(&srv, &format!("/pkg/{wasm}"), accept).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-encoding"), "", "{accept:?}");
        assert_eq!(header(&res, "cache-control"), IMMUTABLE);
        let served = res.bytes().await.unwrap();
        assert_eq!(served.as_ref(), std::fs::read(pkg.join(&wasm)).unwrap());
    }

    // The script and stylesheet likewise, decoding to the files themselves.
    for ext in ["js", "css"] {
        let name = format!("clinical_images.{HASH}.{ext}");
        let res = get(&srv, &format!("/pkg/{name}"), Some("br")).await;
        assert_eq!(header(&res, "content-encoding"), "br");
        assert_eq!(header(&res, "cache-control"), IMMUTABLE);
        let text = unbrotli(&res.bytes().await.unwrap());
        assert_eq!(text.as_bytes(), std::fs::read(pkg.join(&name)).unwrap());
    }

    // An unhashed name may change under the same URL: revalidated, never `immutable`.
    let res = get(&srv, "/pkg/clinical_images.js", Some("br")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control"), "no-cache");
    // Nothing there (an old release's name): asked again next time, never kept for good.
    let res = get(&srv, &format!("/pkg/clinical_images.{HASH}.missing"), Some("br")).await;
    assert_eq!(res.status(), 404);
    assert_eq!(header(&res, "cache-control"), "no-cache");
    srv.stop().await;
}

#[tokio::test]
async fn pages_and_json_are_compressed_when_asked_and_never_stored() {
    let srv = start(&release_site()).await;

    let plain = get(&srv, "/sim", None).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), "");
    let plain = plain.text().await.unwrap();

    for (accept, encoding) in [("br", "br"), ("gzip", "gzip")] {
        let res = get(&srv, "/sim", Some(accept)).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-encoding"), encoding);
        assert_eq!(header(&res, "cache-control"), "no-store");
        assert!(header(&res, "content-type").starts_with("text/html"));
        let bytes = res.bytes().await.unwrap();
        let html = if encoding == "br" {
            unbrotli(&bytes)
        } else {
            gunzip(&bytes)
        };
        assert!(
            bytes.len() * 2 < html.len(),
            "{encoding}: {} of {}",
            bytes.len(),
            html.len()
        );
        // The page names the hashed bundle: script, wasm and stylesheet.
        for asset in ["js", "wasm", "css"] {
            assert!(
                html.contains(&format!("/pkg/clinical_images.{HASH}.{asset}")),
                "{asset}: {html}"
            );
        }
        assert!(
            html.len().abs_diff(plain.len()) < 200,
            "the same page (only the nonce differs)"
        );
    }

    // A server function's JSON answer about a patient's photos.
    let d = app::launch(&srv, "ZZZ0016", UAT).await;
    for _ in 0..3 {
        let (status, v) = app::upload_desktop(
            &srv,
            &d,
            &[("id", &uuid::Uuid::new_v4().to_string())],
            app::jpeg(64, 48),
        )
        .await;
        assert_eq!(status, 201, "{v}");
    }
    let res = app::http_undecoded()
        .post(app::url(&srv, "/api/photos/list"))
        .header("cookie", &d.cookie)
        .header("accept-encoding", "br")
        .form(&[("sid", &d.sid)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-encoding"), "br");
    assert_eq!(header(&res, "cache-control"), "no-store");
    let list: serde_json::Value = serde_json::from_str(&unbrotli(&res.bytes().await.unwrap())).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(3), "{list}");

    // A photo is already compressed: sent as it is, and never stored by a cache.
    let id = list[0]["id"].as_str().unwrap();
    let res = get_as(&srv, &d, &format!("/api/w/{}/photos/{id}/image", d.sid)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/jpeg");
    assert_eq!(header(&res, "content-encoding"), "");
    assert_eq!(header(&res, "cache-control"), "no-store");
    let jpeg = res.bytes().await.unwrap();
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "JPEG bytes as they are");

    // The live feed flushes each event as it happens: never compressed.
    let res = get_as(&srv, &d, &format!("/api/w/{}/events", d.sid)).await;
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("text/event-stream"));
    assert_eq!(header(&res, "content-encoding"), "");
    drop(res);
    srv.stop().await;
}
