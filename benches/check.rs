//! `make bench`: how fast `galley check` is.
//!
//! - the whole embedded library, in process and as a whole process (the target: a median
//!   under 10 ms whole-process);
//! - parse + check of generated libraries of 2,500, 5,000 and 10,000 overlays (the target:
//!   10,000 under 1 s, growing linearly).
//!
//! Medians over repeated runs; the figures are printed, one line each.

// Benchmarks unwrap: a panic is a failed run (non-test code may not, [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use camino::Utf8PathBuf;
use common::{galley_cmd, median, ms, samples, succeed};
use galley::data::{DataSet, Root};
use std::fmt::Write as _;
use std::time::Duration;

/// The median of `runs` timed runs of `f`, after one to warm up.
fn time(runs: usize, f: impl FnMut()) -> Duration {
    median(&samples(runs, f))
}

fn embedded() -> DataSet {
    DataSet::new(vec![Root::embedded_stdlib(), Root::embedded_recipes()])
}

/// A data directory of `n` overlays, each with its own accelerator value.
fn generate(n: usize) -> tempdir::Dir {
    let dir = tempdir::Dir::new(&format!("bench-{n}"));
    let mut decl = String::from("dimension accelerator += ");
    decl.push_str(
        &(0..n)
            .map(|i| format!("gen{i}"))
            .collect::<Vec<_>>()
            .join(" | "),
    );
    decl.push('\n');
    std::fs::write(dir.path().join("dims.ovl"), decl).expect("write");
    let overlays = dir.path().join("overlays");
    std::fs::create_dir_all(&overlays).expect("mkdir");
    for chunk in 0..n.div_ceil(100) {
        let mut text = String::new();
        for i in chunk * 100..((chunk + 1) * 100).min(n) {
            let _ = write!(
                text,
                "overlay gen{i}-eks-training extends eks-training {{\n  when service = eks, accelerator = gen{i}, intent = training\n\n  require K8s.server.version >= 1.32.{}\n\n  component gpu-operator {{\n    needs cert-manager, kube-prometheus-stack\n    set {{\n      driver.version = \"580.{i}\"\n      cdi.enabled = true\n    }}\n  }}\n}}\n\n",
                i % 10
            );
        }
        std::fs::write(overlays.join(format!("gen{chunk:04}.ovl")), text).expect("write");
    }
    dir
}

mod tempdir {
    pub struct Dir(std::path::PathBuf);
    impl Dir {
        pub fn new(tag: &str) -> Dir {
            let p = std::env::temp_dir().join(format!("galley-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).expect("temp dir");
            Dir(p)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn whole_process(args: &[&str], runs: usize) -> Duration {
    time(runs, || succeed(galley_cmd().args(args)))
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let in_process = time(50, || {
        let (_, diags) = galley::check::check(embedded());
        assert!(!diags.has_errors());
    });
    println!(
        "check embedded library, in process:      median {:8.2} ms",
        ms(in_process)
    );
    let process = whole_process(&["check"], 30);
    println!(
        "galley check (whole process):            median {:8.2} ms   (target < 10 ms)",
        ms(process)
    );

    for n in [2_500, 5_000, 10_000] {
        let dir = generate(n);
        let path = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).expect("utf-8 temp path");
        let runs = if n >= 10_000 { 5 } else { 7 };
        let t = time(runs, || {
            let data = DataSet::new(vec![
                Root::embedded_stdlib(),
                Root::embedded_recipes(),
                Root::from_dir(&path).expect("generated dir"),
            ]);
            let (library, diags) = galley::check::check(data);
            assert!(!diags.has_errors(), "generated library has errors");
            assert!(library.overlays.len() >= n);
        });
        println!(
            "parse + check {n:>6} generated overlays:    median {:8.2} ms   ({:.1} µs/overlay){}",
            ms(t),
            t.as_secs_f64() * 1e6 / n as f64,
            if n == 10_000 {
                "   (target < 1000 ms)"
            } else {
                ""
            }
        );
    }
}
