//! `make bench`: how fast `galley validate` is.
//!
//! `galley validate --phase readiness` for the kubeflow target (eks, h100, training, ubuntu,
//! kubeflow) against the reference's snapshot fixture, whole process: median wall time
//! (target ≤ 10 ms). The recipe is written once by `galley recipe` before timing.

// Benchmarks unwrap: a panic is a failed run (non-test code may not, [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{KUBEFLOW, galley_cmd, median, ms, samples, succeed};

fn main() {
    let dir = std::env::temp_dir().join(format!("galley-bench-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let recipe = dir.join("recipe.yaml");
    succeed(
        galley_cmd()
            .arg("recipe")
            .args(KUBEFLOW)
            .arg("-o")
            .arg(&recipe),
    );
    let snapshot = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/measure/snapshot-eks-h100-ubuntu.yaml"
    );
    let timed = samples(40, || {
        succeed(
            galley_cmd()
                .args(["validate", "--phase", "readiness", "-s", snapshot, "-r"])
                .arg(&recipe),
        )
    });
    println!(
        "galley validate --phase readiness (kubeflow), whole process: median {:7.2} ms   (target ≤ 10 ms; min {:.2}, max {:.2})",
        ms(median(&timed)),
        ms(timed[0]),
        ms(timed[timed.len() - 1]),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
