//! `make bench`: how fast `galley coverage` is, whole process: the embedded library checked,
//! all 1,620 targets matched, each distinct overlay set resolved once (target < 200 ms).

// Benchmarks unwrap: a panic is a failed run (non-test code may not, [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{galley_cmd, median, ms, samples, succeed};

fn main() {
    for format in ["table", "json"] {
        let timed = samples(20, || {
            succeed(galley_cmd().args(["coverage", "--format", format]))
        });
        println!(
            "galley coverage --format {format:5}, whole process: median {:7.2} ms   max {:7.2} ms   (target < 200 ms)",
            ms(median(&timed)),
            ms(timed[timed.len() - 1])
        );
    }
}
