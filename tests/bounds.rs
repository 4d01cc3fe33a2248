//! Thresholds that follow the hardware (docs/measure.md): a constraint's bound computed from
//! the snapshot's facts, typed by the checker and evaluated by `validate`, which shows the
//! computed bound, the measured value and the unit in each CTRF result.

use crate::support::*;
use serde_json::Value;

const LIB: &str = "tests/fixtures/bounds/lib";
const RESULTS: &str = "tests/fixtures/bounds/nccl-210.json";

fn check_codes(dir: &str) -> Vec<String> {
    let out = run(galley()
        .current_dir(root())
        .args(["check", "--data", dir, "--format", "json"]));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("check JSON");
    let mut codes: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

#[test]
fn the_checker_types_bounds_and_their_units() {
    assert_eq!(check_codes(LIB), Vec::<String>::new());
    assert_eq!(
        check_codes("tests/fixtures/bounds/bad"),
        [
            "galley::bound::expression",
            "galley::bound::expression",
            "galley::bound::expression",
            "galley::bound::unit",
            "galley::check::unknown-measurement",
        ]
    );
}

/// The fixture target's performance constraint, validated against `snapshot`.
fn nccl(snapshot: &str) -> (Option<i32>, Value) {
    let tmp = TempDir::new("bounds");
    let recipe = tmp.path().join("recipe.yaml");
    let out = run(galley()
        .current_dir(root())
        .args(["recipe", "--data", LIB, "--service", "oke"])
        .args(["--accelerator", "l40", "--intent", "training", "-o"])
        .arg(&recipe));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(galley()
        .current_dir(root())
        .args([
            "validate",
            "--data",
            LIB,
            "--phase",
            "performance",
            "--results",
            RESULTS,
        ])
        .arg("-s")
        .arg(format!("tests/fixtures/bounds/snapshot-{snapshot}.yaml"))
        .arg("-r")
        .arg(&recipe));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("CTRF report");
    let test = report["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["suite"][1] == "constraint" && t["name"] == "nccl-all-reduce-bw")
        .expect("the constraint's result")
        .clone();
    (out.status.code(), test)
}

#[test]
fn the_floor_follows_the_fabric_and_the_gpu_count() {
    let (code, t) = nccl("4xl40-ib");
    assert_eq!(code, Some(0), "{t}");
    assert_eq!(t["status"], "passed");
    assert_eq!(t["extra"]["actual"], "210");
    assert_eq!(t["extra"]["unit"], "GB/s");
    let bound = t["extra"]["bound"].as_str().unwrap();
    assert!(
        bound.starts_with("200 (") && bound.ends_with("= 50 * 4)"),
        "{bound}"
    );

    let (code, t) = nccl("8xl40-efa");
    assert_eq!(code, Some(1), "{t}");
    assert_eq!(t["status"], "failed");
    assert!(
        t["extra"]["bound"].as_str().unwrap().starts_with("320 ("),
        "{t}"
    );
    assert_eq!(t["message"], "expected >= 320 GB/s (40 * 8), got 210 GB/s");
}

#[test]
fn a_fabric_the_table_does_not_list_cannot_be_evaluated() {
    let (_, t) = nccl("8xl40-tcp");
    assert_eq!(t["status"], "other", "{t}");
    assert!(
        t["message"]
            .as_str()
            .unwrap()
            .contains("`tcp`, which the table does not list")
    );
    assert!(t["extra"].get("bound").is_none());
}

#[test]
fn fmt_prints_bounds_bare_and_keeps_them() {
    let out = run(galley().current_dir(root()).args([
        "fmt",
        "--check",
        LIB,
        "tests/fixtures/bounds/bad",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_fact_the_snapshot_lacks_skips_the_constraint() {
    let (code, t) = nccl("4xl40");
    assert_eq!(code, Some(0), "{t}");
    assert_eq!(t["status"], "skipped", "{t}");
    assert!(
        t["message"]
            .as_str()
            .unwrap()
            .contains("no `Network.fabric.class` in the snapshot"),
        "{t}"
    );
}
