//! The shipped library, and the same library as AICR YAML (`galley export`), check clean.

use crate::support::*;

fn json_report(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}\n{}", stderr(out)))
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["code"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn embedded_library_checks_clean() {
    let out = run(galley().args(["check", "--format", "json"]));
    let report = json_report(&out);
    assert_eq!(codes(&report), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(0));
    assert!(report["summary"]["overlays"].as_u64().unwrap() >= 38);
    assert_eq!(report["summary"]["components"].as_u64(), Some(19));
}

#[test]
fn source_trees_check_clean() {
    let out = run(galley().args(["check", "recipes", "stdlib", "--format", "json"]));
    let report = json_report(&out);
    assert_eq!(codes(&report), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn aicr_yaml_reads_directly_with_only_documented_warnings() {
    let data = aicr_recipes();
    let out = run(galley()
        .args(["check", "--format", "json", "--data"])
        .arg(&data));
    let report = json_report(&out);
    let diags = report["diagnostics"].as_array().expect("diagnostics");
    for d in diags {
        assert_eq!(d["severity"], "warning", "unexpected error: {d}");
        let code = d["code"].as_str().unwrap_or_default();
        assert!(
            code == "galley::yaml::unknown-field" || code.starts_with("galley::lint::"),
            "undocumented warning: {d}"
        );
    }
    // Lints: every exported overlay replaces an embedded one, and the YAML carries none of
    // the `galley: allow` comments the shipped `.ovl` files explain.
    let replaced = diags
        .iter()
        .filter(|d| d["code"] == "galley::lint::replaced-overlay")
        .count();
    assert_eq!(replaced, 38);
    assert_eq!(out.status.code(), Some(0));
    // The exported overlays replace the embedded ones of the same name.
    assert_eq!(
        report["summary"]["replaced_overlays"]
            .as_array()
            .map(Vec::len),
        Some(38)
    );
}

#[test]
fn three_syntax_errors_give_three_diagnostics() {
    let out = run(galley().args([
        "check",
        "--format",
        "json",
        "--data",
        "tests/fixtures/check/syntax-error",
    ]));
    let report = json_report(&out);
    let syntax: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "galley::syntax::error")
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(syntax.len(), 3, "{syntax:?}");
    let mut lines = syntax.clone();
    lines.dedup();
    assert_eq!(lines.len(), 3, "three different lines: {syntax:?}");
}

#[test]
fn a_data_directory_extends_a_dimension_and_adds_an_overlay() {
    let data = "tests/fixtures/data/h200";
    let out = run(galley().args(["check", "--format", "json", "--data", data]));
    let report = json_report(&out);
    assert_eq!(codes(&report), Vec::<String>::new());
    assert_eq!(
        report["summary"]["added_overlays"],
        serde_json::json!(["h200-eks-training"])
    );
    let q = run(galley()
        .args([
            "query",
            "--data",
            data,
            "--service",
            "eks",
            "--gpu",
            "H200",
            "--intent",
            "training",
        ])
        .args([
            "--selector",
            "components.gpu-operator.values.driver.version",
        ]));
    assert_eq!(stdout(&q), "580.82.07\n", "{}", stderr(&q));
    // Without the data directory, `h200` is not a value.
    let plain = run(galley().args(["recipe", "--service", "eks", "--gpu", "h200"]));
    assert_eq!(plain.status.code(), Some(2));
    assert!(
        stderr(&plain).contains("valid values"),
        "{}",
        stderr(&plain)
    );
}
