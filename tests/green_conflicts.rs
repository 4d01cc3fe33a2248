//! `galley check` reports the conflicts of the criteria space (issue 12 §3): every target
//! whose matched overlays disagree is an error, one diagnostic per cause with its count.

use crate::support::{galley, run, stderr};
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/check/target-conflict";

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)))
}

/// Per service, the targets `coverage` finds failing with a merge conflict.
fn conflicting_targets(service: &str) -> usize {
    let out = run(galley().args(["coverage", "--data", FIXTURE, "--format", "json"]));
    let report = json(&out);
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter(|t| t["failure"] == "conflict" && t["criteria"]["service"] == service)
        .count()
}

#[test]
fn check_reports_each_cause_of_conflict_in_the_space_once_with_its_count() {
    let out = run(galley().args(["check", "--data", FIXTURE, "--format", "json"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let found: Vec<&Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "galley::check::target-conflict")
        .collect();
    assert_eq!(found.len(), 2, "one per pair of overlays: {found:#?}");
    for (a, b, meet, service) in [
        (
            "gke-l40",
            "gke-rhel",
            "service = gke, accelerator = l40, os = rhel",
            "gke",
        ),
        (
            "oke-a100",
            "oke-ubuntu",
            "service = oke, accelerator = a100, os = ubuntu",
            "oke",
        ),
    ] {
        let d = found
            .iter()
            .find(|d| {
                d["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`{a}` and `{b}`"))
            })
            .unwrap_or_else(|| panic!("no diagnostic for {a} and {b}: {found:#?}"));
        let count = conflicting_targets(service);
        assert!(count > 3, "the fixture conflicts on several targets");
        let message = d["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("for {count} targets")),
            "{message}"
        );
        let help = d["help"].as_str().unwrap();
        assert!(
            help.contains(&format!("`{meet}` (the meet of both)")),
            "{help}"
        );
        let notes = d["notes"].to_string();
        assert!(
            notes.contains(&format!("and {} more", count - 3)),
            "{notes}"
        );
    }
}

#[test]
fn check_names_every_path_a_cause_disagrees_on() {
    let out = run(galley().args(["check", "--data", FIXTURE, "--format", "json"]));
    let report = json(&out);
    let oke = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("`oke-a100`"))
        .expect("the oke conflict")
        .to_string();
    assert!(oke.contains("2 paths"), "{oke}");
    assert!(oke.contains("gpu-operator.values.driver.version"), "{oke}");
    assert!(
        oke.contains("gpu-operator.values.driver.upgradePolicy.maxUnavailable"),
        "{oke}"
    );
}

#[test]
fn check_points_at_an_existing_meet_overlay() {
    let dir = crate::support::TempDir::new("green-meet");
    let overlays = dir.path().join("overlays");
    std::fs::create_dir_all(&overlays).unwrap();
    let text = std::fs::read_to_string(format!("{FIXTURE}/overlays/gke.ovl")).unwrap();
    std::fs::write(overlays.join("gke.ovl"), text).unwrap();
    // The meet exists but sets something else, so the conflict stands.
    std::fs::write(
        overlays.join("meet.ovl"),
        "overlay gke-l40-rhel {\n  when service = gke, accelerator = l40, os = rhel\n\n  component cert-manager {\n    set {\n      installCRDs = true\n    }\n  }\n}\n",
    )
    .unwrap();
    let out = run(galley()
        .args(["check", "--format", "json", "--data"])
        .arg(dir.path()));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let d = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "galley::check::target-conflict")
        .expect("the conflict")
        .clone();
    let help = d["help"].as_str().unwrap();
    assert!(help.contains("in `gke-l40-rhel`"), "{help}");
}

#[test]
fn the_embedded_library_checks_without_conflicts() {
    let out = run(galley().args(["check", "--format", "json"]));
    let report = json(&out);
    let conflicts = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "galley::check::target-conflict")
        .count();
    assert_eq!(conflicts, 0);
}
