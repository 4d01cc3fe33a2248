//! Inputs that grow: each dimension of a library (nesting depth, keys per map, `set`
//! entries in one file, `extends` chain length, sibling overlays, dimension values) is
//! built at sizes N and 2N, and the whole pipeline (check, lints, one resolve) must not
//! take more than 2.5 times as long at 2N: linear work doubles, quadratic work quadruples.
//!
//! Time is measured in-process through the library API, the minimum of a few runs, with
//! sizes where the work is tens to hundreds of milliseconds in a debug build, so that a
//! loaded machine and the fixed cost of reading the stdlib do not decide the outcome. The
//! figures in `docs/performance.md` ("Scaling") come from
//! `cargo test --release --test lib scaling:: -- --ignored --nocapture`.
//!
//! Also here: the limits that keep inputs from blowing up (a value nested too deep, a
//! criteria space too large to walk), each with its diagnostic.
//!
//! The timed tests take a lock, so that they never measure each other.

use crate::support::{TempDir, galley, run, stderr};
use camino::Utf8Path;
use galley::data::{DataSet, Root};
use galley::resolve::criteria::Query;
use std::path::Path;
use std::time::{Duration, Instant};

/// The target every generated library is resolved for (its leaf overlay's criteria).
const TARGET: [(&str, &str); 2] = [("service", "kind"), ("accelerator", "l40")];
const LEAF_WHEN: &str = "when service = kind, accelerator = l40";

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A library of its own over the embedded stdlib: `base`, whatever `overlays` holds, and
/// a leaf overlay that the target matches.
fn library(dir: &Path, overlays: &str, leaf_parent: &str) {
    let text = format!(
        "overlay base {{\n  component cert-manager {{ set {{ base = 1 }} }}\n}}\n\n{overlays}\n\
         overlay leaf extends {leaf_parent} {{\n  {LEAF_WHEN}\n  component cert-manager {{ set {{ leaf = 1 }} }}\n}}\n"
    );
    write(dir, "overlays/lib.ovl", &text);
}

/// One pass of the pipeline over a generated library; panics on errors.
fn pipeline(dir: &Path) -> Duration {
    let started = Instant::now();
    let root = Root::from_dir(Utf8Path::from_path(dir).expect("utf-8 path")).expect("root");
    let data = DataSet::new(vec![Root::embedded_stdlib(), root]);
    let (lib, diags) = galley::check::check(data);
    assert!(
        !diags.has_errors(),
        "{:?}",
        diags.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    let _lints = galley::check::lint::lint(&lib);
    let query = Query {
        values: TARGET
            .iter()
            .map(|(d, v)| (d.to_string(), v.to_string()))
            .collect(),
    };
    let recipe = galley::resolve::resolve(&lib, &query).expect("resolves");
    assert!(recipe.component("cert-manager").is_some());
    started.elapsed()
}

/// Writes a library of size `n` into a directory.
type Build = fn(&Path, usize);

/// The fastest of `runs` passes over a library built by `build(dir, n)`.
fn best_of(tag: &str, n: usize, runs: usize, build: Build) -> Duration {
    let dir = TempDir::new(tag);
    build(dir.path(), n);
    (0..runs).map(|_| pipeline(dir.path())).min().expect("runs")
}

/// Fails when doubling `n` costs more than 2.5 times the time. Runs at N and 2N alternate,
/// so that a load that comes and goes weighs on both; each side keeps its fastest run.
fn assert_scales(tag: &str, n: usize, build: Build) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (small_dir, large_dir) = (TempDir::new(tag), TempDir::new(tag));
    build(small_dir.path(), n);
    build(large_dir.path(), 2 * n);
    let (mut small, mut large) = (Duration::MAX, Duration::MAX);
    for _ in 0..4 {
        small = small.min(pipeline(small_dir.path()));
        large = large.min(pipeline(large_dir.path()));
    }
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    eprintln!(
        "{tag}: N={n} {small:?}, 2N={} {large:?}, ratio {ratio:.2}",
        2 * n
    );
    assert!(
        ratio <= 2.5,
        "{tag}: doubling N from {n} took {ratio:.2} times as long ({small:?} -> {large:?})"
    );
}

