//! `make bench`: how fast `galley coverage` is, whole process: the embedded library checked,
//! all 1,620 targets matched, each distinct overlay set resolved once (target < 200 ms).

use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let bin = env!("CARGO_BIN_EXE_galley");
    let run = |format: &str| {
        let out = Command::new(bin)
            .args(["coverage", "--format", format])
            .output()
            .expect("galley runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for format in ["table", "json"] {
        run(format);
        let mut samples: Vec<Duration> = (0..20)
            .map(|_| {
                let t = Instant::now();
                run(format);
                t.elapsed()
            })
            .collect();
        samples.sort();
        println!(
            "galley coverage --format {format:5}, whole process: median {:7.2} ms   max {:7.2} ms   (target < 200 ms)",
            samples[samples.len() / 2].as_secs_f64() * 1000.0,
            samples[samples.len() - 1].as_secs_f64() * 1000.0
        );
    }
}
