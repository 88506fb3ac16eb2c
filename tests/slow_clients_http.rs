//! Slow clients cannot hold what others need (issue 24, item 4): a body that trickles in is cut
//! and its upload pass goes to the next GP (two authorised uploads send a byte a second, declaring
//! bodies that take every byte of the upload budget; another GP's upload still goes through); a
//! trickling small body is cut before any handler waits; and a server at its connection limit
//! still answers its health probes.

#![cfg(feature = "ssr")]

mod support;

use std::time::Duration;

use support::app;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const UAT: &str = "F2N060-E";

/// Opens an upload on a raw socket that declares `declared` bytes and then sends one a second;
/// answers the status line the server finally sends (or what ended the connection).
async fn trickle(addr: std::net::SocketAddr, d: &app::Desktop, declared: usize) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/w/{}/photos HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nSec-Fetch-Site: same-origin\r\n\
         Sec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\nAccept-Encoding: gzip, br\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {declared}\r\n\r\n\
         --b\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\n\r\n",
        d.sid, addr, d.cookie
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    for _ in 0..120 {
        if s.write_all(b"x").await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_secs(1), s.read(&mut answer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return "closed".into(),
            Ok(Ok(n)) => {
                return String::from_utf8_lossy(&answer[..n])
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
            }
            Err(_) => {} // nothing yet: another byte
        }
    }
    "never answered".into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_trickling_body_is_cut_and_another_gps_upload_succeeds() {
    // 12 MiB of upload bodies at once; each trickler declares 6 MiB.
    let srv = app::start_with(&[("APP_UPLOAD_BUDGET_MIB", "12")], &[]).await;
    let a = app::launch(&srv, "ZZZ0016", UAT).await;
    let b = app::launch(&srv, "ZZZ0024", UAT).await;
    let other_gp = app::launch(&srv, "ZZZ0032", UAT).await;
    let declared = 6 << 20;
    let slow = [
        tokio::spawn({
            let addr = srv.addr;
            async move { trickle(addr, &a, declared).await }
        }),
        tokio::spawn({
            let addr = srv.addr;
            async move { trickle(addr, &b, declared).await }
        }),
    ];
    tokio::time::sleep(Duration::from_secs(2)).await; // both hold their passes now
    let (status, v) = app::upload_desktop(
        &srv,
        &other_gp,
        &[("id", &uuid::Uuid::new_v4().to_string())],
        app::jpeg(640, 480),
    )
    .await;
    assert_eq!(status, 201, "another GP's upload goes through: {v}");
    for t in slow {
        let answer = t.await.unwrap();
        assert!(
            answer.contains(" 408 ") || answer == "closed",
            "the trickling upload was cut: {answer}"
        );
    }
    srv.stop().await;
}

/// An unauthenticated body that trickles in (a phone code on `/api/handoff/redeem`) is cut
/// within seconds, before any handler waits on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_trickling_small_body_is_cut_before_any_handler_waits() {
    let srv = app::start(&[]).await;
    let mut s = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    let head = format!(
        "POST /api/handoff/redeem HTTP/1.1\r\nHost: {}\r\nSec-Fetch-Site: same-origin\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ncode=",
        srv.addr
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let mut got = String::from("never answered");
    for _ in 0..60 {
        if s.write_all(b"A").await.is_err() {
            got = "closed".into();
            break;
        }
        match tokio::time::timeout(Duration::from_secs(1), s.read(&mut answer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                got = "closed".into();
                break;
            }
            Ok(Ok(n)) => {
                got = String::from_utf8_lossy(&answer[..n])
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                break;
            }
            Err(_) => {}
        }
    }
    assert!(got.contains(" 408 "), "cut with 408: {got}");
    // Meanwhile the server answers everyone else.
    let res = app::http().get(app::url(&srv, "/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    srv.stop().await;
}

/// With every connection taken (idle sockets), the health probes still answer; other requests
/// on the connections kept for them are told to come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_server_still_answers_its_health_probes() {
    let srv = app::start_with(&[("APP_MAX_CONNECTIONS", "4")], &[]).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(tokio::net::TcpStream::connect(srv.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A fresh client each time: a new connection, as a load balancer's probe opens.
    let fresh = || reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    for path in ["/healthz", "/readyz"] {
        let res = fresh().get(app::url(&srv, path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let res = fresh().get(app::url(&srv, "/api/capabilities")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    drop(idle);
    srv.stop().await;
}
