//! Typed parameters over the REST API: `param=NAME=VALUE` on every route that resolves a
//! target and `spec.params` in a POSTed criteria body give the bytes `--param` gives the
//! CLI, and every parameter problem is a 400 carrying its code.

use crate::serve_support::{Server, get, post};
use crate::support::{TempDir, galley, run, stderr};

const LIB: &str = "tests/fixtures/params/lib";
const TARGET: &str = "service=oke&accelerator=a100";
const CRITERIA: &str = "kind: RecipeCriteria\napiVersion: aicr.nvidia.com/v1alpha1\nspec:\n  service: oke\n  accelerator: a100\n  params:\n    label: from-file\n    gpu_count: 4\n";

fn server() -> Server {
    Server::start(&["--data", LIB])
}

/// `galley COMMAND --data LIB --service oke --accelerator a100 ARGS…`, which must succeed.
fn cli(command: &str, args: &[&str]) -> String {
    let out = run(galley()
        .arg(command)
        .args(["--data", LIB, "--service", "oke", "--accelerator", "a100"])
        .args(args));
    assert!(out.status.success(), "{command} {args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn ok(server: &Server, path: &str, headers: &[(&str, &str)]) -> String {
    let got = get(&server.url(path), headers);
    assert_eq!(got.status, 200, "{path}: {}", got.text());
    got.text()
}

#[test]
fn recipe_query_explain_and_graph_take_params_as_the_cli_does() {
    let server = server();
    let params = "param=label=gpu-node&param=gpu_count=16&param=gpu_count=12";
    let flags = [
        "--param",
        "label=gpu-node",
        "--param",
        "gpu_count=16",
        "--param",
        "gpu_count=12",
    ];
    let with = |extra: &[&'static str]| [&flags[..], extra].concat();
    let json = ok(&server, &format!("/v1/recipe?{TARGET}&{params}"), &[]);
    assert_eq!(json, cli("recipe", &with(&["--format", "json"])));
    assert!(json.contains("\"gpu-node\""), "the value is in the recipe");
    let yaml = ok(
        &server,
        &format!("/v1/recipe?{TARGET}&{params}"),
        &[("accept", "application/yaml")],
    );
    assert_eq!(yaml, cli("recipe", &flags));
    let selector = "components.gpu-operator.values.devicePlugin.replicas";
    assert_eq!(
        ok(
            &server,
            &format!("/v1/query?{TARGET}&{params}&selector={selector}"),
            &[]
        ),
        cli(
            "query",
            &with(&["--selector", selector, "--format", "json"])
        )
    );
    let path = "gpu-operator.values.cache.labels";
    assert_eq!(
        ok(
            &server,
            &format!("/v1/explain?{TARGET}&{params}&path={path}"),
            &[]
        ),
        cli("explain", &with(&[path, "--format", "json"]))
    );
    assert_eq!(
        ok(&server, &format!("/v1/graph?{TARGET}&{params}"), &[]),
        cli("graph", &with(&["--format", "json"]))
    );
}

#[test]
fn posted_bodies_take_params_as_a_criteria_file_does() {
    let server = server();
    let dir = TempDir::new("serve-params");
    let file = dir.path().join("criteria.yaml");
    std::fs::write(&file, CRITERIA).unwrap();
    let file = file.to_str().unwrap();
    let url = server.url("/v1/recipe");
    let posted = post(
        &url,
        &[("content-type", "application/yaml")],
        CRITERIA.as_bytes(),
    );
    assert_eq!(posted.status, 200, "{}", posted.text());
    let out = run(galley().args([
        "recipe",
        "--data",
        LIB,
        "--criteria",
        file,
        "--format",
        "json",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(posted.text(), String::from_utf8_lossy(&out.stdout));
    assert!(
        posted.text().contains("\"criteria-file\""),
        "{}",
        posted.text()
    );

    // The query's `param` wins over the body's, as `--param` over the file's.
    let url = server.url("/v1/recipe?param=gpu_count=32");
    let posted = post(
        &url,
        &[("content-type", "application/yaml")],
        CRITERIA.as_bytes(),
    );
    assert_eq!(posted.status, 200, "{}", posted.text());
    let out = run(galley().args([
        "recipe",
        "--data",
        LIB,
        "--criteria",
        file,
        "--param",
        "gpu_count=32",
        "--format",
        "json",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(posted.text(), String::from_utf8_lossy(&out.stdout));

    let body = r#"{"criteria":{"service":"oke","accelerator":"a100"},"params":{"label":"from-file","gpu_count":4},"selector":"components.gpu-operator.values.devicePlugin.replicas"}"#;
    let posted = post(
        &server.url("/v1/query"),
        &[("content-type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(posted.status, 200, "{}", posted.text());
    let out = run(galley().args([
        "query",
        "--data",
        LIB,
        "--criteria",
        file,
        "--selector",
        "components.gpu-operator.values.devicePlugin.replicas",
        "--format",
        "json",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(posted.text(), String::from_utf8_lossy(&out.stdout));
    assert_eq!(posted.text().trim(), "4");
}

/// A 400 whose `details.code` is `code` and whose `details.help` contains `help`.
fn refused(server: &Server, path: &str, code: &str, help: &str) {
    let got = get(&server.url(path), &[]);
    assert_eq!(got.status, 400, "{path}: {}", got.text());
    let body = got.json();
    assert_eq!(body["code"], "INVALID_REQUEST", "{body}");
    assert_eq!(body["details"]["code"], code, "{path}: {body}");
    let said = body["details"]["help"].as_str().unwrap_or_default();
    assert!(said.contains(help), "{path}: help `{said}` lacks `{help}`");
    assert!(!body["message"].as_str().unwrap_or_default().is_empty());
}

#[test]
fn every_parameter_problem_is_a_400_with_its_code() {
    let server = server();
    let base = format!("/v1/recipe?{TARGET}&param=label=x");
    refused(
        &server,
        &format!("{base}&param=gpu_cuont=2"),
        "galley::param::unknown",
        "`gpu_count`",
    );
    refused(
        &server,
        &format!("{base}&param=gpu_count=many"),
        "galley::param::type",
        "",
    );
    refused(
        &server,
        &format!("{base}&param=gpu_count=65"),
        "galley::param::out-of-range",
        "`64`",
    );
    refused(
        &server,
        &format!("/v1/recipe?{TARGET}"),
        "galley::param::missing",
        "--param label=VALUE",
    );
    refused(
        &server,
        &format!("{base}&param=gpu_count"),
        "galley::usage::value",
        "param=NAME=VALUE",
    );
    for route in ["query?", "explain?path=gpu-operator&", "graph?"] {
        let path = format!("/v1/{route}{TARGET}&param=label=x&param=nope=1");
        refused(&server, &path, "galley::param::unknown", "");
    }
    let posted = post(
        &server.url("/v1/query"),
        &[("content-type", "application/json")],
        br#"{"criteria":{"service":"oke","accelerator":"a100"},"params":{"label":["a"]}}"#,
    );
    assert_eq!(posted.status, 400, "{}", posted.text());
    let posted = post(
        &server.url("/v1/recipe?param=gpu_count=0"),
        &[("content-type", "application/yaml")],
        CRITERIA.as_bytes(),
    );
    assert_eq!(posted.status, 400, "{}", posted.text());
    assert_eq!(
        posted.json()["details"]["code"],
        "galley::param::out-of-range"
    );
}
