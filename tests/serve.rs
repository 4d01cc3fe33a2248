//! `galley serve` over real sockets: every route against the CLI's output, byte for byte,
//! and the reference's headers, errors and metrics.

use crate::serve_support::{Server, delete, get, post};
use crate::support::{KUBEFLOW, TempDir, galley, run, stderr};
use std::collections::BTreeMap;
use std::io::Read;

const KUBEFLOW_QUERY: &str =
    "service=eks&accelerator=h100&intent=training&os=ubuntu&platform=kubeflow";

fn cli(args: &[&str]) -> Vec<u8> {
    let out = run(galley().args(args));
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out.stdout
}

fn kubeflow_recipe_json() -> Vec<u8> {
    let mut args = vec!["recipe"];
    args.extend(KUBEFLOW);
    args.extend(["--format", "json"]);
    cli(&args)
}

#[test]
fn recipe_get_and_post_are_the_cli_recipe_byte_for_byte() {
    let server = Server::start(&[]);
    let want = kubeflow_recipe_json();
    let got = get(&server.url(&format!("/v1/recipe?{KUBEFLOW_QUERY}")), &[]);
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.text(), String::from_utf8_lossy(&want));
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(got.header("cache-control"), Some("public, max-age=600"));
    assert_eq!(got.header("x-api-version"), Some("v1"));

    let mut args = vec!["recipe"];
    args.extend(KUBEFLOW);
    let want_yaml = cli(&args);
    let yaml = get(
        &server.url(&format!("/v1/recipe?{KUBEFLOW_QUERY}")),
        &[("accept", "application/yaml")],
    );
    assert_eq!(yaml.text(), String::from_utf8_lossy(&want_yaml));
    assert_eq!(yaml.header("content-type"), Some("application/yaml"));

    // `gpu` is the reference's alias of `accelerator`.
    let alias = get(
        &server.url("/v1/recipe?service=eks&gpu=h100&intent=training&os=ubuntu&platform=kubeflow"),
        &[],
    );
    assert_eq!(alias.body, want);

    let dir = TempDir::new("serve-criteria");
    let criteria = "kind: RecipeCriteria\napiVersion: aicr.nvidia.com/v1alpha1\nspec:\n  service: eks\n  accelerator: h100\n  intent: training\n  os: ubuntu\n  platform: kubeflow\n";
    let file = dir.path().join("criteria.yaml");
    std::fs::write(&file, criteria).unwrap();
    let from_file = cli(&[
        "recipe",
        "--criteria",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let posted = post(
        &server.url("/v1/recipe"),
        &[("content-type", "application/yaml")],
        criteria.as_bytes(),
    );
    assert_eq!(posted.status, 200, "{}", posted.text());
    assert_eq!(posted.body, from_file);
    let as_json = r#"{"kind":"RecipeCriteria","spec":{"service":"eks","accelerator":"h100","intent":"training","os":"ubuntu","platform":"kubeflow"}}"#;
    let posted = post(
        &server.url("/v1/recipe"),
        &[("content-type", "application/json")],
        as_json.as_bytes(),
    );
    assert_eq!(posted.body, from_file);
}

#[test]
fn query_get_and_post_are_the_cli_value_byte_for_byte() {
    let server = Server::start(&[]);
    for selector in [
        "components.gpu-operator.values.driver",
        ".deploymentOrder[0]",
        "",
    ] {
        let mut args = vec!["query"];
        args.extend(KUBEFLOW);
        args.extend(["--selector", selector, "--format", "json"]);
        let want = cli(&args);
        let url = format!("/v1/query?{KUBEFLOW_QUERY}&selector={selector}");
        let got = get(&server.url(&url), &[]);
        assert_eq!(got.status, 200, "{selector}: {}", got.text());
        assert_eq!(got.text(), String::from_utf8_lossy(&want), "{selector}");

        let body = serde_json::json!({
            "criteria": {"service": "eks", "accelerator": "h100", "intent": "training", "os": "ubuntu", "platform": "kubeflow"},
            "selector": selector,
        });
        let posted = post(
            &server.url("/v1/query"),
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        );
        assert_eq!(posted.body, want, "{selector}");
    }
    let mut args = vec!["query"];
    args.extend(KUBEFLOW);
    args.extend(["--selector", "components.gpu-operator.chart"]);
    let want = cli(&args);
    let got = get(
        &server.url(&format!(
            "/v1/query?{KUBEFLOW_QUERY}&selector=components.gpu-operator.chart"
        )),
        &[("accept", "application/yaml")],
    );
    assert_eq!(got.body, want, "a scalar prints bare, as the CLI prints it");

    let missing = get(
        &server.url(&format!(
            "/v1/query?{KUBEFLOW_QUERY}&selector=components.nope"
        )),
        &[],
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["code"], "NO_MATCHING_RULE");
}

/// The entries of a zip, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.insert(entry.name().unwrap().to_string(), data);
    }
    out
}