/// `entries` `set` entries, each a dotted path `n` segments deep.
fn nesting_depth(dir: &Path, n: usize) {
    let entries = 100;
    let mut body = String::new();
    for e in 0..entries {
        let path: Vec<String> = (0..n).map(|i| format!("k{e}x{i}")).collect();
        body.push_str(&format!("      {} = {e}\n", path.join(".")));
    }
    library(
        dir,
        &format!(
            "overlay deep {{\n  {LEAF_WHEN}, intent = training\n  component cert-manager {{\n    set {{\n{body}    }}\n  }}\n}}\n"
        ),
        "base",
    );
}

/// Two layers of values files, each a map of `n` keys.
fn keys_per_map(dir: &Path, n: usize) {
    for (file, offset) in [("a", 0), ("b", 1)] {
        let text: String = (0..n).map(|i| format!("k{i}: {}\n", i + offset)).collect();
        write(dir, &format!("components/cert-manager/{file}.yaml"), &text);
    }
    library(
        dir,
        "overlay mid {\n  when service = kind\n  component cert-manager { values \"components/cert-manager/a.yaml\" }\n}\n\
         overlay top extends mid {\n  when service = kind, accelerator = l40, intent = training\n  component cert-manager { values \"components/cert-manager/b.yaml\" }\n}\n",
        "mid",
    );
}

/// One `.ovl` file whose `set` block has `n` entries.
fn file_size(dir: &Path, n: usize) {
    let body: String = (0..n)
        .map(|i| format!("      group{}.key{i} = \"value {i}\"\n", i % 50))
        .collect();
    library(
        dir,
        &format!(
            "overlay big {{\n  {LEAF_WHEN}, intent = training\n  component cert-manager {{\n    set {{\n{body}    }}\n  }}\n}}\n"
        ),
        "base",
    );
}

/// A chain of `n` abstract overlays, each extending the one before and setting a key.
fn chain_length(dir: &Path, n: usize) {
    let mut text = String::new();
    let mut parent = "base".to_string();
    for i in 0..n {
        text.push_str(&format!(
            "overlay c{i} extends {parent} {{\n  component cert-manager {{ set {{ k{i} = {i} }} }}\n}}\n"
        ));
        parent = format!("c{i}");
    }
    library(dir, &text, &parent);
}

/// `n` sibling overlays under `base`, abstract (so that the criteria space stays the same
/// size), each setting a key and a field.
fn overlays(dir: &Path, n: usize) {
    let text: String = (0..n)
        .map(|i| {
            format!(
                "overlay o{i} {{\n  component cert-manager {{\n    version v1.{i}.0\n    set {{ k{i} = {i} }}\n  }}\n}}\n"
            )
        })
        .collect();
    library(dir, &text, "base");
}

/// `n` more values of the accelerator dimension, one overlay for each.
fn dimension_values(dir: &Path, n: usize) {
    let values: Vec<String> = (0..n).map(|i| format!("acc{i}")).collect();
    let mut text = format!("dimension accelerator += {}\n\n", values.join(" | "));
    for v in &values {
        text.push_str(&format!(
            "overlay {v} {{\n  when accelerator = {v}\n  component cert-manager {{ set {{ {v} = true }} }}\n}}\n"
        ));
    }
    library(dir, &text, "base");
}

#[test]
fn nesting_depth_scales_linearly() {
    assert_scales("depth", 60, nesting_depth);
}

#[test]
fn keys_per_map_scale_linearly() {
    assert_scales("keys", 5_000, keys_per_map);
}

#[test]
fn file_size_scales_linearly() {
    assert_scales("file-size", 2_000, file_size);
}

#[test]
fn chain_length_scales_linearly() {
    assert_scales("chain", 400, chain_length);
}

#[test]
fn overlay_count_scales_linearly() {
    assert_scales("overlays", 400, overlays);
}

#[test]
fn dimension_values_scale_linearly() {
    assert_scales("dimension-values", 100, dimension_values);
}

