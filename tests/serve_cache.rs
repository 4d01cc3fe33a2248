//! The bundle cache: a repeated `POST /v1/bundle` (same query, same body) is answered with
//! the zip built before, byte for byte the zip a server without the cache builds.

use crate::serve_support::{Server, get, post};
use crate::support::{KUBEFLOW, galley, run};

fn recipe_json() -> Vec<u8> {
    let mut args = vec!["recipe"];
    args.extend(KUBEFLOW);
    args.extend(["--format", "json"]);
    let out = run(galley().args(&args));
    assert!(out.status.success());
    out.stdout
}

fn hits(server: &Server) -> u64 {
    let text = get(&server.url("/metrics"), &[]).text();
    text.lines()
        .find_map(|l| l.strip_prefix("galley_bundle_cache_hits_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no cache hit counter in:\n{text}"))
}

#[test]
fn a_repeated_bundle_request_is_the_same_zip_from_the_cache() {
    let recipe = recipe_json();
    let json = [("content-type", "application/json")];
    let cached = Server::start(&[]);
    let uncached = Server::start(&["--bundle-cache", "0"]);
    let helm = "/v1/bundle?deployer=helm";
    let helmfile = "/v1/bundle?deployer=helmfile";
    let first = post(&cached.url(helm), &json, &recipe);
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(hits(&cached), 0);
    let second = post(&cached.url(helm), &json, &recipe);
    assert_eq!(second.status, 200);
    assert_eq!(hits(&cached), 1);
    assert_eq!(second.body, first.body);
    for header in [
        "x-bundle-files",
        "x-bundle-size",
        "content-type",
        "content-disposition",
    ] {
        assert_eq!(second.header(header), first.header(header), "{header}");
    }
    let built = post(&uncached.url(helm), &json, &recipe);
    assert_eq!(
        built.body, second.body,
        "a cached zip is the zip a build gives"
    );
    let other = post(&cached.url(helmfile), &json, &recipe);
    assert_eq!(other.status, 200, "{}", other.text());
    assert_ne!(other.body, first.body, "another query is another zip");
    assert_eq!(hits(&cached), 1);
    let mut changed = recipe.clone();
    changed.push(b'\n');
    let again = post(&cached.url(helm), &json, &changed);
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(hits(&cached), 1, "another body is built anew");
    post(&uncached.url(helm), &json, &recipe);
    assert_eq!(hits(&uncached), 0, "--bundle-cache 0 keeps nothing");
}
