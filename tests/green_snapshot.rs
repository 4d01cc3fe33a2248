//! `recipe --snapshot` says what it detected and what not, and refuses a snapshot it
//! detected nothing from when no other criteria are given (issue 12 §3).

use crate::support::{TempDir, galley, run, stderr};
use std::path::PathBuf;

fn snapshot(dir: &TempDir, measurements: &str) -> PathBuf {
    let path = dir.path().join("snapshot.yaml");
    let text = format!(
        "kind: Snapshot\napiVersion: aicr.nvidia.com/v1alpha1\nmeasurements:\n{measurements}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

const DEBIAN: &str = "  - type: K8s\n    subtypes:\n      - subtype: server\n        data:\n          version: v1.33.0\n  - type: OS\n    subtypes:\n      - subtype: release\n        data:\n          ID: debian\n";

#[test]
fn a_snapshot_with_nothing_detected_is_refused_and_each_dimension_explained() {
    let dir = TempDir::new("green-snap");
    let snap = snapshot(&dir, DEBIAN);
    let out = run(galley().arg("recipe").arg("--snapshot").arg(&snap));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty(), "no recipe is printed");
    assert!(err.contains("nothing was detected from snapshot"), "{err}");
    assert!(
        err.contains("os not detected: `debian` (from `OS.release.ID`) is not a value of dimension `os` (valid: "),
        "{err}"
    );
    assert!(err.contains("ubuntu"), "the valid values are listed: {err}");
    assert!(
        err.contains("service not detected: `K8s.server.version` `v1.33.0`"),
        "{err}"
    );
    assert!(
        err.contains("accelerator not detected: the snapshot has no `GPU.smi`"),
        "{err}"
    );
    assert!(
        err.contains("intent, platform, nodes not detected"),
        "{err}"
    );
}

#[test]
fn flags_beside_an_undetected_snapshot_still_resolve_and_the_gap_is_said() {
    let dir = TempDir::new("green-snap");
    let snap = snapshot(&dir, DEBIAN);
    let out = run(galley()
        .args(["recipe", "--intent", "training", "--snapshot"])
        .arg(&snap));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("os not detected: `debian`"), "{err}");
    assert!(
        !err.contains("intent, "),
        "a given flag is not reported missing: {err}"
    );
}

#[test]
fn an_unknown_gpu_model_and_an_any_service_are_explained() {
    let dir = TempDir::new("green-snap");
    let snap = snapshot(
        &dir,
        "  - type: K8s\n    subtypes:\n      - subtype: server\n        data:\n          service: self-managed\n  - type: GPU\n    subtypes:\n      - subtype: smi\n        data:\n          gpu.model: Tesla T4\n  - type: OS\n    subtypes:\n      - subtype: release\n        data:\n          ID: ubuntu\n",
    );
    let out = run(galley().arg("recipe").arg("--snapshot").arg(&snap));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "os was detected: {err}");
    assert!(err.contains("detected os = ubuntu"), "{err}");
    assert!(
        err.contains("accelerator not detected: `Tesla T4` (from `GPU.smi.gpu.model`) names no value of dimension `accelerator`"),
        "{err}"
    );
    assert!(
        err.contains("service not detected: `self-managed` (from `K8s.server.service`) stands for any service"),
        "{err}"
    );
}
