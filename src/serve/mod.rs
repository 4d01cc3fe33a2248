//! `galley serve`: the recipe service. The library is loaded and checked once; every
//! request resolves against it through one shared [`Resolver`].
//!
//! One line on stdout says where it listens (`listening on http://ADDR`); then one JSON
//! line per request on stderr. SIGTERM or SIGINT stops accepting, lets in-flight requests
//! finish (up to `--shutdown-timeout`) and exits 0.

mod app;
mod archive;
mod author;
mod bundle;
mod cache;
mod error;
mod explore;
mod limits;
mod metrics;
mod multipart;
mod openapi;
mod params;
mod routes;
mod server;
mod ui;

use crate::resolve::Resolver;
use camino::Utf8PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Request bodies parsed at once: a YAML alias bomb may expand to the parser's budget of a
/// million nodes (about 80 MiB) before it is refused.
const PARSING: usize = 4;

/// Bytes of zips the bundle cache keeps at most.
const BUNDLE_CACHE_BYTES: usize = 32 << 20;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on [default: 127.0.0.1:8080, or 127.0.0.1:$PORT when PORT is set]
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// A data directory layered over the embedded library (repeatable)
    #[arg(long = "data", value_name = "DIR")]
    data: Vec<Utf8PathBuf>,
    /// Largest request body accepted, in bytes (413 beyond it)
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_body: usize,
    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT
    /// [default: $SHUTDOWN_TIMEOUT_SECONDS, else 30]
    #[arg(long, value_name = "SECONDS")]
    shutdown_timeout: Option<u64>,
    /// Requests per second per client address (a token bucket; 0 turns the limit off)
    #[arg(long, value_name = "N", default_value_t = 100)]
    rate_limit: u32,
    /// Requests a client may make at once before the rate applies
    #[arg(long, value_name = "N", default_value_t = 200)]
    burst: u32,
    /// Answer only for these criteria values: DIMENSION=VALUE[,VALUE...] (repeatable; adds
    /// to the AICR_ALLOWED_* variables; `any` is always allowed)
    #[arg(long, value_name = "DIM=VALUES")]
    allow: Vec<String>,
    /// Milliseconds a client has to send its request headers before it is dropped
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    header_timeout_ms: u64,
    /// Milliseconds a client has to send its request body (408 beyond it)
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    body_timeout_ms: u64,
    /// Bundles built at once; more get 503 with Retry-After
    #[arg(long, value_name = "N", default_value_t = 8)]
    max_bundles: usize,
    /// Behind one reverse proxy: rate-limit and log each client by the last address in
    /// `X-Forwarded-For` (the one the proxy appended), not by the connection's peer
    #[arg(long)]
    trust_proxy: bool,
    /// Built bundles kept for requests that repeat (same query, same body), least recently
    /// used out first, within 32 MiB; 0 turns the cache off
    #[arg(long, value_name = "N", default_value_t = 64)]
    bundle_cache: usize,
}

pub fn run(args: Args) -> ExitCode {
    let addr = match listen_addr(&args) {
        Ok(a) => a,
        Err(e) => return crate::cli::usage_error(crate::diag::Code::UsageValue, e),
    };
    let shutdown = match shutdown_timeout(&args) {
        Ok(s) => s,
        Err(e) => return crate::cli::usage_error(crate::diag::Code::UsageValue, e),
    };
    let library = match crate::cli::target::load_library(&args.data) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let allow = match limits::Allowlist::build(
        &args.allow,
        |var| std::env::var(var).ok(),
        &library.stdlib.dimensions,
    ) {
        Ok(a) => a,
        Err(e) => return crate::cli::usage_error(crate::diag::Code::UsageValue, e),
    };
    let app = Arc::new(app::App {
        library,
        resolver: Resolver::new(library),
        allow,
        limiter: limits::RateLimiter::new(args.rate_limit, args.burst),
        metrics: metrics::Metrics::default(),
        draining: Default::default(),
        bundles: Arc::new(tokio::sync::Semaphore::new(args.max_bundles.max(1))),
        max_body: args.max_body,
        body_timeout: Duration::from_millis(args.body_timeout_ms.max(1)),
        coverage: Default::default(),
        recipes: Default::default(),
        parsing: Arc::new(tokio::sync::Semaphore::new(PARSING)),
        trust_proxy: args.trust_proxy,
        bundle_cache: cache::BundleCache::new(args.bundle_cache, BUNDLE_CACHE_BYTES),
    });
    let config = server::Config {
        addr,
        header_timeout: Duration::from_millis(args.header_timeout_ms.max(1)),
        shutdown,
    };
    server::run(app, config)
}

fn listen_addr(args: &Args) -> Result<String, String> {
    if let Some(addr) = &args.listen {
        return Ok(addr.clone());
    }
    match std::env::var("PORT") {
        Ok(port) => port
            .trim()
            .parse::<u16>()
            .map(|p| format!("127.0.0.1:{p}"))
            .map_err(|_| format!("invalid PORT `{port}`: expected a port number 0-65535")),
        Err(_) => Ok("127.0.0.1:8080".into()),
    }
}

fn shutdown_timeout(args: &Args) -> Result<Duration, String> {
    if let Some(s) = args.shutdown_timeout {
        return Ok(Duration::from_secs(s));
    }
    match std::env::var("SHUTDOWN_TIMEOUT_SECONDS") {
        Ok(raw) => raw
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| {
                format!("invalid SHUTDOWN_TIMEOUT_SECONDS `{raw}`: expected whole seconds")
            }),
        Err(_) => Ok(Duration::from_secs(30)),
    }
}
