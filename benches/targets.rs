//! `make bench`: issue 13's start-up targets, one table.
//!
//! Whole-process medians on this machine, the commands alternated round by round so that a
//! noisy phase of the machine slows all of them alike:
//!
//! - `galley --version` (the floor: process start alone, no target),
//! - `galley recipe` for the kubeflow target (target ≤ 3 ms),
//! - `galley bundle -r RECIPE --deployer helm` (target ≤ 6 ms),
//! - `galley check`, the embedded library with its lints (target ≤ 8 ms);
//!
//! and, in this process, every one of the 1,620 targets: the library checked once, then each
//! target resolved with one shared resolver whose caches start empty (target ≤ 120 ms).
//!
//! When `AICR_BIN` names the reference binary (`aicr`), its `recipe` and `bundle -r` are timed
//! in the same rounds and the ratios printed (issue 13: recipe ≤ 0.08× the reference);
//! otherwise the table says the reference was not available. When `GALLEY_BASELINE` names
//! another galley binary (a build of the commit before a change), each galley command is timed
//! with it too, in the same rounds, and its median printed beside (an A/B on a noisy machine).

// A benchmark stops at its first surprise.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{KUBEFLOW, galley_cmd, median, ms, succeed};
use galley::data::{DataSet, Root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Rounds of the whole-process commands (one sample of each per round).
const ROUNDS: usize = 41;

/// One timed command: its name in the table, how to run it, and its target.
struct Timed {
    name: &'static str,
    target_ms: Option<f64>,
    run: Box<dyn Fn() -> Command>,
    samples: Vec<Duration>,
}

impl Timed {
    fn new(
        name: &'static str,
        target_ms: Option<f64>,
        run: impl Fn() -> Command + 'static,
    ) -> Timed {
        Timed {
            name,
            target_ms,
            run: Box::new(run),
            samples: Vec::new(),
        }
    }

    fn sample(&mut self) {
        let mut cmd = (self.run)();
        let start = Instant::now();
        succeed(&mut cmd);
        self.samples.push(start.elapsed());
    }

    fn median(&self) -> Duration {
        let mut sorted = self.samples.clone();
        sorted.sort();
        median(&sorted)
    }
}

/// `aicr` when `AICR_BIN` names it.
fn reference() -> Option<PathBuf> {
    std::env::var_os("AICR_BIN")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
}

fn galley(bin: Option<PathBuf>, args: &[&str]) -> impl Fn() -> Command + 'static {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    move || {
        let mut cmd = bin.as_ref().map_or_else(galley_cmd, Command::new);
        cmd.args(&args);
        cmd
    }
}

fn bundle_r(bin: Option<PathBuf>, recipe: &Path, out: &Path) -> impl Fn() -> Command + 'static {
    let (recipe, out) = (recipe.to_path_buf(), out.to_path_buf());
    move || {
        let _ = std::fs::remove_dir_all(&out);
        let mut cmd = match &bin {
            Some(bin) => Command::new(bin),
            None => galley_cmd(),
        };
        cmd.arg("bundle")
            .arg("-r")
            .arg(&recipe)
            .args(["--deployer", "helm", "-o"])
            .arg(&out);
        cmd
    }
}

fn all_targets_in_process() -> Duration {
    let mut timed: Vec<Duration> = (0..6)
        .map(|_| {
            let start = Instant::now();
            let (library, diags) = galley::check::check(DataSet::new(vec![
                Root::embedded_stdlib(),
                Root::embedded_recipes(),
            ]));
            assert!(!diags.has_errors());
            let resolver = galley::resolve::Resolver::new(&library);
            let space = galley::author::coverage::space(&library);
            let queries = galley::author::coverage::queries(&space);
            assert_eq!(queries.len(), 1620);
            for q in &queries {
                resolver.resolve(q).expect("every target resolves");
            }
            start.elapsed()
        })
        .skip(1)
        .collect();
    timed.sort();
    median(&timed)
}