/// Every file under `dir` by relative path, leaving out galley's output marker.
fn tree(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = crate::support::read_tree(dir);
    out.remove(".galley-output");
    out
}

#[test]
fn bundle_is_a_zip_of_the_files_the_cli_writes() {
    let server = Server::start(&[]);
    let dir = TempDir::new("serve-bundle");
    let recipe = kubeflow_recipe_json();
    let recipe_file = dir.path().join("recipe.json");
    std::fs::write(&recipe_file, &recipe).unwrap();
    let cases: [(&str, Vec<&str>); 3] = [
        ("deployer=helm", vec![]),
        (
            "deployer=argocd&repo=https://git.example.com/org/repo.git&set=gpu-operator:driver.version=570.1&set=gpu-operator:driver.enabled=false&system-node-selector=pool=system&accelerated-node-toleration=nvidia.com/gpu=present:NoSchedule&nodes=4",
            vec![
                "--deployer",
                "argocd",
                "--repo",
                "https://git.example.com/org/repo.git",
                "--set",
                "gpu-operator:driver.version=570.1",
                "--set",
                "gpu-operator:driver.enabled=false",
                "--system-node-selector",
                "pool=system",
                "--accelerated-node-toleration",
                "nvidia.com/gpu=present:NoSchedule",
                "--nodes",
                "4",
            ],
        ),
        (
            "deployer=helmfile&bundlers=cert-manager",
            vec!["--deployer", "helmfile"],
        ),
    ];
    for (i, (query, flags)) in cases.iter().enumerate() {
        let got = post(
            &server.url(&format!("/v1/bundle?{query}")),
            &[("content-type", "application/json")],
            &recipe,
        );
        assert_eq!(got.status, 200, "{query}: {}", got.text());
        assert_eq!(got.header("content-type"), Some("application/zip"));
        assert_eq!(
            got.header("content-disposition"),
            Some("attachment; filename=\"bundles.zip\"")
        );
        let files = unzip(&got.body);
        let out = dir.path().join(format!("out{i}"));
        let mut args = vec![
            "bundle",
            "-r",
            recipe_file.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend(flags.iter().copied());
        let mut leave_out = Vec::new();
        if query.contains("bundlers=") {
            let json: serde_json::Value = serde_json::from_slice(&recipe).unwrap();
            for c in json["componentRefs"].as_array().unwrap() {
                let name = c["name"].as_str().unwrap();
                if name != "cert-manager" {
                    leave_out.push(format!("{name}:enabled=false"));
                }
            }
        }
        for set in &leave_out {
            args.extend(["--set", set.as_str()]);
        }
        cli(&args);
        let want = tree(&out);
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{query}"
        );
        assert!(files == want, "{query}: a file differs from the CLI's");
        assert!(files.contains_key("checksums.txt"));
        assert_eq!(
            got.header("x-bundle-files"),
            Some(want.len().to_string().as_str())
        );
        let size: usize = want.values().map(Vec::len).sum();
        assert_eq!(got.header("x-bundle-size"), Some(size.to_string().as_str()));
        assert!(got.header("x-bundle-duration").unwrap().ends_with("ms"));
    }
    let needs = post(
        &server.url("/v1/bundle?bundlers=gpu-operator"),
        &[],
        &recipe,
    );
    assert_eq!(needs.status, 422, "a bundler without what it needs");
    assert!(
        needs.json()["message"]
            .as_str()
            .unwrap()
            .contains("which is disabled")
    );
    let unknown = post(
        &server.url("/v1/bundle?bundlers=gpu-operater"),
        &[],
        &recipe,
    );
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.json()["message"]
            .as_str()
            .unwrap()
            .contains("`gpu-operator`")
    );
    let again = post(
        &server.url("/v1/bundle?deployer=helm"),
        &[("content-type", "application/json")],
        &recipe,
    );
    let first = post(
        &server.url("/v1/bundle?deployer=helm"),
        &[("content-type", "application/json")],
        &recipe,
    );
    assert_eq!(again.body, first.body, "the same bundle is the same zip");
}

