//! Shared state and the middleware every request passes: request id, rate limit, common
//! headers, the error shape for 404/405, metrics and one JSON log line.

use super::error::ApiError;
use super::limits::{Allowlist, RateLimiter};
use super::metrics::Metrics;
use crate::check::Library;
use crate::resolve::Resolver;
use crate::resolve::criteria::Query;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode};
use axum::middleware::Next;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Everything a request can reach; built once at start.
pub struct App {
    pub library: &'static Library,
    pub resolver: Resolver<'static>,
    pub allow: Allowlist,
    pub limiter: Option<RateLimiter>,
    pub metrics: Metrics,
    pub draining: AtomicBool,
    pub bundles: Arc<Semaphore>,
    pub max_body: usize,
    pub body_timeout: Duration,
    /// `GET /v1/coverage`'s body, computed on first use, or the refusal of a criteria space
    /// over the coverage limit.
    pub coverage: std::sync::OnceLock<Result<String, crate::diag::Diagnostic>>,
    /// Rendered recipes by target and format (YAML or not): the library never changes while
    /// the server runs, so neither does a target's recipe.
    pub recipes: RecipeCache,
    /// Request bodies parsed at once.
    pub parsing: Arc<Semaphore>,
    /// Count clients by the last `X-Forwarded-For` address (`--trust-proxy`).
    pub trust_proxy: bool,
    /// Built bundles by request (`--bundle-cache`).
    pub bundle_cache: super::cache::BundleCache,
}

/// At most [`RecipeCache::CAP`] rendered recipes; beyond it nothing new is kept (the
/// criteria space is finite, but `nodes` is any number).
#[derive(Default)]
pub struct RecipeCache(std::sync::Mutex<std::collections::HashMap<(Query, bool), Bytes>>);

impl RecipeCache {
    pub const CAP: usize = 4096;

    pub fn get(&self, key: &(Query, bool)) -> Option<Bytes> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    pub fn insert(&self, key: (Query, bool), bytes: Bytes) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() < Self::CAP {
            map.insert(key, bytes);
        }
    }
}

pub type Shared = Arc<App>;

#[cfg(test)]
impl App {
    /// The embedded library, no limits: for unit tests.
    pub fn for_tests() -> Shared {
        let library = crate::cli::target::load_library(&[]).expect("the embedded library");
        Arc::new(App {
            library,
            resolver: Resolver::new(library),
            allow: Default::default(),
            limiter: None,
            metrics: Default::default(),
            draining: Default::default(),
            bundles: Arc::new(Semaphore::new(1)),
            max_body: 1024,
            body_timeout: Duration::from_secs(1),
            coverage: Default::default(),
            recipes: Default::default(),
            parsing: Arc::new(Semaphore::new(1)),
            trust_proxy: false,
            bundle_cache: super::cache::BundleCache::new(0, 0),
        })
    }
}

/// The client's address, set per connection by the accept loop.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// The request's id: the client's `X-Request-Id` when it is sane, else a new UUID.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Routes exempt from the rate limit: probes and scrapes come from the cluster itself.
const UNLIMITED: [&str; 3] = ["/health", "/ready", "/metrics"];

/// What the log line, the metrics and the common headers need to know about a request,
/// taken before it is answered: a panic while answering it still gets all three.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub id: String,
    pub method: String,
    pub route: &'static str,
    pub client: IpAddr,
    pub start: Instant,
}

impl Ctx {
    /// The request's context: the one the accept loop attached, else made here.
    pub fn of(app: &App, req: &Request) -> Ctx {
        if let Some(ctx) = req.extensions().get::<Ctx>() {
            return ctx.clone();
        }
        let peer = req.extensions().get::<Peer>().map(|p| p.0.ip());
        Ctx::new(
            app,
            req.method().as_str(),
            req.uri().path(),
            req.headers(),
            peer,
        )
    }

