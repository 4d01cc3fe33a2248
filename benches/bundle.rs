//! `make bench`: how fast `galley bundle` is.
//!
//! `galley bundle` of the kubeflow target (eks, h100, training, ubuntu, kubeflow) with the
//! Helm deployer and the scheduling flags of the acceptance test, whole process, writing a
//! fresh directory each run: median wall time (target ≤ 10 ms; the reference takes about
//! 100 ms). The other deployers are timed the same way for comparison.

use std::process::Command;
use std::time::{Duration, Instant};

const KUBEFLOW: [&str; 17] = [
    "bundle",
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
    "--system-node-selector",
    "nodeGroup=system",
    "--accelerated-node-selector",
    "nodeGroup=gpu",
    "--accelerated-node-toleration",
    "nvidia.com/gpu=present:NoSchedule",
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_galley");
    let dir = std::env::temp_dir().join(format!("galley-bench-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for deployer in ["helm", "argocd", "flux", "helmfile"] {
        let mut n = 0;
        let mut run = || {
            n += 1;
            let out_dir = dir.join(format!("{deployer}-{n}"));
            let start = Instant::now();
            let out = Command::new(bin)
                .args(KUBEFLOW)
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
        let samples: Vec<Duration> = (0..60).map(|_| run()).collect();
        let m = median(samples);
        let target = if deployer == "helm" {
            " (target <= 10 ms)"
        } else {
            ""
        };
        println!(
            "bundle kubeflow --deployer {deployer}, whole process: median {:.2} ms{target}",
            m.as_secs_f64() * 1000.0
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