/// The figures of `docs/performance.md`: each dimension at N, 2N and 4N.
#[test]
#[ignore = "prints figures; run with --release --ignored --nocapture"]
fn scaling_figures() {
    let dims: [(&str, usize, Build); 6] = [
        ("nesting depth (100 paths)", 60, nesting_depth),
        ("keys per map (2 layers)", 5_000, keys_per_map),
        ("set entries in one file", 2_000, file_size),
        ("extends chain length", 400, chain_length),
        ("sibling overlays", 400, overlays),
        ("dimension values", 50, dimension_values),
    ];
    for (name, n, build) in dims {
        let t: Vec<String> = [n, 2 * n, 4 * n]
            .iter()
            .map(|&k| {
                format!(
                    "{k}: {:.1} ms",
                    best_of("fig", k, 3, build).as_secs_f64() * 1e3
                )
            })
            .collect();
        eprintln!("| {name} | {} |", t.join(" | "));
    }
}

#[test]
fn a_set_path_deeper_than_the_nesting_limit_is_refused_in_linear_time() {
    let dir = TempDir::new("deep-set");
    let path = vec!["a"; 20_000].join(".");
    library(
        dir.path(),
        &format!(
            "overlay deep {{\n  {LEAF_WHEN}, intent = training\n  component cert-manager {{ set {{ {path} = 1 }} }}\n}}\n"
        ),
        "base",
    );
    let started = Instant::now();
    let out = run(galley().arg("check").arg(dir.path()));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("galley::syntax::too-deep"), "{err}");
    assert!(
        err.contains("values and dotted keys nest deeper than 255 levels"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_value_240_levels_deep_resolves_and_reads_back() {
    let dir = TempDir::new("deep-ok");
    // 200 path segments and 40 levels of nested maps and lists.
    let path = vec!["a"; 200].join(".");
    let value = format!("{}[1]{}", "{ k = ".repeat(39), " }".repeat(39));
    write(
        dir.path(),
        "overlays/deep.ovl",
        &format!(
            "overlay deep {{\n  when service = kind, accelerator = l40, intent = inference, os = rhel\n  component cert-manager {{ set {{ {path} = {value} }} }}\n}}\n"
        ),
    );
    let recipe = dir.path().join("recipe.yaml");
    let out = run(galley()
        .args(["recipe", "--service", "kind", "--accelerator", "l40"])
        .args(["--intent", "inference", "--os", "rhel", "--data"])
        .arg(dir.path())
        .arg("-o")
        .arg(&recipe));
    assert!(out.status.success(), "{}", stderr(&out));
    for deployer in ["helm", "flux"] {
        let bundle = dir.path().join(deployer);
        let out = run(galley()
            .args([
                "bundle",
                "-d",
                deployer,
                "--repo",
                "https://example.com/r.git",
                "-r",
            ])
            .arg(&recipe)
            .arg("-o")
            .arg(&bundle));
        assert!(out.status.success(), "{deployer}: {}", stderr(&out));
    }
}

/// Two dimensions of 500 added values: 11 million targets, refused before any is built.
fn huge_space(dir: &Path) {
    let values = |p: &str| {
        (0..500)
            .map(|i| format!("{p}{i}"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    write(
        dir,
        "overlays/dims.ovl",
        &format!(
            "dimension accelerator += {}\ndimension service += {}\n",
            values("acc"),
            values("svc")
        ),
    );
}

#[test]
fn coverage_refuses_a_space_over_the_limit_with_its_count() {
    let dir = TempDir::new("space");
    huge_space(dir.path());
    let started = Instant::now();
    let out = run(galley().arg("coverage").arg("--data").arg(dir.path()));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("galley::coverage::space-too-large"), "{err}");
    assert!(
        err.contains("the criteria space has 11521620 targets"),
        "{err}"
    );
    assert!(err.contains("more than the limit of 100000"), "{err}");
    assert!(err.contains("--max-targets"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
    let out = run(galley()
        .args(["coverage", "--max-targets", "1000"])
        .arg("--data")
        .arg("tests/fixtures/data/h200"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("more than the limit of 1000"));
}

#[test]
fn check_skips_the_space_lints_over_the_limit_and_says_so() {
    let dir = TempDir::new("space-check");
    huge_space(dir.path());
    let started = Instant::now();
    let out = run(galley().arg("check").arg("--data").arg(dir.path()));
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("galley::coverage::space-too-large"), "{err}");
    assert!(err.contains("did not run"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
}
