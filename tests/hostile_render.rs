//! Hostile inputs for diagnostics rendering (issue 11 item 5, issue 12 §4): a label far
//! along a line, huge one-line JSON, files that are not YAML at all, help text that must
//! stay copyable. Each renders a short report and exits with galley's own codes, never 101.

use crate::support::*;
use std::path::Path;

const W: [&str; 8] = [
    "--service",
    "kind",
    "--accelerator",
    "l40",
    "--intent",
    "inference",
    "--os",
    "rhel",
];

fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) -> String {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8 path").to_string()
}

/// The report is there and short, and the process exited by itself with `code`.
fn assert_short_report(out: &std::process::Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "{err}");
    assert!(err.len() < 4_000, "{} bytes of stderr:\n{err}", err.len());
}

#[test]
fn a_label_past_column_65536_is_reported_not_a_panic() {
    let tmp = TempDir::new("render-col");
    let line = format!(
        "{}overlay a extends base {{ when service = nosuchsvc }}\n",
        " ".repeat(65_536)
    );
    write(tmp.path(), "d/overlays/x.ovl", line);
    let data = tmp.path().join("d");
    let out = run(galley().arg("check").arg("--data").arg(&data));
    assert_short_report(&out, 1, "unknown service `nosuchsvc`");
    assert!(stderr(&out).contains("x.ovl:1:65577]"), "{}", stderr(&out));
}

#[test]
fn a_warning_in_a_compact_json_snapshot_of_90_kb_renders() {
    let tmp = TempDir::new("render-json");
    let snap = format!(
        r#"{{"kind":"Snapshot","apiVersion":"aicr.nvidia.com/v1alpha1","padding":"{}","measurements":[{{"type":"K8s","subtypes":[{{"subtype":"server","data":{{"version":"v1.33.5-eks-3025e55"}}}}]}},{{"type":"Bogus","subtypes":[]}}]}}"#,
        "x".repeat(90_000)
    );
    let path = write(tmp.path(), "s.json", snap);
    let out = run(galley().args(["recipe", "--snapshot", &path]));
    assert_short_report(&out, 0, "unknown measurement type `Bogus`");
}

#[test]
fn an_error_in_a_one_line_json_recipe_shows_a_window() {
    let tmp = TempDir::new("render-recipe");
    let recipe = run(galley()
        .arg("recipe")
        .args(KUBEFLOW)
        .args(["--format", "json"]));
    assert!(recipe.status.success(), "{}", stderr(&recipe));
    let mut doc: serde_json::Value = serde_json::from_slice(&recipe.stdout).expect("json");
    doc["componentRefs"][3]["name"] = serde_json::json!(["not", "a", "name"]);
    let line = serde_json::to_string(&doc).expect("json");
    assert!(line.len() > 5_000 && !line.contains('\n'));
    let path = write(tmp.path(), "r.json", line);
    let out = run(galley()
        .args(["bundle", "-r", &path, "-o"])
        .arg(tmp.path().join("out")));
    assert_short_report(&out, 2, "galley::result::shape");
}

#[test]
fn an_xml_file_given_as_snapshot_or_recipe_is_one_short_report() {
    let tmp = TempDir::new("render-xml");
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<root>\n");
    for i in 0..4_230 {
        xml.push_str(&format!("  <item name=\"x{i}\">value</item>\n"));
    }
    xml.push_str("</root>\n");
    let path = write(tmp.path(), "s.xml", &xml);
    let snap = run(galley().args(["recipe", "--snapshot", &path]));
    assert_short_report(&snap, 2, "is not YAML or JSON (it looks like XML)");
    assert!(stderr(&snap).lines().count() < 20, "{}", stderr(&snap));
    let out = tmp.path().join("out");
    let recipe = run(galley().args(["bundle", "-r", &path, "-o"]).arg(&out));
    assert_short_report(&recipe, 2, "galley::result::parse");
    assert!(
        stderr(&recipe).contains("it looks like XML"),
        "{}",
        stderr(&recipe)
    );
}

#[test]
fn binary_data_given_as_a_snapshot_is_one_short_report() {
    let tmp = TempDir::new("render-bin");
    let path = write(tmp.path(), "s.bin", b"\x00\x01\x02abc\x00".repeat(2_000));
    let out = run(galley().args(["recipe", "--snapshot", &path]).args(W));
    assert_short_report(&out, 2, "it looks like binary data");
    assert!(!stderr(&out).contains('\0'), "{:?}", stderr(&out));
}

#[test]
fn a_suggested_command_in_help_is_not_split_at_a_hyphen() {
    let tmp = TempDir::new("render-help");
    let out = run(galley()
        .arg("bundle")
        .args(KUBEFLOW)
        .args(["--set", "cert-manager:enabled=false", "-o"])
        .arg(tmp.path().join("out")));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for c in ["gpu-operator", "kubeflow-trainer"] {
        let command = format!("(`--set {c}:enabled=false`)");
        assert!(
            err.lines().any(|l| l.contains(&command)),
            "{command}:\n{err}"
        );
    }
}
