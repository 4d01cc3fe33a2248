//! `make bench`: how fast `galley bundle` is.
//!
//! `galley bundle` of the kubeflow target (eks, h100, training, ubuntu, kubeflow) with the
//! Helm deployer and the scheduling flags of the acceptance test, whole process, writing a
//! fresh directory each run: median wall time (target ≤ 10 ms; the reference takes about
//! 100 ms). The other deployers are timed the same way for comparison.

// Benchmarks unwrap: a panic is a failed run (non-test code may not, [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{KUBEFLOW, galley_cmd, median, ms};
use std::time::{Duration, Instant};

/// The scheduling flags of the acceptance test.
const SCHEDULING: [&str; 6] = [
    "--system-node-selector",
    "nodeGroup=system",
    "--accelerated-node-selector",
    "nodeGroup=gpu",
    "--accelerated-node-toleration",
    "nvidia.com/gpu=present:NoSchedule",
];

fn main() {
    let dir = std::env::temp_dir().join(format!("galley-bench-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for deployer in ["helm", "argocd", "flux", "helmfile"] {
        let mut n = 0;
        let mut run = || {
            n += 1;
            let out_dir = dir.join(format!("{deployer}-{n}"));
            let start = Instant::now();
            let out = galley_cmd()
                .arg("bundle")
                .args(KUBEFLOW)
                .args(SCHEDULING)
                .args([
                    "--deployer",
                    deployer,
                    "--repo",
                    "https://github.com/example/gitops.git",
                    "-o",
                ])
                .arg(&out_dir)
                .output()
                .expect("galley runs");
            let took = start.elapsed();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let _ = std::fs::remove_dir_all(&out_dir);
            took
        };
        for _ in 0..5 {
            run();
        }
        let mut samples: Vec<Duration> = (0..60).map(|_| run()).collect();
        samples.sort();
        let m = median(&samples);
        let target = if deployer == "helm" {
            " (target <= 10 ms)"
        } else {
            ""
        };
        println!(
            "bundle kubeflow --deployer {deployer}, whole process: median {:.2} ms{target}",
            ms(m)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