fn verdict(measured: Duration, target_ms: Option<f64>) -> String {
    match target_ms {
        Some(t) if ms(measured) <= t => format!("≤ {t} ms   met"),
        Some(t) => format!("≤ {t} ms   MISSED ({:.0} %)", 100.0 * ms(measured) / t),
        None => "(floor)".to_string(),
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("galley-bench-targets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let recipe = dir.join("recipe.yaml");
    succeed(
        galley_cmd()
            .arg("recipe")
            .args(KUBEFLOW)
            .arg("-o")
            .arg(&recipe),
    );

    let mut recipe_args = vec!["recipe"];
    recipe_args.extend(KUBEFLOW);
    let baseline = std::env::var_os("GALLEY_BASELINE")
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    let mut rows = Vec::new();
    for bin in std::iter::once(None).chain(baseline.clone().map(Some)) {
        let out = dir.join(if bin.is_some() { "baseline" } else { "bundle" });
        rows.extend([
            Timed::new(
                "galley --version",
                None,
                galley(bin.clone(), &["--version"]),
            ),
            Timed::new(
                "galley recipe, kubeflow target",
                Some(3.0),
                galley(bin.clone(), &recipe_args),
            ),
            Timed::new(
                "galley bundle -r, helm",
                Some(6.0),
                bundle_r(bin.clone(), &recipe, &out),
            ),
            Timed::new(
                "galley check (embedded, lints)",
                Some(8.0),
                galley(bin.clone(), &["check"]),
            ),
        ]);
    }
    let aicr = reference();
    if let Some(bin) = aicr.clone() {
        let mut args: Vec<String> = vec!["recipe".into()];
        args.extend(KUBEFLOW.iter().map(|a| a.to_string()));
        rows.push(Timed::new(
            "aicr recipe, kubeflow target",
            None,
            move || {
                let mut cmd = Command::new(&bin);
                cmd.args(&args);
                cmd
            },
        ));
        rows.push(Timed::new(
            "aicr bundle -r, helm",
            None,
            bundle_r(aicr.clone(), &recipe, &dir.join("aicr-bundle")),
        ));
    }
    for row in &mut rows {
        row.sample(); // warm the page cache
        row.samples.clear();
    }
    for _ in 0..ROUNDS {
        for row in &mut rows {
            row.sample();
        }
    }
    let all = all_targets_in_process();
    let _ = std::fs::remove_dir_all(&dir);

    println!("issue 13 targets, median of {ROUNDS} alternated runs (whole process unless said):");
    // Ours first, then the baseline's four when there is one, then the reference's.
    let baseline_rows = baseline.as_ref().map_or(&[][..], |_| &rows[4..8]);
    for (i, row) in rows[..4].iter().enumerate() {
        let before = baseline_rows
            .get(i)
            .map(|b| format!("   (baseline {:.2} ms)", ms(b.median())))
            .unwrap_or_default();
        println!(
            "  {:<34} {:8.2} ms   {}{before}",
            row.name,
            ms(row.median()),
            verdict(row.median(), row.target_ms)
        );
    }
    println!(
        "  {:<34} {:8.2} ms   {}",
        "all 1,620 targets, one process",
        ms(all),
        verdict(all, Some(120.0))
    );
    match aicr {
        None => {
            println!("  reference: not available (set AICR_BIN to the aicr binary for the ratios)")
        }
        Some(_) => {
            let median_of = |name: &str| rows.iter().find(|r| r.name == name).map(Timed::median);
            for (ours, theirs, target) in [
                (
                    "galley recipe, kubeflow target",
                    "aicr recipe, kubeflow target",
                    Some(0.08),
                ),
                ("galley bundle -r, helm", "aicr bundle -r, helm", None),
            ] {
                if let (Some(a), Some(b)) = (median_of(ours), median_of(theirs)) {
                    let ratio = a.as_secs_f64() / b.as_secs_f64();
                    let verdict = match target {
                        Some(t) if ratio <= t => format!("(target ≤ {t}×: met)"),
                        Some(t) => format!("(target ≤ {t}×: MISSED)"),
                        None => String::new(),
                    };
                    println!(
                        "  {theirs}: {:.2} ms; galley/reference {ratio:.3}× {verdict}",
                        ms(b)
                    );
                }
            }
        }
    }
}
