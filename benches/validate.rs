//! `make bench`: how fast `galley validate` is.
//!
//! `galley validate --phase readiness` for the kubeflow target (eks, h100, training, ubuntu,
//! kubeflow) against the reference's snapshot fixture, whole process: median wall time
//! (target ≤ 10 ms). The recipe is written once by `galley recipe` before timing.

use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let bin = env!("CARGO_BIN_EXE_galley");
    let dir = std::env::temp_dir().join(format!("galley-bench-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let recipe = dir.join("recipe.yaml");
    let out = Command::new(bin)
        .args([
            "recipe",
            "--service",
            "eks",
            "--accelerator",
            "h100",
            "--intent",
            "training",
            "--os",
            "ubuntu",
            "--platform",
            "kubeflow",
            "-o",
        ])
        .arg(&recipe)
        .output()
        .expect("galley runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snapshot = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/measure/snapshot-eks-h100-ubuntu.yaml"
    );
    let run = || {
        let out = Command::new(bin)
            .args(["validate", "--phase", "readiness", "-s", snapshot, "-r"])
            .arg(&recipe)
            .output()
            .expect("galley runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run();
    let mut samples: Vec<Duration> = (0..40)
        .map(|_| {
            let t = Instant::now();
            run();
            t.elapsed()
        })
        .collect();
    samples.sort();
    println!(
        "galley validate --phase readiness (kubeflow), whole process: median {:7.2} ms   (target ≤ 10 ms; min {:.2}, max {:.2})",
        samples[samples.len() / 2].as_secs_f64() * 1000.0,
        samples[0].as_secs_f64() * 1000.0,
        samples[samples.len() - 1].as_secs_f64() * 1000.0,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
