//! `galley validate` and `galley recipe --snapshot`: the kubeflow target against the
//! project's own snapshot fixture, validator results, CTRF schema conformance, malformed inputs.

use crate::support::{KUBEFLOW, TempDir, galley, root, run, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const FIXTURE_SNAPSHOT: &str = "tests/fixtures/measure/snapshot-eks-h100-ubuntu.yaml";
/// The kubeflow target's recipe, written by `galley recipe`.
pub fn kubeflow_recipe(dir: &TempDir) -> PathBuf {
    let path = dir.path().join("recipe.yaml");
    let out = run(galley().arg("recipe").args(KUBEFLOW).arg("-o").arg(&path));
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

/// `galley validate` of `recipe` against the fixture snapshot.
pub fn validate(recipe: &Path, extra: &[&str]) -> std::process::Output {
    run(galley()
        .args(["validate", "-s", FIXTURE_SNAPSHOT, "-r"])
        .arg(recipe)
        .args(extra))
}

/// The report, checked against the official CTRF schema (tests/fixtures/ctrf).
fn report(out: &std::process::Output) -> Value {
    let report: Value = serde_json::from_str(&stdout(out)).expect("JSON report");
    let schema_text =
        std::fs::read_to_string(root().join("tests/fixtures/ctrf/ctrf.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the CTRF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    report
}

fn test<'a>(report: &'a Value, phase: &str, kind: &str, name: &str) -> &'a Value {
    report["results"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name && t["suite"][0] == phase && t["suite"][1] == kind)
        .unwrap_or_else(|| panic!("no {phase}/{kind} test {name}"))
}

#[test]
fn kubeflow_passes_readiness_against_the_fixture_snapshot() {
    let dir = TempDir::new("kf-ready");
    let out = validate(&kubeflow_recipe(&dir), &["--phase", "readiness"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report(&out);
    let summary = &r["results"]["summary"];
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["passed"], 3);
    let kernel = test(
        &r,
        "readiness",
        "constraint",
        "OS.sysctl./proc/sys/kernel/osrelease",
    );
    assert_eq!(kernel["status"], "skipped");
    assert_eq!(kernel["extra"]["expected"], ">= 6.8");
    let k8s = test(&r, "readiness", "constraint", "K8s.server.version");
    assert_eq!(k8s["status"], "passed");
    assert_eq!(k8s["extra"]["actual"], "v1.33.4-eks-7d3c1a2");
}

#[test]
fn all_phases_without_a_cluster_skip_the_checks() {
    let dir = TempDir::new("kf-all");
    let out = validate(&kubeflow_recipe(&dir), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report(&out);
    let check = test(&r, "conformance", "check", "dra-support");
    assert_eq!(check["status"], "skipped");
    assert!(check["message"].as_str().unwrap().contains("live cluster"));
    let bw = test(&r, "performance", "constraint", "nccl-all-reduce-bw");
    assert_eq!(bw["status"], "skipped");
}

#[test]
fn nccl_bandwidth_below_the_floor_fails_and_above_passes() {
    let dir = TempDir::new("kf-nccl");
    let recipe = kubeflow_recipe(&dir);
    let below = validate(
        &recipe,
        &[
            "--phase",
            "performance",
            "--results",
            "tests/fixtures/measure/results/nccl-below.yaml",
        ],
    );
    assert_eq!(below.status.code(), Some(1), "{}", stderr(&below));
    let r = report(&below);
    let bw = test(&r, "performance", "constraint", "nccl-all-reduce-bw");
    assert_eq!(bw["status"], "failed");
    assert_eq!(bw["extra"]["expected"], ">= 37.5 * GPU.smi.gpu-count");
    assert_eq!(
        bw["extra"]["bound"],
        "300 (37.5 * GPU.smi.gpu-count = 37.5 * 8)"
    );
    assert_eq!(bw["extra"]["unit"], "GB/s");
    assert_eq!(bw["extra"]["actual"], "250.4");
    assert!(stderr(&below).contains("nccl-all-reduce-bw"));

    let above = validate(
        &recipe,
        &[
            "--phase",
            "performance",
            "--phase",
            "deployment",
            "--results",
            "tests/fixtures/measure/results/nccl-above.json",
        ],
    );
    assert_eq!(above.status.code(), Some(0), "{}", stderr(&above));
    let r = report(&above);
    let bw = test(&r, "performance", "constraint", "nccl-all-reduce-bw");
    assert_eq!(bw["status"], "passed");
    assert_eq!(bw["extra"]["actual"], "352");
    let op = test(
        &r,
        "deployment",
        "constraint",
        "Deployment.gpu-operator.version",
    );
    assert_eq!(op["status"], "passed");
}

#[test]
fn ctrf_results_decide_checks_and_other_can_fail_the_run() {
    let dir = TempDir::new("kf-ctrf");
    let recipe = kubeflow_recipe(&dir);
    let args = [
        "--phase",
        "deployment",
        "--results",
        "tests/fixtures/measure/results/ctrf-deployment.json",
    ];
    let out = validate(&recipe, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report(&out);
    assert_eq!(
        test(&r, "deployment", "check", "operator-health")["status"],
        "passed"
    );
    let smi = test(&r, "deployment", "check", "check-nvidia-smi");
    assert_eq!(smi["status"], "other");
    assert!(smi["message"].as_str().unwrap().contains("timeout"));
    assert_eq!(r["results"]["summary"]["other"], 1);
    let strict = validate(&recipe, &[&args[..], &["--fail-on-error"]].concat());
    assert_eq!(strict.status.code(), Some(1));
    let lenient = validate(&recipe, &[&args[..], &["--fail-on-error=false"]].concat());
    assert_eq!(lenient.status.code(), Some(0));
}

#[test]
fn a_report_file_is_written() {
    let dir = TempDir::new("kf-out");
    let recipe = kubeflow_recipe(&dir);
    let file = dir.path().join("report.json");
    let out = run(galley()
        .args(["validate", "-s", FIXTURE_SNAPSHOT, "-r"])
        .arg(&recipe)
        .arg("-o")
        .arg(&file));
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.ends_with("}\n"));
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["reportFormat"],
        "CTRF"
    );
}

#[test]
fn malformed_inputs_exit_2_with_a_diagnostic() {
    let dir = TempDir::new("kf-bad");
    let recipe = kubeflow_recipe(&dir);
    let bad = root().join("tests/fixtures/measure/bad");
    let mut cases = 0;
    for entry in std::fs::read_dir(&bad).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let mut cmd = galley();
        cmd.arg("validate");
        if name.starts_with("snapshot") {
            cmd.arg("-r").arg(&recipe).arg("-s").arg(&path);
        } else if name.starts_with("recipe") {
            cmd.arg("-r").arg(&path).args(["-s", FIXTURE_SNAPSHOT]);
            // An unknown phase is an unknown field: a warning, an error under --strict.
            if name == "recipe-unknown-phase.yaml" {
                cmd.arg("--strict");
            }
        } else {
            cmd.arg("-r")
                .arg(&recipe)
                .args(["-s", FIXTURE_SNAPSHOT, "--results"])
                .arg(&path);
        }
        let out = run(&mut cmd);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains("galley::") || err.contains("error:"),
            "{name}: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(stdout(&out).is_empty(), "{name}");
        cases += 1;
    }
    assert!(cases >= 12);
    for args in [
        &["validate", "-r", "/nonexistent", "-s", FIXTURE_SNAPSHOT][..],
        &["validate", "-s", FIXTURE_SNAPSHOT][..],
        &[
            "validate",
            "-r",
            FIXTURE_SNAPSHOT,
            "-s",
            FIXTURE_SNAPSHOT,
            "--phase",
            "smoke",
        ][..],
    ] {
        assert_eq!(run(galley().args(args)).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn recipe_from_a_snapshot_leaves_out_overlays_whose_constraints_fail() {
    let dir = TempDir::new("exclude");
    let snap = dir.path().join("old-cluster.yaml");
    std::fs::write(
        &snap,
        "measurements:\n  - type: K8s\n    subtypes:\n      - subtype: server\n        data: {version: v1.31.2-eks-1}\n  - type: GPU\n    subtypes:\n      - subtype: smi\n        data: {gpu.model: NVIDIA H100 80GB HBM3}\n  - type: OS\n    subtypes:\n      - subtype: release\n        data: {ID: ubuntu, VERSION_ID: \"24.04\"}\n",
    )
    .unwrap();
    let out = run(galley()
        .args([
            "recipe",
            "--format",
            "json",
            "--intent",
            "training",
            "--platform",
            "kubeflow",
            "--snapshot",
        ])
        .arg(&snap));
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let meta = &doc["metadata"];
    let excluded: Vec<&str> = meta["excludedOverlays"]
        .as_array()
        .expect("excluded overlays")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let applied: Vec<&str> = meta["appliedOverlays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!excluded.is_empty());
    assert!(applied.contains(&"eks-training"), "{applied:?}");
    for name in &excluded {
        assert!(!applied.contains(name), "{name} both applied and excluded");
    }
    let warnings = meta["constraintWarnings"].as_array().unwrap();
    let direct = warnings
        .iter()
        .find(|w| w["constraint"] == "K8s.server.version" && w["actual"] == "v1.31.2-eks-1")
        .expect("a warning for the version constraint");
    assert_eq!(direct["expected"], ">= 1.32.4");
    assert!(stderr(&out).contains("left out"));

    // The reference's snapshot fails nothing: the missing sysctl reading excludes nothing.
    let out = run(galley().args([
        "recipe",
        "--format",
        "json",
        "--intent",
        "training",
        "--platform",
        "kubeflow",
        "--snapshot",
        FIXTURE_SNAPSHOT,
    ]));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        doc["metadata"].get("excludedOverlays").is_none(),
        "{}",
        doc["metadata"]
    );
}