#[test]
fn service_routes_and_metrics() {
    let server = Server::start(&[]);
    let index = get(&server.url("/"), &[]).json();
    assert_eq!(index["service"], "galley");
    assert_eq!(
        index["routes"],
        serde_json::json!([
            "/v1/recipe",
            "/v1/query",
            "/v1/bundle",
            "/v1/explain",
            "/v1/coverage",
            "/v1/validate"
        ])
    );
    let health = get(&server.url("/health"), &[]);
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "healthy");
    let ready = get(&server.url("/ready"), &[]);
    assert_eq!(ready.json()["status"], "ready");
    let echoed = get(&server.url("/health"), &[("x-request-id", "trace-123")]);
    assert_eq!(echoed.header("x-request-id"), Some("trace-123"));
    let fresh = get(&server.url("/health"), &[]);
    assert_eq!(fresh.header("x-request-id").map(str::len), Some(36));
    get(&server.url(&format!("/v1/recipe?{KUBEFLOW_QUERY}")), &[]);
    let metrics = get(&server.url("/metrics"), &[]);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.text();
    for name in [
        "aicr_http_requests_total{method=\"GET\",path=\"/v1/recipe\",status=\"200\"} 1",
        "aicr_http_request_duration_seconds_bucket{method=\"GET\",path=\"/v1/recipe\",le=\"+Inf\"} 1",
        "aicr_http_requests_in_flight 1",
        "aicr_rate_limit_rejects_total 0",
        "galley_bundle_builds_in_flight 0",
        "galley_build_info{version=",
    ] {
        assert!(text.contains(name), "no `{name}` in:\n{text}");
    }
    let log = server.log();
    let line = log
        .lines()
        .find(|l| l.contains("\"route\":\"/v1/recipe\""))
        .unwrap_or_else(|| panic!("no log line for /v1/recipe:\n{log}"));
    let entry: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["status"], 200);
    assert!(entry["duration_ms"].is_number());
    assert_eq!(entry["request_id"].as_str().map(str::len), Some(36));
}

#[test]
fn errors_have_the_reference_shape_and_galley_diagnostics() {
    let server = Server::start(&[]);
    let bad = get(&server.url("/v1/recipe?service=ekss"), &[]);
    assert_eq!(bad.status, 400);
    let e = bad.json();
    for key in [
        "code",
        "message",
        "details",
        "requestId",
        "timestamp",
        "retryable",
    ] {
        assert!(e.get(key).is_some(), "no `{key}`: {e}");
    }
    assert_eq!(e["code"], "INVALID_REQUEST");
    assert_eq!(e["retryable"], false);
    assert_eq!(e["details"]["code"], "galley::check::unknown-value");
    assert_eq!(e["details"]["suggestion"], "eks");
    assert!(e["details"]["help"].as_str().unwrap().contains("gke"));
    assert_eq!(e["requestId"].as_str(), bad.header("x-request-id"));

    let wrong = delete(&server.url("/v1/recipe"));
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.json()["code"], "METHOD_NOT_ALLOWED");
    assert!(wrong.header("allow").unwrap().contains("GET"));
    let wrong = get(&server.url("/v1/bundle"), &[]);
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("POST"));

    let nowhere = get(&server.url("/v2/nothing"), &[]);
    assert_eq!(nowhere.status, 404);
    assert_eq!(nowhere.json()["code"], "NO_MATCHING_RULE");

    let unknown = get(&server.url("/v1/recipe?servce=eks"), &[]);
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.json()["message"]
            .as_str()
            .unwrap()
            .contains("`service`")
    );

    let deployer = post(&server.url("/v1/bundle?deployer=helmm"), &[], b"{}");
    assert_eq!(deployer.status, 400);
    assert!(
        deployer.json()["message"]
            .as_str()
            .unwrap()
            .contains("`helm`")
    );
}

