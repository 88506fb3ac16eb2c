//! The browser bundle and response compression (ssr only).
//!
//! `/pkg` is served from `{site-root}/{site-pkg-dir}` with the `.br` and `.gz` siblings the
//! release build makes at maximum quality (`./dev build --release`), chosen by the browser's
//! `Accept-Encoding`. A release bundle's files carry a content hash in their names
//! (`clinical_images.<hash>.wasm`), so they never change under one name: those are cached for a
//! year (`immutable`); anything else under `/pkg` (a debug build) is revalidated every time.
//! Patient data never reaches this cache rule: the security guard marks every other answer
//! `no-store`.
//!
//! Pages and JSON answers are compressed on the fly (brotli, gzip) when the browser asks.
//! Images, PDFs and TIFFs are already compressed, and the live feed (server-sent events) must
//! flush each event at once: those are left as they are.

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use leptos::prelude::LeptosOptions;
use tower_http::{
    compression::{
        CompressionLayer,
        predicate::{DefaultPredicate, NotForContentType, Predicate},
    },
    services::ServeDir,
};

/// A year, the longest `max-age` caches honour.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed bundle files (debug builds): cache, but ask the server every time.
pub const REVALIDATE: &str = "no-cache";

/// The `/pkg` service: the bundle directory, precompressed siblings preferred.
pub fn pkg_router(options: &LeptosOptions) -> Router {
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_headers))
}

/// The mount point of [`pkg_router`]: `/pkg` for `site-pkg-dir = "pkg"`.
pub fn pkg_path(options: &LeptosOptions) -> String {
    format!("/{}", options.site_pkg_dir.trim_matches('/'))
}

/// `Cache-Control`: immutable for a hashed name that was found; anything else (an unhashed name,
/// a miss) is revalidated. `Vary: Accept-Encoding` on everything: one URL has several encodings.
async fn cache_headers(req: Request, next: Next) -> Response {
    let hashed = req.uri().path().rsplit('/').next().is_some_and(is_hashed_name);
    let mut resp = next.run(req).await;
    let found = resp.status().is_success() || resp.status() == axum::http::StatusCode::NOT_MODIFIED;
    let h = resp.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let policy = if hashed && found { IMMUTABLE } else { REVALIDATE };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    resp
}

/// `name.<hash>.ext` (the release build's names): a dot-separated part of 16 or more lowercase
/// hex digits before the extension.
pub fn is_hashed_name(file: &str) -> bool {
    let mut parts = file.split('.');
    let _stem = parts.next();
    let mut middle: Vec<&str> = parts.collect();
    middle.pop(); // the extension (`wasm`, or `br` / `gz` after it)
    middle
        .iter()
        .any(|p| p.len() >= 16 && p.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// On-the-fly compression for pages and JSON: brotli (quality 4) or gzip, never for images,
/// PDFs, TIFFs, server-sent events or tiny bodies.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new()
        .and(NotForContentType::const_new("application/pdf"))
        .and(NotForContentType::const_new("application/octet-stream"))
        .and(NotForContentType::const_new("application/wasm"));
    // Only the `compression-br` and `compression-gzip` features are on: no deflate, no zstd.
    CompressionLayer::new().compress_when(predicate)
}

#[cfg(test)]
mod tests {
    use super::is_hashed_name;

    #[test]
    fn release_names_carry_a_hash() {
        assert!(is_hashed_name("clinical_images.3f9a0c1b2d4e5f60.wasm"));
        assert!(is_hashed_name("clinical_images.3f9a0c1b2d4e5f60.wasm.br"));
        assert!(is_hashed_name("clinical_images.3f9a0c1b2d4e5f60.css.gz"));
        assert!(!is_hashed_name("clinical_images.wasm"));
        assert!(!is_hashed_name("clinical_images.wasm.br"));
        assert!(!is_hashed_name("clinical_images.3F9A0C1B2D4E5F60.js"));
        assert!(!is_hashed_name("clinical_images.3f9a0c.js"));
        assert!(!is_hashed_name("3f9a0c1b2d4e5f60"));
    }
}
