//! `make bench`: how fast `galley recipe` is.
//!
//! - `galley recipe` for the kubeflow target (eks, h100, training, ubuntu, kubeflow), whole
//!   process: median wall time (target ≤ 5 ms) and peak resident memory (target ≤ 15 MiB);
//! - all 1,620 criteria combinations resolved in one process (target ≤ 200 ms), after one
//!   check of the embedded library.

// Reading the children's peak memory needs one libc call; nothing else here is unsafe.
#![allow(unsafe_code)]

use galley::data::{DataSet, Root};
use galley::resolve::criteria::Query;
use std::process::Command;
use std::time::{Duration, Instant};

const KUBEFLOW: [&str; 11] = [
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
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

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
    let bin = env!("CARGO_BIN_EXE_galley");
    let run = || {
        let out = Command::new(bin)
            .args(KUBEFLOW)
            .output()
            .expect("galley runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run();
    let samples: Vec<Duration> = (0..40)
        .map(|_| {
            let t = Instant::now();
            run();
            t.elapsed()
        })
        .collect();
    println!(
        "galley recipe (kubeflow target), whole process: median {:7.2} ms   (target ≤ 5 ms)",
        ms(median(samples))
    );
    println!(
        "galley recipe (kubeflow target), peak memory:    {:7.2} MiB  (target ≤ 15 MiB)",
        children_peak_kib() as f64 / 1024.0
    );
}

fn all_targets() {
    let dims = [
        ("service", &["any", "eks", "gke", "aks", "oke", "kind"][..]),
        (
            "accelerator",
            &["any", "h100", "gb200", "b200", "a100", "l40"][..],
        ),
        ("intent", &["any", "training", "inference"][..]),
        ("os", &["any", "ubuntu", "rhel", "cos", "amazonlinux"][..]),
        ("platform", &["any", "dynamo", "kubeflow"][..]),
    ];
    let t = Instant::now();
    let (library, diags) = galley::check::check(DataSet::new(vec![
        Root::embedded_stdlib(),
        Root::embedded_recipes(),
    ]));
    let resolver = galley::resolve::Resolver::new(&library);
    assert!(!diags.has_errors());
    let checked = t.elapsed();
    let mut queries = vec![Query::any()];
    for (dim, values) in dims {
        queries = queries
            .into_iter()
            .flat_map(|q| {
                values.iter().map(move |v| {
                    let mut q = q.clone();
                    if *v != "any" {
                        q.values.insert(dim.to_string(), v.to_string());
                    }
                    q
                })
            })
            .collect();
    }
    assert_eq!(queries.len(), 1620);
    let mut samples = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        for q in &queries {
            resolver.resolve(q).expect("every target resolves");
        }
        samples.push(t.elapsed());
    }
    println!(
        "resolve all 1,620 targets in one process:       median {:7.2} ms   (target ≤ 200 ms; plus {:.2} ms to check the library once)",
        ms(median(samples)),
        ms(checked)
    );
}

fn main() {
    whole_process();
    all_targets();
}
