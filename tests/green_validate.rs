//! `galley validate` says how many tests were skipped and why, and `--fail-on-skip` makes a
//! run that checked nothing fail (issue 12 §3).

use crate::support::{TempDir, galley, run, stderr, stdout};
use crate::validate::{FIXTURE_SNAPSHOT as SNAPSHOT, kubeflow_recipe, validate};
use serde_json::Value;

/// Skipped tests in the CTRF report, by suite kind (`check`, `constraint`).
fn skipped(out: &std::process::Output, kind: &str) -> usize {
    let report: Value = serde_json::from_str(&stdout(out)).expect("JSON report");
    report["results"]["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .filter(|t| t["status"] == "skipped" && t["suite"][1] == kind)
        .count()
}

#[test]
fn the_summary_line_groups_the_skipped_tests_by_reason() {
    let dir = TempDir::new("green-skip");
    let out = validate(&kubeflow_recipe(&dir), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (checks, constraints) = (skipped(&out, "check"), skipped(&out, "constraint"));
    assert!(
        checks > 1 && constraints > 1,
        "the fixture skips both kinds"
    );
    let line = format!(
        "{} skipped ({checks} checks need a cluster, {constraints} constraints not measured)",
        checks + constraints
    );
    assert!(
        stderr(&out).contains(&line),
        "no `{line}` in:\n{}",
        stderr(&out)
    );
}

#[test]
fn fail_on_skip_fails_a_run_that_skipped_tests() {
    let dir = TempDir::new("green-skip");
    let out = validate(&kubeflow_recipe(&dir), &["--fail-on-skip"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--fail-on-skip"), "{}", stderr(&out));
    // The report is still written whole.
    assert!(skipped(&out, "check") > 0);
    let out = validate(&kubeflow_recipe(&dir), &["--fail-on-skip=false"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn fail_on_skip_passes_a_run_that_measured_everything() {
    let dir = TempDir::new("green-skip");
    let results = dir.path().join("m.yaml");
    std::fs::write(
        &results,
        "kind: Measurements\napiVersion: galley.dev/v1alpha1\nmeasurements:\n  OS.sysctl./proc/sys/kernel/osrelease: 6.8.0-1024-aws\n",
    )
    .unwrap();
    let recipe = kubeflow_recipe(&dir);
    let out = run(galley()
        .args([
            "validate",
            "-s",
            SNAPSHOT,
            "--phase",
            "readiness",
            "--fail-on-skip",
            "-r",
        ])
        .arg(&recipe)
        .arg("--results")
        .arg(&results));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains(", 0 skipped, "), "{}", stderr(&out));
}

#[test]
fn a_check_its_validator_skipped_is_counted_apart() {
    let dir = TempDir::new("green-skip");
    let results = dir.path().join("ctrf.json");
    std::fs::write(
        &results,
        r#"{"reportFormat": "CTRF", "specVersion": "0.0.1", "results": {"tool": {"name": "aicr"},
        "summary": {"tests": 1, "passed": 0, "failed": 0, "skipped": 1, "pending": 0, "other": 0, "start": 0, "stop": 0},
        "tests": [{"name": "operator-health", "status": "skipped", "duration": 0, "suite": ["deployment"]}]}}"#,
    )
    .unwrap();
    let recipe = kubeflow_recipe(&dir);
    let out = run(galley()
        .args(["validate", "-s", SNAPSHOT, "--phase", "deployment", "-r"])
        .arg(&recipe)
        .arg("--results")
        .arg(&results));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 check skipped by the validator"),
        "{}",
        stderr(&out)
    );
}
