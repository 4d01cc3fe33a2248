//! The accept loop: HTTP/1.1 connections with a header read timeout, each request answered
//! by the router on a task of its own, and a graceful drain on SIGTERM or SIGINT.

use super::app::{Ctx, Peer, Shared};
use super::error::ApiError;
use axum::body::Body;
use axum::http::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::net::TcpListener;

pub struct Config {
    pub addr: String,
    pub header_timeout: Duration,
    pub shutdown: Duration,
}

pub fn run(app: Shared, config: Config) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(64)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return crate::cli::usage_error(
                crate::diag::Code::ServeStart,
                format!("cannot start the server: {e}"),
            );
        }
    };
    runtime.block_on(serve(app, config))
}

async fn serve(app: Shared, config: Config) -> ExitCode {
    let listener = match TcpListener::bind(&config.addr).await {
        Ok(l) => l,
        Err(e) => {
            return crate::cli::usage_error(
                crate::diag::Code::ServeStart,
                format!("cannot listen on `{}`: {e}", config.addr),
            );
        }
    };
    let local = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            return crate::cli::usage_error(
                crate::diag::Code::ServeStart,
                format!("cannot listen: {e}"),
            );
        }
    };
    crate::cli::emit(&format!("listening on http://{local}\n"));
    let router = super::routes::router(app.clone());
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop_signal());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let (router, app) = (router.clone(), app.clone());
                let service = hyper::service::service_fn(move |req| {
                    answer(app.clone(), router.clone(), peer, req)
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(config.header_timeout)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            () = &mut stop => break,
        }
    }
    app.draining.store(true, Ordering::Relaxed);
    drop(listener);
    eprintln!(
        "{}",
        serde_json::json!({"level": "info", "msg": "draining", "timeout_s": config.shutdown.as_secs()})
    );
    if tokio::time::timeout(config.shutdown, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!(
            "{}",
            serde_json::json!({"level": "warn", "msg": "shutdown timeout reached; open connections closed"})
        );
    }
    eprintln!("{}", serde_json::json!({"level": "info", "msg": "stopped"}));
    ExitCode::SUCCESS
}

/// One request on a task of its own: a panic anywhere in answering it is a 500 for it
/// alone, with the common headers, its metrics and its log line, and the connection and the
/// server go on.
async fn answer<B>(
    app: Shared,
    router: axum::Router,
    peer: std::net::SocketAddr,
    req: Request<B>,
) -> Result<Response<Body>, Infallible>
where
    B: hyper::body::Body<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    use tower_service::Service;
    let mut req = req.map(Body::new);
    let ctx = Ctx::new(
        &app,
        req.method().as_str(),
        req.uri().path(),
        req.headers(),
        Some(peer.ip()),
    );
    req.extensions_mut().insert(Peer(peer));
    req.extensions_mut().insert(ctx.clone());
    let mut router = router;
    let task = tokio::spawn(async move { router.call(req).await });
    Ok(match task.await {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(_) => {
            let resp = ApiError::internal("the server failed while answering this request")
                .into_response(&ctx.id);
            super::app::finish(&app, resp, &ctx, None)
        }
    })
}

async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    async fn boom() -> &'static str {
        if std::hint::black_box(true) {
            panic!("a bug in a handler");
        }
        "unreachable"
    }

    #[test]
    fn a_panic_is_a_500_with_the_common_headers_metrics_and_in_flight_kept() {
        let app = super::super::app::App::for_tests();
        let router = axum::Router::new()
            .route("/health", get(boom))
            .layer(axum::middleware::from_fn_with_state(
                app.clone(),
                super::super::app::middleware,
            ))
            .with_state(app.clone());
        let req = Request::builder()
            .uri("/health")
            .header("x-request-id", "panic-1")
            .body(Body::empty())
            .unwrap();
        let peer = std::net::SocketAddr::from(([127, 0, 0, 1], 9));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let Ok(resp) = rt.block_on(answer(app.clone(), router, peer, req));
        assert_eq!(resp.status(), 500);
        assert_eq!(resp.headers()["x-request-id"], "panic-1");
        assert_eq!(resp.headers()["x-api-version"], "v1");
        let metrics = app.metrics.render(0);
        assert!(
            metrics.contains(r#"path="/health",status="500"} 1"#),
            "{metrics}"
        );
        assert!(
            metrics.contains("aicr_http_requests_in_flight 0"),
            "{metrics}"
        );
    }
}