    pub fn new(
        app: &App,
        method: &str,
        path: &str,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Ctx {
        Ctx {
            id: request_id(headers),
            method: method.to_string(),
            route: super::routes::ROUTES
                .iter()
                .chain(super::explore::ROUTES.iter())
                .find(|r| **r == path)
                .map_or(super::ui::route_label(path), |r| r),
            client: client(headers, peer, app.trust_proxy),
            start: Instant::now(),
        }
    }
}

/// The client a request is counted against: the connection's peer, or with `--trust-proxy`
/// the address the proxy in front appended last to `X-Forwarded-For` (the entries before it
/// are whatever the client wrote, so they are never used).
pub fn client(headers: &HeaderMap, peer: Option<IpAddr>, trust_proxy: bool) -> IpAddr {
    let forwarded = trust_proxy
        .then(|| headers.get_all("x-forwarded-for").iter().next_back())
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    forwarded.or(peer).unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// `aicr_http_requests_in_flight`, kept right when answering a request unwinds.
struct InFlight<'a>(&'a Metrics);

impl<'a> InFlight<'a> {
    fn enter(metrics: &'a Metrics) -> Self {
        metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(metrics)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

pub async fn middleware(State(app): State<Shared>, mut req: Request, next: Next) -> Response<Body> {
    let ctx = Ctx::of(&app, &req);
    req.extensions_mut().insert(RequestId(ctx.id.clone()));
    let in_flight = InFlight::enter(&app.metrics);
    let verdict = app
        .limiter
        .as_ref()
        .filter(|_| !UNLIMITED.contains(&ctx.route))
        .map(|l| l.check(ctx.client, ctx.start));
    let resp = match &verdict {
        Some(v) if !v.allowed => {
            app.metrics
                .rate_limit_rejects
                .fetch_add(1, Ordering::Relaxed);
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_EXCEEDED",
                "rate limit exceeded; slow down and retry after the time in `Retry-After`",
            )
            .retry_after(v.reset)
            .into_response(&ctx.id)
        }
        _ => next.run(req).await,
    };
    drop(in_flight);
    finish(&app, resp, &ctx, verdict.as_ref())
}

/// The common headers, the metrics and the log line of a finished request (answered, or
/// failed by a panic).
pub fn finish(
    app: &App,
    resp: Response<Body>,
    ctx: &Ctx,
    verdict: Option<&super::limits::Verdict>,
) -> Response<Body> {
    let mut resp = shape_bare_errors(resp, &ctx.id);
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctx.id) {
        headers.insert("x-request-id", v);
    }
    headers.insert("x-api-version", HeaderValue::from_static("v1"));
    if let Some(v) = verdict {
        headers.insert("x-ratelimit-limit", HeaderValue::from(v.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(v.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(v.reset));
    }
    let status = resp.status().as_u16();
    let seconds = ctx.start.elapsed().as_secs_f64();
    app.metrics.record(&ctx.method, ctx.route, status, seconds);
    log(ctx, status, seconds);
    resp
}

/// axum answers an unknown route or a wrong method with an empty body; give them the
/// error shape (the `Allow` header of a 405 stays).
fn shape_bare_errors(resp: Response<Body>, id: &str) -> Response<Body> {
    let error = match resp.status() {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "method not allowed on this route; see the `Allow` header",
        ),
        StatusCode::NOT_FOUND if resp.headers().get("content-type").is_none() => {
            ApiError::not_found("no such route; `GET /` lists the routes")
        }
        _ => return resp,
    };
    let (parts, _) = resp.into_parts();
    let mut shaped = error.into_response(id);
    for (name, value) in &parts.headers {
        if name == "allow" {
            shaped.headers_mut().insert(name.clone(), value.clone());
        }
    }
    shaped
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(new_uuid, str::to_string)
}

/// A random (version 4) UUID from the standard library's randomly keyed hasher.
fn new_uuid() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::AtomicU64;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let word = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(n ^ salt);
        h.finish()
    };
    let (hi, lo) = (word(0x9e37_79b9), word(0x7f4a_7c15));
    let hi = (hi & !0xf000) | 0x4000;
    let lo = (lo & !(0xc << 60)) | (0x8 << 60);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// One JSON line on stderr, written with one call so that lines of concurrent requests never
/// interleave and a line costs one write.
fn log(ctx: &Ctx, status: u16, seconds: f64) {
    use std::io::Write;
    let line = serde_json::json!({
        "time": crate::measure::clock::rfc3339(crate::measure::clock::now_millis()),
        "level": if status >= 500 { "error" } else { "info" },
        "msg": "request",
        "method": ctx.method,
        "route": ctx.route,
        "status": status,
        "duration_ms": (seconds * 1e6).round() / 1e3,
        "request_id": ctx.id,
        "client": ctx.client.to_string(),
    });
    let mut text = line.to_string();
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let (a, b) = (new_uuid(), new_uuid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn the_recipe_cache_keeps_at_most_its_cap() {
        let cache = RecipeCache::default();
        for n in 0..RecipeCache::CAP + 10 {
            let mut q = Query::any();
            q.values.insert("nodes".into(), n.to_string());
            cache.insert((q, false), Bytes::from_static(b"x"));
        }
        assert_eq!(cache.0.lock().unwrap().len(), RecipeCache::CAP);
        let mut q = Query::any();
        q.values.insert("nodes".into(), "0".into());
        assert!(cache.get(&(q.clone(), false)).is_some());
        assert!(cache.get(&(q, true)).is_none());
    }

    #[test]
    fn x_forwarded_for_counts_only_with_trust_proxy_and_only_its_last_address() {
        let addr = IpAddr::from([10, 0, 0, 1]);
        let peer = Some(addr);
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 192.0.2.7"),
        );
        assert_eq!(client(&h, peer, false), addr);
        assert_eq!(client(&h, peer, true), IpAddr::from([192, 0, 2, 7]));
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("not an address"),
        );
        assert_eq!(client(&h, peer, true), addr);
        assert_eq!(client(&HeaderMap::new(), peer, true), addr);
    }

    #[test]
    fn a_hostile_request_id_is_replaced() {
        let mut h = HeaderMap::new();
        h.insert("x-request-id", HeaderValue::from_static("abc 123"));
        assert_ne!(request_id(&h), "abc 123");
        h.insert("x-request-id", HeaderValue::from_static("abc-123"));
        assert_eq!(request_id(&h), "abc-123");
    }
}
