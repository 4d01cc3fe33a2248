//! The accept loop: HTTP/1.1 connections with a header read timeout, each request answered
//! by the router on a task of its own, and a graceful drain on SIGTERM or SIGINT.

use super::app::{Peer, Shared};
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
                let router = router.clone();
                let service = hyper::service::service_fn(move |req| answer(router.clone(), peer, req));
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
/// alone, and the connection and the server go on.
async fn answer(
    router: axum::Router,
    peer: std::net::SocketAddr,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, Infallible> {
    use tower_service::Service;
    let mut req = req.map(Body::new);
    req.extensions_mut().insert(Peer(peer));
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut router = router;
    let task = tokio::spawn(async move { router.call(req).await });
    Ok(match task.await {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(_) => {
            ApiError::internal("the server failed while answering this request").into_response(&id)
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
