//! What the whole-process benchmarks share: the kubeflow target, running the binary, and
//! medians. (A directory module, so that Cargo does not take it for a benchmark.)

// Each benchmark uses part of this.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

/// The issues' benchmark target: eks, h100, training, ubuntu, kubeflow.
pub const KUBEFLOW: [&str; 10] = [
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
];

/// The galley binary under test.
pub fn galley_cmd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_galley"))
}

/// Run a command that must succeed; its stderr is the failure message.
pub fn succeed(cmd: &mut Command) {
    let out = cmd.output().expect("galley runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `f` once to warm up, then `runs` timed runs, sorted.
pub fn samples(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    f();
    let mut all: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    all.sort();
    all
}

/// The median of sorted samples.
pub fn median(sorted: &[Duration]) -> Duration {
    sorted[sorted.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