#[test]
fn a_recipe_with_a_conflict_is_a_422_with_both_places() {
    let server = Server::start(&["--data", "tests/fixtures/check/target-conflict"]);
    let got = get(
        &server.url("/v1/recipe?service=gke&accelerator=l40&os=rhel"),
        &[],
    );
    assert_eq!(got.status, 422, "{}", got.text());
    let e = got.json();
    assert_eq!(e["code"], "RECIPE_CONFLICT");
    let diag = &e["details"]["diagnostics"][0];
    assert_eq!(diag["code"], "galley::merge::conflict");
    let labels = diag["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2, "{diag}");
    assert!(
        labels
            .iter()
            .all(|l| l["file"].as_str().unwrap().ends_with("gke.ovl"))
    );
    assert_ne!(labels[0]["line"], labels[1]["line"]);
    assert!(diag["help"].as_str().unwrap().contains("priority"));
}

#[test]
fn allowlists_from_flags_and_the_reference_variables() {
    let server = Server::start_with(
        &["--allow", "service=eks,gke"],
        &[("AICR_ALLOWED_ACCELERATORS", "h100")],
    );
    let ok = get(&server.url("/v1/recipe?service=eks&accelerator=h100"), &[]);
    assert_eq!(ok.status, 200, "{}", ok.text());
    let any = get(&server.url("/v1/recipe?intent=training"), &[]);
    assert_eq!(any.status, 200, "`any` is always allowed");
    for refused in ["service=aks", "accelerator=gb200", "service=eks&gpu=a100"] {
        let got = get(&server.url(&format!("/v1/recipe?{refused}")), &[]);
        assert_eq!(got.status, 400, "{refused}");
        assert!(
            got.json()["message"]
                .as_str()
                .unwrap()
                .contains("not allowed")
        );
    }
}

#[test]
fn a_bad_allowlist_or_port_is_a_usage_error() {
    let out = run(galley().args(["serve", "--allow", "service=ekss"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `eks`"),
        "{}",
        stderr(&out)
    );
    let out = run(galley().args(["serve"]).env("PORT", "http"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("PORT"), "{}", stderr(&out));
}

/// Every operation of `schemas/openapi.json` is answered by its route (never 404 or 405),
/// and every other method is a 405 whose `Allow` lists exactly the document's methods.
#[test]
fn the_router_and_the_openapi_document_agree() {
    let server = Server::start(&[]);
    let served = get(&server.url("/openapi.json"), &[]);
    let committed = std::fs::read(crate::support::root().join("schemas/openapi.json")).unwrap();
    assert_eq!(served.body, committed);
    let doc = served.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let index = get(&server.url("/"), &[]).json();
    let paths = doc["paths"].as_object().unwrap();
    for route in index["routes"].as_array().unwrap() {
        assert!(
            paths.contains_key(route.as_str().unwrap()),
            "{route} not documented"
        );
    }
    for (path, ops) in paths {
        let documented: Vec<String> = ops
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_ascii_uppercase())
            .collect();
        for method in &documented {
            let got = match method.as_str() {
                "GET" => get(&server.url(path), &[]),
                "POST" => post(&server.url(path), &[], b"{}"),
                other => panic!("unexpected method {other}"),
            };
            assert!(
                ![404, 405].contains(&got.status),
                "{method} {path}: {}",
                got.status
            );
        }
        let wrong = delete(&server.url(path));
        assert_eq!(wrong.status, 405, "DELETE {path}");
        let mut allowed: Vec<String> = wrong
            .header("allow")
            .unwrap()
            .split(',')
            .map(|m| m.trim().to_string())
            .filter(|m| m != "HEAD")
            .collect();
        allowed.sort();
        let mut want = documented.clone();
        want.sort();
        assert_eq!(allowed, want, "{path}");
    }
}

/// `schemas/openapi.json` is a valid OpenAPI 3.1 document for a real validator (installed
/// into `.tools` by `make tools`; skipped when missing unless `GALLEY_REQUIRE_TOOLS=1`).
#[test]
fn the_openapi_document_passes_openapi_spec_validator() {
    let bin = std::env::var_os("GALLEY_TOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| crate::support::root().join(".tools"))
        .join("bin/openapi-spec-validator");
    if !bin.exists() {
        let required = std::env::var("GALLEY_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "GALLEY_REQUIRE_TOOLS=1 but {} is missing; run `make tools`",
            bin.display()
        );
        eprintln!(
            "skipped: {} not installed (run `make tools`)",
            bin.display()
        );
        return;
    }
    let out = std::process::Command::new(&bin)
        .arg(crate::support::root().join("schemas/openapi.json"))
        .output()
        .expect("openapi-spec-validator runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn explain_and_coverage_are_the_cli_json_byte_for_byte() {
    let server = Server::start(&[]);
    let mut args = vec!["explain", "gpu-operator.driver.version"];
    args.extend(KUBEFLOW);
    args.extend(["--format", "json"]);
    let want = cli(&args);
    let got = get(
        &server.url(&format!(
            "/v1/explain?{KUBEFLOW_QUERY}&path=gpu-operator.driver.version"
        )),
        &[],
    );
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.text(), String::from_utf8_lossy(&want));
    let nothing = get(
        &server.url(&format!(
            "/v1/explain?{KUBEFLOW_QUERY}&path=gpu-operator.nope"
        )),
        &[],
    );
    assert_eq!(nothing.status, 404, "{}", nothing.text());
    let missing = get(&server.url("/v1/explain?service=eks"), &[]);
    assert_eq!(missing.status, 400);

    let want = cli(&["coverage", "--format", "json"]);
    for _ in 0..2 {
        let got = get(&server.url("/v1/coverage"), &[]);
        assert_eq!(got.status, 200);
        assert_eq!(got.text(), String::from_utf8_lossy(&want));
    }
}

#[test]
fn validate_is_the_cli_ctrf_report_byte_for_byte() {
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let server = Server::start_with(&[], &epoch);
    let snapshot_path = "tests/fixtures/measure/snapshot-eks-h100-ubuntu.yaml";
    let dir = TempDir::new("serve-validate");
    let recipe = kubeflow_recipe_json();
    let recipe_file = dir.path().join("recipe.json");
    std::fs::write(&recipe_file, &recipe).unwrap();
    let out = run(galley()
        .args(["validate", "-s", snapshot_path, "-r"])
        .arg(&recipe_file)
        .args(["--phase", "readiness"])
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    let snapshot = std::fs::read_to_string(crate::support::root().join(snapshot_path)).unwrap();
    let indented: String = snapshot
        .lines()
        .filter(|l| !l.starts_with("---"))
        .map(|l| format!("  {l}\n"))
        .collect();
    let body = format!(
        "recipe: {}\nsnapshot:\n{indented}",
        String::from_utf8_lossy(&recipe).replace('\n', " ")
    );
    let got = post(
        &server.url("/v1/validate?phase=readiness"),
        &[],
        body.as_bytes(),
    );
    assert_eq!(got.status, 200, "{}", got.text());
    let want = String::from_utf8_lossy(&out.stdout).replace(snapshot_path, "snapshot");
    assert_eq!(got.text(), want);
    let report = got.json();
    assert!(report["results"]["summary"]["tests"].as_u64().unwrap() > 0);

    let missing = post(&server.url("/v1/validate"), &[], b"{\"recipe\": {}}");
    assert_eq!(missing.status, 400);
    assert!(
        missing.json()["message"]
            .as_str()
            .unwrap()
            .contains("`snapshot`")
    );
    let phase = post(
        &server.url("/v1/validate?phase=readyness"),
        &[],
        body.as_bytes(),
    );
    assert_eq!(phase.status, 400);
    assert!(
        phase.json()["message"]
            .as_str()
            .unwrap()
            .contains("`readiness`")
    );
}
