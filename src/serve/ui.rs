//! The recipe explorer: the static page under `/ui/` (the `ui/` folder, embedded in the
//! binary). It reads only galley's own JSON routes; no CDN, no external fonts, so it works
//! air-gapped. Every asset carries its type, an ETag (a hash of its bytes; `If-None-Match`
//! gets a 304), `Cache-Control: no-cache` (the browser revalidates, a new binary is seen at
//! once) and a Content-Security-Policy that allows this origin only.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::{Router, routing};
use sha2::{Digest, Sha256};

/// The files of `ui/`, each named (`include_str!` makes cargo rebuild when one changes).
const ASSETS: [(&str, &str); 3] = [
    ("index.html", include_str!("../../ui/index.html")),
    ("app.css", include_str!("../../ui/app.css")),
    ("app.js", include_str!("../../ui/app.js")),
];

/// Scripts, styles, images, fetches and frames from this origin only; no inline script.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/ui", routing::get(redirect))
        .route("/ui/", routing::get(asset))
        .route("/ui/{*path}", routing::get(asset))
}

/// The metrics label of a path outside the API: `/ui` for the explorer's files.
pub fn route_label(path: &str) -> &'static str {
    if path == "/ui" || path.starts_with("/ui/") {
        "/ui"
    } else {
        "unmatched"
    }
}

async fn redirect(req: Request) -> Response<Body> {
    // The query string (a shared view) survives the redirect.
    let location = match req.uri().query() {
        Some(q) => format!("/ui/?{q}"),
        None => "/ui/".to_string(),
    };
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::PERMANENT_REDIRECT;
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn asset(req: Request) -> Response<Body> {
    let path = req.uri().path().trim_start_matches("/ui/");
    let name = if path.is_empty() { "index.html" } else { path };
    let Some(file) = lookup(name) else {
        return not_found(name);
    };
    let etag = etag(file.as_bytes());
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if fresh {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        Response::new(Body::from(file))
    };
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    resp
}

/// A file of the embedded folder; names with `..`, a backslash or an empty segment are
/// never looked up.
fn lookup(name: &str) -> Option<&'static str> {
    let sane = name
        .split('/')
        .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && !name.contains('\\');
    if !sane {
        return None;
    }
    ASSETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

fn not_found(name: &str) -> Response<Body> {
    let body = serde_json::json!({
        "code": "NO_MATCHING_RULE",
        "message": format!("no file `{name}` in the explorer; the page is at `/ui/`"),
    });
    let mut resp = Response::new(Body::from(format!("{body}\n")));
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A strong ETag: the first 16 bytes of the SHA-256 of the asset, in hex and quoted.
fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_assets_are_embedded_with_their_types() {
        for (name, ty) in [
            ("index.html", "text/html; charset=utf-8"),
            ("app.css", "text/css; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
        ] {
            assert!(lookup(name).is_some(), "{name} is embedded");
            assert_eq!(content_type(name), ty);
        }
    }

    #[test]
    fn paths_that_leave_the_folder_are_not_looked_up() {
        for bad in ["../Cargo.toml", "a//b", "./index.html", "x\\..\\y", ""] {
            assert!(lookup(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        for (name, text) in ASSETS {
            // The SVG namespace is a name, not a place the page loads from.
            let text = text.replace("http://www.w3.org/2000/svg", "");
            for needle in ["http://", "https://", "//cdn", "@import url("] {
                assert!(!text.contains(needle), "{name} names `{needle}`");
            }
        }
    }

    #[test]
    fn etags_differ_when_the_bytes_do() {
        assert_eq!(etag(b"a"), etag(b"a"));
        assert_ne!(etag(b"a"), etag(b"b"));
        assert!(etag(b"a").starts_with('"'));
    }
}
