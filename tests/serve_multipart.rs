//! `POST /v1/validate` with a `multipart/form-data` body: parts `recipe`, `snapshot` and
//! `results` (repeatable), the same report as the CLI; hostile multipart bodies are 4xx with
//! the error JSON.

use crate::serve_support::{Server, post, raw};
use crate::support::{KUBEFLOW, TempDir, galley, root, run};
use std::time::Duration;

const SNAPSHOT: &str = "tests/fixtures/measure/snapshot-eks-h100-ubuntu.yaml";
const BOUNDARY: &str = "galley-test-boundary";

fn recipe_json() -> Vec<u8> {
    let mut args = vec!["recipe"];
    args.extend(KUBEFLOW);
    args.extend(["--format", "json"]);
    let out = run(galley().args(&args));
    assert!(out.status.success());
    out.stdout
}

/// A multipart body of `(name, text)` parts.
fn multipart(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (name, text) in parts {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.yaml\"\r\nContent-Type: application/yaml\r\n\r\n{text}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body.into_bytes()
}

fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

#[test]
fn multipart_validate_is_the_cli_ctrf_report_byte_for_byte() {
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let server = Server::start_with(&[], &epoch);
    let dir = TempDir::new("serve-multipart");
    let recipe = recipe_json();
    let recipe_file = dir.path().join("recipe.json");
    std::fs::write(&recipe_file, &recipe).unwrap();
    let out = run(galley()
        .args(["validate", "-s", SNAPSHOT, "-r"])
        .arg(&recipe_file)
        .args(["--phase", "readiness"])
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    let recipe = String::from_utf8(recipe).unwrap();
    let body = multipart(&[("snapshot", &snapshot), ("recipe", &recipe)]);
    let ct = content_type();
    let got = post(
        &server.url("/v1/validate?phase=readiness"),
        &[("content-type", &ct)],
        &body,
    );
    assert_eq!(got.status, 200, "{}", got.text());
    let want = String::from_utf8_lossy(&out.stdout).replace(SNAPSHOT, "snapshot");
    assert_eq!(got.text(), want);
    assert!(got.json()["results"]["summary"]["tests"].as_u64().unwrap() > 0);
}

#[test]
fn hostile_multipart_bodies_are_4xx_with_the_error_json() {
    let server = Server::start(&["--max-body", "65536"]);
    let url = server.url("/v1/validate");
    let ct = content_type();
    let with_ct = [("content-type", ct.as_str())];
    let recipe = String::from_utf8(recipe_json()).unwrap();
    let snapshot = std::fs::read_to_string(root().join(SNAPSHOT)).unwrap();
    // (what, headers, body, what the message says)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "no boundary",
            vec![("content-type", "multipart/form-data")],
            multipart(&[("recipe", &recipe), ("snapshot", &snapshot)]),
            "boundary",
        ),
        (
            "truncated",
            with_ct.to_vec(),
            multipart(&[("recipe", &recipe), ("snapshot", &snapshot)])[..200].to_vec(),
            "malformed",
        ),
        (
            "duplicate part",
            with_ct.to_vec(),
            multipart(&[
                ("recipe", &recipe),
                ("recipe", &recipe),
                ("snapshot", &snapshot),
            ]),
            "given twice",
        ),
        (
            "missing part",
            with_ct.to_vec(),
            multipart(&[("recipe", &recipe)]),
            "`snapshot` is required",
        ),
        (
            "unknown part",
            with_ct.to_vec(),
            multipart(&[("recipe", &recipe), ("snapshot", &snapshot), ("x", "1")]),
            "unknown part `x`",
        ),
        (
            "a part that is not a document",
            with_ct.to_vec(),
            multipart(&[("recipe", "[unclosed"), ("snapshot", &snapshot)]),
            "",
        ),
    ];
    for (what, headers, body, says) in cases {
        let got = post(&url, &headers, &body);
        assert_eq!(got.status, 400, "{what}: {}", got.text());
        let error = got.json();
        assert_eq!(error["code"], "INVALID_REQUEST", "{what}");
        assert!(
            error["message"].as_str().unwrap().contains(says),
            "{what}: {error}"
        );
        assert!(error["requestId"].is_string(), "{what}");
    }
    let huge = "x".repeat(70_000);
    let got = post(
        &url,
        &with_ct,
        &multipart(&[("recipe", &huge), ("snapshot", &snapshot)]),
    );
    assert_eq!(got.status, 413, "{}", got.text());
    assert_eq!(got.json()["code"], "PAYLOAD_TOO_LARGE");
    // A part announced longer than the body that arrives: the connection is answered or
    // closed once the body timeout passes, and the server serves the next client.
    let head = format!(
        "POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: {ct}\r\nContent-Length: 5000\r\n\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"recipe\"\r\n\r\nkind"
    );
    let _ = raw(&server.addr, head.as_bytes(), Duration::from_millis(300));
    let ok = post(
        &url,
        &with_ct,
        &multipart(&[("recipe", &recipe), ("snapshot", &snapshot)]),
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
}
