//! The explorer's server side without a browser: the assets under `/ui/` and their headers,
//! and the routes it reads (`/v1/criteria`, `/v1/graph`, `/v1/diff`) against the CLI.

use crate::serve_support::{Server, get};
use crate::support::galley;

fn cli(args: &[&str]) -> String {
    let out = galley().args(args).output().expect("galley runs");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn the_page_is_served_with_its_type_etag_and_a_self_only_policy() {
    let server = Server::start(&[]);
    for (path, ty) in [
        ("/ui/", "text/html; charset=utf-8"),
        ("/ui/app.js", "text/javascript; charset=utf-8"),
        ("/ui/app.css", "text/css; charset=utf-8"),
    ] {
        let got = get(&server.url(path), &[]);
        assert_eq!(got.status, 200, "{path}");
        assert_eq!(got.header("content-type"), Some(ty), "{path}");
        assert_eq!(got.header("cache-control"), Some("no-cache"), "{path}");
        let csp = got.header("content-security-policy").expect("a policy");
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        assert!(!csp.contains("unsafe") && !csp.contains("http"), "{csp}");
        let etag = got.header("etag").expect("an etag").to_string();
        let again = get(&server.url(path), &[("If-None-Match", &etag)]);
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
    }
    let index = get(&server.url("/ui/"), &[]).text();
    assert!(index.contains("<script src=\"app.js\""), "{index}");
    assert!(
        !index.contains("<script>"),
        "no inline script: the policy forbids it"
    );
}

#[test]
fn ui_redirects_keeping_the_query_and_unknown_files_are_404() {
    let server = Server::start(&[]);
    // Raw, so that no client follows the redirect.
    let got = crate::serve_support::raw(
        &server.addr,
        b"GET /ui?service=eks&intent=training HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        std::time::Duration::from_secs(10),
    );
    assert!(got.starts_with("HTTP/1.1 308"), "{got}");
    assert!(
        got.to_ascii_lowercase()
            .contains("\r\nlocation: /ui/?service=eks&intent=training\r\n"),
        "{got}"
    );
    for path in [
        "/ui/nope.js",
        "/ui/../Cargo.toml",
        "/ui/%2e%2e/Cargo.toml",
        "/ui/app.js/x",
    ] {
        let got = get(&server.url(path), &[]);
        assert_eq!(got.status, 404, "{path}: {}", got.text());
    }
    // The API's index stays as it was.
    let index = get(&server.url("/"), &[]).json();
    assert_eq!(index["service"], "galley");
}

#[test]
fn criteria_lists_the_dimensions_of_the_library_and_the_allowlist() {
    let server = Server::start(&["--allow", "service=eks,gke"]);
    let got = get(&server.url("/v1/criteria"), &[]).json();
    let coverage: serde_json::Value =
        serde_json::from_str(&cli(&["coverage", "--format", "json"])).unwrap();
    let dims = got["dimensions"].as_array().unwrap();
    let names: Vec<&str> = dims.iter().map(|d| d["name"].as_str().unwrap()).collect();
    let want: Vec<&str> = coverage["dimensions"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, want);
    let service = &dims[0];
    let mut values: Vec<serde_json::Value> = service["values"].as_array().unwrap().clone();
    values.insert(0, "any".into());
    assert_eq!(
        serde_json::Value::Array(values),
        coverage["dimensions"]["service"]
    );
    assert_eq!(service["allowed"], serde_json::json!(["eks", "gke"]));
    assert!(dims[1].get("allowed").is_none());
    assert_eq!(
        get(&server.url("/v1/criteria?x=1"), &[]).status,
        400,
        "the route takes no parameters"
    );
}

#[test]
fn graph_and_diff_answer_what_the_cli_prints() {
    let server = Server::start(&[]);
    let graph = get(
        &server.url("/v1/graph?service=eks&gpu=h100&intent=training"),
        &[],
    );
    assert_eq!(graph.status, 200, "{}", graph.text());
    let flags = [
        "--service",
        "eks",
        "--accelerator",
        "h100",
        "--intent",
        "training",
    ];
    let want = cli(&[&["graph"][..], &flags, &["--format", "json"]].concat());
    assert_eq!(graph.text(), want);
    let diff = get(
        &server.url(
            "/v1/diff?service=eks&accelerator=h100&intent=training&to-service=gke&to-gpu=b200",
        ),
        &[],
    );
    assert_eq!(diff.status, 200, "{}", diff.text());
    let want = cli(&[
        &["diff"][..],
        &flags,
        &[
            "--to-service",
            "gke",
            "--to-accelerator",
            "b200",
            "--format",
            "json",
        ],
    ]
    .concat());
    assert_eq!(diff.text(), want);
    let same = get(&server.url("/v1/diff?service=eks"), &[]).json();
    assert_eq!(same["equal"], true);
}

#[test]
fn graph_and_diff_refuse_bad_targets_with_the_cli_diagnostic() {
    let server = Server::start(&["--data", "tests/fixtures/check/target-conflict"]);
    let got = get(&server.url("/v1/diff?service=eks&to-service=gkk"), &[]);
    assert_eq!(got.status, 400, "{}", got.text());
    assert_eq!(got.json()["details"]["suggestion"], "gke");
    let got = get(&server.url("/v1/diff?service=eks&to-servce=gke"), &[]);
    assert_eq!(got.status, 400);
    assert!(got.text().contains("`to-service`"), "{}", got.text());
    let conflict = "service=gke&accelerator=l40&os=rhel";
    for route in ["graph", "diff"] {
        let got = get(&server.url(&format!("/v1/{route}?{conflict}")), &[]);
        assert_eq!(got.status, 422, "{route}: {}", got.text());
        assert_eq!(got.json()["code"], "RECIPE_CONFLICT", "{route}");
    }
}
