//! Accepting connections (ssr only): HTTP/1.1 with a deadline for a request's headers (a client
//! that sends a byte a second is dropped, not kept forever), a bound on open connections — past
//! it, a few more are kept for the health probes alone, so a full server still says it is alive —
//! the peer's address for every request, and a graceful stop that lets requests in flight finish.

use std::{convert::Infallible, future::Future, sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode, header},
    response::{IntoResponse, Response},
};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

/// Connections past `max_connections` that still serve `/healthz` and `/readyz` (and only them).
const RESERVED_FOR_PROBES: usize = 8;

fn is_probe(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}

/// What a connection kept for the probes answers anything else.
fn full() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONNECTION, "close"), (header::RETRY_AFTER, "1")],
        "The server is at its connection limit. Try again in a moment.",
    )
        .into_response()
}

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
    /// How long a stop waits for requests in flight.
    pub drain: Duration,
}

/// Serves `app` on `listener` until `stop` resolves, then drains (bounded by `limits.drain`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    stop: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let reserve = Arc::new(Semaphore::new(RESERVED_FOR_PROBES));
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let (permit, probes_only) = match open.clone().try_acquire_owned() {
            Ok(p) => (p, false),
            Err(_) => match reserve.clone().try_acquire_owned() {
                Ok(p) => (p, true),
                Err(_) => {
                    tracing::warn!("connection limit reached: connection refused");
                    drop(stream);
                    continue;
                }
            },
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            let app = app.clone();
            async move {
                if probes_only && !is_probe(req.uri().path()) {
                    return Ok::<_, Infallible>(full());
                }
                req.extensions_mut().insert(ConnectInfo(peer));
                app.oneshot(req.map(Body::new)).await
            }
        });
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout);
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown()).await.is_err() {
        tracing::warn!("stopping with requests still in flight");
    }
    Ok(())
}
