//! `make bench`: how fast `galley recipe` is.
//!
//! - `galley recipe` for the kubeflow target (eks, h100, training, ubuntu, kubeflow), whole
//!   process: median wall time (target ≤ 5 ms) and peak resident memory (target ≤ 15 MiB);
//! - all 1,620 criteria combinations resolved in one process (target ≤ 200 ms), after one
//!   check of the embedded library.

// Benchmarks unwrap: a panic is a failed run (non-test code may not, [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Reading the children's peak memory needs one libc call; nothing else here is unsafe.
#![allow(unsafe_code)]

mod common;

use common::{KUBEFLOW, galley_cmd, median, ms, samples, succeed};
use galley::data::{DataSet, Root};
use std::time::Instant;

/// Peak resident set of any child so far, in KiB (Linux reports ru_maxrss in KiB).
fn children_peak_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a rusage into the pointer we pass; it is zero-initialised.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss
}

fn whole_process() {
    let timed = samples(40, || succeed(galley_cmd().arg("recipe").args(KUBEFLOW)));
    println!(
        "galley recipe (kubeflow target), whole process: median {:7.2} ms   (target ≤ 5 ms)",
        ms(median(&timed))
    );
    println!(
        "galley recipe (kubeflow target), peak memory:    {:7.2} MiB  (target ≤ 15 MiB)",
        children_peak_kib() as f64 / 1024.0
    );
}

fn all_targets() {
    let t = Instant::now();
    let (library, diags) = galley::check::check(DataSet::new(vec![
        Root::embedded_stdlib(),
        Root::embedded_recipes(),
    ]));
    let resolver = galley::resolve::Resolver::new(&library);
    assert!(!diags.has_errors());
    let checked = t.elapsed();
    let space = galley::author::coverage::space(&library);
    let queries = galley::author::coverage::queries(&space);
    assert_eq!(queries.len(), 1620);
    // The first pass fills the resolver's caches; the timed passes reuse them, as one
    // process resolving many targets does.
    let timed = samples(5, || {
        for q in &queries {
            resolver.resolve(q).expect("every target resolves");
        }
    });
    println!(
        "resolve all 1,620 targets in one process:       median {:7.2} ms   (target ≤ 200 ms; plus {:.2} ms to check the library once)",
        ms(median(&timed)),
        ms(checked)
    );
}

fn main() {
    whole_process();
    all_targets();
}
