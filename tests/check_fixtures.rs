//! One fixture per diagnostic code: `tests/fixtures/check/<case>/` is a data directory
//! layered over the embedded library (or, with an `args` file, checked as given), and its
//! `expect` file lists the codes the check must report, one per line, nothing more.
//! The rendered report is an insta snapshot under `snapshots/`.

use crate::support::*;
use std::path::Path;

fn expected_codes(case: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(case.join("expect")).expect("every fixture has an `expect` file");
    let mut codes: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    codes.sort();
    codes
}

fn args_for(case: &Path, rel: &str) -> Vec<String> {
    match std::fs::read_to_string(case.join("args")) {
        Ok(text) => text
            .split_whitespace()
            .map(|a| a.replace("$CASE", rel))
            .collect(),
        Err(_) => vec!["--data".into(), rel.into()],
    }
}

fn check_case(case: &Path) {
    let name = case
        .file_name()
        .and_then(|n| n.to_str())
        .expect("utf-8 name")
        .to_string();
    let rel = format!("tests/fixtures/check/{name}");
    let args = args_for(case, &rel);
    let json = run(galley().arg("check").args(&args).args(["--format", "json"]));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: check --format json is not JSON: {e}\n{}",
            stderr(&json)
        )
    });
    let mut codes: Vec<String> = report["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| d["code"].as_str().expect("code").to_string())
        .collect();
    codes.sort();
    let expected = expected_codes(case);
    assert_eq!(
        codes, expected,
        "{name}: reported codes differ from `expect`"
    );
    let has_error = report["summary"]["errors"].as_u64().expect("error count") > 0;
    assert_eq!(
        json.status.code(),
        Some(if has_error { 1 } else { 0 }),
        "{name}: exit code"
    );

    let human = run(galley().arg("check").args(&args));
    let rendered: String = stderr(&human)
        .lines()
        .filter(|l| !l.starts_with("checked "))
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(format!("check__{name}"), rendered);
    });
}

#[test]
fn every_fixture_reports_exactly_its_codes() {
    let dir = root().join("tests/fixtures/check");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "expected a fixture per diagnostic code");
    for case in &cases {
        check_case(case);
    }
}

#[test]
fn every_check_code_has_a_fixture() {
    let dir = root().join("tests/fixtures/check");
    let mut covered = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures dir") {
        let case = entry.expect("entry").path();
        if case.is_dir() {
            covered.extend(expected_codes(&case));
        }
    }
    let missing: Vec<&str> = galley::diag::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| {
            c.starts_with("galley::check::")
                || c.starts_with("galley::syntax::")
                || c.starts_with("galley::yaml::")
        })
        .filter(|c| !covered.contains(*c))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn every_code_is_documented() {
    let doc =
        std::fs::read_to_string(root().join("docs/diagnostics.md")).expect("docs/diagnostics.md");
    let missing: Vec<&str> = galley::diag::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !doc.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from docs/diagnostics.md: {missing:?}"
    );
}
